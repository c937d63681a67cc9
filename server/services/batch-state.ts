/**
 * What the rules know of a batch before they accept a write to it: the head it will have once
 * every accepted event is on chain, and who created it. Both ask the send queue first (writes
 * still on their way) and the index of the chain after.
 */
import type { AcceptedEventReads } from "../store/gateway-reads";
import type { IndexRepository } from "../store/index-repository";
import type { OutboxRepository } from "../store/outbox-repository";

export interface BatchStateSource {
  /** The head the batch will have once every accepted event is recorded; undefined if unknown. */
  expectedHead(batchId: string): string | undefined;
  /** The address that created the batch, if it exists. */
  creatorOf(batchId: string): string | undefined;
}

export function batchStateOf(outbox: OutboxRepository, accepted: AcceptedEventReads, index: IndexRepository): BatchStateSource {
  return {
    expectedHead: (batchId) => outbox.latestHead(batchId) ?? index.batchState(batchId)?.head,
    creatorOf: (batchId) => accepted.creator(batchId) ?? index.getBatch(batchId)?.batch.creator,
  };
}
