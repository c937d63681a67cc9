/**
 * The shapes every layer shares: a write as a client asks for it, the events it is planned into,
 * and an event as the ledger chains it.
 */
import type { PrivateValue } from "./private-fields";
import type { EventBody, HarvestBody } from "./request-shapes";

/** A write as the API, the console and a CSV import all hand it to the event service. */
export type WriteRequest = { type: "harvest"; body: HarvestBody } | { type: "event"; batchId: string; body: EventBody };

/** One event as the contract hashes and chains it (its detail travels off chain, by hash). */
export interface LedgerEvent {
  batchId: string;
  kind: number;
  prevHead: string;
  dataHash: string;
  inputs: string[];
  /** The organisation a shipment goes to; the zero address for every other kind. */
  counterparty: string;
}

/** One event of a write, planned and not yet sent. */
export interface PlannedEvent {
  id: string;
  event: LedgerEvent;
  /** RFC 8785 canonical JSON of the public detail (private fields as commitments); its keccak256 is event.dataHash. */
  detail: string;
  /** The private fields' values and salts (private-fields.ts): kept by this gateway, never published. */
  privateValues: PrivateValue[];
}
