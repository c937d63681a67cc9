/**
 * The audit of one batch of the lineage, once its chain history is read and the details are
 * resolved: each event with its block time (China Standard Time), signer and the roles the
 * contract held for it then and now, its detail and the source that gave it (or that none did);
 * and the head the logs give against the contract's headOf, with where they stop agreeing.
 */
import type { ChainedEvent } from "../../chain/ledger-events";
import { CHINA_OFFSET_MS } from "../../domain/china-dates";
import { eventKindName } from "../../domain/event-kinds";
import type { AuditedBatch, AuditedEvent, EventRef, Mismatch, MissingDetail } from "./audit-report";
import { locateHeadBreak, type ChainBatch, type ChainView, type HeadBreak } from "./batch-history";
import type { ResolvedDetails } from "./detail-sources";
import { organisationOf, summarizeDetail } from "./event-summary";
import type { LineageBatch } from "./lineage-walk";
import type { RolesAtBlock } from "./roles-at-block";

export interface BatchAuditContext {
  chain: ChainView;
  details: ResolvedDetails;
  roles: RolesAtBlock;
  blockTime(blockNumber: number): Promise<number>;
  /** How an event stands after its batch's corrections. */
  statusOf(batchId: string, dataHash: string): AuditedEvent["status"];
}

export interface BatchAudit {
  batch: AuditedBatch;
  headMismatch?: Mismatch;
  missing: MissingDetail[];
}

export async function auditBatch(batch: LineageBatch, context: BatchAuditContext): Promise<BatchAudit> {
  const events = await Promise.all(batch.events.map((chained, position) => auditEvent(batch, chained, position, context)));
  const missing = events
    .filter((event) => event.detail === null)
    .map((event) => missingDetail(refOf(batch, batch.events[event.position], event.position), event.dataHash, false, context));
  const headMatches = batch.chainHead === batch.recomputedHead;
  const audited: AuditedBatch = {
    batchId: batch.batchId,
    gtin: batch.gtin,
    lot: batch.lot,
    depth: batch.depth,
    inputOf: batch.inputOf,
    inputs: batch.inputs,
    chainHead: batch.chainHead,
    recomputedHead: batch.recomputedHead,
    headMatches,
    events,
  };
  return { batch: audited, missing, ...(headMatches ? {} : { headMismatch: await headMismatch(batch, context.chain) }) };
}

async function auditEvent(batch: ChainBatch, chained: ChainedEvent, position: number, context: BatchAuditContext): Promise<AuditedEvent> {
  const { event, signer, blockNumber, logIndex, head } = chained;
  const dataHash = event.dataHash.toLowerCase();
  const kind = eventKindName(event.kind);
  const [timestamp, atBlock, now] = await Promise.all([
    context.blockTime(blockNumber),
    context.roles.rolesOf(signer, blockNumber),
    context.roles.rolesOf(signer, context.chain.atBlock),
  ]);
  const found = context.details.details.get(dataHash);
  let detail: AuditedEvent["detail"] = null;
  if (found) {
    const json = parseObject(found.text);
    detail = {
      source: found.source,
      summary: json ? summarizeDetail(kind, json) : "(the detail is not a JSON object)",
      ...(json && organisationOf(json) ? { organisation: organisationOf(json) } : {}),
      json,
    };
  }
  const counterparty = event.counterparty.toLowerCase();
  return {
    ...refOf(batch, chained, position),
    time: chinaTime(timestamp),
    logIndex,
    dataHash,
    roles: { atBlock, now },
    inputs: event.inputs.map((i) => i.toLowerCase()),
    ...(/^0x0{40}$/.test(counterparty) ? {} : { consignee: event.counterparty }),
    head,
    detail,
    status: context.statusOf(batch.batchId, dataHash),
  };
}

/** How the report names an event of a batch. */
export function refOf(batch: Pick<ChainBatch, "batchId" | "gtin" | "lot">, chained: ChainedEvent, position: number): EventRef {
  return {
    batchId: batch.batchId,
    gtin: batch.gtin,
    lot: batch.lot,
    position,
    number: position + 1,
    kind: eventKindName(chained.event.kind),
    txHash: chained.txHash,
    blockNumber: chained.blockNumber,
    signer: chained.signer,
  };
}

/** "event 2 (shipment) of 06901234567892 / TY-1, tx 0x…, signer 0x…" */
export function eventWords(ref: EventRef): string {
  return `event ${ref.number} (${ref.kind}) of ${ref.gtin} / ${ref.lot}, block ${ref.blockNumber}, tx ${ref.txHash}, signer ${ref.signer}`;
}

export function missingDetail(ref: EventRef, dataHash: string, related: boolean, context: Pick<BatchAuditContext, "details">): MissingDetail {
  const tried = [...context.details.problems.keys()];
  const where = tried.length ? `no source gave bytes that hash to it (tried ${tried.join(", ")})` : "no source was given (--details)";
  return {
    event: ref,
    dataHash,
    related,
    message: `no detail found for ${eventWords(ref)}: data hash ${dataHash}, ${where}`,
  };
}

async function headMismatch(batch: ChainBatch, chain: ChainView): Promise<Mismatch> {
  const at = await locateHeadBreak(chain, batch);
  const name = `${batch.gtin} / ${batch.lot}`;
  const base = `batch ${name}: the head recomputed from the chain's logs is ${batch.recomputedHead}, the contract's headOf is ${batch.chainHead}`;
  const mismatch = { type: "head" as const, batchId: batch.batchId, gtin: batch.gtin, lot: batch.lot, chainHead: batch.chainHead, recomputedHead: batch.recomputedHead };
  const hint = chain.fromBlock > 0 ? ` (logs before block ${chain.fromBlock} were not read: --from-block)` : "";
  const where = whereWords(at, batch, hint);
  const event = at.at === "events" ? refOf(batch, batch.events[at.first], at.first) : at.at === "after" ? refOf(batch, batch.events[at.last], at.last) : undefined;
  return { ...mismatch, ...(event ? { event } : {}), message: `${base}; ${where}` };
}

function whereWords(at: HeadBreak, batch: ChainBatch, hint: string): string {
  switch (at.at) {
    case "events": {
      const which = at.first === at.last ? `event ${at.first + 1} (${kindAt(batch, at.first)})` : `events ${at.first + 1}–${at.last + 1}, in the same block`;
      return `they stop agreeing at ${which}: after block ${at.block} the contract's head is ${at.chainHead}, the logs give ${at.recomputedHead}${hint}`;
    }
    case "after":
      return `the contract agreed after every block with an event, up to event ${at.last + 1} (${kindAt(batch, at.last)}, block ${at.block}): its head changed later, with no event logged`;
    case "no-events":
      return `the contract holds a head but the logs hold no event of the batch${hint}`;
    case "unknown":
      return `where they stop agreeing cannot be said: ${at.reason}`;
  }
}

function kindAt(batch: ChainBatch, position: number): string {
  return eventKindName(batch.events[position].event.kind);
}

/** A block's time (seconds) in China Standard Time: 2026-06-01T08:00:05+08:00. */
export function chinaTime(seconds: number): string {
  return `${new Date(seconds * 1000 + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
