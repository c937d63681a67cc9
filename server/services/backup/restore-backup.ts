/**
 * `provenance restore`: brings a data folder back from a backup. In order, refusing at the first
 * step that fails, before anything is written:
 *   1. nobody uses the folder (folder-in-use.ts): no gateway, reindex or embedded chain on it;
 *      and the backup's database schema is one this version knows;
 *   2. the master secret opens the backup (it is the one the backup was made with);
 *   3. the backup is of the folder's ledger, when the folder records one (else --force);
 *   4. a pass over the whole backup: GCM's check and every file's checksum.
 * Then it takes the folder's lock (keys/data-folder-lock.ts), as a gateway does, and holds it
 * while the files are written to a private folder inside the data folder, checked again, and
 * renamed into place; whatever they replace (gateway.db with its -wal and -shm included) is set
 * aside in `before-restore-<time>/`, never deleted. The chain is never rolled back: a snapshot
 * of the embedded chain that the folder still holds, of the same ledger and at least as new as
 * the backup's, is kept (the restored gateway's relayer then finds what the chain holds).
 */
import { closeSync, existsSync, fsyncSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { firstPrunedBlockAfter, previousSnapshotPath } from "../../chain/anvil-snapshots";
import { DataFolderLockedError, lockDataFolder, type DataFolderLock } from "../../keys/data-folder-lock";
import { makePrivateDir, openPrivateFile, syncPath, writePrivateFile } from "../../keys/private-files";
import { readDatabaseFacts } from "../../store/backup";
import { MIGRATIONS } from "../../store/schema";
import { DamagedBackup, type BackupHeader, type FileRecord, type ManifestEntry } from "./archive-format";
import { openBackupKey } from "./backup-crypto";
import { CHAIN_SNAPSHOT, DATABASE, isHeldPath, MASTER_SECRET_FILE, recordedLedgers, snapshotBlock } from "./data-folder";
import { folderUsers } from "./folder-in-use";
import { readBackupHeader, readRecords, type OpenedBackup } from "./read-backup";

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /**
   * The master secret the backup was made with, and where it came from: the environment
   * (MASTER_SECRET, which the gateway will read too) or a file the operator names (then it is
   * written into the data folder, for the gateway to find). Without it, the folder's own.
   */
  masterSecret?: { value: string; from: "environment" | "file" };
  /** Restores a backup of another ledger than the folder's, and replaces a master secret that differs. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface RestoreResult {
  header: BackupHeader;
  restored: ManifestEntry[];
  /** The folder's own chain snapshot, kept because it is as new as the backup's or newer. */
  keptChain?: { block: number };
  /** Where the files the restore replaced were set aside; undefined when it replaced none. */
  setAside?: string;
  /** Whether the restore wrote the master secret into the folder. */
  wroteMasterSecret: boolean;
}

/** Why a restore will not run: the folder is in use, the secret is not the one, another ledger. */
export class RestoreRefused extends Error {
  constructor(
    readonly code: "in_use" | "no_master_secret" | "wrong_master_secret" | "other_ledger" | "later_version",
    message: string,
  ) {
    super(message);
    this.name = "RestoreRefused";
  }
}

export { DamagedBackup };

