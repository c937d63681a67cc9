/**
 * Photos as phones send them, for the attack script and the tests of photo metadata: a bare
 * JPEG, PNG and WebP (what a photo is once its metadata is gone), and the same with EXIF (camera,
 * date, the farm's GPS position), XMP, IPTC, comments and trailing bytes, built here byte by byte.
 */
/** A 2 × 2 baseline JPEG with only a JFIF header: what a photo is once its metadata is gone. */
export const BARE_JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAACAAIBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/ACv/2Q==",
  "base64",
);
/** A 1 × 1 PNG with no text chunks. */
export const BARE_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
/** A 16 × 16 WebP (VP8X with alpha, ALPH, VP8) with no EXIF or XMP. */
export const BARE_WEBP = Buffer.from(
  "UklGRqgBAABXRUJQVlA4WAoAAAAQAAAADwAADwAAQUxQSMMAAAABJ6KokSTleucYX+ffKpmImP90cY3gJjDi4Yt3MsjBEVyDKzDosHgVjnhRNcEIDAJPkqBqsFUZHNa2bUYvTsZ2PLbtd/uvKa4hov9J0f2PkPe6REkkGzolkTTzFG0Ox9PlFiD0CxS+kOGDtxoynjaCfx0pfk52CPuInrOR75lzRugygtv4zEiy90UwfSD9NheMITJWLaXWayO8XeOlWRXVnIGk2W6WdYoYMQ+KqixQNPowgt+6a1BSKbUtz+lUFAoBAAAAVlA4IL4AAACQAgCdASoQABAAAwA0JbACdDBPCIUMfAMdCCz96AD+/XSg/QKbH4r3Q3ycN/bSDK/T/zVo4u6nvclvG/SqxWOuup+XhN9BojvaW+Tv+MvxvX/hr/o/5Qns9LtmX/+qKdl/yWznhuasl7nkxvSTI4xf3Y85VSB/lU/8Ofj/b9JrA+ifvIOYZm2x1RP/dhfmsf5diuSfR7+z+r/+HR3zEo/+XM/B+vkYw73Pzx+ROaAB/ZoBSzEs3rzZe6qsAAAA",
  "base64",
);

/** The farm: 23°41'50.4"N 106°37'12"E, near 田阳. */
export const GPS = { latitude: [[23, 1], [41, 1], [504, 10]], longitude: [[106, 1], [37, 1], [12, 1]] };

/**
 * An EXIF block as a phone writes it (little-endian TIFF): camera make, date taken, optionally an
 * orientation, and a GPS IFD with the farm's latitude and longitude.
 */
export function exifTiff(orientation?: number): Buffer {
  const entries: [number, number, number, Buffer | number][] = []; // tag, type, count, value (inline number or data)
  const make = Buffer.from("Xiaomi\0", "latin1");
  const taken = Buffer.from("2026:06:01 08:00:00\0", "latin1");
  entries.push([0x010f, 2, make.length, make]);
  if (orientation) entries.push([0x0112, 3, 1, orientation]);
  entries.push([0x0132, 2, taken.length, taken]);
  entries.push([0x8825, 4, 1, -1]); // GPS IFD pointer, filled in below
  const rationals = (values: number[][]) => {
    const data = Buffer.alloc(8 * values.length);
    values.forEach(([n, d], k) => {
      data.writeUInt32LE(n, 8 * k);
      data.writeUInt32LE(d, 8 * k + 4);
    });
    return data;
  };
  const gpsEntries: [number, number, number, Buffer | number][] = [
    [0x0001, 2, 2, Buffer.from("N\0", "latin1")],
    [0x0002, 5, 3, rationals(GPS.latitude)],
    [0x0003, 2, 2, Buffer.from("E\0", "latin1")],
    [0x0004, 5, 3, rationals(GPS.longitude)],
  ];
  const ifdSize = (n: number) => 2 + 12 * n + 4;
  const ifd0At = 8;
  const gpsAt = ifd0At + ifdSize(entries.length);
  let dataAt = gpsAt + ifdSize(gpsEntries.length);
  const out = Buffer.alloc(1024);
  out.write("II", 0, "latin1");
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifd0At, 4);
  const writeIfd = (at: number, list: [number, number, number, Buffer | number][]) => {
    out.writeUInt16LE(list.length, at);
    list.forEach(([tag, type, count, value], k) => {
      const entry = at + 2 + 12 * k;
      out.writeUInt16LE(tag, entry);
      out.writeUInt16LE(type, entry + 2);
      out.writeUInt32LE(count, entry + 4);
      if (typeof value === "number") {
        if (type === 3) out.writeUInt16LE(value, entry + 8);
        else out.writeUInt32LE(value === -1 ? gpsAt : value, entry + 8);
      } else if (value.length <= 4) value.copy(out, entry + 8);
      else {
        out.writeUInt32LE(dataAt, entry + 8);
        value.copy(out, dataAt);
        dataAt += value.length + (value.length & 1);
      }
    });
    out.writeUInt32LE(0, at + 2 + 12 * list.length);
  };
  writeIfd(ifd0At, entries);
  writeIfd(gpsAt, gpsEntries);
  return out.subarray(0, dataAt);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** A phone's JPEG: EXIF with GPS, XMP with the position again, a comment, and bytes after the image. */
