/**
 * The EPCIS projection (idx_epcis_*): each ledger log as the EPCIS event it reads as, with the
 * columns its queries filter on, in the order it was projected (seq). Part of the index: it is
 * emptied with it and built again from the chain's logs and the details.
 */
import type { Db } from "./database";
import type { ChainPosition } from "./detail-feed-reads";
import { statementCache, type Sql } from "./statement-cache";

/** A ledger log to project: an event's or an attestation's, with its detail where held. */
export interface LogToProject extends ChainPosition {
  kind: "event" | "attestation";
  /** An event's kind number; null for an attestation. */
  eventKind: number | null;
  /** The batch of an event; the subject of an attestation (a batch id, or a producer for a product line). */
  subject: string;
  /** An attestation: 0 a batch, 1 a product line. */
  subjectKind: number | null;
  gtin: string | null;
  inputs: string;
  signer: string;
  dataHash: string;
  transactionHash: string;
  /** Block time, unix seconds. */
  blockTime: number;
  detail: string | null;
}

export interface ProjectedRow {
  eventId: string;
  position: ChainPosition;
  part: number;
  dataHash: string;
  eventType: string;
  bizStep: string | null;
  disposition: string | null;
  eventTime: number;
  recordTime: number;
  bizLocation: string | null;
  readPoint: string | null;
  event: string;
  /** Lot and product line keys: "01/{gtin}/10/{lot}", "01/{gtin}". */
  classes: string[];
}

export interface StoredEpcisEvent {
  seq: number;
  eventId: string;
  event: string;
}

/** The EPCIS simple event query's filters, as the store applies them (values already normalised). */
export interface EpcisFilter {
  eventTypes?: string[];
  bizSteps?: string[];
  dispositions?: string[];
  eventTimeFrom?: number;
  eventTimeBefore?: number;
  recordTimeFrom?: number;
  recordTimeBefore?: number;
  classes?: string[];
  /** MATCH_epc / MATCH_anyEPC: the ledger records lots, never single items, so any value matches nothing. */
  matchesNoEpc?: boolean;
  bizLocations?: string[];
  readPoints?: string[];
}

const LOGS = `
  SELECT e.block_number AS block, e.log_index AS logIndex, 'event' AS kind, e.kind AS eventKind, e.batch_id AS subject,
         NULL AS subjectKind, NULL AS gtin, e.inputs AS inputs, e.signer AS signer, e.data_hash AS dataHash,
         e.tx_hash AS transactionHash, e.timestamp AS blockTime
  FROM idx_events e
  UNION ALL
  SELECT c.block_number, c.log_index, 'attestation', NULL, c.subject, c.subject_kind, c.gtin, '[]', c.certifier, c.data_hash,
         c.tx_hash, coalesce((SELECT b.timestamp FROM idx_blocks b WHERE b.number = c.block_number), 0)
  FROM idx_certifications c`;

export class EpcisEventStore {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  cursor(): ChainPosition | undefined {
    const row = this.sql(`SELECT block_number AS block, log_index AS logIndex FROM idx_epcis_cursor WHERE id = 1`).get() as ChainPosition | undefined;
    return row;
  }

  setCursor(position: ChainPosition): void {
    this.sql(
      `INSERT INTO idx_epcis_cursor (id, block_number, log_index) VALUES (1, @block, @logIndex)
       ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, log_index = excluded.log_index`,
    ).run(position);
  }

  /** The chain's logs after `after`, in chain order, with their detail where this gateway holds it. */
  logsAfter(after: ChainPosition | undefined, limit: number): LogToProject[] {
    const { block, logIndex } = after ?? { block: -1, logIndex: -1 };
    return this.sql(
      `SELECT l.*, d.detail FROM (${LOGS}) l LEFT JOIN event_details d ON d.data_hash = l.dataHash
       WHERE l.block > @block OR (l.block = @block AND l.logIndex > @logIndex)
       ORDER BY l.block, l.logIndex LIMIT @limit`,
    ).all({ block, logIndex, limit }) as LogToProject[];
  }

  /** Logs read before their detail came whose detail is here now. */
  waitingWithDetail(limit: number): LogToProject[] {
    return this.sql(
      `SELECT l.*, d.detail FROM idx_epcis_waiting w
       JOIN (${LOGS}) l ON l.block = w.block_number AND l.logIndex = w.log_index
       JOIN event_details d ON d.data_hash = l.dataHash
       ORDER BY l.block, l.logIndex LIMIT ?`,
    ).all(limit) as LogToProject[];
  }

  addWaiting(position: ChainPosition): void {
    this.sql(`INSERT OR IGNORE INTO idx_epcis_waiting (block_number, log_index) VALUES (@block, @logIndex)`).run(position);
  }

