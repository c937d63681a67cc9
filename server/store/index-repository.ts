/**
 * The index (tables idx_*): what the chain says about batches, events, lineage and
 * certifications, written by server/workers/indexer from the ledger's logs and read by the API. The
 * index is a cache of the chain: it may be cleared and rebuilt at any time. Its cursor and block
 * hashes are IndexCursor's (index-cursor.ts).
 */
import { AbiCoder, decodeBytes32String, getAddress, keccak256, ZeroAddress } from "ethers";
import { EventKind } from "../domain/event-kinds";
import { normalizeGtin } from "../domain/gs1";
import { decodeCustody, encodeCustody, type Custody } from "../domain/custody";
import type { Db } from "./database";
import { IndexCursor } from "./index-cursor";
import { statementCache, type Sql } from "./statement-cache";

export interface IndexedBatch {
  batchId: string;
  gtin: string; // 14 digits
  lot: string;
  creator: string;
  createdBy: number; // EventKind: Harvest or Processing
  createdBlock: number;
  createdAt: number; // block time, unix seconds
  head: string;
  /** The latest event's link, and the custody the head commits to. */
  link: string;
  custody: Custody;
  recalled: boolean;
  eventCount: number;
}

export interface IndexedEvent {
  txHash: string;
  logIndex: number;
  batchId: string;
  position: number; // 0 for the creating event
  kind: number;
  signer: string;
  dataHash: string;
  prevHead: string;
  head: string;
  inputs: string[];
  /** A shipment's consignee; the zero address otherwise. */
  counterparty: string;
  link: string;
  /** The batch's custody after the event. */
  custody: Custody;
  blockNumber: number;
  timestamp: number; // block time, unix seconds
}

export interface IndexedLineage {
  batchId: string; // the output
  inputBatchId: string;
  blockNumber: number;
  logIndex: number;
}

export interface IndexedCertification {
  id: string;
  certifier: string;
  subjectKind: number;
  subject: string; // the batch id, or productLineKey(producer, gtin)
  scheme: string; // bytes32 as on chain
  schemeName: string | null; // the scheme decoded as a short string ("圳品"), if it is one
  certificateNo: string;
  producer: string | null; // product lines only
  gtin: string | null; // product lines only, 14 digits
  validFrom: number;
  validUntil: number;
  dataHash: string;
  blockNumber: number;
  txHash: string;
  logIndex: number;
  revokedBy: string | null;
  revokedReason: string | null;
  revokedBlock: number | null;
}

export type NewCertification = Omit<IndexedCertification, "schemeName" | "revokedBy" | "revokedReason" | "revokedBlock">;

export interface BatchDetail {
  batch: IndexedBatch;
  /** In chain order (position 0 first). */
  events: IndexedEvent[];
  /** The batches this one was made from, in signed order. */
  inputs: IndexedLineage[];
  /** The batches made from this one. */
  outputs: IndexedLineage[];
  /** Whose subject is the batch or its creator's product line, oldest first. */
  certifications: IndexedCertification[];
}

export interface BatchListQuery {
  gtin?: string;
  creator?: string;
  limit: number;
  offset: number;
}

const productLineKeys = new Map<string, string>();
const PRODUCT_LINE_KEYS_KEPT = 10_000;

/** The subject of a product-line certification: keccak256(abi.encode(producer, uint64 gtin)). */
export function productLineKey(producer: string, gtin: string): string {
  // Every read of a batch asks for its line's key; there are few lines, so keep them.
  const cacheKey = `${producer}/${gtin}`;
  let key = productLineKeys.get(cacheKey);
  if (key === undefined) {
    key = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint64"], [producer, BigInt(gtin)]));
    if (productLineKeys.size >= PRODUCT_LINE_KEYS_KEPT) productLineKeys.clear();
    productLineKeys.set(cacheKey, key);
  }
  return key;
}