export function phoneJpeg(orientation?: number): Buffer {
  const exif = jpegSegment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), exifTiff(orientation)]));
  const xmp = jpegSegment(
    0xe1,
    Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude="23,41.84N" exif:GPSLongitude="106,37.2E"/></x:xmpmeta>`, "utf8"),
  );
  const comment = jpegSegment(0xfe, Buffer.from("田阳芒果供深基地 3 号地块", "utf8"));
  const iptc = jpegSegment(0xed, Buffer.from("Photoshop 3.0\0 8BIM city=Tianyang", "latin1"));
  const trailer = Buffer.from("\xff\xd8 second image with its own Exif GPS", "latin1");
  return Buffer.concat([BARE_JPEG.subarray(0, 2), exif, BARE_JPEG.subarray(2, 20), xmp, comment, iptc, BARE_JPEG.subarray(20), trailer]);
}

export const containsMetadata = (bytes: Buffer) =>
  ["Exif", "GPS", "xmpmeta", "Xiaomi", "2026:06:01", "Tianyang", "田阳"].filter((needle) => bytes.includes(Buffer.from(needle, "utf8")));

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** BARE_PNG with a tEXt, an eXIf and a tIME chunk after IHDR, an iTXt (XMP) before IEND, and bytes after it. */
export function taggedPng(): Buffer {
  const iend = BARE_PNG.length - 12;
  return Buffer.concat([
    BARE_PNG.subarray(0, 33),
    pngChunk("tEXt", Buffer.from("Comment\0GPS 23.6973N 106.62E Tianyang", "latin1")),
    pngChunk("eXIf", exifTiff()),
    pngChunk("tIME", Buffer.from([0x07, 0xea, 6, 1, 8, 0, 0])),
    BARE_PNG.subarray(33, iend),
    pngChunk("iTXt", Buffer.from("XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta GPS=\"23.69N\"/>", "latin1")),
    BARE_PNG.subarray(iend),
    Buffer.from("trailing GPS"),
  ]);
}

/** BARE_WEBP with EXIF and XMP chunks, announced in its VP8X flags, and the RIFF size to match. */
export function taggedWebp(): Buffer {
  const chunk = (fourcc: string, data: Buffer) => {
    const header = Buffer.alloc(8);
    header.write(fourcc, 0, "latin1");
    header.writeUInt32LE(data.length, 4);
    return Buffer.concat([header, data, Buffer.alloc(data.length & 1)]);
  };
  const body = Buffer.concat([BARE_WEBP.subarray(12), chunk("EXIF", exifTiff()), chunk("XMP ", Buffer.from("<x:xmpmeta GPS='23.69N'/>", "latin1"))]);
  const tagged = Buffer.concat([Buffer.from("RIFF", "latin1"), Buffer.alloc(4), Buffer.from("WEBP", "latin1"), body]);
  tagged.writeUInt32LE(4 + body.length, 4);
  tagged[20] |= 0x08 | 0x04; // VP8X: EXIF and XMP present
  return tagged;
}
