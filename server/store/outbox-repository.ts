/**
 * The event outbox: the send queue of accepted events (their details live in event-details.ts,
 * the relayer's transactions in chain-tx-repository.ts).
 *
 * An outbox event goes pending → submitted (in the transaction with nonce tx_nonce) → confirmed
 * or failed. A submitted event with a block number is mined but not final yet (chain/finality.ts):
 * it is confirmed once its block is, as nothing can take it back then. The relayer puts it back to pending whenever that transaction's fate is lost
 * (dropped, replaced by another payload, or its block lost). Every relayer write that settles
 * an event can be guarded by the nonce it was submitted in (`inTx`), so an answer about an old
 * transaction never overwrites what a newer one decided.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";
import { ZERO_HASH } from "../domain/hashes";
import { decodeCustody, encodeCustody, type Custody } from "../domain/custody";

export type OutboxStatus = "pending" | "submitted" | "confirmed" | "failed";

/** An accepted, signed event as the API layer writes it (the shape EventService's sink takes). */
export interface NewOutboxEvent {
  id: string;
  batchId: string;
  kind: number;
  orgId: string;
  signer: string;
  prevHead: string;
  /** The head the event produces: nextHead(event, signer, custody). */
  head: string;
  /** The organisation a shipment goes to; the zero address otherwise. */
  counterparty: string;
  /** keccak256(structHash, signer): what the head after it, and a proof of that head, start from. */
  link: string;
  /** The batch's custody after the event, as its head commits to it. */
  custody: Custody;
  dataHash: string;
  detail: string;
  inputs: string[];
  r: string;
  s: string;
  v: number;
}

export interface OutboxEvent extends NewOutboxEvent {
  seq: number;
  status: OutboxStatus;
  error: string | null;
  txNonce: number | null;
  txHash: string | null;
  blockNumber: number | null;
  /** Send alone: a batch it was in reverted as a whole. */
  solo: boolean;
  createdAt: string;
  updatedAt: string;
}

interface OutboxRow {
  seq: number;
  id: string;
  batch_id: string;
  kind: number;
  org_id: string;
  signer: string;
  prev_head: string;
  head: string;
  data_hash: string;
  detail: string;
  inputs: string;
  counterparty: string;
  link: string | null;
  custody: string | null;
  r: string;
  s: string;
  v: number;
  status: OutboxStatus;
  error: string | null;
  tx_nonce: number | null;
  tx_hash: string | null;
  block_number: number | null;
  solo: number;
  created_at: string;
  updated_at: string;
}