export class IndexRepository {
  /** Statements are prepared once per repository: the indexer runs the same few many times. */
  private readonly sql: Sql;
  /** The cursor that rewindTo moves back, on the same connection, so in the same transaction. */
  private readonly cursor: IndexCursor;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
    this.cursor = new IndexCursor(db);
  }

  /** Runs `fn` in one SQLite transaction: all of it is written, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Here, not in IndexCursor: undoing facts is this file's job; the cursor moves back in its transaction.
  /**
   * Removes everything indexed above `blockNumber` and moves the cursor there: a reorg replaced
   * those blocks. Batches that lost events get their head, count and recall flag back from the
   * events that remain.
   */
  rewindTo(blockNumber: number): void {
    this.transaction(() => {
      const touched = this.sql(`SELECT DISTINCT batch_id FROM idx_events WHERE block_number > ?`)
        .pluck()
        .all(blockNumber) as string[];
      this.sql(`DELETE FROM idx_events WHERE block_number > ?`).run(blockNumber);
      this.sql(`DELETE FROM idx_lineage WHERE block_number > ?`).run(blockNumber);
      this.sql(`DELETE FROM idx_certifications WHERE block_number > ?`).run(blockNumber);
      this.sql(
        `UPDATE idx_certifications SET revoked_by = NULL, revoked_reason = NULL, revoked_block = NULL
         WHERE revoked_block > ?`,
      ).run(blockNumber);
      this.sql(`DELETE FROM idx_batches WHERE created_block > ?`).run(blockNumber);
      // The EPCIS projection is built again from the start: a correction above the rewind
      // replaced the event it declared in error, which only a fresh projection gives back.
      for (const table of ["idx_epcis_events", "idx_epcis_classes", "idx_epcis_cursor", "idx_epcis_waiting"]) this.sql(`DELETE FROM ${table}`).run();
      const recompute = this.sql(
        `UPDATE idx_batches SET
           event_count = (SELECT COUNT(*) FROM idx_events e WHERE e.batch_id = idx_batches.batch_id),
           head = (SELECT e.head FROM idx_events e WHERE e.batch_id = idx_batches.batch_id ORDER BY e.position DESC LIMIT 1),
           link = (SELECT e.link FROM idx_events e WHERE e.batch_id = idx_batches.batch_id ORDER BY e.position DESC LIMIT 1),
           custody = (SELECT e.custody FROM idx_events e WHERE e.batch_id = idx_batches.batch_id ORDER BY e.position DESC LIMIT 1),
           recalled = EXISTS (SELECT 1 FROM idx_events e WHERE e.batch_id = idx_batches.batch_id AND e.kind = ${EventKind.Recall})
         WHERE batch_id = ?`,
      );
      for (const batchId of touched) recompute.run(batchId);
      this.cursor.forgetBlocksAbove(blockNumber);
      this.cursor.setCursor(blockNumber);
    });
  }

  // ---- writes of the indexer (called inside its chunk transaction) -------------------------

  hasEvent(txHash: string, logIndex: number): boolean {
    return this.sql(`SELECT 1 FROM idx_events WHERE tx_hash = ? AND log_index = ?`).get(txHash, logIndex) !== undefined;
  }

  /** The batch's head, its latest link and custody, and event count, or undefined when the index has no such batch. */
  batchState(batchId: string): { head: string; link: string; custody: Custody; eventCount: number } | undefined {
    const row = this.sql(`SELECT head, link, custody, event_count FROM idx_batches WHERE batch_id = ?`).get(batchId.toLowerCase()) as
      | { head: string; link: string; custody: string; event_count: number }
      | undefined;
    return row && { head: row.head, link: row.link, custody: decodeCustody(row.custody) ?? { holders: [], pending: [] }, eventCount: row.event_count };
  }

  insertBatch(batch: IndexedBatch): void {
    this.sql(
      `INSERT INTO idx_batches (batch_id, gtin, lot, creator, created_by, created_block, created_at, head, link, custody, recalled,
         event_count)
       VALUES (@batchId, @gtin, @lot, @creator, @createdBy, @createdBlock, @createdAt, @head, @link, @custody, @recalled, @eventCount)`,
    ).run({ ...batch, custody: encodeCustody(batch.custody), recalled: batch.recalled ? 1 : 0 });
  }

  updateBatchHead(batchId: string, tip: { head: string; link: string; custody: Custody }, eventCount: number, recalled: boolean): void {
    this.sql(`UPDATE idx_batches SET head = ?, link = ?, custody = ?, event_count = ?, recalled = ? WHERE batch_id = ?`).run(
      tip.head,
      tip.link,
      encodeCustody(tip.custody),
      eventCount,
      recalled ? 1 : 0,
      batchId,
    );
  }

  insertEvent(event: IndexedEvent): void {
    this.sql(
      `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs,
         counterparty, link, custody, block_number, timestamp)
       VALUES (@txHash, @logIndex, @batchId, @position, @kind, @signer, @dataHash, @prevHead, @head, @inputs,
         @counterparty, @link, @custody, @blockNumber, @timestamp)`,
    ).run({ ...event, inputs: JSON.stringify(event.inputs), custody: encodeCustody(event.custody) });
  }

  /** Idempotent: the first derivation of an output from an input is the one kept. */
  insertLineage(lineage: IndexedLineage): void {
    this.sql(
      `INSERT INTO idx_lineage (batch_id, input_batch_id, block_number, log_index) VALUES (?, ?, ?, ?)
       ON CONFLICT (batch_id, input_batch_id) DO NOTHING`,
    ).run(lineage.batchId, lineage.inputBatchId, lineage.blockNumber, lineage.logIndex);
  }

  /** Idempotent: a certification id is attested once on chain. */
  insertCertification(c: NewCertification): void {
    this.sql(
      `INSERT INTO idx_certifications (id, certifier, subject_kind, subject, scheme, certificate_no, producer, gtin,
         valid_from, valid_until, data_hash, block_number, tx_hash, log_index)
       VALUES (@id, @certifier, @subjectKind, @subject, @scheme, @certificateNo, @producer, @gtin,
         @validFrom, @validUntil, @dataHash, @blockNumber, @txHash, @logIndex)
       ON CONFLICT (id) DO NOTHING`,
    ).run({ ...c, producer: c.producer ?? ZeroAddress, gtin: c.gtin ?? "" });
  }

  /** Returns false when the index has no such certification. */
  revokeCertification(id: string, revokedBy: string, reason: string, blockNumber: number): boolean {
    const result = this.sql(
      `UPDATE idx_certifications SET revoked_by = ?, revoked_reason = ?, revoked_block = ? WHERE id = ?`,
    ).run(revokedBy, reason, blockNumber, id);
    return result.changes === 1;
  }

  // ---- reads of the API ---------------------------------------------------------------------

  /** A batch with its events, lineage and certifications; undefined when not indexed. */
  getBatch(batchId: string): BatchDetail | undefined {
    const id = batchId.toLowerCase();
    const row = this.sql(`SELECT * FROM idx_batches WHERE batch_id = ?`).get(id) as BatchRow | undefined;
    if (!row) return undefined;
    const batch = toBatch(row);
    const events = (this.sql(`SELECT * FROM idx_events WHERE batch_id = ? ORDER BY position`).all(id) as EventRow[]).map(toEvent);
    const inputs = (
      this.sql(`SELECT * FROM idx_lineage WHERE batch_id = ? ORDER BY block_number, log_index`).all(id) as LineageRow[]
    ).map(toLineage);
    const outputs = (
      this.sql(`SELECT * FROM idx_lineage WHERE input_batch_id = ? ORDER BY block_number, log_index`).all(id) as LineageRow[]
    ).map(toLineage);
    // Whether a product-line certificate covers this batch (harvested by its producer while
    // valid) is the reader's judgement; here are all that name the batch or its line.
    const certifications = (
      this.sql(`SELECT * FROM idx_certifications WHERE subject IN (?, ?) ORDER BY block_number, log_index`).all(
        id,
        productLineKey(batch.creator, batch.gtin),
      ) as CertificationRow[]
    ).map(toCertification);
    return { batch, events, inputs, outputs, certifications };
  }

  /**
   * Batches, newest first, optionally of one GTIN (any GTIN length) and/or one creator (any
   * case); with the total count. Throws Gs1Error for an invalid GTIN, ethers' error for an
   * invalid address.
   */
  listBatches(query: BatchListQuery): { batches: IndexedBatch[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit, offset: query.offset };
    if (query.gtin !== undefined) {
      where.push("gtin = @gtin");
      params.gtin = normalizeGtin(query.gtin);
    }
    if (query.creator !== undefined) {
      where.push("creator = @creator");
      params.creator = getAddress(query.creator);
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = this.sql(
      `SELECT * FROM idx_batches ${filter} ORDER BY created_block DESC, batch_id LIMIT @limit OFFSET @offset`,
    ).all(params) as BatchRow[];
    const { total } = this.sql(`SELECT COUNT(*) AS total FROM idx_batches ${filter}`).get(params) as { total: number };
    return { batches: rows.map(toBatch), total };
  }

}

