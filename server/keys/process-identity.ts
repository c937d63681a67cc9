/**
 * What the kernel says of a process by its PID, so that a PID written in the data folder (the
 * folder's lock, anvil's pidfile) is not taken for another process that got the same number
 * later: its start time since boot, the boot it belongs to, whether it still runs (a zombie does
 * not), and its command line. Linux reads /proc; elsewhere only whether the PID exists is known.
 */
import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  /** The kernel's boot id (changes with every boot). */
  bootId?: string;
  /** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start?: string;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The fields of /proc/PID/stat after the command name (which may itself hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

export function processIdentity(pid: number): ProcessIdentity {
  const bootId = readProc("/proc/sys/kernel/random/boot_id")?.trim();
  const start = statFields(pid)?.[19]; // field 22: fields[0] is field 3 (the state)
  return { ...(bootId && { bootId }), ...(start && { start }) };
}

/** Whether the process runs: "gone" when it does not exist or has exited and waits to be reaped (a zombie). */
export function processState(pid: number): "running" | "gone" {
  if (process.platform === "linux") {
    const fields = statFields(pid);
    if (!fields) return "gone";
    return fields[0] === "Z" || fields[0] === "X" ? "gone" : "running";
  }
  try {
    process.kill(pid, 0);
    return "running";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? "running" : "gone";
  }
}

/** The process's arguments (Linux), undefined when it is gone or they cannot be read. */
export function commandLine(pid: number): string[] | undefined {
  const text = readProc(`/proc/${pid}/cmdline`);
  if (text === undefined || text === "") return undefined;
  return text.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
}
