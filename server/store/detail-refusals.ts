/**
 * Details and photos from a peer or a bundle that did not hash to what the chain holds: refused,
 * never stored, and recorded here with where they came from, so that an operator sees which
 * source served what.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface DetailRefusal {
  dataHash: string;
  source: string;
  reason: string;
  refusedAt: string;
}

export class DetailRefusals {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  record(dataHash: string, source: string, reason: string): void {
    this.sql(`INSERT INTO detail_refusals (data_hash, source, reason, refused_at) VALUES (?, ?, ?, ?)`).run(
      dataHash.toLowerCase(),
      source,
      reason,
      new Date().toISOString(),
    );
  }

  /** The latest refusals, newest first. */
  latest(limit: number): DetailRefusal[] {
    return this.sql(
      `SELECT data_hash AS dataHash, source, reason, refused_at AS refusedAt FROM detail_refusals ORDER BY rowid DESC LIMIT ?`,
    ).all(limit) as DetailRefusal[];
  }
}