interface BatchRow {
  batch_id: string;
  gtin: string;
  lot: string;
  creator: string;
  created_by: number;
  created_block: number;
  created_at: number;
  head: string;
  link: string;
  custody: string;
  recalled: number;
  event_count: number;
}

interface EventRow {
  tx_hash: string;
  log_index: number;
  batch_id: string;
  position: number;
  kind: number;
  signer: string;
  data_hash: string;
  prev_head: string;
  head: string;
  inputs: string;
  counterparty: string;
  link: string;
  custody: string;
  block_number: number;
  timestamp: number;
}

interface LineageRow {
  batch_id: string;
  input_batch_id: string;
  block_number: number;
  log_index: number;
}

interface CertificationRow {
  id: string;
  certifier: string;
  subject_kind: number;
  subject: string;
  scheme: string;
  certificate_no: string;
  producer: string;
  gtin: string;
  valid_from: number;
  valid_until: number;
  data_hash: string;
  block_number: number;
  tx_hash: string;
  log_index: number;
  revoked_by: string | null;
  revoked_reason: string | null;
  revoked_block: number | null;
}

const toBatch = (row: BatchRow): IndexedBatch => ({
  batchId: row.batch_id,
  gtin: row.gtin,
  lot: row.lot,
  creator: row.creator,
  createdBy: row.created_by,
  createdBlock: row.created_block,
  createdAt: row.created_at,
  head: row.head,
  link: row.link,
  custody: decodeCustody(row.custody) ?? { holders: [], pending: [] },
  recalled: row.recalled === 1,
  eventCount: row.event_count,
});

