/**
 * GS1 identifiers of a batch and the ledger's batch id, which packs them into one word:
 * bytes 0-5 the GTIN as a big-endian integer, bytes 6-25 the lot (GS1 AI 10) right-padded
 * with zero bytes, bytes 26-31 zero. The contract accepts only ids of this form, so one QR URI
 * (`/01/{gtin}/10/{lot}`) names exactly one batch and the id names its URI.
 */
export class Gs1Error extends Error {
  constructor(
    readonly field: "gtin" | "lot" | "batchId",
    message: string,
  ) {
    super(message);
    this.name = "Gs1Error";
  }
}

const LOT_MAX_LENGTH = 20;
// GS1 character set 82, the characters AI 10 allows.
const LOT_PATTERN = /^[!"%-?A-Z_a-z]{1,20}$/;
const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/** The GS1 check digit for the digits of a GTIN without its last (check) digit. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** A GTIN-8, -12, -13 or -14 as the 14 digits GS1 Digital Link uses; throws when invalid. */
export function normalizeGtin(gtin: string): string {
  if (!/^\d+$/.test(gtin) || !GTIN_LENGTHS.has(gtin.length)) {
    throw new Gs1Error("gtin", "GTIN must be 8, 12, 13 or 14 digits");
  }
  const padded = gtin.padStart(14, "0");
  if (/^0+$/.test(padded)) throw new Gs1Error("gtin", "GTIN must not be zero");
  if (gtinCheckDigit(padded.slice(0, 13)) !== Number(padded[13])) {
    throw new Gs1Error("gtin", "GTIN check digit is wrong");
  }
  return padded;
}

export function isValidGtin(gtin: string): boolean {
  try {
    normalizeGtin(gtin);
    return true;
  } catch {
    return false;
  }
}

/** Throws unless `lot` is 1 to 20 characters of GS1's character set 82. */
export function assertValidLot(lot: string): void {
  if (!LOT_PATTERN.test(lot)) {
    throw new Gs1Error("lot", `lot must be 1 to ${LOT_MAX_LENGTH} characters of GS1 character set 82 (A-Z a-z 0-9 and !"%&'()*+,-./:;<=>?_)`);
  }
}

/** The ledger's batch id (0x-prefixed, 32 bytes) for a GTIN and lot. */
export function batchIdFor(gtin: string, lot: string): string {
  const gtin14 = normalizeGtin(gtin);
  assertValidLot(lot);
  const gtinHex = BigInt(gtin14).toString(16).padStart(12, "0");
  const lotHex = Buffer.from(lot, "ascii").toString("hex").padEnd(LOT_MAX_LENGTH * 2, "0");
  return `0x${gtinHex}${lotHex}${"0".repeat(12)}`;
}

/** The GTIN (14 digits) and lot a batch id stands for; throws when the id is not well formed. */
export function parseBatchId(batchId: string): { gtin: string; lot: string } {
  if (!/^0x[0-9a-fA-F]{64}$/.test(batchId)) throw new Gs1Error("batchId", "batch id must be 32 bytes of hex");
  const hex = batchId.slice(2).toLowerCase();
  const gtin = BigInt(`0x${hex.slice(0, 12)}`).toString().padStart(14, "0");
  const lot = Buffer.from(hex.slice(12, 52), "hex").toString("latin1").replace(/\0+$/, "");
  try {
    if (batchIdFor(gtin, lot) !== `0x${hex}`) throw new Gs1Error("batchId", "batch id is not canonical");
  } catch (error) {
    if (error instanceof Gs1Error) throw new Gs1Error("batchId", `batch id is not a GS1 batch id: ${error.message}`);
    throw error;
  }
  return { gtin, lot };
}
