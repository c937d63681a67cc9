/**
 * The data folder's lock (server/keys/data-folder-lock.ts) with real processes: it names a live
 * holder and refuses; it takes over a lock whose process is gone, or whose PID now names another
 * process; it does not guess about another host's; and of several processes that race for a
 * stale lock exactly one gets it.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { DataFolderLockedError, LOCK_FILE_NAME, lockDataFolder, type LockHolder } from "../../server/keys/data-folder-lock";
import { processIdentity } from "../../server/keys/process-identity";

const ROOT = path.resolve(__dirname, "../..");

/** A lock file as a holder with `pid` would have written it. */
function writeLock(dataDir: string, holder: Partial<LockHolder> & { pid: number }): void {
  const { bootId, start } = processIdentity(holder.pid);
  const record: LockHolder = {
    hostname: hostname(),
    purpose: "npm start",
    startedAt: new Date().toISOString(),
    ...(bootId && { bootId }),
    ...(start && { processStart: start }),
    nonce: "0123456789abcdef",
    ...holder,
  };
  writeFileSync(path.join(dataDir, LOCK_FILE_NAME), JSON.stringify(record));
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

describe("the data folder's lock", function () {
  this.timeout(120_000);
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(function () {
    dataDir = mkdtempSync(path.join(tmpdir(), "folder-lock-"));
  });
  afterEach(function () {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses while a live process holds the folder, naming it, and is free again once released", function () {
    const first = lockDataFolder(dataDir, "npm start");
    expect(() => lockDataFolder(dataDir, "npm run reindex")).to.throw(DataFolderLockedError, `in use by process ${process.pid} (npm start`);
    first.release();
    expect(existsSync(first.file)).to.equal(false);
    lockDataFolder(dataDir, "npm run reindex").release();
  });

  it("refuses a lock held by another live process", async function () {
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(holder);
    writeLock(dataDir, { pid: holder.pid! });
    expect(() => lockDataFolder(dataDir, "npm start")).to.throw(DataFolderLockedError, `in use by process ${holder.pid}`);
  });

  it("takes over the lock of a process that is gone, and says whose it was", async function () {
    const gone = spawn("true", [], { stdio: "ignore" });
    await exited(gone);
    writeLock(dataDir, { pid: gone.pid!, purpose: "npm start", startedAt: "2026-01-01T00:00:00.000Z" });
    const lock = lockDataFolder(dataDir, "npm start");
    expect(lock.tookOverFrom).to.include({ pid: gone.pid, purpose: "npm start", startedAt: "2026-01-01T00:00:00.000Z" });
    expect(JSON.parse(readFileSync(lock.file, "utf8"))).to.include({ pid: process.pid });
    lock.release();
  });

  it("takes over a lock whose PID now names another process (started later)", async function () {
    const other = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(other);
    writeLock(dataDir, { pid: other.pid!, processStart: "1" }); // the holder started at tick 1, not this process
    const lock = lockDataFolder(dataDir, "npm start");
    expect(lock.tookOverFrom?.pid).to.equal(other.pid);
    lock.release();
  });

  it("does not take over another host's lock: it cannot tell whether that process runs", function () {
    writeLock(dataDir, { pid: 1, hostname: "another-host" });
    expect(() => lockDataFolder(dataDir, "npm start")).to.throw(DataFolderLockedError, "on host another-host");
  });

  it("gives a stale lock to exactly one of several processes that race for it", async function () {
    const gone = spawn("true", [], { stdio: "ignore" });
    await exited(gone);
    writeLock(dataDir, { pid: gone.pid! });
    // Each says it is ready, tries when told, says how it went, and holds what it got until the test ends.
    const script = `
      const { lockDataFolder } = require("./server/keys/data-folder-lock");
      process.stdin.once("data", () => {
        try { lockDataFolder(${JSON.stringify(dataDir)}, "race"); console.log("took"); }
        catch (error) { console.log(error.name === "DataFolderLockedError" ? "refused" : "error " + error.message); }
      });
      console.log("ready");
      setInterval(() => {}, 1000);`;
    const racers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
      children.push(child);
      const lines: string[] = [];
      const waiters: Array<() => void> = [];
      child.stdout!.on("data", (chunk: Buffer) => {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        for (const wake of waiters.splice(0)) wake();
      });
      const line = async (index: number) => {
        while (lines.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
        return lines[index];
      };
      return { child, line };
    });
    for (const racer of racers) expect(await racer.line(0)).to.equal("ready");
    for (const racer of racers) racer.child.stdin!.write("go\n");
    const answers = racers.map((racer) => racer.line(1));
    const said = await Promise.all(answers);
    expect(said.filter((answer) => answer === "took"), said.join(", ")).to.have.length(1);
    expect(said.filter((answer) => answer === "refused"), said.join(", ")).to.have.length(5);
  });
});
