/**
 * Whether a data folder is in use, and by whom: a restore must never write under a running
 * gateway (it would replace the database it has open) or its chain. Asked three ways, since
 * each alone can miss: the folder's lock file (`gateway.lock`, keys/data-folder-lock.ts: the
 * process that holds the folder; a gateway of an earlier version took none), the processes that have the folder's gateway.db open or name its chain socket or
 * snapshot on their command line (Linux's /proc), and the embedded chain's socket answering.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { ipcCall } from "../../chain/ipc-provider";
import { LOCK_FILE_NAME } from "../../keys/data-folder-lock";
import { CHAIN_SNAPSHOT, DATABASE } from "./data-folder";

/** Who uses the folder, in words; empty when nobody does. */
export async function folderUsers(dataDir: string): Promise<string[]> {
  const users = [...lockHolder(dataDir), ...processesUsing(dataDir)];
  const socket = path.join(dataDir, "anvil.ipc");
  if (existsSync(socket) && (await answers(socket))) users.push(`the embedded chain answers on ${socket}`);
  return [...new Set(users)];
}

function lockHolder(dataDir: string): string[] {
  const lock = path.join(dataDir, LOCK_FILE_NAME);
  if (!existsSync(lock) || !statSync(lock).isFile()) return [];
  const text = readFileSync(lock, "utf8");
  let pid: number | undefined;
  try {
    pid = Number((JSON.parse(text) as { pid?: unknown }).pid);
  } catch {
    pid = Number(/\d+/.exec(text)?.[0]);
  }
  if (!Number.isSafeInteger(pid) || pid! <= 0) return [`the lock ${lock} is there and names no process`];
  return alive(pid!) && pid !== process.pid ? [`process ${pid} (${commandLine(pid!)}) holds the lock ${lock}`] : [];
}

/** Processes with the folder's database open, or whose command line names its chain's socket or snapshot. */
function processesUsing(dataDir: string): string[] {
  if (!existsSync("/proc/self/fd")) return [];
  const database = path.resolve(dataDir, DATABASE);
  const named = [path.resolve(dataDir, "anvil.ipc"), path.resolve(dataDir, CHAIN_SNAPSHOT)];
  const users: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const pid = Number(entry);
    const line = commandLine(pid);
    if (named.some((file) => line.includes(file))) {
      users.push(`process ${pid} (${line}) names the folder's chain socket or snapshot`);
      continue;
    }
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === database || target === `${database}-wal`) {
        users.push(`process ${pid} (${line}) has ${database} open`);
        break;
      }
    }
  }
  return users;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ").slice(0, 200) || "?";
  } catch {
    return "?";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function answers(socket: string): Promise<boolean> {
  try {
    await ipcCall(socket, "eth_blockNumber", [], 1_000);
    return true;
  } catch {
    return false;
  }
}
