/**
 * What the gateway knows about batches beyond the public index: its own records of accepted
 * events (some still on their way to the chain), the quantities batches were created with and
 * what was split off them, and the unit serials issued. Read by the creator's batch view
 * (services/batches) and the console's batch forms.
 */
import { ZERO_HASH } from "../domain/hashes";
import { EventKind } from "../domain/event-kinds";
import type { Db } from "./database";
import type { OutboxStatus } from "./outbox-repository";
import { statementCache, type Sql } from "./statement-cache";
import type { PrivateValue } from "../domain/private-fields";
import { PRIVATE_VALUES_JSON, privateValuesOf } from "./private-field-repository";

export interface AcceptedEvent {
  eventId: string;
  batchId: string;
  kind: number;
  orgId: string;
  signer: string;
  status: OutboxStatus;
  error: string | null;
  /** The public detail, as signed and hashed (private fields as commitments). */
  detail: Record<string, unknown>;
  /** The private values kept here for it (salts left out): for its own organisation's eyes only. */
  privateValues: PrivateValue[];
  inputs: string[];
  transactionHash: string | null;
  blockNumber: number | null;
  acceptedAt: string;
}

export interface Creation extends AcceptedEvent {
  /** Whether the index (so the chain, at the configured depth) has the batch. */
  indexed: boolean;
}

/** A batch made (split) from the batch asked about, with the inputs it names. */
export interface Draw {
  batchId: string;
  inputs: string[];
  detail: Record<string, unknown>;
}

interface OutboxRow {
  id: string;
  batch_id: string;
  kind: number;
  org_id: string;
  signer: string;
  status: OutboxStatus;
  error: string | null;
  detail: string;
  private_values: string | null;
  inputs: string;
  tx_hash: string | null;
  block_number: number | null;
  created_at: string;
}

const COLUMNS = `o.id, o.batch_id, o.kind, o.org_id, o.signer, o.status, o.error, d.detail, o.inputs, o.tx_hash, o.block_number,
  o.created_at, ${PRIVATE_VALUES_JSON("o.data_hash")} AS private_values`;
/** The send queue with each event's detail (event_details). */
const EVENTS = `outbox o JOIN event_details d ON d.data_hash = o.data_hash`;

const toEvent = (row: OutboxRow): AcceptedEvent => ({
  eventId: row.id,
  batchId: row.batch_id,
  kind: row.kind,
  orgId: row.org_id,
  signer: row.signer,
  status: row.status,
  error: row.error,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
  privateValues: privateValuesOf(row.private_values),
  inputs: (JSON.parse(row.inputs) as string[]).map((id) => id.toLowerCase()),
  transactionHash: row.tx_hash,
  blockNumber: row.block_number,
  acceptedAt: row.created_at,
});

/** Failed creations stay in an organisation's list this long, so the failure is seen. */
const FAILED_SHOWN_MS = 7 * 86_400_000;
const failedSince = () => new Date(Date.now() - FAILED_SHOWN_MS).toISOString();

/**
 * The outbox events the index may not have yet, found through indexes only (the outbox is the
 * gateway's largest table): those on their way (pending, submitted), those in the relayer's
 * transactions mined after the last block indexed (confirmed, not indexed yet), and those that
 * failed recently. Needs @failedSince.
 */
const NOT_YET_INDEXED = `WITH not_yet_indexed(seq) AS (
  SELECT seq FROM outbox WHERE status IN ('pending', 'submitted')
  UNION SELECT seq FROM outbox WHERE status = 'failed' AND created_at >= @failedSince
  UNION SELECT seq FROM outbox WHERE tx_nonce IN (
    SELECT nonce FROM chain_txs
    WHERE status = 'mined' AND block_number > (SELECT coalesce(max(block_number), -1) FROM idx_cursor)))`;

