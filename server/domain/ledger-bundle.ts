/**
 * A ledger bundle: everything public that the chain holds only the hashes of, in one NDJSON file,
 * so that anyone can keep a copy, rebuild a gateway from it or audit without asking a gateway.
 *
 *   line 1     {"type":"ledger-bundle","version":1,"chainId":…,"ledger":"0x…","deployBlock":…,"toBlock":…,"exportedAt":…,"source":…}
 *   then       {"type":"detail","block":…,"logIndex":…,"kind":"event"|"attestation","subject":"0x…","dataHash":"0x…","detail":"<canonical JSON>"}
 *   and        {"type":"photo","hash":"0x…","contentType":"image/jpeg","base64":"…"}
 *
 * A detail travels as a JSON string holding its exact canonical bytes, so that its keccak256 is
 * the chain's data hash. Nothing in a bundle is trusted: every reader checks each detail's and
 * each photo's hash before it keeps or uses it.
 */
import { keccak256, toUtf8Bytes } from "ethers";

export const BUNDLE_VERSION = 1;

export interface BundleHeader {
  type: "ledger-bundle";
  version: number;
  chainId: number;
  ledger: string;
  deployBlock: number;
  /** The last block the exporting gateway had indexed. */
  toBlock: number;
  exportedAt: string;
  /** Where it was exported from (a gateway's public address). */
  source?: string;
}

export interface BundleDetail {
  type: "detail";
  block: number;
  logIndex: number;
  kind: "event" | "attestation";
  subject: string;
  dataHash: string;
  detail: string;
}

export interface BundlePhoto {
  type: "photo";
  hash: string;
  contentType: string;
  base64: string;
}

export type BundleLine = BundleHeader | BundleDetail | BundlePhoto;

const HASH = /^0x[0-9a-f]{64}$/;

/** Whether `detail` is the detail the chain's `dataHash` commits to. */
export function detailMatches(dataHash: string, detail: string): boolean {
  return keccak256(toUtf8Bytes(detail)) === dataHash.toLowerCase();
}

/** Whether `bytes` are the photo the hash names (keccak256 of the bytes, as a harvest's detail names it). */
export function photoMatches(hash: string, bytes: Uint8Array): boolean {
  return keccak256(bytes) === hash.toLowerCase();
}

/**
 * One line of a bundle, checked for shape (not for truth: hashes are checked by whoever keeps a
 * line). Throws naming the line and what is wrong.
 */
export function parseBundleLine(text: string, lineNumber: number): BundleLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`line ${lineNumber}: not JSON`);
  }
  const line = value as Record<string, unknown>;
  const bad = (what: string) => new Error(`line ${lineNumber}: ${what}`);
  if (typeof line !== "object" || line === null) throw bad("not a JSON object");
  switch (line.type) {
    case "ledger-bundle":
      if (line.version !== BUNDLE_VERSION) throw bad(`bundle version ${String(line.version)}, this reads version ${BUNDLE_VERSION}`);
      if (!Number.isSafeInteger(line.chainId) || typeof line.ledger !== "string" || !Number.isSafeInteger(line.deployBlock)) {
        throw bad("the header needs chainId, ledger and deployBlock");
      }
      return line as unknown as BundleHeader;
    case "detail":
      if (typeof line.dataHash !== "string" || !HASH.test(line.dataHash)) throw bad("dataHash must be a lowercase 32-byte hex hash");
      if (typeof line.detail !== "string") throw bad("detail must be the canonical JSON as a string");
      if (!Number.isSafeInteger(line.block) || !Number.isSafeInteger(line.logIndex)) throw bad("block and logIndex must be integers");
      return line as unknown as BundleDetail;
    case "photo":
      if (typeof line.hash !== "string" || !HASH.test(line.hash)) throw bad("hash must be a lowercase 32-byte hex hash");
      if (typeof line.base64 !== "string" || typeof line.contentType !== "string") throw bad("a photo needs contentType and base64");
      return line as unknown as BundlePhoto;
    default:
      throw bad(`unknown line type ${JSON.stringify(line.type)}`);
  }
}
