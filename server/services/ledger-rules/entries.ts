/**
 * What the ledger's rules read: a batch's events as entries in ledger order, with their
 * off-chain detail where it is known, the events of other batches that drew on it (splits and
 * merges naming it as an input), and the recalls of the batches it was made from. The gateway
 * builds them from its index and send queue (accepted view) or from the index alone (the chain's
 * view); an independent audit builds them from the chain's logs and the public details.
 */
import { OCCURRED_AT_FIELD, type EventKindName } from "../../domain/event-kinds";

/**
 * Where an entry stands in the ledger: [0, block, log index] on chain, [1, send-queue seq, 0]
 * while on its way (after everything on chain). Comparable across batches.
 */
export type LedgerOrder = readonly [number, number, number];

export interface LedgerEntry {
  /** The event's data hash: what a correction names it by. */
  ref: string;
  batchId: string;
  kind: EventKindName;
  /** The signer's address, lowercase. */
  signer: string;
  /** The event's off-chain detail; undefined when it is not known here. */
  detail?: Record<string, unknown>;
  /** Input batches named on chain (processing), lowercase. */
  inputs: string[];
  /** A shipment's consignee as the chain names it (the event's counterparty), when known. */
  counterparty?: string;
  order: LedgerOrder;
  /** When the chain recorded it (ms since the epoch); undefined while on its way. */
  chainTime?: number;
  /** The id the gateway gave the event, when it was written through a gateway. */
  eventId?: string;
  /** A draw only: its own batch declared it void. */
  voided?: boolean;
}

/** A batch this one was made from (directly or not) that is recalled. */
export interface AncestorRecall {
  batchId: string;
  lot: string;
  order: LedgerOrder;
  reason: string | null;
}

export interface BatchEntries {
  batchId: string;
  /** The batch's own events, in ledger order. */
  own: LedgerEntry[];
  /** Events of other batches that name this one as an input, in ledger order. */
  draws: LedgerEntry[];
  ancestorRecalls: AncestorRecall[];
}

/** A rule an entry breaks, in both languages. */
export interface Finding {
  /** The entry's ref (data hash). */
  ref: string;
  code: string;
  /** The request field at fault, when the entry is being written. */
  field?: string;
  en: string;
  zh: string;
}

export function compareOrder(a: LedgerOrder, b: LedgerOrder): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export { OCCURRED_AT_FIELD };

export function occurredAt(entry: { kind: EventKindName; detail?: Record<string, unknown> }): string | undefined {
  const field = OCCURRED_AT_FIELD[entry.kind];
  const value = field ? entry.detail?.[field] : undefined;
  return typeof value === "string" ? value : undefined;
}
