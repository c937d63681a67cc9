/**
 * The backup file, one archive:
 *
 *   provenance-backup 1\n                       the magic line
 *   {header JSON}\n                             in the clear: what the backup is of (BackupHeader)
 *   ciphertext                                  AES-256-GCM of the records below
 *   tag                                         the last 16 bytes: GCM's tag over both lines and the ciphertext
 *
 * The records, once decrypted: each a 4-byte big-endian length, that many bytes of JSON, then
 * the file's bytes — `{path, size, mode}` per file, and last `{manifest: [{path, size, sha256}]}`,
 * which names every file with its checksum. Both clear lines are the cipher's additional data,
 * so a changed header is caught like a changed byte of a file.
 */
import { createHash, type Hash } from "node:crypto";

export const MAGIC = "provenance-backup 1\n";
export const TAG_BYTES = 16;
/** Far above any real record's JSON; more means a damaged length. */
const MAX_RECORD_JSON = 1024 * 1024;

/** What a backup is of, readable without the master secret. */
export interface BackupHeader {
  type: "provenance-backup";
  version: 1;
  /** When the copy of gateway.db began: it holds every write the gateway acknowledged before. */
  createdAt: string;
  /** The chain the ledger is on (undefined for a read gateway's folder, which records no deployment). */
  chainId?: number;
  /** The ledger contract and its deploy block, as the data folder records them. */
  ledger?: string;
  deployBlock?: number;
  /** The last block gateway.db's index holds. */
  lastIndexedBlock?: number;
  /** Events the gateway had accepted. */
  events: number;
  /** gateway.db's schema version: a gateway older than the one that made it cannot open it. */
  schemaVersion?: number;
  /** The embedded chain's snapshot in the backup: its last block; undefined when it holds none. */
  chainSnapshotBlock?: number;
  encryption: BackupEncryption;
}

export interface BackupEncryption {
  cipher: "aes-256-gcm";
  kdf: "scrypt";
  /** scrypt's parameters and salt (hex), over the master secret. */
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  /** A hash of the derived key (keyCheck() in backup-crypto.ts): a wrong secret is named at once, not after a whole pass. */
  keyCheck: string;
}

export interface FileRecord {
  path: string;
  size: number;
  mode: number;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** A record's framing: its length and its JSON. */
export function encodeRecord(json: FileRecord | { manifest: ManifestEntry[] }): Buffer {
  const body = Buffer.from(JSON.stringify(json), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** The two clear lines of a backup: what the cipher authenticates with the ciphertext. */
export function encodeHeader(header: BackupHeader): Buffer {
  return Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, "utf8");
}

/** A file's bytes as they come out of the records, in order. */
export interface RecordSink {
  /** A file begins; what it answers receives its bytes. */
  file(record: FileRecord): (chunk: Buffer) => void;
  /** The last record. */
  manifest(entries: ManifestEntry[]): void;
}

/** Reads the records from the decrypted bytes, chunk by chunk, and checks each file against the manifest at the end. */
export class RecordParser {
  private pending = Buffer.alloc(0);
  private current?: { record: FileRecord; left: number; hash: Hash; write: (chunk: Buffer) => void };
  private readonly seen: ManifestEntry[] = [];
  private manifest?: ManifestEntry[];

  constructor(private readonly sink: RecordSink) {}

  push(chunk: Buffer): void {
    if (this.manifest) {
      if (chunk.length > 0) throw new DamagedBackup("bytes follow the manifest");
      return;
    }
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.current) {
        const take = Math.min(this.current.left, data.length);
        const part = data.subarray(0, take);
        this.current.hash.update(part);
        this.current.write(part);
        this.current.left -= take;
        data = data.subarray(take);
        if (this.current.left === 0) this.endFile();
        continue;
      }
      if (this.manifest) throw new DamagedBackup("bytes follow the manifest");
      if (data.length < 4) break;
      const length = data.readUInt32BE(0);
      if (length > MAX_RECORD_JSON) throw new DamagedBackup(`a record says it is ${length} bytes long`);
      if (data.length < 4 + length) break;
      this.startRecord(parseRecord(data.subarray(4, 4 + length)));
      data = data.subarray(4 + length);
    }
    this.pending = Buffer.from(data);
  }

  /** After the last byte: every file was whole and matches the manifest, which names exactly them. */
  end(): ManifestEntry[] {
    if (this.current || this.pending.length > 0 || !this.manifest) throw new DamagedBackup("it ends before its manifest");
    if (this.manifest.length !== this.seen.length) throw new DamagedBackup("its manifest names other files than it holds");
    this.manifest.forEach((entry, i) => {
      const seen = this.seen[i];
      if (entry.path !== seen.path || entry.size !== seen.size) throw new DamagedBackup(`its manifest names other files than it holds (${entry.path})`);
      if (entry.sha256 !== seen.sha256) throw new DamagedBackup(`${entry.path} does not match its checksum`);
    });
    return this.manifest;
  }

  private startRecord(json: unknown): void {
    const record = json as Partial<FileRecord> & { manifest?: ManifestEntry[] };
    if (Array.isArray(record.manifest)) {
      this.manifest = record.manifest;
      this.sink.manifest(record.manifest);
      return;
    }
    if (typeof record.path !== "string" || !Number.isSafeInteger(record.size) || record.size! < 0 || !Number.isInteger(record.mode)) {
      throw new DamagedBackup("a file record is not {path, size, mode}");
    }
    const file = record as FileRecord;
    this.current = { record: file, left: file.size, hash: createHash("sha256"), write: this.sink.file(file) };
    if (file.size === 0) this.endFile();
  }

  private endFile(): void {
    const { record, hash } = this.current!;
    this.seen.push({ path: record.path, size: record.size, sha256: hash.digest("hex") });
    this.current = undefined;
  }
}

function parseRecord(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new DamagedBackup("a record is not JSON");
  }
}

/** The backup's bytes are not what was written: changed, cut short, or not a backup. */
export class DamagedBackup extends Error {
  constructor(why: string) {
    super(why);
    this.name = "DamagedBackup";
  }
}