/** The folder the restored files are written to before they are renamed into place. */
const STAGING = ".restore-";

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const dataDir = path.resolve(options.dataDir);
  const users = await folderUsers(dataDir);
  if (users.length > 0) {
    throw new RestoreRefused("in_use", `${dataDir} is in use: ${users.join("; ")}. Stop the gateway (and anything else on the folder) first`);
  }
  const backup = await readBackupHeader(path.resolve(options.file));
  if ((backup.header.schemaVersion ?? 0) > MIGRATIONS.length) {
    throw new RestoreRefused(
      "later_version",
      `the backup was made by a later version of the gateway (database schema ${backup.header.schemaVersion}; this one knows ${MIGRATIONS.length}): restore it with that version or a later one`,
    );
  }
  const { secret, writeSecret } = masterSecretFor(dataDir, options);
  const key = await openBackupKey(secret, backup.header.encryption);
  if (!key) {
    throw new RestoreRefused(
      "wrong_master_secret",
      `this master secret does not open the backup: it was made with another one (or its header was changed). ` +
        `Give the one the backup's gateway ran with: MASTER_SECRET or --master-secret-file FILE`,
    );
  }
  const folderLedger = otherLedger(dataDir, backup.header);
  if (folderLedger && !options.force) {
    throw new RestoreRefused(
      "other_ledger",
      `${dataDir} holds ledger ${folderLedger}, the backup is of ledger ${backup.header.ledger ?? "(none recorded)"}: ` +
        `restore it into an empty folder, or give --force to replace this folder's (its files are set aside, not deleted)`,
    );
  }

  const checked = new Set<string>();
  await readRecords(backup, key, { file: (record) => (heldOnce(record, checked), () => {}), manifest: () => {} }, options.signal);

  makePrivateDir(dataDir);
  const lock = takeFolder(dataDir);
  let staging: string | undefined;
  try {
    const late = await folderUsers(dataDir); // a gateway that started since the first look
    if (late.length > 0) throw new RestoreRefused("in_use", `${dataDir} is in use: ${late.join("; ")}`);
    const keepChain = keptChain(dataDir, backup.header, options.force === true);
    // What a restore killed half-way left (no other restore runs: this one holds the lock).
    for (const name of readdirSync(dataDir)) if (name.startsWith(STAGING)) rmSync(path.join(dataDir, name), { recursive: true, force: true });
    staging = mkdtempSync(path.join(dataDir, STAGING));
    const restored = await stage(backup, key, staging, options.signal);
    const toPlace = restored.filter((entry) => !(keepChain && entry.path === CHAIN_SNAPSHOT));
    const setAside = swapIn(dataDir, staging, toPlace, writeSecret && existsSync(path.join(dataDir, MASTER_SECRET_FILE)));
    if (writeSecret) writePrivateFile(path.join(dataDir, MASTER_SECRET_FILE), `${secret}\n`);
    syncPath(dataDir);
    return { header: backup.header, restored: toPlace, keptChain: keepChain, setAside, wroteMasterSecret: writeSecret };
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

/** Holds the folder's lock while the restore writes, so that no gateway starts on a folder half restored. */
function takeFolder(dataDir: string): DataFolderLock {
  try {
    return lockDataFolder(dataDir, "provenance restore");
  } catch (error) {
    if (error instanceof DataFolderLockedError) throw new RestoreRefused("in_use", error.message);
    throw error;
  }
}

/** The secret to open the backup with, and whether the restore writes it into the folder. */
function masterSecretFor(dataDir: string, options: RestoreOptions): { secret: string; writeSecret: boolean } {
  const file = path.join(dataDir, MASTER_SECRET_FILE);
  const own = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  const given = options.masterSecret;
  if (!given) {
    if (own) return { secret: own, writeSecret: false };
    throw new RestoreRefused(
      "no_master_secret",
      `no master secret: ${file} is missing and none was given. A backup holds no master secret (the operator keeps it apart); ` +
        `give the one the backup's gateway ran with: --master-secret-file FILE, or MASTER_SECRET`,
    );
  }
  if (given.from === "environment") return { secret: given.value, writeSecret: false };
  if (own !== undefined && own !== given.value && !options.force) {
    throw new RestoreRefused(
      "wrong_master_secret",
      `${file} holds another master secret than the one given: the folder's keys may be encrypted with it. ` +
        `Give --force to replace it (the old one is set aside)`,
    );
  }
  return { secret: given.value, writeSecret: own !== given.value };
}

/** The ledger the folder records when it is not the backup's; undefined when it is, or the folder records none. */
function otherLedger(dataDir: string, header: BackupHeader): string | undefined {
  const same = (address: string) => header.ledger !== undefined && address.toLowerCase() === header.ledger.toLowerCase();
  for (const recorded of recordedLedgers(dataDir)) {
    if (header.chainId !== undefined && recorded.chainId !== header.chainId) continue;
    if (!same(recorded.address)) return `${recorded.address} (chain ${recorded.chainId})`;
  }
  const indexed = readDatabaseFacts(path.join(dataDir, DATABASE))?.ledger;
  if (indexed && !same(indexed.address)) return `${indexed.address} (its gateway.db's index)`;
  return undefined;
}

/** The folder's chain snapshot, when it is kept rather than the backup's. */
function keptChain(dataDir: string, header: BackupHeader, force: boolean): { block: number } | undefined {
  if (force || header.chainSnapshotBlock === undefined || header.ledger === undefined) return undefined;
  const sameLedger = recordedLedgers(dataDir).some((l) => l.address.toLowerCase() === header.ledger!.toLowerCase());
  if (!sameLedger) return undefined;
  const snapshot = path.join(dataDir, CHAIN_SNAPSHOT);
  const file = existsSync(snapshot) ? snapshot : previousSnapshotPath(snapshot);
  const block = snapshotBlock(file);
  if (block === undefined || block < header.chainSnapshotBlock) return undefined;
  // The restored index reads the chain's logs from the backup's last indexed block on: a chain
  // that no longer keeps them (the embedded chain keeps its last blocks' only) would leave the
  // index without the events between, so the backup's own snapshot is put instead.
  const pruned = firstPrunedBlockAfter(readFileSync(file, "utf8"), header.lastIndexedBlock ?? header.chainSnapshotBlock);
  return pruned === undefined ? { block } : undefined;
}

/** Writes every file of the backup under `staging` (0600 files in 0700 folders) and answers the checked manifest. */
async function stage(backup: OpenedBackup, key: Buffer, staging: string, signal?: AbortSignal): Promise<ManifestEntry[]> {
  const open: number[] = [];
  const written = new Set<string>();
  try {
    return await readRecords(
      backup,
      key,
      {
        file(record: FileRecord) {
          heldOnce(record, written);
          const target = path.join(staging, record.path);
          makePrivateDir(path.dirname(target));
          const fd = openPrivateFile(target, "w");
          open.push(fd);
          return (chunk) => {
            for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
          };
        },
        manifest() {},
      },
      signal,
    );
  } finally {
    for (const fd of open) {
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}

/** Refuses a file a backup never holds (only the data folder's own names, each once): nothing is written outside them. */
function heldOnce(record: FileRecord, seen: Set<string>): void {
  if (!isHeldPath(record.path) || seen.has(record.path)) throw new DamagedBackup(`it holds a file a backup does not: ${record.path}`);
  seen.add(record.path);
}

/**
 * Renames the staged files into the folder. Each file they replace — and gateway.db's -wal and
 * -shm, which belong to the old database and must never meet the new one — is first moved into
 * `before-restore-<time>/`.
 */
function swapIn(dataDir: string, staging: string, entries: ManifestEntry[], replacesMasterSecret: boolean): string | undefined {
  const aside = path.join(dataDir, `before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const replaced = entries.map((entry) => entry.path);
  if (replaced.includes(DATABASE)) replaced.push(`${DATABASE}-wal`, `${DATABASE}-shm`);
  if (replaced.includes(CHAIN_SNAPSHOT)) replaced.push(previousSnapshotPath(CHAIN_SNAPSHOT));
  if (replacesMasterSecret) replaced.push(MASTER_SECRET_FILE);
  let setAside = false;
  for (const relative of replaced) {
    const current = path.join(dataDir, relative);
    if (!existsSync(current)) continue;
    makePrivateDir(path.dirname(path.join(aside, relative)));
    renameSync(current, path.join(aside, relative));
    setAside = true;
  }
  for (const entry of entries) {
    const target = path.join(dataDir, entry.path);
    makePrivateDir(path.dirname(target));
    renameSync(path.join(staging, entry.path), target);
  }
  for (const folder of new Set(entries.map((entry) => path.dirname(entry.path)).filter((dir) => dir !== "."))) syncPath(path.join(dataDir, folder));
  return setAside ? aside : undefined;
}

