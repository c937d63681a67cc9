/**
 * A number that moves with every write the gateway makes: SQLite's total_changes() on its one
 * connection. Whatever was computed from the database at one value is still exact while the
 * value is unchanged, so the programme's grouped figures (services/purchase-groups.ts) key on it.
 */
import type { Db } from "./database";

export function dataVersion(db: Db): () => number {
  const statement = db.prepare(`SELECT total_changes()`).pluck();
  return () => statement.get() as number;
}
