/**
 * Which events a correction declared void or superseded, as the console's lists show them (the
 * original struck through, with the reason), and which events an organisation may still correct.
 * A correction names the event it corrects by its data hash (and by the id the gateway gave it);
 * the latest one accepted for an event is the one that stands. Failed corrections count for
 * nothing.
 */
import { EventKind, eventKindName } from "../../domain/event-kinds";
import { hashDetail } from "../../domain/hashes";
import type { AcceptedBatchReads, AcceptedEvent } from "../../store/accepted-batch-reads";
import type { Org } from "../../store/org-repository";

export interface CorrectionMark {
  declaration: "void" | "supersede";
  reason: string;
  /** The id of the correction event. */
  by: string;
}

/** Kinds of event a correction may void; of these, shipment, receipt and sale are also corrected on the console's forms. */
const VOIDABLE = new Set(["harvest", "processing", "shipment", "receipt", "sale"]);

/** The corrections standing on the events of these batches, by the corrected event's id. */
export function correctionMarks(reads: AcceptedBatchReads, batchIds: Iterable<string>): Map<string, CorrectionMark> {
  const marks = new Map<string, CorrectionMark>();
  for (const batchId of new Set(batchIds)) marksOf(reads.events(batchId), marks);
  return marks;
}

/** The corrections among `events` (one batch's, in order), added to `marks`. */
export function marksOf(events: readonly AcceptedEvent[], marks = new Map<string, CorrectionMark>()): Map<string, CorrectionMark> {
  const byHash = new Map<string, string>();
  for (const event of events) {
    if (event.status === "failed") continue;
    if (event.kind !== EventKind.Correction) {
      byHash.set(hashDetail(event.detail).toLowerCase(), event.eventId);
      continue;
    }
    const d = event.detail;
    const target = typeof d.correctsEventId === "string" ? d.correctsEventId : byHash.get(String(d.corrects ?? "").toLowerCase());
    if (!target) continue;
    marks.set(target, { declaration: d.declaration === "supersede" ? "supersede" : "void", reason: String(d.reason ?? ""), by: event.eventId });
  }
  return marks;
}

/**
 * Whether `org` may correct this event from the console: its own (`ownedBy` is the id of the
 * organisation that recorded it), of a correctable kind, not failed, not void already.
 */
export function mayCorrect(event: { eventId: string; kind: number; status: string }, ownedBy: string, org: Org, marks: Map<string, CorrectionMark>): boolean {
  if (ownedBy !== org.id || event.status === "failed") return false;
  if (!VOIDABLE.has(eventKindName(event.kind))) return false;
  return marks.get(event.eventId)?.declaration !== "void";
}

export function correctionPath(eventId: string): string {
  return `/console/events/${eventId}/correct`;
}
