/**
 * One batch as its creator sees it in the console: every event the gateway accepted for it with
 * each one's way to the chain, what the index says (recalled, events on chain), its lineage and
 * its unit serials. Only the organisation that created the batch may open it.
 */
import { EventKind } from "../domain/event-kinds";
import { Gs1Error, parseBatchId } from "../domain/gs1";
import type { AcceptedEvent, ConsoleBatchReads, Creation, Draw } from "../store/console-batch-reads";
import type { Org } from "../store/org-repository";
import type { ConsoleDeps } from "./context";
import { ConsoleForbidden } from "./session";

export interface BatchConsoleView {
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

/** Whether any write of the batch is still on its way to the chain. */
export function hasUnsettled(view: BatchConsoleView): boolean {
  return view.events.some((event) => event.status === "pending" || event.status === "submitted");
}

/** Recalled on chain, or a recall accepted and on its way. */
export function recallState(view: BatchConsoleView): "recalled" | "recalling" | "none" {
  if (view.chain?.recalled) return "recalled";
  return view.events.some((e) => e.kind === EventKind.Recall && e.status !== "failed") ? "recalling" : "none";
}

/**
 * The batch named by a route's parameter, for `org`: undefined when there is no such batch
 * (nor a well-formed id); ConsoleForbidden when another organisation created it.
 */
export function loadBatchView(deps: ConsoleDeps, reads: ConsoleBatchReads, param: string, org: Org): BatchConsoleView | undefined {
  let key: { gtin: string; lot: string };
  try {
    key = parseBatchId(param);
  } catch (error) {
    if (error instanceof Gs1Error) return undefined;
    throw error;
  }
  const batchId = param.toLowerCase();
  const creation = reads.creation(batchId);
  const creator = creation?.signer ?? deps.reader.read(batchId)?.creator.address;
  if (!creator) return undefined;
  if (creator.toLowerCase() !== org.address.toLowerCase()) throw new ConsoleForbidden();
  return {
    batchId,
    ...key,
    creation,
    creator,
    events: reads.events(batchId),
    chain: reads.onChain(batchId),
    splitInto: reads.drawsOn(batchId),
    serialCount: reads.serialCount(batchId),
  };
}
