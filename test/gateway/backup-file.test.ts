/**
 * The backup file itself, on a real data folder (a real gateway.db, keys, deployment, chain
 * snapshot): a change anywhere in it — the clear header, the ciphertext, the tag, a cut — is
 * refused before anything is written; a backup that names a path outside the folder's own files
 * is refused though it decrypts; the wrong master secret is named as such; and the folder's own
 * chain snapshot is kept when it is newer than the backup's, replaced when it is older.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../server/store/database";
import { writePrivateFile } from "../../server/keys/private-files";
import { encodeHeader, encodeRecord, type BackupHeader } from "../../server/services/backup/archive-format";
import { backupCipher, newBackupKey } from "../../server/services/backup/backup-crypto";
import { makeBackup } from "../../server/services/backup/make-backup";
import { DamagedBackup, RestoreRefused, restoreBackup } from "../../server/services/backup/restore-backup";

const SECRET = "backup-file-test-master-secret-0123456789";
const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A data folder as a gateway leaves it: its database with an organisation, keys, deployment, chain snapshot. */
function dataFolder(root: string, chainBlock: number): string {
  const dir = path.join(root, "data");
  writePrivateFile(path.join(dir, "master-secret"), `${SECRET}\n`);
  writePrivateFile(path.join(dir, "admin-token"), "an-admin-token-of-at-least-24-characters\n");
  writePrivateFile(path.join(dir, "keys", "admin.json"), '{"crypto":"an encrypted keystore"}\n');
  writePrivateFile(path.join(dir, "deployments", "31337.json"), JSON.stringify({ address: LEDGER, chainId: 31337, deployBlock: 1 }));
  writeChain(dir, chainBlock);
  const db = openDatabase(path.join(dir, "gateway.db"));
  db.prepare(`INSERT INTO orgs (id, name, role, address, custodial, keystore, created_at) VALUES ('org-1', '田阳芒果专业合作社', 'producer', '0x0000000000000000000000000000000000000001', 1, '{}', '2026-06-01')`).run();
  db.prepare(`INSERT INTO idx_cursor (id, block_number, address, deploy_block) VALUES (1, 12, ?, 1)`).run(LEDGER);
  db.close();
  return dir;
}

/**
 * A chain snapshot at `block`; the `pruned` blocks had transactions (their header's root says so)
 * that it no longer holds, as the embedded chain keeps its last blocks' only.
 */
function writeChain(dir: string, block: number, pruned: number[] = []): void {
  const blocks = pruned.map((number) => ({ header: { number: `0x${number.toString(16)}`, transactionsRoot: `0x${"ab".repeat(32)}` }, transactions: [] }));
  writePrivateFile(path.join(dir, "chain.json"), JSON.stringify({ block: { number: "0x0" }, accounts: {}, best_block_number: `0x${block.toString(16)}`, blocks, transactions: [] }));
}