  removeWaiting(position: ChainPosition): void {
    this.sql(`DELETE FROM idx_epcis_waiting WHERE block_number = @block AND log_index = @logIndex`).run(position);
  }

  waitingCount(): number {
    return this.sql(`SELECT count(*) FROM idx_epcis_waiting`).pluck().get() as number;
  }

  /** Stores a projected event (replacing one of the same eventID: an error declaration restates its event). */
  put(row: ProjectedRow): void {
    const old = this.sql(`SELECT seq FROM idx_epcis_events WHERE event_id = ?`).pluck().get(row.eventId) as number | undefined;
    if (old !== undefined) {
      this.sql(`DELETE FROM idx_epcis_classes WHERE seq = ?`).run(old);
      this.sql(`DELETE FROM idx_epcis_events WHERE seq = ?`).run(old);
    }
    const { changes, lastInsertRowid } = this.sql(
      `INSERT INTO idx_epcis_events (event_id, block_number, log_index, part, data_hash, event_type, biz_step, disposition,
         event_time, record_time, biz_location, read_point, event)
       VALUES (@eventId, @block, @logIndex, @part, @dataHash, @eventType, @bizStep, @disposition,
         @eventTime, @recordTime, @bizLocation, @readPoint, @event)
       ON CONFLICT (block_number, log_index, part) DO NOTHING`,
    ).run({ ...row, block: row.position.block, logIndex: row.position.logIndex, dataHash: row.dataHash.toLowerCase() });
    // Projected already (a log read twice): nothing new. (lastInsertRowid is stale then.)
    if (changes === 0) return;
    const addClass = this.sql(`INSERT OR IGNORE INTO idx_epcis_classes (epc_class, seq) VALUES (?, ?)`);
    for (const key of row.classes) addClass.run(key, lastInsertRowid);
  }

  /** The event served under this eventID. */
  byEventId(eventId: string): StoredEpcisEvent | undefined {
    return this.sql(`SELECT seq, event_id AS eventId, event FROM idx_epcis_events WHERE event_id = ?`).get(eventId) as StoredEpcisEvent | undefined;
  }

  /** The event a ledger log became (part 0: a correction's corrective event is part 1). */
  byDataHash(dataHash: string, part = 0): StoredEpcisEvent | undefined {
    return this.sql(
      `SELECT seq, event_id AS eventId, event FROM idx_epcis_events WHERE data_hash = ? AND part = ? ORDER BY seq DESC LIMIT 1`,
    ).get(dataHash.toLowerCase(), part) as StoredEpcisEvent | undefined;
  }

  /** Up to `limit` events after `afterSeq` matching the filter, in seq order. */
  query(filter: EpcisFilter, afterSeq: number, limit: number): StoredEpcisEvent[] {
    if (filter.matchesNoEpc) return [];
    const where: string[] = ["e.seq > @afterSeq"];
    const params: Record<string, unknown> = { afterSeq, limit };
    const anyOf = (column: string, name: string, values: string[] | undefined) => {
      if (!values) return;
      where.push(`${column} IN (SELECT value FROM json_each(@${name}))`);
      params[name] = JSON.stringify(values);
    };
    anyOf("e.event_type", "eventTypes", filter.eventTypes);
    anyOf("e.biz_step", "bizSteps", filter.bizSteps);
    anyOf("e.disposition", "dispositions", filter.dispositions);
    anyOf("e.biz_location", "bizLocations", filter.bizLocations);
    anyOf("e.read_point", "readPoints", filter.readPoints);
    const bound = (condition: string, name: string, value: number | undefined) => {
      if (value === undefined) return;
      where.push(condition);
      params[name] = value;
    };
    bound("e.event_time >= @eventTimeFrom", "eventTimeFrom", filter.eventTimeFrom);
    bound("e.event_time < @eventTimeBefore", "eventTimeBefore", filter.eventTimeBefore);
    bound("e.record_time >= @recordTimeFrom", "recordTimeFrom", filter.recordTimeFrom);
    bound("e.record_time < @recordTimeBefore", "recordTimeBefore", filter.recordTimeBefore);
    if (filter.classes) {
      where.push(`EXISTS (SELECT 1 FROM idx_epcis_classes c, json_each(@classes) j WHERE c.epc_class = j.value AND c.seq = e.seq)`);
      params.classes = JSON.stringify(filter.classes);
    }
    // One statement per combination of filters, kept by the statement cache.
    return this.sql(`SELECT e.seq, e.event_id AS eventId, e.event FROM idx_epcis_events e WHERE ${where.join(" AND ")} ORDER BY e.seq LIMIT @limit`).all(
      params,
    ) as StoredEpcisEvent[];
  }

  /** The newest seq (0: none yet). */
  lastSeq(): number {
    return (this.sql(`SELECT coalesce(max(seq), 0) FROM idx_epcis_events`).pluck().get() as number) ?? 0;
  }
}
