/**
 * A batch's events as the ledger's rules read them, in one of two views:
 * - "chain": what the index holds (the chain, at the configured depth), with each event's detail
 *   where this gateway keeps it: what pages show and mark;
 * - "accepted": the chain's events followed by those accepted and still on their way (send queue,
 *   not failed): what a new write is checked against.
 * Rows are raw (kind numbers, detail text); services/ledger-rules turns them into entries.
 * The accepted view also carries the private values this gateway holds for each detail (a sale's
 * amount sets the usual price a new sale is checked against); the chain's view, like every other
 * reader of the chain, sees only their commitments.
 */
import type { Db } from "./database";
import { EventKind } from "../domain/event-kinds";
import { statementCache, type Sql } from "./statement-cache";
import { PRIVATE_VALUES_JSON } from "./private-field-repository";

export type LedgerView = "chain" | "accepted";

export interface EntryRow {
  batchId: string;
  kind: number;
  signer: string;
  dataHash: string;
  inputs: string[];
  /** A shipment's consignee as the chain (or the send queue) names it. */
  counterparty: string;
  detail: string | null;
  /** Accepted view only: JSON [{path, value}] of the private values kept here for this detail. */
  privateValues?: string | null;
  /** On chain: block and log index of its EventRecorded, and the block's time (unix seconds). */
  blockNumber: number | null;
  logIndex: number | null;
  timestamp: number | null;
  /** On its way: its place in the send queue. */
  seq: number | null;
  eventId: string | null;
}

interface RawRow {
  batch_id: string;
  kind: number;
  signer: string;
  data_hash: string;
  inputs: string;
  counterparty: string;
  detail: string | null;
  private_values: string | null;
  block_number: number | null;
  log_index: number | null;
  timestamp: number | null;
  seq: number | null;
  event_id: string | null;
}

const toRow = (row: RawRow): EntryRow => ({
  batchId: row.batch_id,
  kind: row.kind,
  signer: row.signer,
  dataHash: row.data_hash,
  inputs: (JSON.parse(row.inputs) as string[]).map((id) => id.toLowerCase()),
  counterparty: row.counterparty.toLowerCase(),
  detail: row.detail,
  privateValues: row.private_values ?? null,
  blockNumber: row.block_number,
  logIndex: row.log_index,
  timestamp: row.timestamp,
  seq: row.seq,
  eventId: row.event_id,
});

const EVENT_ID_OF_INDEXED = `(SELECT o.id FROM outbox o WHERE o.batch_id = e.batch_id AND o.data_hash = e.data_hash AND o.status != 'failed'
   ORDER BY o.seq LIMIT 1)`;
const INDEXED_COLUMNS = `e.batch_id, e.kind, e.signer, e.data_hash, e.inputs, e.counterparty, d.detail, e.block_number, e.log_index, e.timestamp,
  NULL AS seq, ${EVENT_ID_OF_INDEXED} AS event_id`;
const QUEUED_COLUMNS = `o.batch_id, o.kind, o.signer, o.data_hash, o.inputs, o.counterparty, d.detail, NULL AS block_number, NULL AS log_index,
  NULL AS timestamp, o.seq, o.id AS event_id, ${PRIVATE_VALUES_JSON("o.data_hash")} AS private_values`;
/** The indexed columns of a view: the accepted view adds the private values held here. */
const indexedColumns = (view: LedgerView) =>
  view === "accepted" ? `${INDEXED_COLUMNS}, ${PRIVATE_VALUES_JSON("e.data_hash")} AS private_values` : INDEXED_COLUMNS;
/**
 * Accepted events not in the index yet: on their way, or mined above the index's cursor. Those
 * the index has are matched by batch and data hash (a detail is never recorded twice on a batch).
 */
const NOT_INDEXED = `o.status != 'failed'
  AND (o.status IN ('pending', 'submitted') OR o.block_number IS NULL
       OR o.block_number > (SELECT coalesce(max(block_number), -1) FROM idx_cursor))
  AND NOT EXISTS (SELECT 1 FROM idx_events x WHERE x.batch_id = o.batch_id AND x.data_hash = o.data_hash)`;

