/**
 * The embedded anvil's pidfile (DATA_DIR/anvil.pid), and the anvil an earlier gateway of this
 * data folder left running. A gateway killed with SIGKILL cannot stop its anvil; where the
 * system has `setpriv`, anvil dies with it (anvil.ts), but an anvil left by an older version, or
 * on a system without it, keeps the folder's socket and would make every later start fail. So at
 * start, holding the folder's lock (no other gateway can be using it), the gateway finds that
 * anvil by its pidfile (or, for one that predates pidfiles, by the socket in its command line),
 * checks that its command line names this folder's socket or state file, saves its state (it may
 * hold blocks newer than the last snapshot), and stops it.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { writePrivateFile } from "../keys/private-files";
import { commandLine, processIdentity, processState } from "../keys/process-identity";
import { saveSnapshot } from "./anvil-snapshots";
import { ipcCall } from "./ipc-provider";

export interface AnvilPidRecord {
  pid: number;
  /** The kernel's start time of that process (Linux), so that a reused PID is not taken for it. */
  processStart?: string;
  ipcPath: string;
  startedAt: string;
}

export function writeAnvilPidfile(file: string, pid: number, ipcPath: string): void {
  const { start } = processIdentity(pid);
  const record: AnvilPidRecord = { pid, ...(start && { processStart: start }), ipcPath, startedAt: new Date().toISOString() };
  writePrivateFile(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the pidfile if it still names `pid` (a newer anvil's record stays). */
export function removeAnvilPidfile(file: string, pid: number | undefined): void {
  const record = readPidfile(file);
  if (record && record.pid !== pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function readPidfile(file: string): AnvilPidRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, "utf8")) as AnvilPidRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

export interface LeftoverOptions {
  pidFile: string;
  ipcPath: string;
  stateFile: string;
  log?: (line: string) => void;
}

/**
 * Stops the anvil an earlier gateway of this folder left running, after saving its state.
 * Call it only while holding the data folder's lock. Returns the PIDs it stopped.
 */
export async function stopLeftoverAnvil(options: LeftoverOptions): Promise<number[]> {
  const { pidFile, ipcPath, stateFile, log = () => {} } = options;
  const isOurs = (pid: number, source: string) => {
    const args = commandLine(pid);
    const mine = args !== undefined && namesFolder(args, ipcPath, stateFile);
    if (!mine) log(`${source} names process ${pid}, which is not this data folder's anvil (${(args ?? []).join(" ").slice(0, 200)}): left alone`);
    return mine;
  };
  const record = readPidfile(pidFile);
  const ours: number[] = [];
  if (record && processState(record.pid) === "running") {
    const now = processIdentity(record.pid).start;
    const samePid = !record.processStart || !now || record.processStart === now;
    if (samePid && isOurs(record.pid, `the pidfile ${pidFile}`)) ours.push(record.pid);
  }
  const socketAnswers = existsSync(ipcPath) && (await answers(ipcPath));
  // An anvil from before pidfiles (or whose pidfile is lost) still names the socket it serves.
  if (ours.length === 0 && socketAnswers) ours.push(...processesNaming(ipcPath).filter((pid) => isOurs(pid, "the command line")));
  if (ours.length === 0) {
    if (socketAnswers) {
      throw new Error(
        `a process answers on the chain's socket ${ipcPath}, and none whose command line names this data folder was found to stop: ` +
          "stop it, then start again",
      );
    }
    removeAnvilPidfile(pidFile, record?.pid);
    return [];
  }

  let saved = false;
  if (socketAnswers) {
    try {
      const outcome = await saveSnapshot(() => ipcCall<string>(ipcPath, "anvil_dumpState", [], 60_000), stateFile);
      saved = "block" in outcome;
      log(
        "problem" in outcome
          ? `the leftover anvil's state was not saved: ${outcome.problem}`
          : `saved the state of the anvil left running by an earlier gateway (its newest blocks are kept, up to block ${outcome.block})`,
      );
    } catch (error) {
      log(`the leftover anvil's state could not be saved (${(error as Error).message}); the last snapshot is used`);
    }
  }
  for (const pid of ours) {
    // Saved: nothing more to keep. Else SIGTERM, on which anvil dumps its state (anvil-exit-dump.ts).
    await terminate(pid, saved ? "SIGKILL" : "SIGTERM");
    log(`stopped the anvil (pid ${pid}) that an earlier gateway of this data folder left running`);
  }
  removeAnvilPidfile(pidFile, record?.pid);
  return ours;
}

/** Whether anvil's arguments name this folder's socket (--ipc) or its state file (--load-state, the snapshot or the one before). */
function namesFolder(args: string[], ipcPath: string, stateFile: string): boolean {
  return args.some((arg) => arg === ipcPath || arg === stateFile || arg.startsWith(`${stateFile}.`));
}

/** Processes (Linux) whose command line holds `arg` as one argument. */
function processesNaming(arg: string): number[] {
  if (process.platform !== "linux") return [];
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== process.pid && commandLine(pid)?.includes(arg)) found.push(pid);
  }
  return found;
}

async function answers(ipcPath: string): Promise<boolean> {
  try {
    await ipcCall(ipcPath, "eth_chainId", [], 1_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `first`, then SIGKILL if the process is still there after 30 s (an anvil writing a large
 * state on SIGTERM needs the time); waits until it is gone.
 */
async function terminate(pid: number, first: "SIGTERM" | "SIGKILL"): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = first === "SIGTERM" ? [["SIGTERM", 30_000], ["SIGKILL", 5_000]] : [["SIGKILL", 5_000]];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return;
      throw new Error(`could not stop the leftover anvil (pid ${pid}): ${(error as Error).message}`);
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (processState(pid) === "gone") return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`the leftover anvil (pid ${pid}) did not exit after SIGKILL`);
}
