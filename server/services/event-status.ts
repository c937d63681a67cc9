/**
 * Where a written event stands — pending, submitted, confirmed or failed and why — for events
 * and certifications alike, and the wait of `?wait=confirmed` until every one of a write's
 * events has settled and the confirmed ones are in the index.
 *
 * Why the index too: the relayer calls an event confirmed once its block is final, but the
 * reads (GET /api/v1/batches/{id}, the shopper's page) come from the index, which the indexer
 * fills on its own tick from the chain's logs. Between the two a read shows neither the event
 * (confirmed: no longer among the unconfirmed ones) nor its step (not indexed yet).
 */
import { ZERO_HASH } from "../domain/hashes";
import { eventKindName } from "../domain/event-kinds";
import type { CertificationOutboxRepository } from "../store/certification-outbox-repository";
import type { OutboxRepository } from "../store/outbox-repository";

export interface EventStatusView {
  eventId: string;
  batchId: string;
  type: string;
  status: "pending" | "submitted" | "confirmed" | "failed";
  transactionHash?: string;
  blockNumber?: number;
  error?: string;
}

/** How often a waiting request looks again; the relayer and indexer tick far less often. */
const POLL_MS = 25;

/** Resolves once `done()` holds or at `deadline` (ms since the epoch), whichever comes first. */
export async function until(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

export class EventStatuses {
  /**
   * @param indexedBlock the highest block the index holds (the indexer's cursor); without it
   *   the wait ends at confirmation alone.
   */
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly certifications: CertificationOutboxRepository,
    private readonly indexedBlock?: () => number,
  ) {}

  /**
   * The status of an event or a certification write by its id; undefined when no write has it.
   * An event the relayer confirmed in a block the index does not hold yet is still "submitted":
   * "confirmed" promises that the reads show it.
   */
  of(eventId: string): EventStatusView | undefined {
    const view = this.recorded(eventId);
    if (view?.status !== "confirmed" || !this.indexedBlock || view.blockNumber === undefined) return view;
    return this.indexedBlock() >= view.blockNumber ? view : { ...view, status: "submitted" };
  }

  /** The status as the relayer and the certification sender recorded it. */
  private recorded(eventId: string): EventStatusView | undefined {
    const event = this.outbox.byId(eventId);
    if (event) {
      return {
        eventId,
        batchId: event.batchId,
        type: eventKindName(event.kind),
        status: event.status,
        ...(event.txHash ? { transactionHash: event.txHash } : {}),
        ...(event.blockNumber !== null ? { blockNumber: event.blockNumber } : {}),
        ...(event.error ? { error: event.error } : {}),
      };
    }
    const write = this.certifications.byId(eventId);
    if (!write) return undefined;
    return {
      eventId,
      batchId: write.batchId ?? ZERO_HASH,
      type: write.action === "attest" ? "certification" : "revocation",
      status: write.status,
      ...(write.txHash ? { transactionHash: write.txHash } : {}),
      ...(write.blockNumber !== null ? { blockNumber: write.blockNumber } : {}),
      ...(write.error ? { error: write.error } : {}),
    };
  }

  /**
   * Resolves once every event is failed, or confirmed in a block the index holds (an unknown id
   * counts as settled), or the timeout passed.
   */
  waitForSettled(eventIds: string[], timeoutMs: number): Promise<void> {
    const settled = () => eventIds.every((id) => ["confirmed", "failed"].includes(this.of(id)?.status ?? "failed"));
    return until(settled, Date.now() + timeoutMs);
  }
}