const toEvent = (row: EventRow): IndexedEvent => ({
  txHash: row.tx_hash,
  logIndex: row.log_index,
  batchId: row.batch_id,
  position: row.position,
  kind: row.kind,
  signer: row.signer,
  dataHash: row.data_hash,
  prevHead: row.prev_head,
  head: row.head,
  inputs: JSON.parse(row.inputs) as string[],
  counterparty: row.counterparty,
  link: row.link,
  custody: decodeCustody(row.custody) ?? { holders: [], pending: [] },
  blockNumber: row.block_number,
  timestamp: row.timestamp,
});

const toLineage = (row: LineageRow): IndexedLineage => ({
  batchId: row.batch_id,
  inputBatchId: row.input_batch_id,
  blockNumber: row.block_number,
  logIndex: row.log_index,
});

const toCertification = (row: CertificationRow): IndexedCertification => ({
  id: row.id,
  certifier: row.certifier,
  subjectKind: row.subject_kind,
  subject: row.subject,
  scheme: row.scheme,
  schemeName: schemeName(row.scheme),
  certificateNo: row.certificate_no,
  producer: row.producer === ZeroAddress ? null : row.producer,
  gtin: row.gtin === "" ? null : row.gtin,
  validFrom: row.valid_from,
  validUntil: row.valid_until,
  dataHash: row.data_hash,
  blockNumber: row.block_number,
  txHash: row.tx_hash,
  logIndex: row.log_index,
  revokedBy: row.revoked_by,
  revokedReason: row.revoked_reason,
  revokedBlock: row.revoked_block,
});

function schemeName(scheme: string): string | null {
  try {
    return decodeBytes32String(scheme);
  } catch {
    return null; // not a short string: the caller still has the raw bytes32
  }
}