/** Every file under `dir` with its bytes' length and time: what "nothing was written" compares. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = [`. ${statSync(dir).mtimeMs}`];
  const visit = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const full = path.join(folder, name);
      const stat = statSync(full);
      entries.push(`${path.relative(dir, full)} ${stat.isDirectory() ? "dir" : stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) visit(full);
    }
  };
  visit(dir);
  return entries;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the restore was not refused");
}

describe("the backup file: changes refused before anything is written, paths held to the folder's own, the newer chain kept", function () {
  let root: string;
  let source: string;
  let backup: string;
  let target: string;

  beforeEach(async function () {
    root = mkdtempSync(path.join(tmpdir(), "backup-file-"));
    source = dataFolder(root, 10);
    backup = path.join(root, "data.pvbak");
    await makeBackup({ dataDir: source, out: backup, masterSecret: SECRET });
    target = path.join(root, "restored");
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("restores an empty folder to the same files, 0600, with the master secret given", async function () {
    const result = await restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" } });
    expect(result.restored.map((entry) => entry.path).sort()).to.deep.equal(["admin-token", "chain.json", "deployments/31337.json", "gateway.db", "keys/admin.json"]);
    for (const file of ["admin-token", "chain.json", "deployments/31337.json", "keys/admin.json", "master-secret"]) {
      expect(readFileSync(path.join(target, file), "utf8"), file).to.equal(readFileSync(path.join(source, file), "utf8"));
      expect(statSync(path.join(target, file)).mode & 0o777, file).to.equal(0o600);
    }
    const db = openDatabase(path.join(target, "gateway.db"));
    expect(db.prepare(`SELECT name FROM orgs`).all()).to.deep.equal([{ name: "田阳芒果专业合作社" }]);
    db.close();
    expect(readdirSync(target).filter((name) => name.startsWith(".restore-") || name === "gateway.lock")).to.deep.equal([]);
  });

  for (const [where, change] of [
    ["a byte of the clear header", (bytes: Buffer) => (bytes[bytes.indexOf("lastIndexedBlock") + 19] ^= 0x01)],
    ["a byte of the ciphertext", (bytes: Buffer) => (bytes[Math.floor(bytes.length / 2)] ^= 0x01)],
    ["a byte of the tag", (bytes: Buffer) => (bytes[bytes.length - 1] ^= 0x01)],
  ] as const) {
    it(`refuses a backup with ${where} changed, before anything is written`, async function () {
      const bytes = readFileSync(backup);
      change(bytes);
      writeFileSync(backup, bytes);
      rmSync(path.join(source, "gateway.db")); // the loss the restore is for
      const untouched = listing(source);
      const error = await refusal(restoreBackup({ file: backup, dataDir: source }));
      expect(error, error.message).to.be.instanceOf(DamagedBackup);
      expect(listing(source)).to.deep.equal(untouched);
    });
  }

  it("refuses a backup cut short, before anything is written", async function () {
    writeFileSync(backup, readFileSync(backup).subarray(0, -100));
    expect(await refusal(restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" } }))).to.be.instanceOf(DamagedBackup);
    expect(existsSync(target)).to.equal(false);
  });

  it("names a wrong master secret as such, and refuses a folder whose own secret differs unless --force", async function () {
    const wrong = await refusal(restoreBackup({ file: backup, dataDir: target, masterSecret: { value: "another-master-secret-0123456789abcdef", from: "file" } }));
    expect(wrong).to.be.instanceOf(RestoreRefused).with.property("code", "wrong_master_secret");
    expect(existsSync(target)).to.equal(false);
    const noSecret = await refusal(restoreBackup({ file: backup, dataDir: target }));
    expect(noSecret).to.be.instanceOf(RestoreRefused).with.property("code", "no_master_secret");
    writePrivateFile(path.join(target, "master-secret"), "the-folder-s-own-other-master-secret-0123\n");
    const differs = await refusal(restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" } }));
    expect(differs).to.be.instanceOf(RestoreRefused).with.property("code", "wrong_master_secret");
    const forced = await restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" }, force: true });
    expect(readFileSync(path.join(target, "master-secret"), "utf8").trim()).to.equal(SECRET);
    expect(readFileSync(path.join(forced.setAside!, "master-secret"), "utf8").trim()).to.equal("the-folder-s-own-other-master-secret-0123");
  });

  /** A backup made with the right secret, of one file, as a later version or an attacker who has the secret might write it. */
  async function crafted(relative: string, bytes: Buffer, extra: Partial<BackupHeader> = {}): Promise<void> {
    const key = await newBackupKey(SECRET);
    const header: BackupHeader = { type: "provenance-backup", version: 1, createdAt: new Date().toISOString(), events: 0, ...extra, encryption: key.encryption };
    const headerBytes = encodeHeader(header);
    const cipher = backupCipher(key.key, key.encryption, headerBytes);
    const body = Buffer.concat([
      cipher.update(encodeRecord({ path: relative, size: bytes.length, mode: 0o600 })),
      cipher.update(bytes),
      cipher.update(encodeRecord({ manifest: [{ path: relative, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }] })),
      cipher.final(),
    ]);
    writeFileSync(backup, Buffer.concat([headerBytes, body, cipher.getAuthTag()]));
  }

  it("refuses a backup, made with the right secret, that names a file outside the folder's own", async function () {
    await crafted("../.bashrc", Buffer.from("#!/bin/sh\necho owned\n"));
    const error = await refusal(restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" } }));
    expect(error).to.be.instanceOf(DamagedBackup);
    expect(error.message).to.contain("../.bashrc");
    expect(existsSync(path.join(root, ".bashrc"))).to.equal(false);
    expect(existsSync(target)).to.equal(false);
  });

  it("refuses a backup of a database schema this version does not know (a later version's)", async function () {
    await crafted("admin-token", Buffer.from("an-admin-token-of-at-least-24-characters\n"), { schemaVersion: 999 });
    const error = await refusal(restoreBackup({ file: backup, dataDir: target, masterSecret: { value: SECRET, from: "file" } }));
    expect(error).to.be.instanceOf(RestoreRefused).with.property("code", "later_version");
    expect(existsSync(target)).to.equal(false);
  });

  it("keeps the folder's own chain snapshot when it is newer than the backup's and still holds the blocks after it, and sets the older one aside for the backup's", async function () {
    rmSync(path.join(source, "gateway.db"));
    writeChain(source, 25);
    const newer = await restoreBackup({ file: backup, dataDir: source });
    expect(newer.keptChain).to.deep.equal({ block: 25 });
    expect(readFileSync(path.join(source, "chain.json"), "utf8")).to.contain('"0x19"');

    // Newer, but without the transactions of a block after the backup's last indexed one (12):
    // the restored index could not read that block's events, so the backup's snapshot is put.
    writeChain(source, 25, [20]);
    const pruned = await restoreBackup({ file: backup, dataDir: source });
    expect(pruned.keptChain).to.equal(undefined);
    expect(readFileSync(path.join(source, "chain.json"), "utf8")).to.contain('"0xa"');
    writeChain(source, 25, [11]); // pruned before the backup's index: the restored index does not need it
    expect((await restoreBackup({ file: backup, dataDir: source })).keptChain).to.deep.equal({ block: 25 });

    writeChain(source, 4);
    const older = await restoreBackup({ file: backup, dataDir: source });
    expect(older.keptChain).to.equal(undefined);
    expect(readFileSync(path.join(source, "chain.json"), "utf8")).to.contain('"0xa"');
    expect(readFileSync(path.join(older.setAside!, "chain.json"), "utf8")).to.contain('"0x4"');
  });
});
