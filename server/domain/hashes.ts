/**
 * The hashes every layer speaks of: the empty head of a batch not yet on chain, the recall flag
 * a head carries in its low byte, and the hash of an event's off-chain detail.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalize } from "./canonical-json";

/** The head of a batch with no event, and the "no batch" of a product-line certification. */
export const ZERO_HASH = `0x${"0".repeat(64)}`;
/** The low bit of a head's flag byte: some event of the batch was a recall. */
export const RECALLED_FLAG = 0x01n;

/** keccak256 of the RFC 8785 canonical JSON of an event's off-chain detail. */
export function hashDetail(detail: unknown): string {
  return keccak256(toUtf8Bytes(canonicalize(detail)));
}

export function isRecalledHead(head: string): boolean {
  return (BigInt(head) & RECALLED_FLAG) !== 0n;
}
