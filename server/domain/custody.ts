/**
 * Who holds a batch, as its head commits to it (mirrors contracts/libraries/Custody.sol): the
 * holders — the creator first, then each organisation that received the batch, in order — and
 * the pending consignees a shipment named that have not received it yet. Every reader that
 * recomputes heads (the gateway when it signs, the relayer when it proves, the indexer, an
 * audit) follows the same transitions:
 * - a batch is created held by its creator;
 * - a shipment adds its counterparty to the pending ones (unless it is pending already);
 * - a receipt moves its signer from the pending ones to the holders (appended unless it is one);
 * - every other event leaves the custody as it was.
 */
import { keccak256 } from "ethers";
import { EventKind } from "./event-kinds";

export interface Custody {
  /** Lower-case addresses. */
  holders: string[];
  pending: string[];
}

/** What the contract lets one head commit to. */
export const MAX_CUSTODIANS = 32;

export function custodyOfCreator(creator: string): Custody {
  return { holders: [creator.toLowerCase()], pending: [] };
}

/** keccak256(abi.encode(holders.length, pending.length, holders..., pending...)). */
export function custodyHash(custody: Custody): string {
  const words = [
    custody.holders.length.toString(16).padStart(64, "0"),
    custody.pending.length.toString(16).padStart(64, "0"),
    ...[...custody.holders, ...custody.pending].map((address) => address.slice(2).toLowerCase().padStart(64, "0")),
  ];
  return keccak256(`0x${words.join("")}`);
}

/**
 * The custody after an event of `kind` by `signer` (with the shipment's `counterparty`), or the
 * creator's for an event that creates the batch (`before` undefined).
 */
export function custodyAfter(before: Custody | undefined, kind: number, signer: string, counterparty: string): Custody {
  const who = signer.toLowerCase();
  if (!before) return custodyOfCreator(who);
  if (kind === EventKind.Shipment) {
    const to = counterparty.toLowerCase();
    return before.pending.includes(to) ? before : { holders: before.holders, pending: [...before.pending, to] };
  }
  if (kind === EventKind.Receipt && before.pending.includes(who)) {
    return {
      holders: before.holders.includes(who) ? before.holders : [...before.holders, who],
      pending: before.pending.filter((address) => address !== who),
    };
  }
  return before;
}

/** Whether `address` holds the batch (may process, ship or sell it). */
export function holds(custody: Custody, address: string): boolean {
  return custody.holders.includes(address.toLowerCase());
}

/** Whether `address` may record the batch's receipt. */
export function awaits(custody: Custody, address: string): boolean {
  return custody.pending.includes(address.toLowerCase());
}

/** Kept as JSON in the send queue and the index. */
export function encodeCustody(custody: Custody): string {
  return JSON.stringify(custody);
}

export function decodeCustody(text: string | null | undefined): Custody | undefined {
  if (!text) return undefined;
  const parsed = JSON.parse(text) as Custody;
  return { holders: parsed.holders.map((a) => a.toLowerCase()), pending: parsed.pending.map((a) => a.toLowerCase()) };
}
