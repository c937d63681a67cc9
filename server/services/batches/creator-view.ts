/**
 * One batch as its creator sees it: every event the gateway accepted for it with each one's way
 * to the chain (failed ones included), what the index says (recalled, events on chain), the
 * batches split off it and its unit serials. Only the organisation that created the batch may
 * see it this way.
 */
import { EventKind } from "../../domain/event-kinds";
import { Gs1Error, parseBatchId } from "../../domain/gs1";
import type { AcceptedEvent, AcceptedBatchReads, Creation, Draw } from "../../store/accepted-batch-reads";
import type { Org } from "../../store/org-repository";

export interface BatchCreatorView {
  batchId: string;
  gtin: string;
  lot: string;
  /** The event that created the batch, as accepted here (undefined: only the chain knows it). */
  creation: Creation | undefined;
  creator: string;
  events: AcceptedEvent[];
  /** What the index holds; undefined while the batch is not on chain (yet). */
  chain: { recalled: boolean; eventCount: number } | undefined;
  splitInto: Draw[];
  serialCount: number;
}

/** Why there is no creator's view: no such batch (nor a well-formed id), or another creator's. */
export type NoCreatorView = "not-found" | "not-creator";

/** Whether any write of the batch is still on its way to the chain. */
export function hasUnsettled(view: BatchCreatorView): boolean {
  return view.events.some((event) => event.status === "pending" || event.status === "submitted");
}

/** Recalled on chain, or a recall accepted and on its way. */
export function recallState(view: BatchCreatorView): "recalled" | "recalling" | "none" {
  if (view.chain?.recalled) return "recalled";
  return view.events.some((e) => e.kind === EventKind.Recall && e.status !== "failed") ? "recalling" : "none";
}

/**
 * The batch `batchId` (as a route gave it) for `org`. `chainCreator` answers who created a
 * batch the gateway did not accept itself (one only the chain knows).
 */
export function creatorView(
  reads: AcceptedBatchReads,
  chainCreator: (batchId: string) => string | undefined,
  batchId: string,
  org: Org,
): BatchCreatorView | NoCreatorView {
  let key: { gtin: string; lot: string };
  try {
    key = parseBatchId(batchId);
  } catch (error) {
    if (error instanceof Gs1Error) return "not-found";
    throw error;
  }
  const id = batchId.toLowerCase();
  const creation = reads.creation(id);
  const creator = creation?.signer ?? chainCreator(id);
  if (!creator) return "not-found";
  if (creator.toLowerCase() !== org.address.toLowerCase()) return "not-creator";
  return {
    batchId: id,
    ...key,
    creation,
    creator,
    events: reads.events(id),
    chain: reads.onChain(id),
    splitInto: reads.drawsOn(id),
    serialCount: reads.serialCount(id),
  };
}
