/**
 * What of a data folder a backup holds, and what the folder says of its ledger and its chain.
 *
 * Held: gateway.db (copied by SQLite, store/backup.ts), deployments/ (which ledger, where),
 * keys/ (the embedded chain's admin and relayer keystores, encrypted with the master secret),
 * the embedded chain's checked snapshot chain.json (chain/anvil-snapshots.ts writes it whole
 * and renames it into place; its `.previous` stands in when it is missing), admin-token, and a
 * demo's demo.json. Left out: master-secret (the operator keeps it apart), the chain's socket,
 * lock and pid files, uploads in progress, temporary and set-aside files.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { previousSnapshotPath } from "../../chain/anvil-snapshots";

export const DATABASE = "gateway.db";
export const CHAIN_SNAPSHOT = "chain.json";
export const MASTER_SECRET_FILE = "master-secret";

/** The names a backup may hold, relative to the data folder: nothing else is ever restored. */
const HELD = [/^gateway\.db$/, /^chain\.json$/, /^admin-token$/, /^demo\.json$/, /^deployments\/[A-Za-z0-9_.-]+\.json$/, /^keys\/[A-Za-z0-9_.-]+\.json$/];

export function isHeldPath(relative: string): boolean {
  return HELD.some((pattern) => pattern.test(relative)) && !relative.split("/").includes("..");
}

/** A file to copy as it is: its name in the backup and where it is now. */
export interface PlainFile {
  relative: string;
  absolute: string;
}

/**
 * The folder's files a backup copies byte for byte (gateway.db aside), the chain's snapshot
 * first-found: chain.json, else the snapshot before it.
 */
export function plainFiles(dataDir: string): PlainFile[] {
  const files: PlainFile[] = [];
  for (const folder of ["keys", "deployments"]) {
    const dir = path.join(dataDir, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const relative = `${folder}/${name}`;
      if (isHeldPath(relative) && statSync(path.join(dir, name)).isFile()) files.push({ relative, absolute: path.join(dir, name) });
    }
  }
  const snapshot = [path.join(dataDir, CHAIN_SNAPSHOT), previousSnapshotPath(path.join(dataDir, CHAIN_SNAPSHOT))].find((file) => existsSync(file));
  if (snapshot) files.push({ relative: CHAIN_SNAPSHOT, absolute: snapshot });
  for (const name of ["admin-token", "demo.json"]) {
    if (existsSync(path.join(dataDir, name))) files.push({ relative: name, absolute: path.join(dataDir, name) });
  }
  return files;
}

/** A ledger as a data folder's deployment record names it. */
export interface RecordedLedger {
  chainId: number;
  address: string;
  deployBlock: number;
}

/** The deployments the folder records (deployments/<chainId>.json), one per chain. */
export function recordedLedgers(dataDir: string): RecordedLedger[] {
  const dir = path.join(dataDir, "deployments");
  if (!existsSync(dir)) return [];
  const ledgers: RecordedLedger[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/^\d+\.json$/.test(name)) continue;
    try {
      const record = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Partial<RecordedLedger>;
      if (typeof record.address === "string" && typeof record.chainId === "number") {
        ledgers.push({ chainId: record.chainId, address: record.address, deployBlock: record.deployBlock ?? 0 });
      }
    } catch {
      // not a deployment record
    }
  }
  return ledgers;
}

/**
 * The last block of an anvil state dump, found by reading the file for its
 * `"best_block_number"` (the only key of that name, near the start) rather than parsing a file
 * that may be hundreds of megabytes. `file` is a path or an open descriptor; undefined when it
 * holds no such key.
 */
export function snapshotBlock(file: string | number): number | undefined {
  if (typeof file === "string" && !existsSync(file)) return undefined;
  const fd = typeof file === "number" ? file : openSync(file, "r");
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    let carry = "";
    for (let position = 0; ; ) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) return undefined;
      position += read;
      const text = carry + chunk.toString("latin1", 0, read);
      const match = /"best_block_number"\s*:\s*"?(0x[0-9a-fA-F]+|\d+)"?/.exec(text);
      if (match && match.index + match[0].length < text.length) return Number(BigInt(match[1]));
      carry = text.slice(-64);
    }
  } finally {
    if (typeof file === "string") closeSync(fd);
  }
}
