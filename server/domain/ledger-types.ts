/**
 * The shapes every layer shares: a write as a client asks for it, the events it is planned into,
 * and an event as the ledger chains it.
 */
import type { PrivateValue } from "./private-fields";
import type { EventBody, HarvestBody } from "./request-shapes";
import type { EpcisAnnotation } from "./epcis/project-event";

/**
 * A write as the API, the console, a CSV import and an EPCIS capture all hand it to the event
 * service. A captured event brings the EPCIS identifiers it came with (`epcis`), kept in its detail.
 */
export type WriteRequest =
  | { type: "harvest"; body: HarvestBody; epcis?: EpcisAnnotation }
  | { type: "event"; batchId: string; body: EventBody; epcis?: EpcisAnnotation };

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
