/**
 * One data folder, one process: `npm start` and `npm run reindex` take `DATA_DIR/gateway.lock`
 * before they touch anything else in the folder, and a second one on it refuses to start, naming
 * the process that holds it. Two gateways on one folder would share the relayer's nonces and the
 * embedded chain, deploy over each other and wait on each other's SQLite locks.
 *
 * Our own small module rather than proper-lockfile: that package marks a lock with a folder whose
 * age says whether it is stale, so it cannot name the holder, keeps refusing for its stale time
 * after a kill -9 (a service manager's restart would loop), and hands the lock to a second
 * process when the first one's event loop is held longer than that. Here the lock file is made
 * with O_CREAT|O_EXCL and holds the holder's PID, host, boot and the kernel's start time of that
 * process; a lock is stale when that process is gone (or the PID now names another process, or
 * the machine rebooted), and a stale lock is taken over, with a line in the log.
 */
import { closeSync, fsyncSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { openPrivateFile } from "./private-files";
import { processIdentity, processState } from "./process-identity";

export const LOCK_FILE_NAME = "gateway.lock";

/** Who holds a data folder, as its lock file says. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** What the holder is: `npm start`, `npm run reindex`. */
  purpose: string;
  startedAt: string;
  /** The kernel's boot id when the lock was taken (Linux): a lock from before a reboot is stale. */
  bootId?: string;
  /** The holder's start time in clock ticks since boot (Linux): a PID reused by another process does not hold the lock. */
  processStart?: string;
  /** Makes each taking of the lock unique, so that a takeover can tell the stale lock it judged from a fresh one. */
  nonce: string;
}

export interface DataFolderLock {
  file: string;
  holder: LockHolder;
  /** The stale lock this one replaced, when the process that held it was gone. */
  tookOverFrom?: LockHolder;
  /** Gives the folder up (idempotent); also done when the process exits. */
  release(): void;
}

/** A data folder another live process holds. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
    readonly why: "running" | "another host",
  ) {
    super(
      why === "running"
        ? `the data folder ${path.dirname(file)} is in use by process ${holder.pid} (${holder.purpose}, started ${holder.startedAt}): ` +
            `one data folder has one gateway. Stop that process first, or give this one another DATA_DIR. (Lock: ${file})`
        : `the data folder ${path.dirname(file)} is locked by process ${holder.pid} on host ${holder.hostname} (${holder.purpose}, ` +
            `started ${holder.startedAt}), which this host cannot check: stop it there, or if that host no longer runs it, delete ${file}`,
    );
    this.name = "DataFolderLockedError";
  }
}

/** A lock file younger than this that holds no complete record is being written by the process that made it. */
const FRESH_LOCK_MS = 5_000;

/**
 * Takes the data folder `dataDir` (which must exist) for this process, or throws
 * DataFolderLockedError naming the live process that holds it. A lock whose process is gone is
 * taken over and returned in `tookOverFrom`, for the caller to log.
 */
export function lockDataFolder(dataDir: string, purpose: string): DataFolderLock {
  const file = path.join(dataDir, LOCK_FILE_NAME);
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    const holder = ownRecord(purpose);
    if (create(file, holder)) return taken(file, holder, tookOverFrom);

    const found = readLock(file);
    if (found === "gone") continue; // released meanwhile: try again
    if (found === "being written") {
      sleepSync(50);
      continue;
    }
    const stale = found === "unreadable" ? undefined : found;
    if (stale) {
      const liveness = alive(stale);
      if (liveness === true) throw new DataFolderLockedError(file, stale, "running");
      if (liveness === "unknown") throw new DataFolderLockedError(file, stale, "another host");
    }
    if (setAside(file, stale)) tookOverFrom = stale ?? tookOverFrom;
  }
  throw new Error(`could not take the lock ${file}: other processes keep taking and releasing it`);
}

function ownRecord(purpose: string): LockHolder {
  const self = processIdentity(process.pid);
  return {
    pid: process.pid,
    hostname: hostname(),
    purpose,
    startedAt: new Date().toISOString(),
    ...(self.bootId && { bootId: self.bootId }),
    ...(self.start && { processStart: self.start }),
    nonce: randomBytes(8).toString("hex"),
  };
}

/** Makes the lock file with O_EXCL: false when it exists already. */
function create(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openPrivateFile(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(file: string): LockHolder | "gone" | "being written" | "unreadable" {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(file, "utf8");
    ageMs = Date.now() - statSync(file).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (Number.isInteger(holder.pid) && typeof holder.nonce === "string") return holder;
  } catch {
    // half written
  }
  // The maker writes its record right after it creates the file; an old file without one was
  // left by a process killed in between.
  return ageMs < FRESH_LOCK_MS ? "being written" : "unreadable";
}

/**
 * Whether the lock's holder still runs: true, false (gone, a zombie, its PID reused, or the
 * machine rebooted since), or "unknown" (another host's lock).
 */
function alive(holder: LockHolder): boolean | "unknown" {
  if (holder.hostname !== hostname()) return "unknown";
  const now = processIdentity(holder.pid);
  if (holder.bootId && now.bootId && holder.bootId !== now.bootId) return false;
  const state = processState(holder.pid);
  if (state === "gone") return false;
  if (holder.processStart && now.start && holder.processStart !== now.start) return false;
  return true;
}

/**
 * Removes a stale lock, so that the next attempt can make a fresh one with O_EXCL. Only one
 * process at a time may remove a lock (it holds `gateway.lock.takeover`, made with O_EXCL), and it
 * removes the file only while it is still the very lock it judged stale (the same nonce): a fresh
 * lock can only be made once the stale file is gone, so no process can remove another's fresh lock.
 * (Moving the lock aside and putting back a fresh one it moved by mistake left a moment in which a
 * third process could make a lock too: two holders.)
 */
function setAside(file: string, judged: LockHolder | undefined): boolean {
  const mutex = `${file}.takeover`;
  if (!takeTakeoverMutex(mutex)) return false; // another process is taking over: look again
  try {
    const current = readLock(file);
    const same = judged === undefined ? current === "unreadable" : typeof current === "object" && current.nonce === judged.nonce;
    if (!same) return false;
    unlinkQuietly(file);
    return true;
  } finally {
    unlinkQuietly(mutex);
  }
}

/** A takeover mutex older than this was left by a process killed inside the few lines that hold it. */
const STALE_TAKEOVER_MS = 10_000;

function takeTakeoverMutex(mutex: string): boolean {
  try {
    closeSync(openPrivateFile(mutex, "wx"));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  try {
    if (Date.now() - statSync(mutex).mtimeMs > STALE_TAKEOVER_MS) unlinkQuietly(mutex);
  } catch {
    // gone meanwhile
  }
  sleepSync(10);
  return false;
}

function taken(file: string, holder: LockHolder, tookOverFrom: LockHolder | undefined): DataFolderLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    const current = readLock(file);
    if (typeof current === "object" && current.nonce === holder.nonce) unlinkQuietly(file);
  };
  process.once("exit", release); // a clean exit that skipped stop() still frees the folder
  return { file, holder, ...(tookOverFrom && { tookOverFrom }), release };
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
