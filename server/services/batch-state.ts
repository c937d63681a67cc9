/**
 * What the rules know of a batch before they accept a write to it: the head it will have once
 * every accepted event is on chain, and who created it. Both ask the send queue first (writes
 * still on their way) and the index of the chain after.
 */
import type { AcceptedEventReads } from "../store/gateway-reads";
import type { IndexRepository } from "../store/index-repository";
import type { OutboxRepository } from "../store/outbox-repository";
import type { Custody } from "../domain/custody";

/** Where a batch's chain will stand once every accepted event is recorded: what a new event extends. */
export interface ChainTip {
  head: string;
  /** The latest event's link (keccak256 of its struct hash and signer). */
  link: string;
  /** The custody the head commits to. */
  custody: Custody;
}

export interface BatchStateSource {
  /** The head the batch will have once every accepted event is recorded; undefined if unknown. */
  expectedHead(batchId: string): string | undefined;
  /** The whole tip the batch's chain will have (head, link, custody); undefined if unknown. */
  expectedTip(batchId: string): ChainTip | undefined;
  /** The address that created the batch, if it exists. */
  creatorOf(batchId: string): string | undefined;
}

export function batchStateOf(outbox: OutboxRepository, accepted: AcceptedEventReads, index: IndexRepository): BatchStateSource {
  return {
    expectedHead: (batchId) => outbox.latestHead(batchId) ?? index.batchState(batchId)?.head,
    expectedTip: (batchId) => {
      const latest = outbox.latest(batchId);
      if (latest) return { head: latest.head, link: latest.link, custody: latest.custody };
      const indexed = index.batchState(batchId);
      return indexed && { head: indexed.head, link: indexed.link, custody: indexed.custody };
    },
    creatorOf: (batchId) => accepted.creator(batchId) ?? index.getBatch(batchId)?.batch.creator,
  };
}
