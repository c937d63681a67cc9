/**
 * backup and restore: an operator's commands on the gateway's own machine. Unlike the other
 * commands they are no client of the HTTP API: they work on the data folder itself (DATA_DIR,
 * default ./data). backup copies it while the gateway runs, into one file encrypted with the
 * master secret; restore brings a stopped folder back from one. services/backup/ does the work.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { DamagedBackup } from "../services/backup/archive-format";
import { BackupInterrupted, makeBackup } from "../services/backup/make-backup";
import { RestoreRefused, restoreBackup, type RestoreOptions } from "../services/backup/restore-backup";
import { requiredOption, stringOption, type Command, type CommandContext } from "./command";
import { CliFailure, EXIT, Interrupted, UsageError } from "./failures";

const DATA_DIR_USAGE = `  --data-dir DIR       the data folder (default: DATA_DIR, else ./data)
  works on the data folder itself, on the gateway's machine (not through --url)`;

export const backup: Command = {
  words: ["backup"],
  summary: "copy the data folder, while the gateway runs, into one file encrypted with the master secret",
  usage: `backup --out FILE [--data-dir DIR]
  --out FILE           the backup to write (mode 0600; written whole or not at all)
${DATA_DIR_USAGE}
  holds gateway.db (a consistent copy), keys/, deployments/, the embedded chain's snapshot and
  admin-token, encrypted with the master secret (MASTER_SECRET, else DATA_DIR/master-secret),
  which it never holds: keep the master secret apart, a restore needs it`,
  options: { out: { type: "string" }, "data-dir": { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const out = path.resolve(requiredOption(context.values, "out"));
    const dataDir = dataDirOf(context);
    const secretFile = path.join(dataDir, "master-secret");
    const masterSecret = context.env.MASTER_SECRET || (existsSync(secretFile) ? readFileSync(secretFile, "utf8").trim() : "");
    if (!masterSecret) throw new CliFailure(EXIT.refused, `no master secret to encrypt the backup with: ${secretFile} is missing and MASTER_SECRET is not set`);
    if (!path.relative(dataDir, out).startsWith("..")) {
      context.terminal.stderr(`note: ${out} is inside the data folder, and would be lost with it: keep backups on another disk or machine\n`);
    }
    let result;
    try {
      result = await makeBackup({ dataDir, out, masterSecret, signal: context.signal });
    } catch (error) {
      if (error instanceof BackupInterrupted) throw new Interrupted(error.message);
      throw new CliFailure(EXIT.refused, `no backup was written: ${(error as Error).message}`);
    }
    const { header } = result;
    const json = {
      file: result.file,
      bytes: result.bytes,
      createdAt: header.createdAt,
      chainId: header.chainId ?? null,
      ledger: header.ledger ?? null,
      deployBlock: header.deployBlock ?? null,
      lastIndexedBlock: header.lastIndexedBlock ?? null,
      chainSnapshotBlock: header.chainSnapshotBlock ?? null,
      events: header.events,
      files: result.files,
      databaseCopyMs: result.databaseCopyMs,
      totalMs: result.totalMs,
    };
    return {
      exitCode: EXIT.done,
      json,
      text:
        `backed up ${dataDir} to ${result.file} (${megabytes(result.bytes)}, ${result.files.length} files, in ${seconds(result.totalMs)})\n` +
        `  ledger ${header.ledger ?? "(none recorded)"} on chain ${header.chainId ?? "?"}, ${header.events} events, last indexed block ${header.lastIndexedBlock ?? "none"}` +
        (header.chainSnapshotBlock !== undefined ? `, the embedded chain's snapshot at block ${header.chainSnapshotBlock}` : "") +
        `\n  encrypted with the master secret, which it does not hold: a restore needs it`,
    };
  },
};

export const restore: Command = {
  words: ["restore"],
  summary: "bring a stopped data folder back from a backup (each file checked before anything is written)",
  usage: `restore FILE [--data-dir DIR] [--master-secret-file FILE] [--force]
  FILE                 a file backup wrote
${DATA_DIR_USAGE}
  --master-secret-file FILE  the master secret the backup was made with, when the folder lost its
                       own (written into the folder); else MASTER_SECRET, else DATA_DIR/master-secret
  --force              restore over a folder of another ledger, or with another master secret
                       than the folder's (what it replaces is set aside, never deleted)
  refuses while a gateway, reindex or embedded chain uses the folder; the files it replaces go to
  DATA_DIR/before-restore-<time>/; the folder's own chain snapshot is kept when it is newer`,
  options: { "data-dir": { type: "string" }, "master-secret-file": { type: "string" }, force: { type: "boolean" } },
  positionals: { min: 1, max: 1 },
  async run(context) {
    const file = path.resolve(context.args[0]);
    if (!existsSync(file)) throw new UsageError(`FILE: ${file} does not exist`);
    const dataDir = dataDirOf(context);
    const secretFile = stringOption(context.values, "master-secret-file");
    let masterSecret: RestoreOptions["masterSecret"];
    if (secretFile) {
      if (!existsSync(secretFile)) throw new UsageError(`--master-secret-file: ${secretFile} does not exist`);
      masterSecret = { value: readFileSync(secretFile, "utf8").trim(), from: "file" };
    } else if (context.env.MASTER_SECRET) {
      masterSecret = { value: context.env.MASTER_SECRET, from: "environment" };
    }
    let result;
    try {
      result = await restoreBackup({ file, dataDir, masterSecret, force: context.values.force === true, signal: context.signal });
    } catch (error) {
      if (error instanceof RestoreRefused) throw new CliFailure(EXIT.refused, `nothing was restored: ${error.message}`, { error: { code: error.code, message: error.message } });
      if (error instanceof DamagedBackup) {
        const message = `nothing was restored: ${file} cannot be used, ${error.message}`;
        throw new CliFailure(EXIT.refused, message, { error: { code: "damaged_backup", message } });
      }
      if (context.signal.aborted) throw new Interrupted("interrupted; nothing was restored");
      throw error;
    }
    const { header } = result;
    const json = {
      dataDir,
      createdAt: header.createdAt,
      chainId: header.chainId ?? null,
      ledger: header.ledger ?? null,
      lastIndexedBlock: header.lastIndexedBlock ?? null,
      events: header.events,
      restored: result.restored,
      keptChain: result.keptChain ?? null,
      setAside: result.setAside ?? null,
      wroteMasterSecret: result.wroteMasterSecret,
    };
    const lines = [
      `restored ${dataDir} from the backup of ${header.createdAt}: ${result.restored.map((entry) => entry.path).join(", ")}`,
      `  ledger ${header.ledger ?? "(none recorded)"} on chain ${header.chainId ?? "?"}, ${header.events} events, last indexed block ${header.lastIndexedBlock ?? "none"}`,
    ];
    if (result.keptChain) lines.push(`  kept the folder's own chain snapshot (block ${result.keptChain.block}): newer than the backup's (block ${header.chainSnapshotBlock})`);
    if (result.setAside) lines.push(`  what it replaced is in ${result.setAside}`);
    if (result.wroteMasterSecret) lines.push(`  wrote the master secret into ${path.join(dataDir, "master-secret")}`);
    lines.push("  start the gateway: it indexes the chain again and sends what the chain lacks of the restored events");
    return { exitCode: EXIT.done, json, text: lines.join("\n") };
  },
};

function dataDirOf({ values, env }: CommandContext): string {
  return path.resolve(stringOption(values, "data-dir") ?? env.DATA_DIR ?? "./data");
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
