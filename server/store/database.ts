/**
 * Opens the gateway's SQLite database (better-sqlite3) in WAL mode with full sync, so that a
 * write acknowledged to a client survives a crash of the process or the machine, and brings
 * its schema up to date. The file is private to the service (0600 in a 0700 folder): it holds
 * password hashes, live CSRF tokens and every private field. SQLite gives its -wal and -shm
 * files the database file's mode.
 */
import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync } from "node:fs";
import path from "node:path";
import { makePrivateDir, openPrivateFile, PRIVATE_FILE_MODE } from "../keys/private-files";
import { MIGRATIONS } from "./schema";

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ":memory:") {
    makePrivateDir(path.dirname(file));
    closeSync(openPrivateFile(file, "a")); // made (or set) 0600 before SQLite opens it
  }
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  if (file !== ":memory:") {
    for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, PRIVATE_FILE_MODE);
  }
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const applied = db.pragma("user_version", { simple: true }) as number;
  for (let version = applied; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
