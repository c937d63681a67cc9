/**
 * The values and salts of private fields (a sale's amount, fields a writer marks private), kept
 * by the data hash of the event whose public detail commits to them. This table is the gateway's
 * own: never in event_details, never served by hash, never exported. A value is written in the
 * transaction that accepts its event, and read only for the organisation that wrote it, for the
 * programme's figures (sales-reads.ts) and for this gateway's own rules (ledger-entry-reads.ts).
 */
import type { PrivateValue } from "../domain/private-fields";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

interface Row {
  path: string;
  value_json: string;
  salt: string | null;
}

/** Parses the JSON column of private values that ledger-entry-reads.ts adds to its rows. */
export function privateValuesOf(json: string | null): PrivateValue[] {
  if (!json) return [];
  return (JSON.parse(json) as { path: string; value: unknown }[]).map((v) => ({ path: v.path, value: v.value, salt: null }));
}

/**
 * SQL of a JSON array [{path, value}] of the private values kept for the data hash in column
 * `dataHash` (for queries that read them beside a detail; salts are left out).
 */
export const PRIVATE_VALUES_JSON = (dataHash: string) =>
  `(SELECT json_group_array(json_object('path', p.path, 'value', json(p.value_json))) FROM private_fields p WHERE p.data_hash = ${dataHash})`;

export class PrivateFieldRepository {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Keeps the values of one event's private fields; the caller's transaction is the event's. */
  put(dataHash: string, values: readonly PrivateValue[]): void {
    const insert = this.sql(`INSERT INTO private_fields (data_hash, path, value_json, salt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    for (const { path, value, salt } of values) insert.run(dataHash.toLowerCase(), path, JSON.stringify(value), salt);
  }

  /** The private values committed to by the detail with this data hash, in path order. */
  valuesOf(dataHash: string): PrivateValue[] {
    const rows = this.sql(`SELECT path, value_json, salt FROM private_fields WHERE data_hash = ? ORDER BY path`).all(dataHash.toLowerCase()) as Row[];
    return rows.map((row) => ({ path: row.path, value: JSON.parse(row.value_json) as unknown, salt: row.salt }));
  }
}
