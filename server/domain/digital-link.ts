/**
 * GS1 Digital Link URIs of batches and units: /01/{gtin}/10/{lot}[/21/{serial}] on the
 * configured public base URL. The GTIN is always written as 14 digits and every character of
 * the lot and serial outside RFC 3986's unreserved set is percent-encoded, as GS1 asks.
 */
import { randomBytes } from "node:crypto";
import { batchIdFor, Gs1Error, parseBatchId } from "./gs1";

export function encodeSegment(value: string): string {
  return Array.from(Buffer.from(value, "utf8"))
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** The path of a batch (or of one unit when `serial` is given). `gtin14` must be 14 digits. */
export function digitalLinkPath(gtin14: string, lot: string, serial?: string): string {
  const batch = `/01/${gtin14}/10/${encodeSegment(lot)}`;
  return serial === undefined ? batch : `${batch}/21/${encodeSegment(serial)}`;
}

export function digitalLinkUri(publicBaseUrl: string, gtin14: string, lot: string, serial?: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${digitalLinkPath(gtin14, lot, serial)}`;
}

// Crockford's base32: no I, L, O or U, so a code read aloud or typed by hand is not misread.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const SERIAL_LENGTH = 12;
export const SERIAL_PATTERN = /^[0-9A-HJKMNP-TV-Z]{12}$/;

/** A new unit serial: 12 random Crockford base32 characters (60 bits), hard to guess. */
export function newSerial(): string {
  const bytes = randomBytes(SERIAL_LENGTH);
  let serial = "";
  for (const byte of bytes) serial += CROCKFORD[byte & 31];
  return serial;
}

/** The serial as people read it off a label: three groups of four. */
export function shortCode(serial: string): string {
  return serial.match(/.{1,4}/g)?.join("-") ?? serial;
}

/** A batch id from what was typed or pasted: the id itself, or a link to the batch's page. */
export function batchIdFromReference(reference: string): string | undefined {
  const value = reference.trim();
  try {
    if (/^0x[0-9a-fA-F]{64}$/.test(value)) return canonicalBatchId(value);
    const digitalLink = /\/01\/(\d{8,14})\/10\/([^/?#]+)/.exec(value);
    if (digitalLink) return batchIdFor(digitalLink[1], decodeURIComponent(digitalLink[2]));
    const page = /\/p\/(0x[0-9a-fA-F]{64})(?:[/?#]|$)/.exec(value);
    if (page) return canonicalBatchId(page[1]);
  } catch (error) {
    if (!(error instanceof Gs1Error) && !(error instanceof URIError)) throw error;
  }
  return undefined;
}

function canonicalBatchId(id: string): string {
  parseBatchId(id); // throws unless it is a GTIN and lot
  return id.toLowerCase();
}
