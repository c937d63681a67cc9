/**
 * Reading a backup file: its clear header, and its records decrypted in one pass that ends with
 * GCM's check of the whole file and the manifest's check of every file. A pass that writes
 * nothing comes first in a restore, so that a changed byte anywhere is refused before anything
 * is written.
 */
import { open } from "node:fs/promises";
import { DamagedBackup, MAGIC, RecordParser, TAG_BYTES, type BackupHeader, type ManifestEntry, type RecordSink } from "./archive-format";
import { backupDecipher } from "./backup-crypto";

const CHUNK = 1024 * 1024;
const MAX_HEADER = 64 * 1024;

export interface OpenedBackup {
  file: string;
  header: BackupHeader;
  /** The clear lines, as the cipher authenticates them. */
  headerBytes: Buffer;
  size: number;
}

/** The backup's clear header; refuses a file that is not a backup this version reads. */
export async function readBackupHeader(file: string): Promise<OpenedBackup> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(MAX_HEADER, size));
    await handle.read(buffer, 0, buffer.length, 0);
    if (!buffer.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) {
      throw new DamagedBackup(`it does not begin with "${MAGIC.trim()}": not a backup of this product, or one of a later version`);
    }
    const end = buffer.indexOf(0x0a, MAGIC.length);
    if (end < 0) throw new DamagedBackup("its header line does not end");
    let header: BackupHeader;
    try {
      header = JSON.parse(buffer.subarray(MAGIC.length, end).toString("utf8")) as BackupHeader;
    } catch {
      throw new DamagedBackup("its header is not JSON");
    }
    if (header?.type !== "provenance-backup" || header.version !== 1 || typeof header.encryption?.iv !== "string") {
      throw new DamagedBackup("its header is not a backup's");
    }
    const headerBytes = Buffer.from(buffer.subarray(0, end + 1));
    if (size < headerBytes.length + TAG_BYTES) throw new DamagedBackup("it is cut short");
    return { file, header, headerBytes, size };
  } finally {
    await handle.close();
  }
}

/**
 * Decrypts the whole backup into `sink` (file by file) and answers its manifest once GCM's tag
 * and every file's checksum agree; throws DamagedBackup otherwise. What the sink received before
 * a throw must not be used.
 */
export async function readRecords(backup: OpenedBackup, key: Buffer, sink: RecordSink, signal?: AbortSignal): Promise<ManifestEntry[]> {
  const handle = await open(backup.file, "r");
  try {
    const tag = Buffer.alloc(TAG_BYTES);
    await handle.read(tag, 0, TAG_BYTES, backup.size - TAG_BYTES);
    const decipher = backupDecipher(key, backup.header.encryption, backup.headerBytes, tag);
    const parser = new RecordParser(sink);
    const buffer = Buffer.alloc(CHUNK);
    const end = backup.size - TAG_BYTES;
    for (let position = backup.headerBytes.length; position < end; ) {
      if (signal?.aborted) throw new Error("interrupted");
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - position), position);
      if (bytesRead === 0) throw new DamagedBackup("it is cut short");
      parser.push(decipher.update(buffer.subarray(0, bytesRead)));
      position += bytesRead;
    }
    try {
      parser.push(decipher.final());
    } catch (error) {
      if (error instanceof DamagedBackup) throw error;
      throw new DamagedBackup("its bytes are not the ones that were written (GCM's check of the whole file fails)");
    }
    return parser.end();
  } finally {
    await handle.close();
  }
}