const toEvent = (row: OutboxRow): OutboxEvent => ({
  seq: row.seq,
  id: row.id,
  batchId: row.batch_id,
  kind: row.kind,
  orgId: row.org_id,
  signer: row.signer,
  prevHead: row.prev_head,
  head: row.head,
  dataHash: row.data_hash,
  detail: row.detail,
  inputs: JSON.parse(row.inputs) as string[],
  counterparty: row.counterparty,
  link: row.link ?? "",
  custody: decodeCustody(row.custody) ?? { holders: [], pending: [] },
  r: row.r,
  s: row.s,
  v: row.v,
  status: row.status,
  error: row.error,
  txNonce: row.tx_nonce,
  txHash: row.tx_hash,
  blockNumber: row.block_number,
  solo: row.solo === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const now = () => new Date().toISOString();

/**
 * `AND status = 'submitted' AND tx_nonce = @inTx` when a write is guarded by the tx it answers
 * (bound as a parameter: one prepared statement serves every transaction).
 */
const guard = (inTx: number | undefined) => (inTx === undefined ? "" : ` AND status = 'submitted' AND tx_nonce = @inTx`);
const guardParameter = (inTx: number | undefined) => (inTx === undefined ? {} : { inTx });

export class OutboxRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  insert(event: NewOutboxEvent): void {
    const at = now();
    this.sql(
      `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, counterparty, link,
                           custody, r, s, v, status, created_at, updated_at)
       VALUES (@id, @batchId, @kind, @orgId, @signer, @prevHead, @head, @dataHash, @detail, @inputs, @counterparty, @link,
               @custody, @r, @s, @v, 'pending', @at, @at)`,
    ).run({ ...event, inputs: JSON.stringify(event.inputs), custody: encodeCustody(event.custody), at });
    // What each processing event takes from: the ledger's rules look its draws up by input.
    for (const input of new Set(event.inputs.map((id) => id.toLowerCase()))) {
      this.sql(`INSERT INTO outbox_inputs (input_batch_id, seq) VALUES (?, last_insert_rowid())`).run(input);
    }
  }

  byId(id: string): OutboxEvent | undefined {
    const row = this.sql(`SELECT * FROM outbox WHERE id = ?`).get(id) as OutboxRow | undefined;
    return row && toEvent(row);
  }

  /** Pending events, oldest first: the order they must reach the chain in. */
  pending(limit: number): OutboxEvent[] {
    return (this.sql(`SELECT * FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?`).all(limit) as OutboxRow[]).map(
      toEvent,
    );
  }

  /** Every event of a batch, oldest first. */
  ofBatch(batchId: string): OutboxEvent[] {
    return (this.sql(`SELECT * FROM outbox WHERE batch_id = ? ORDER BY seq`).all(batchId) as OutboxRow[]).map(toEvent);
  }

  countByStatus(): Record<OutboxStatus, number> {
    const counts: Record<OutboxStatus, number> = { pending: 0, submitted: 0, confirmed: 0, failed: 0 };
    for (const row of this.sql(`SELECT status, count(*) AS n FROM outbox GROUP BY status`).all() as {
      status: OutboxStatus;
      n: number;
    }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /**
   * The head the batch will have once every accepted event is recorded: the head of its latest
   * event that has not failed. The API signs a new event over it while earlier ones are in flight.
   */
  latestHead(batchId: string): string | undefined {
    const row = this.sql(`SELECT head FROM outbox WHERE batch_id = ? AND status != 'failed' ORDER BY seq DESC LIMIT 1`)
      .get(batchId) as { head: string } | undefined;
    return row?.head;
  }

  /** Whether the event that creates the batch is accepted and still on its way to the chain. */
  creationInFlight(batchId: string): boolean {
    return (
      this.sql(`SELECT 1 FROM outbox WHERE batch_id = ? AND prev_head = ? AND status IN ('pending', 'submitted') LIMIT 1`)
        .get(batchId, ZERO_HASH) !== undefined
    );
  }

  /** The batch's latest event that has not failed: what a new event extends (its head, link and custody). */
  latest(batchId: string): OutboxEvent | undefined {
    const row = this.sql(`SELECT * FROM outbox WHERE batch_id = ? AND status != 'failed' ORDER BY seq DESC LIMIT 1`)
      .get(batchId) as OutboxRow | undefined;
    return row && toEvent(row);
  }

  /** The batch's latest event before `seq` that has not failed: the one an event at `seq` must extend. */
  predecessor(batchId: string, seq: number): OutboxEvent | undefined {
    const row = this.sql(`SELECT * FROM outbox WHERE batch_id = ? AND seq < ? AND status != 'failed' ORDER BY seq DESC LIMIT 1`)
      .get(batchId, seq) as OutboxRow | undefined;
    return row && toEvent(row);
  }

  /** The failed event of the batch before `seq` whose head is `head`, if any. */
  failedWithHead(batchId: string, seq: number, head: string): OutboxEvent | undefined {
    const row = this.sql(`SELECT * FROM outbox WHERE batch_id = ? AND seq < ? AND status = 'failed' AND lower(head) = lower(?) LIMIT 1`)
      .get(batchId, seq, head) as OutboxRow | undefined;
    return row && toEvent(row);
  }

  /** Whether an earlier event of the batch is still on its way (pending, or submitted and not mined yet). */
  hasEarlierUnsettled(batchId: string, seq: number): boolean {
    return (
      this.sql(
        `SELECT 1 FROM outbox WHERE batch_id = ? AND seq < ?
           AND (status = 'pending' OR (status = 'submitted' AND block_number IS NULL)) LIMIT 1`,
      ).get(batchId, seq) !== undefined
    );
  }

  markSubmitted(ids: readonly string[], nonce: number, txHash: string): void {
    const statement = this.sql(
      `UPDATE outbox SET status = 'submitted', tx_nonce = ?, tx_hash = ?, block_number = NULL, error = NULL, updated_at = ?
       WHERE id = ? AND status = 'pending'`,
    );
    const at = now();
    for (const id of ids) {
      if (statement.run(nonce, txHash, at, id).changes !== 1) throw new Error(`outbox event ${id} is not pending`);
    }
  }

  /** A fee bump re-signed the transaction: its events now point at the new hash. */
  retarget(nonce: number, txHash: string): void {
    this.sql(`UPDATE outbox SET tx_hash = ?, updated_at = ? WHERE tx_nonce = ? AND status = 'submitted'`)
      .run(txHash, now(), nonce);
  }

  /**
   * The event is on chain, recorded by `txHash` in `blockNumber`: confirmed when that block is
   * final (`finalBlock` or below), else submitted with its block until confirmFinal. `txNonce`
   * names the relayer's transaction that recorded it when that is not the one it was submitted in
   * (null: not ours). True when the event is now confirmed.
   */
  markConfirmed(
    id: string,
    txHash: string,
    blockNumber: number,
    options: { inTx?: number; txNonce?: number | null; finalBlock?: number } = {},
  ): boolean {
    const setNonce = options.txNonce === undefined ? "" : ", tx_nonce = @txNonce";
    const final = blockNumber <= (options.finalBlock ?? Number.MAX_SAFE_INTEGER);
    const changed =
      this.sql(
        `UPDATE outbox SET status = @status, tx_hash = @txHash, block_number = @blockNumber, error = NULL, solo = 0,
                           updated_at = @at${setNonce}
         WHERE id = @id${guard(options.inTx)}`,
      ).run({
          id,
          status: final ? "confirmed" : "submitted",
          txHash,
          blockNumber,
          at: now(),
          ...(options.txNonce === undefined ? {} : { txNonce: options.txNonce }),
          ...guardParameter(options.inTx),
        }).changes === 1;
    return changed && final;
  }

  /** The transactions (hash, block) of events mined in blocks up to `finalBlock` and not confirmed yet. */
  minedUpTo(finalBlock: number): { txHash: string; blockNumber: number }[] {
    return this.sql(
      `SELECT DISTINCT tx_hash AS txHash, block_number AS blockNumber FROM outbox
         WHERE status = 'submitted' AND block_number IS NOT NULL AND block_number <= ? ORDER BY block_number`,
    ).all(finalBlock) as { txHash: string; blockNumber: number }[];
  }

  /** The events `txHash` recorded in `blockNumber`, mined and waiting for that block to be final: confirmed. */
  confirmMined(txHash: string, blockNumber: number): number {
    return this.sql(
      `UPDATE outbox SET status = 'confirmed', updated_at = ?
         WHERE tx_hash = ? AND block_number = ? AND status = 'submitted'`,
    ).run(now(), txHash, blockNumber).changes;
  }

  markFailed(id: string, reason: string, options: { inTx?: number } = {}): boolean {
    return (
      this.sql(`UPDATE outbox SET status = 'failed', error = @reason, updated_at = @at WHERE id = @id${guard(options.inTx)}`)
        .run({ reason, at: now(), id, ...guardParameter(options.inTx) }).changes === 1
    );
  }

  /** Back to pending (and off any transaction); `solo` sends each alone next time. */
  requeue(ids: readonly string[], options: { inTx?: number; solo?: boolean } = {}): number {
    const statement = this.sql(
      `UPDATE outbox SET status = 'pending', tx_nonce = NULL, tx_hash = NULL, block_number = NULL, error = NULL,
                         solo = CASE WHEN @solo THEN 1 ELSE solo END, updated_at = @at
       WHERE id = @id AND status IN ('submitted', 'confirmed')${guard(options.inTx)}`,
    );
    let changed = 0;
    for (const id of ids) changed += statement.run({ id, solo: options.solo ? 1 : 0, at: now(), ...guardParameter(options.inTx) }).changes;
    return changed;
  }

  /**
   * The events still submitted in the relayer's transaction with this nonce, back to pending;
   * with `includeConfirmed` also those it confirmed (its block was lost).
   */
  requeueTx(nonce: number, options: { includeConfirmed?: boolean } = {}): number {
    const statuses = options.includeConfirmed ? `('submitted', 'confirmed')` : `('submitted')`;
    return this.sql(
      `UPDATE outbox SET status = 'pending', tx_nonce = NULL, tx_hash = NULL, block_number = NULL, error = NULL, updated_at = ?
       WHERE tx_nonce = ? AND status IN ${statuses}`,
    ).run(now(), nonce).changes;
  }

  /** The events confirmed by this transaction, or mined in it, back to pending (its block was lost). */
  requeueConfirmedBy(txHash: string): number {
    return this.sql(
      `UPDATE outbox SET status = 'pending', tx_nonce = NULL, tx_hash = NULL, block_number = NULL, error = NULL, updated_at = ?
       WHERE tx_hash = ? AND (status = 'confirmed' OR (status = 'submitted' AND block_number IS NOT NULL))`,
    ).run(now(), txHash).changes;
  }

  /**
   * The transactions (nonce, hash) that confirmed (or mined) events at nonces ≥ `nonce`: a chain
   * that is behind lost them. Asked every relayer tick: `+status` keeps SQLite on the nonce
   * index (a few recent rows) rather than the status index (every confirmed event ever).
   */
  confirmedTxsFrom(nonce: number): { nonce: number; txHash: string }[] {
    return this.sql(
      `SELECT DISTINCT tx_nonce AS nonce, tx_hash AS txHash FROM outbox
         WHERE tx_nonce >= ? AND (+status = 'confirmed' OR (+status = 'submitted' AND block_number IS NOT NULL)) ORDER BY tx_nonce`,
    ).all(nonce) as { nonce: number; txHash: string }[];
  }

  /**
   * The event extends `prevHead` now, producing `head` (with its new link and the custody after
   * it), with a new signature (only while pending).
   */
  resign(id: string, signed: { prevHead: string; head: string; link: string; custody: Custody; r: string; s: string; v: number }): boolean {
    return (
      this.sql(
        `UPDATE outbox SET prev_head = @prevHead, head = @head, link = @link, custody = @custody, r = @r, s = @s, v = @v,
                           updated_at = @at
         WHERE id = @id AND status = 'pending'`,
      ).run({ id, ...signed, custody: encodeCustody(signed.custody), at: now() }).changes === 1
    );
  }
}
