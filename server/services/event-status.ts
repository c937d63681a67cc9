/**
 * Where a written event stands — pending, submitted, confirmed or failed and why — for events
 * and certifications alike, and the wait of `?wait=confirmed` until every one of a write's
 * events has settled.
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
const SETTLE_POLL_MS = 25;

export class EventStatuses {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly certifications: CertificationOutboxRepository,
  ) {}

  /** The status of an event or a certification write by its id; undefined when no write has it. */
  of(eventId: string): EventStatusView | undefined {
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

  /** Resolves once every event is confirmed or failed (an unknown id counts as settled), or the timeout passed. */
  async waitForSettled(eventIds: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const settled = () => eventIds.every((id) => ["confirmed", "failed"].includes(this.of(id)?.status ?? "failed"));
    while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}
