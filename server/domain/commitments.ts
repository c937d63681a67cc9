/**
 * Salted commitments to private values: what a public detail holds in place of a value that only
 * its owner may read (a sale's amount, a field the writer marks private).
 *
 *   salt       = "0x" + 64 lowercase hex digits: 32 random bytes, a new one for every value
 *   commitment = keccak256(UTF-8(RFC 8785 canonical JSON of {"salt": salt, "value": value}))
 *
 * e.g. {"salt":"0x5f…","value":123.45}. Without the salt a commitment confirms no guess: trying
 * every amount means trying 2^256 salts for each. With the salt and the value, which the owner's
 * gateway keeps and hands only to the owner, anyone checks it with `verifyOpening`.
 */
import { randomBytes } from "node:crypto";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalize } from "./canonical-json";

/** What opens a commitment: its salt and the value committed to. */
export interface Opening {
  salt: string;
  value: unknown;
}

export const SALT_PATTERN = /^0x[0-9a-f]{64}$/;

/** A fresh salt: 32 bytes from the operating system's random source. */
export function newSalt(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}

/** The commitment to `value` under `salt`, 0x-prefixed lowercase hex. */
export function commitmentOf(opening: Opening): string {
  return keccak256(toUtf8Bytes(canonicalize({ salt: opening.salt, value: opening.value })));
}

/** Whether {salt, value} opens `commitment`: what an auditor runs on what the owner shows. */
export function verifyOpening(commitment: string, opening: Opening): boolean {
  if (typeof opening.salt !== "string" || !SALT_PATTERN.test(opening.salt)) return false;
  try {
    return commitmentOf(opening) === commitment.toLowerCase();
  } catch {
    return false; // a value that is not JSON (NaN, a lone surrogate) opens nothing
  }
}
