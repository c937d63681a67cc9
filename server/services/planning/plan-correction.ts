/**
 * A correction (EPCIS errorDeclaration): a new signed event on the batch that declares an
 * earlier one void, or superseded by corrected facts. The original is never edited. The
 * correction is accepted only if the batch's history, replayed with it, breaks no rule it did
 * not break before: a receipt cannot lose its shipment, a sale cannot lose the stock it sold.
 */
import { EventKind } from "../../domain/event-kinds";
import { notFound } from "../../domain/errors";
import { parseBatchId } from "../../domain/gs1";
import type { PlannedEvent } from "../../domain/ledger-types";
import type { CorrectionBody, EventBody, HarvestBody } from "../../domain/request-shapes";
import { occurredAt, type LedgerEntry } from "../ledger-rules/entries";
import { RULES } from "../ledger-rules/rule-messages";
import { harvestFacts } from "./plan-harvest";
import { receiptFacts, shipmentFacts } from "./plan-movement";
import { refusal, type PlanContext } from "./plan-context";

export interface CorrectionTarget {
  batchId: string;
  head: string;
  /** The batch and data hash of an event the gateway gave this id. */
  eventById(eventId: string): { batchId: string; dataHash: string } | undefined;
}

export function planCorrection(context: PlanContext, target: CorrectionTarget, body: CorrectionBody): PlannedEvent[] {
  const { batchId } = target;
  const entries = context.facts.entries(batchId);
  const corrected = correctedEntry(target, entries.own, body.corrects);
  const replacement = body.replacement ? replacementFacts(context, batchId, corrected, body.replacement) : undefined;
  const detail = {
    ...context.common(),
    type: "correction",
    batch: { id: batchId, ...parseBatchId(batchId) },
    corrects: corrected.ref,
    correctsKind: corrected.kind,
    ...(corrected.eventId ? { correctsEventId: corrected.eventId } : {}),
    declaration: body.declaration,
    reason: body.reason,
    ...(replacement ? { replacement } : {}),
  };
  const planned = context.planned(batchId, EventKind.Correction, target.head, detail, []);
  const entry = context.entryOf(planned, "correction");

  // The history replayed with the correction must break no rule it did not break before.
  const before = context.facts.ledger(batchId).findings;
  const after = context.facts.foldWith({ ...entries, own: [...entries.own, entry] }).findings;
  const fresh = after.filter((f) => !before.some((b) => b.ref === f.ref && b.code === f.code));
  const ownProblem = fresh.find((f) => f.ref === entry.ref);
  if (ownProblem) throw refusal(ownProblem, "corrects");
  if (fresh.length > 0) {
    const later = [...entries.own, ...entries.draws].find((e) => e.ref === fresh[0].ref);
    throw refusal(RULES.correctionBreaks(fresh[0], later && { kind: later.kind, at: occurredAt(later), eventId: later.eventId }), "corrects");
  }
  return [planned];
}

/** The earlier event of the batch named by its event id or data hash. */
function correctedEntry(target: CorrectionTarget, own: LedgerEntry[], reference: string): LedgerEntry {
  let ref = reference.toLowerCase();
  if (!ref.startsWith("0x")) {
    const event = target.eventById(reference);
    if (!event || event.batchId.toLowerCase() !== target.batchId) throw notFound(`no event ${reference} on this batch`, "corrects");
    ref = event.dataHash.toLowerCase();
  }
  const entry = own.find((e) => e.ref === ref);
  if (!entry) throw notFound(`no event with data hash ${ref} on this batch`, "corrects");
  return entry;
}

/** The corrected facts, checked and completed as a new event of that type would be. */
function replacementFacts(context: PlanContext, batchId: string, corrected: LedgerEntry, replacement: NonNullable<CorrectionBody["replacement"]>): Record<string, unknown> {
  if (replacement.type !== corrected.kind) throw refusal(RULES.replacementKind(corrected.kind), "replacement.type");
  const earlier = corrected.detail ?? {};
  switch (replacement.type) {
    case "harvest":
      return harvestFacts(context, replacement as HarvestBody & { type: "harvest" }, "replacement.");
    case "shipment": {
      const body = { ...replacement, quantity: replacement.quantity ?? (earlier.quantity as typeof replacement.quantity) };
      return shipmentFacts(context, batchId, body, "replacement.");
    }
    case "receipt":
      return { ...receiptFacts(context, batchId, replacement, "replacement."), quantity: earlier.quantity };
    case "sale":
      context.checkNotFuture("replacement.soldAt", replacement.soldAt);
      return { ...(replacement as Extract<EventBody, { type: "sale" }>) };
  }
}
