/**
 * `provenance backup`: one encrypted archive (archive-format.ts) of what a data folder needs to
 * come back, taken while the gateway runs. The chain's snapshot and the folder's small files
 * are opened first, gateway.db copied last, so that the database is never older than the chain
 * in the same backup: after a restore the chain may lack some of the database's events (the
 * relayer sends them again), never the other way round. An open file stays the one that was
 * opened when the gateway renames a newer snapshot over it. The archive is written to a
 * temporary file (0600), flushed and renamed into place: a backup file is whole or absent.
 */
import { createHash, type CipherGCM } from "node:crypto";
import { closeSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { makePrivateDir, openPrivateFile, syncPath } from "../../keys/private-files";
import { copyDatabase } from "../../store/backup";
import { encodeHeader, encodeRecord, type BackupHeader, type ManifestEntry } from "./archive-format";
import { backupCipher, newBackupKey } from "./backup-crypto";
import { CHAIN_SNAPSHOT, DATABASE, plainFiles, recordedLedgers, snapshotBlock } from "./data-folder";

const CHUNK = 1024 * 1024;
/** The folder a backup's copy of gateway.db waits in: `.backup-<pid>-…` in the data folder. */
const SCRATCH = ".backup-";

export interface MakeBackupOptions {
  dataDir: string;
  out: string;
  masterSecret: string;
  /** Stops the backup between two chunks (the temporary file is removed). */
  signal?: AbortSignal;
}

export interface BackupResult {
  file: string;
  bytes: number;
  header: BackupHeader;
  files: ManifestEntry[];
  /** How long the database copy took, and the whole backup. */
  databaseCopyMs: number;
  totalMs: number;
}

export class BackupInterrupted extends Error {}

export async function makeBackup(options: MakeBackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const dataDir = path.resolve(options.dataDir);
  const out = path.resolve(options.out);
  const database = path.join(dataDir, DATABASE);
  try {
    statSync(database);
  } catch {
    throw new Error(`${database} does not exist: DATA_DIR must name the gateway's data folder`);
  }
  const sources: Array<{ relative: string; handle: FileHandle }> = [];
  // The copy waits in the data folder itself, private like the database it copies, until it is encrypted.
  removeLeftScratch(dataDir);
  const scratch = mkdtempSync(path.join(dataDir, `${SCRATCH}${process.pid}-`));
  const temporary = `${out}.tmp-${process.pid}`;
  try {
    for (const file of plainFiles(dataDir)) sources.push({ relative: file.relative, handle: await open(file.absolute, "r") });
    const snapshot = sources.find((source) => source.relative === CHAIN_SNAPSHOT);
    const chainSnapshotBlock = snapshot ? snapshotBlock(snapshot.handle.fd) : undefined;

    // The moment the backup holds: every write the gateway acknowledged before it is in the copy.
    const copyStarted = Date.now();
    const copy = path.join(scratch, DATABASE);
    const facts = copyDatabase(database, copy);
    const databaseCopyMs = Date.now() - copyStarted;
    sources.push({ relative: DATABASE, handle: await open(copy, "r") });

    const recorded = recordedLedgers(dataDir);
    const ledger = facts.ledger
      ? recorded.find((l) => l.address.toLowerCase() === facts.ledger!.address.toLowerCase()) ?? { ...facts.ledger, chainId: undefined }
      : recorded.length === 1
      ? recorded[0]
      : undefined;
    const key = await newBackupKey(options.masterSecret);
    const header: BackupHeader = {
      type: "provenance-backup",
      version: 1,
      createdAt: new Date(copyStarted).toISOString(),
      chainId: ledger?.chainId,
      ledger: ledger?.address,
      deployBlock: ledger?.deployBlock,
      lastIndexedBlock: facts.ledger?.lastIndexedBlock,
      events: facts.events,
      schemaVersion: facts.schemaVersion,
      chainSnapshotBlock,
      encryption: key.encryption,
    };
    const headerBytes = encodeHeader(header);
    const cipher = backupCipher(key.key, key.encryption, headerBytes);

    makePrivateDir(path.dirname(out));
    closeSync(openPrivateFile(temporary, "w"));
    const target = await open(temporary, "w");
    const manifest: ManifestEntry[] = [];
    try {
      await target.write(headerBytes);
      for (const source of sources) manifest.push(await appendFile(target, cipher, source, options.signal));
      await target.write(cipher.update(encodeRecord({ manifest })));
      await target.write(cipher.final());
      await target.write(cipher.getAuthTag());
      await target.sync();
    } finally {
      await target.close();
    }
    renameSync(temporary, out);
    syncPath(path.dirname(out));
    return { file: out, bytes: statSync(out).size, header, files: manifest, databaseCopyMs, totalMs: Date.now() - started };
  } finally {
    for (const source of sources) await source.handle.close();
    rmSync(scratch, { recursive: true, force: true });
    try {
      unlinkSync(temporary);
    } catch {
      // renamed into place, or never made
    }
  }
}

/** One file's record: its header, then its bytes, as many as it had when it was opened. */
async function appendFile(target: FileHandle, cipher: CipherGCM, source: { relative: string; handle: FileHandle }, signal?: AbortSignal): Promise<ManifestEntry> {
  const { size } = await source.handle.stat();
  await target.write(cipher.update(encodeRecord({ path: source.relative, size, mode: 0o600 })));
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(CHUNK);
  for (let position = 0; position < size; ) {
    if (signal?.aborted) throw new BackupInterrupted("interrupted; no backup was written");
    const { bytesRead } = await source.handle.read(buffer, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) throw new Error(`${source.relative} became shorter while it was copied`);
    const part = buffer.subarray(0, bytesRead);
    hash.update(part);
    await target.write(cipher.update(part));
    position += bytesRead;
  }
  return { path: source.relative, size, sha256: hash.digest("hex") };
}

/** Removes what a backup killed before it could clean up left in the data folder (its process is gone). */
function removeLeftScratch(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    const pid = Number(new RegExp(`^\\${SCRATCH}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") rmSync(path.join(dataDir, name), { recursive: true, force: true });
    }
  }
}

