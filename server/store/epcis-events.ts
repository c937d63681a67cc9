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

/** An event's log as the projector reads it. */
const EVENT_LOGS = `
  SELECT e.block_number AS block, e.log_index AS logIndex, 'event' AS kind, e.kind AS eventKind, e.batch_id AS subject,
         NULL AS subjectKind, NULL AS gtin, e.inputs AS inputs, e.signer AS signer, e.data_hash AS dataHash,
         e.tx_hash AS transactionHash, e.timestamp AS blockTime, d.detail AS detail
  FROM idx_events e LEFT JOIN event_details d ON d.data_hash = e.data_hash`;
/** An attestation's log (dated by its block's time). */
const ATTESTATION_LOGS = `
  SELECT c.block_number AS block, c.log_index AS logIndex, 'attestation' AS kind, NULL AS eventKind, c.subject AS subject,
         c.subject_kind AS subjectKind, c.gtin AS gtin, '[]' AS inputs, c.certifier AS signer, c.data_hash AS dataHash,
         c.tx_hash AS transactionHash, coalesce((SELECT b.timestamp FROM idx_blocks b WHERE b.number = c.block_number), 0) AS blockTime,
         d.detail AS detail
  FROM idx_certifications c LEFT JOIN event_details d ON d.data_hash = c.data_hash`;

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
    const position = after ?? { block: -1, logIndex: -1 };
    // Each table in its own chain-order index, merged here: a UNION ordered as a whole would read
    // every log after the cursor for each slice.
    const events = this.sql(
      `${EVENT_LOGS} WHERE (e.block_number, e.log_index) > (@block, @logIndex) ORDER BY e.block_number, e.log_index LIMIT @limit`,
    ).all({ ...position, limit }) as LogToProject[];
    const attestations = this.sql(
      `${ATTESTATION_LOGS} WHERE (c.block_number, c.log_index) > (@block, @logIndex) ORDER BY c.block_number, c.log_index LIMIT @limit`,
    ).all({ ...position, limit }) as LogToProject[];
    if (attestations.length === 0) return events;
    return [...events, ...attestations].sort((a, b) => a.block - b.block || a.logIndex - b.logIndex).slice(0, limit);
  }

  /** Logs read before their detail came whose detail is here now. */
  waitingWithDetail(limit: number): LogToProject[] {
    // Usually none wait: then the join below (over every log) is not even planned.
    if (!this.sql(`SELECT EXISTS (SELECT 1 FROM idx_epcis_waiting)`).pluck().get()) return [];
    const waiting = this.sql(`SELECT block_number AS block, log_index AS logIndex FROM idx_epcis_waiting ORDER BY block_number, log_index`).all() as ChainPosition[];
    const arrived: LogToProject[] = [];
    const event = this.sql(`${EVENT_LOGS} WHERE e.block_number = ? AND e.log_index = ? AND d.detail IS NOT NULL`);
    const attestation = this.sql(`${ATTESTATION_LOGS} WHERE c.block_number = ? AND c.log_index = ? AND d.detail IS NOT NULL`);
    for (const { block, logIndex } of waiting) {
      const log = (event.get(block, logIndex) ?? attestation.get(block, logIndex)) as LogToProject | undefined;
      if (log) arrived.push(log);
      if (arrived.length >= limit) break;
    }
    return arrived;
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
      // Driven from the classes' own index: a lot's few events are found without walking the others.
      where.push(`e.seq IN (SELECT c.seq FROM idx_epcis_classes c WHERE c.epc_class IN (SELECT value FROM json_each(@classes)) AND c.seq > @afterSeq)`);
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
