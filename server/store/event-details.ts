/**
 * Every accepted event's and attestation's detail, the RFC 8785 canonical JSON whose keccak256
 * is the data hash the chain holds, kept by that hash. It is written in the transaction that
 * accepts the write and is never deleted with the send queue: the queue says how a write
 * travels to the chain; this table is what the pages, and anyone checking them, read.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface EventDetail {
  dataHash: string;
  /** The canonical JSON, byte for byte as hashed. */
  detail: string;
  /** When the gateway first accepted a write with this detail (ISO 8601). */
  createdAt: string;
}

export class EventDetails {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Keeps a detail under its hash; a detail seen before (same hash, same bytes) is kept once. */
  put(dataHash: string, detail: string): void {
    this.sql(`INSERT INTO event_details (data_hash, detail, created_at) VALUES (?, ?, ?) ON CONFLICT (data_hash) DO NOTHING`).run(
      dataHash,
      detail,
      new Date().toISOString(),
    );
  }

  /**
   * The detail as the public may read it: one the chain holds the hash of, or one of a write this
   * gateway accepted that has not failed (on its way to the chain). A failed write's detail is
   * no one's record.
   */
  publicDetail(dataHash: string): string | undefined {
    const hash = dataHash.toLowerCase();
    const row = this.sql(
      `SELECT detail FROM event_details d WHERE d.data_hash = @hash AND (
         EXISTS (SELECT 1 FROM idx_events WHERE data_hash = @hash)
         OR EXISTS (SELECT 1 FROM idx_certifications WHERE data_hash = @hash)
         OR EXISTS (SELECT 1 FROM outbox WHERE data_hash = @hash AND status != 'failed')
         OR EXISTS (SELECT 1 FROM certification_outbox WHERE payload ->> '$.attestation.dataHash' = @hash AND status != 'failed'))`,
    ).get({ hash }) as { detail: string } | undefined;
    return row?.detail;
  }

  get(dataHash: string): EventDetail | undefined {
    const row = this.sql(`SELECT data_hash, detail, created_at FROM event_details WHERE data_hash = ?`).get(dataHash) as
      | { data_hash: string; detail: string; created_at: string }
      | undefined;
    return row && { dataHash: row.data_hash, detail: row.detail, createdAt: row.created_at };
  }
}
