/**
 * With the chain thread, two connections write the one SQLite file. In WAL mode a transaction
 * that reads before it writes holds a snapshot; if the other connection commits in between, its
 * first write fails at once with SQLITE_BUSY_SNAPSHOT ("database is locked"), whatever the busy
 * timeout, and a write while the other holds the lock fails the same way. Beginning every
 * transaction IMMEDIATE takes the write lock first (waiting up to the busy timeout), so no
 * transaction of either connection can fail so. Nested calls stay savepoints.
 */
import type { Db } from "../../store/database";

const patched = new WeakSet<Db>();

export function writeLockFirst(db: Db): Db {
  if (patched.has(db)) return db;
  patched.add(db);
  const deferred = db.transaction.bind(db);
  db.transaction = ((fn: Parameters<Db["transaction"]>[0]) => deferred(fn).immediate) as Db["transaction"];
  return db;
}
