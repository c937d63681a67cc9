/**
 * Harvest photos from a multipart form: JPEG, PNG or WebP (recognised by their bytes, not by
 * what the browser claims), at most 5 MB each, stripped of their metadata (EXIF with the farm's
 * GPS position, XMP, comments: domain/image-metadata.ts) and addressed by the keccak256 of the
 * stripped bytes, which are what is kept, served and named on chain. The
 * bytes are stored before the harvest is written, so a hash on chain always has its photo; a
 * write that is then refused takes the photos it alone brought with it.
 */
import { readFileSync } from "node:fs";
import { keccak256 } from "ethers";
import { stripImageMetadata } from "../../domain/image-metadata";
import type { Lang } from "../../html/i18n";
import type { Photo, PhotoRepository, PhotoType } from "../../store/photo-repository";
import { messages } from "../messages";

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS = 10;

const M = messages({
  zh: {
    tooBig: (name: string) => `${name} 超过 5 MB，请压缩后再上传。`,
    notImage: (name: string) => `${name} 不是 JPEG、PNG 或 WebP 图片。`,
    tooMany: `最多上传 ${MAX_PHOTOS} 张照片。`,
  },
  en: {
    tooBig: (name: string) => `${name} is larger than 5 MB: make it smaller and upload it again.`,
    notImage: (name: string) => `${name} is not a JPEG, PNG or WebP image.`,
    tooMany: `Upload at most ${MAX_PHOTOS} photos.`,
  },
});

/** Recognises the three image formats the console accepts by their first bytes. */
export function imageTypeOf(bytes: Buffer): PhotoType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes.length >= 12 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") return "image/webp";
  return undefined;
}

/** The photos uploaded in form field `fieldName`, or the reason they cannot be taken. */
export function readPhotos(files: unknown, fieldName: string, orgId: string, lang: Lang): { photos: Photo[]; error?: string } {
  const uploads = (Array.isArray(files) ? (files as Express.Multer.File[]) : []).filter((f) => f.fieldname === fieldName && f.size > 0);
  const t = M[lang];
  if (uploads.length > MAX_PHOTOS) return { photos: [], error: t.tooMany };
  const photos: Photo[] = [];
  for (const upload of uploads) {
    if (upload.size > MAX_PHOTO_BYTES) return { photos: [], error: t.tooBig(upload.originalname) };
    // The form was read to disk (console/uploads); the photo is read back only once it fits.
    const sent = readFileSync(upload.path);
    const contentType = imageTypeOf(sent);
    // Metadata goes before the photo is hashed: the hash on chain is of the bytes served.
    const bytes = contentType && stripImageMetadata(sent, contentType);
    if (!contentType || !bytes) return { photos: [], error: t.notImage(upload.originalname) };
    const hash = keccak256(bytes);
    if (!photos.some((photo) => photo.hash === hash)) photos.push({ hash, orgId, contentType, bytes });
  }
  return { photos };
}

/**
 * Stores photos for the duration of a write. If the write fails, the photos this call added
 * are removed again, unless another write in flight brought the same photo or an accepted
 * harvest names it.
 */
export class PhotoUploads {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly repository: PhotoRepository) {}

  async storeFor<T>(photos: readonly Photo[], write: () => Promise<T>): Promise<T> {
    const added = this.repository.saveNew(photos);
    for (const { hash } of photos) this.inFlight.set(hash, (this.inFlight.get(hash) ?? 0) + 1);
    let refused = false;
    try {
      return await write();
    } catch (error) {
      refused = true;
      throw error;
    } finally {
      this.release(photos);
      if (refused) this.repository.removeUnreferenced(added.filter((hash) => !this.inFlight.has(hash)));
    }
  }

  private release(photos: readonly Photo[]): void {
    for (const { hash } of photos) {
      const holders = (this.inFlight.get(hash) ?? 0) - 1;
      if (holders > 0) this.inFlight.set(hash, holders);
      else this.inFlight.delete(hash);
    }
  }
}