export class LedgerEntryReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** The batch's own events in ledger order. */
  own(batchId: string, view: LedgerView): EntryRow[] {
    const id = batchId.toLowerCase();
    const indexed = this.sql(
      `SELECT ${indexedColumns(view)} FROM idx_events e LEFT JOIN event_details d ON d.data_hash = e.data_hash
       WHERE e.batch_id = ? ORDER BY e.position`,
    ).all(id) as RawRow[];
    if (view === "chain") return indexed.map(toRow);
    const queued = this.sql(
      `SELECT ${QUEUED_COLUMNS} FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash
       WHERE o.batch_id = ? AND ${NOT_INDEXED} ORDER BY o.seq`,
    ).all(id) as RawRow[];
    return [...indexed, ...queued].map(toRow);
  }

  /** Events of other batches that name this one as an input (splits and merges), in ledger order. */
  draws(batchId: string, view: LedgerView): EntryRow[] {
    const id = batchId.toLowerCase();
    const indexed = this.sql(
      `SELECT ${indexedColumns(view)} FROM idx_lineage l
       JOIN idx_events e ON e.batch_id = l.batch_id AND e.kind = ${EventKind.Processing}
       LEFT JOIN event_details d ON d.data_hash = e.data_hash
       WHERE l.input_batch_id = @id AND e.inputs LIKE '%' || @id || '%'
       ORDER BY e.block_number, e.log_index`,
    ).all({ id }) as RawRow[];
    if (view === "chain") return indexed.map(toRow).filter((row) => row.inputs.includes(id));
    const queued = this.sql(
      `SELECT ${QUEUED_COLUMNS} FROM outbox_inputs i JOIN outbox o ON o.seq = i.seq JOIN event_details d ON d.data_hash = o.data_hash
       WHERE i.input_batch_id = @id AND o.kind = ${EventKind.Processing} AND ${NOT_INDEXED}
       ORDER BY o.seq`,
    ).all({ id }) as RawRow[];
    return [...indexed, ...queued].map(toRow).filter((row) => row.inputs.includes(id));
  }

  /** The batches this one's events name as inputs (the batches it was made from, or merged with). */
  inputsOf(batchId: string, view: LedgerView): string[] {
    const id = batchId.toLowerCase();
    const onChain = this.sql(`SELECT input_batch_id FROM idx_lineage WHERE batch_id = ? ORDER BY block_number, log_index`)
      .pluck()
      .all(id) as string[];
    if (view === "chain") return onChain;
    const queued = this.sql(`SELECT o.inputs FROM outbox o WHERE o.batch_id = ? AND o.kind = ${EventKind.Processing} AND ${NOT_INDEXED}`)
      .pluck()
      .all(id) as string[];
    return [...new Set([...onChain, ...queued.flatMap((text) => (JSON.parse(text) as string[]).map((i) => i.toLowerCase()))])];
  }

  /** The batch's recall (its first), if it has one in this view. */
  recallOf(batchId: string, view: LedgerView): EntryRow | undefined {
    return this.ofKind(batchId, EventKind.Recall, view)[0];
  }

  /** The batch's corrections in this view. */
  correctionsOn(batchId: string, view: LedgerView): EntryRow[] {
    return this.ofKind(batchId, EventKind.Correction, view);
  }

  private ofKind(batchId: string, kind: number, view: LedgerView): EntryRow[] {
    const id = batchId.toLowerCase();
    const indexed = this.sql(
      `SELECT ${indexedColumns(view)} FROM idx_events e LEFT JOIN event_details d ON d.data_hash = e.data_hash
       WHERE e.batch_id = ? AND e.kind = ? ORDER BY e.position`,
    ).all(id, kind) as RawRow[];
    if (view === "chain") return indexed.map(toRow);
    const queued = this.sql(
      `SELECT ${QUEUED_COLUMNS} FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash
       WHERE o.batch_id = ? AND o.kind = ? AND ${NOT_INDEXED} ORDER BY o.seq`,
    ).all(id, kind) as RawRow[];
    return [...indexed, ...queued].map(toRow);
  }
}