export class AcceptedBatchReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /**
   * Batches `creator` created that the index does not have yet (accepted, on their way, or
   * failed in the last week), newest first, one row per batch.
   */
  notYetIndexed(creator: string): Creation[] {
    const rows = this.sql(
      `${NOT_YET_INDEXED}
       SELECT ${COLUMNS} FROM ${EVENTS}
       WHERE o.seq IN (SELECT seq FROM not_yet_indexed) AND o.signer = @creator AND o.prev_head = @zero
         AND NOT EXISTS (SELECT 1 FROM idx_batches b WHERE b.batch_id = o.batch_id)
       ORDER BY o.seq DESC`,
    ).all({ creator, zero: ZERO_HASH, failedSince: failedSince() }) as OutboxRow[];
    const latestPerBatch = new Map<string, OutboxRow>();
    for (const row of rows) if (!latestPerBatch.has(row.batch_id)) latestPerBatch.set(row.batch_id, row);
    return [...latestPerBatch.values()].map((row) => ({ ...toEvent(row), indexed: false }));
  }

  /** The event that created the batch (the latest attempt, if every attempt failed). */
  creation(batchId: string): Creation | undefined {
    const row = this.sql(
      `SELECT ${COLUMNS} FROM ${EVENTS} WHERE o.batch_id = ? AND o.prev_head = ? ORDER BY o.status = 'failed', o.seq DESC LIMIT 1`,
    ).get(batchId, ZERO_HASH) as OutboxRow | undefined;
    if (!row) return undefined;
    const indexed = this.sql(`SELECT 1 FROM idx_batches WHERE batch_id = ?`).get(batchId) !== undefined;
    return { ...toEvent(row), indexed };
  }

  /** Every event the gateway accepted for the batch, failed ones included, in order. */
  events(batchId: string): AcceptedEvent[] {
    return (this.sql(`SELECT ${COLUMNS} FROM ${EVENTS} WHERE o.batch_id = ? ORDER BY o.seq`).all(batchId) as OutboxRow[]).map(toEvent);
  }

  /** The batch as the index has it: recalled, and how many events the chain holds. */
  onChain(batchId: string): { recalled: boolean; eventCount: number } | undefined {
    const row = this.sql(`SELECT recalled, event_count FROM idx_batches WHERE batch_id = ?`).get(batchId) as
      | { recalled: number; event_count: number }
      | undefined;
    return row && { recalled: row.recalled === 1, eventCount: row.event_count };
  }

  /** How many events of each batch are accepted but not yet on chain. */
  unsettledCounts(batchIds: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    const statement = this.sql(`SELECT count(*) AS n FROM outbox WHERE batch_id = ? AND status IN ('pending', 'submitted')`);
    for (const batchId of batchIds) counts.set(batchId, (statement.get(batchId) as { n: number }).n);
    return counts;
  }

  /**
   * The batches split off this one so far (those whose creating event, accepted and not failed,
   * names it as an input): on chain through the index's lineage, and those still on their way.
   */
  drawsOn(batchId: string): Draw[] {
    const id = batchId.toLowerCase();
    const rows = this.sql(
      `${NOT_YET_INDEXED}
       SELECT ${COLUMNS} FROM ${EVENTS}
       WHERE o.prev_head = @zero AND o.kind = @processing AND o.status != 'failed'
         AND (o.batch_id IN (SELECT batch_id FROM idx_lineage WHERE input_batch_id = @id)
              OR (o.seq IN (SELECT seq FROM not_yet_indexed) AND o.inputs LIKE '%' || @id || '%'))
       ORDER BY o.seq`,
    ).all({ processing: EventKind.Processing, zero: ZERO_HASH, id, failedSince: failedSince() }) as OutboxRow[];
    return rows
      .map(toEvent)
      .filter((event) => event.inputs.includes(id))
      .map((event) => ({ batchId: event.batchId, inputs: event.inputs, detail: event.detail }));
  }

  serialCount(batchId: string): number {
    return (this.sql(`SELECT count(*) AS n FROM serials WHERE batch_id = ?`).get(batchId) as { n: number }).n;
  }
}
