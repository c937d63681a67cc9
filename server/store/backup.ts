/**
 * gateway.db's part of a backup: a consistent copy of a database that a running gateway keeps
 * writing, and the facts a backup names about it. The copy is SQLite's `VACUUM INTO` on a
 * connection of its own: one read transaction, so the copy is the database as it stood at one
 * moment (every write the gateway had committed, none half), while the gateway, in WAL mode,
 * goes on writing. Nothing here migrates or changes the source.
 */
import Database from "better-sqlite3";

/** What a copy of gateway.db holds, as a backup's header names it. */
export interface DatabaseFacts {
  /** The ledger the index follows, and the last block fully indexed; undefined before the first index. */
  ledger?: { address: string; deployBlock: number; lastIndexedBlock: number };
  /** Events the gateway accepted (its send queue, whatever their state). */
  events: number;
  /** The schema's version (how many migrations were applied). */
  schemaVersion: number;
}

/**
 * Copies the database at `source` into `target` (which must not exist), checks the copy with
 * SQLite's quick_check and answers what it holds. Waits up to `busyTimeoutMs` for a writer.
 */
export function copyDatabase(source: string, target: string, busyTimeoutMs = 30_000): DatabaseFacts {
  const from = new Database(source, { fileMustExist: true, timeout: busyTimeoutMs });
  try {
    from.prepare("VACUUM INTO ?").run(target);
  } finally {
    from.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  try {
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`the copy of ${source} fails SQLite's check: ${String(check)}`);
    return factsOf(copy);
  } finally {
    copy.close();
  }
}

/**
 * The facts of an existing gateway.db, read without writing to it (no checkpoint, no
 * migration); undefined when it cannot be read (missing, damaged, not a gateway's database).
 */
export function readDatabaseFacts(file: string): DatabaseFacts | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, readonly: true });
    return factsOf(db);
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

function factsOf(db: Database.Database): DatabaseFacts {
  const cursor = db.prepare(`SELECT block_number, address, deploy_block FROM idx_cursor WHERE id = 1`).get() as
    | { block_number: number; address: string; deploy_block: number }
    | undefined;
  const { n } = db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number };
  return {
    ledger: cursor && { address: cursor.address, deployBlock: cursor.deploy_block, lastIndexedBlock: cursor.block_number },
    events: n,
    schemaVersion: db.pragma("user_version", { simple: true }) as number,
  };
}
