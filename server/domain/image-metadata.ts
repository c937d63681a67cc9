/**
 * Takes the metadata out of a JPEG, PNG or WebP photo without re-encoding it: the pixels' bytes
 * are copied as they are, and what a phone adds about where, when and with what the photo was
 * taken (EXIF with GPS, XMP, IPTC, comments, thumbnails, trailing data) is left behind. The
 * stripped bytes are what the gateway hashes, keeps and serves.
 *
 * - JPEG: drops APP1 (EXIF, XMP), APP3..APP13 and APP15 (IPTC in APP13), the APP2 segments that
 *   are not ICC colour profiles (MPF's extra images, FlashPix), JFIF extensions (thumbnails),
 *   comments (COM) and anything after the end of image. Kept: JFIF (APP0), the ICC profile
 *   (APP2) and Adobe's colour transform (APP14), which decoders need to show the right colours,
 *   and the EXIF orientation alone, rebuilt as a one-entry EXIF, so a photo taken sideways still
 *   shows upright.
 * - PNG: drops the tEXt, zTXt, iTXt, eXIf and tIME chunks and anything after IEND.
 * - WebP: drops the EXIF and XMP chunks (and clears their flags in VP8X) and anything after the
 *   RIFF container.
 * Bytes that do not parse as the format they claim answer undefined: the photo is refused.
 */
export type ImageType = "image/jpeg" | "image/png" | "image/webp";

export function stripImageMetadata(bytes: Buffer, type: ImageType): Buffer | undefined {
  try {
    if (type === "image/jpeg") return stripJpeg(bytes);
    if (type === "image/png") return stripPng(bytes);
    return stripWebp(bytes);
  } catch (error) {
    if (error instanceof RangeError) return undefined; // read past the end: truncated
    throw error;
  }
}

// ---- JPEG ----

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

function stripJpeg(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return undefined;
  const kept: Buffer[] = [bytes.subarray(0, 2)];
  let i = 2;
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    while (bytes[i + 1] === 0xff) i++; // fill bytes before a marker
    const marker = bytes[i + 1];
    if (marker === undefined) return undefined;
    if (marker === EOI) {
      kept.push(bytes.subarray(i, i + 2));
      return Buffer.concat(kept); // whatever follows the image is dropped
    }
    if (marker === SOI) return undefined;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      kept.push(bytes.subarray(i, i + 2)); // markers without a length
      i += 2;
      continue;
    }
    const length = bytes.readUInt16BE(i + 2);
    const end = i + 2 + length;
    if (length < 2 || end > bytes.length) return undefined;
    const segment = bytes.subarray(i, end);
    const payload = bytes.subarray(i + 4, end);
    if (keepJpegSegment(marker, payload)) kept.push(segment);
    else if (marker === APP1 && startsWith(payload, "Exif\0\0")) {
      const orientation = exifOrientation(payload.subarray(6));
      if (orientation !== 1) kept.push(orientationOnlyExif(orientation));
    }
    i = end;
    if (marker === SOS) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      let j = i;
      while (j < bytes.length - 1 && !(bytes[j] === 0xff && bytes[j + 1] !== 0x00 && bytes[j + 1] !== 0xff && !(bytes[j + 1] >= 0xd0 && bytes[j + 1] <= 0xd7))) j++;
      if (j >= bytes.length - 1) return undefined; // no end of image
      kept.push(bytes.subarray(i, j));
      i = j;
    }
  }
  return undefined;
}

function keepJpegSegment(marker: number, payload: Buffer): boolean {
  if (marker === APP0) return startsWith(payload, "JFIF\0");
  if (marker === APP2) return startsWith(payload, "ICC_PROFILE\0");
  if (marker === APP14) return startsWith(payload, "Adobe");
  if (marker >= 0xe0 && marker <= 0xef) return false;
  return marker !== COM;
}

/** The orientation (1..8) in an EXIF TIFF structure's first IFD; 1 (as stored) when there is none. */
function exifOrientation(tiff: Buffer): number {
  if (tiff.length < 8) return 1;
  const order = tiff.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + 12 * k;
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** An APP1 segment whose EXIF holds the orientation and nothing else (big-endian TIFF, one IFD entry). */
function orientationOnlyExif(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // one value
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const header = Buffer.from([0xff, APP1, 0, 0]);
  header.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([header, Buffer.from("Exif\0\0", "latin1"), tiff]);
}

// ---- PNG ----

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_DROPPED = new Set(["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]);

function stripPng(bytes: Buffer): Buffer | undefined {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  const kept: Buffer[] = [PNG_SIGNATURE];
  let i = 8;
  while (i + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(i);
    const type = bytes.toString("latin1", i + 4, i + 8);
    const end = i + 12 + length;
    if (end > bytes.length) return undefined;
    if (!PNG_DROPPED.has(type)) kept.push(bytes.subarray(i, end));
    if (type === "IEND") return Buffer.concat(kept);
    i = end;
  }
  return undefined;
}

// ---- WebP ----

const WEBP_DROPPED = new Set(["EXIF", "XMP "]);
/** VP8X flag bits that announce EXIF and XMP chunks. */
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 12 || bytes.toString("latin1", 0, 4) !== "RIFF" || bytes.toString("latin1", 8, 12) !== "WEBP") return undefined;
  const riffEnd = Math.min(8 + bytes.readUInt32LE(4), bytes.length);
  const kept: Buffer[] = [];
  let i = 12;
  while (i + 8 <= riffEnd) {
    const fourcc = bytes.toString("latin1", i, i + 4);
    const size = bytes.readUInt32LE(i + 4);
    if (i + 8 + size > riffEnd) return undefined;
    const end = Math.min(i + 8 + size + (size & 1), riffEnd);
    if (!WEBP_DROPPED.has(fourcc)) {
      const chunk = Buffer.from(bytes.subarray(i, end));
      if (fourcc === "VP8X" && size >= 1) chunk[8] &= ~(VP8X_EXIF | VP8X_XMP);
      kept.push(chunk);
      if (size & 1 && end === i + 8 + size) kept.push(Buffer.alloc(1)); // the last chunk's missing pad byte
    }
    i = end;
  }
  if (kept.length === 0) return undefined;
  const body = Buffer.concat(kept);
  const header = Buffer.alloc(12);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(4 + body.length, 4);
  header.write("WEBP", 8, "latin1");
  return Buffer.concat([header, body]);
}

function startsWith(bytes: Buffer, text: string): boolean {
  return bytes.length >= text.length && bytes.toString("latin1", 0, text.length) === text;
}
