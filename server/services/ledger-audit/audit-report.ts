/**
 * What an audit finds, as one document: each batch of the lineage with its events as the chain
 * recorded them (who signed, the roles the contract gave the signer then and now, the detail and
 * where it came from), every mismatch between the chain and what a source or the logs say, every
 * event whose detail no source had, and what breaks the ledger's rules.
 *
 * Positions count from 0, as the gateway's API gives them; `number` is the same from 1, as
 * `batch show` prints the journey.
 */
import type { OrgRole } from "../../domain/event-kinds";

/** How an event is named wherever the report points at one. */
export interface EventRef {
  batchId: string;
  gtin: string;
  lot: string;
  position: number;
  number: number;
  kind: string;
  txHash: string;
  blockNumber: number;
  signer: string;
}

export interface AuditedEvent extends EventRef {
  /** The block's time, China Standard Time: 2026-06-01T08:00:05+08:00. */
  time: string;
  logIndex: number;
  dataHash: string;
  /** The roles the contract held for the signer at the event's block, and at the audit's block; null: the node could not say. */
  roles: { atBlock: OrgRole[] | null; now: OrgRole[] | null };
  /** Input batches named on chain (processing). */
  inputs: string[];
  /** A shipment's consignee as the chain names it. */
  consignee?: string;
  /** The head the event gave the batch. */
  head: string;
  /** The detail that hashes to the event's data hash, and which source gave it; null when none did. */
  detail: { source: string; summary: string; organisation?: string; json: Record<string, unknown> | null } | null;
  /** How the event stands after the batch's corrections, by the ledger's rules. */
  status: "live" | "void" | "superseded";
}

export interface AuditedBatch {
  batchId: string;
  gtin: string;
  lot: string;
  /** 0 for the batch audited, 1 for its inputs… */
  depth: number;
  /** The lineage batches made from it. */
  inputOf: string[];
  /** The batches it was made from. */
  inputs: string[];
  chainHead: string;
  recomputedHead: string;
  headMatches: boolean;
  events: AuditedEvent[];
}

/** A batch made from the lineage, outside it, whose events the rules read. */
export interface RelatedBatch {
  batchId: string;
  gtin: string;
  lot: string;
  events: number;
}

export type Mismatch =
  | {
      type: "detail";
      event: EventRef;
      dataHash: string;
      /** The source whose bytes do not hash to the data hash. */
      source: string;
      detailHash: string;
      message: string;
    }
  | {
      type: "head";
      batchId: string;
      gtin: string;
      lot: string;
      chainHead: string;
      recomputedHead: string;
      /** The first event where the logs and the contract's head stop agreeing, when the node could say. */
      event?: EventRef;
      message: string;
    };

export interface MissingDetail {
  event: EventRef;
  dataHash: string;
  /** Whether the event is of a batch read for the rules only (outside the lineage). */
  related: boolean;
  message: string;
}

export interface RuleFinding {
  /** The batch whose rules the event breaks. */
  batchId: string;
  dataHash: string;
  /** The event, when it is one the audit read. */
  event?: EventRef;
  code: string;
  message: string;
  zh: string;
}

export interface DetailSourceReport {
  source: string;
  kind: "url" | "bundle";
  /** How many details it gave that hash to the chain's data hash. */
  details: number;
  problems: string[];
}

export type Verdict = "verified" | "mismatch" | "incomplete";

export interface AuditReport {
  /** verified: every event's detail hashes to the chain's and every head matches headOf. */
  ok: boolean;
  verdict: Verdict;
  batchId: string;
  chain: { endpoint: string; chainId: number; ledger: string; ledgerVersion: number; block: number; fromBlock: number };
  sources: DetailSourceReport[];
  batches: AuditedBatch[];
  related: RelatedBatch[];
  mismatches: Mismatch[];
  missing: MissingDetail[];
  /** The ledger's rules over the chain and the details: warnings, they do not change the verdict. */
  findings: RuleFinding[];
}
