/**
 * What a process (of this machine, Linux) has used, from /proc: CPU seconds and memory. The
 * benchmarks sample their gateway and its chain with it.
 */
import { readFileSync } from "node:fs";

/** Clock ticks a second of /proc/PID/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of the process so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the parenthesised command name, utime and stime are the 12th and 13th fields.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident memory now and at its peak (VmRSS, VmHWM), in MB; undefined once it is gone. */
export function memoryMb(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return undefined;
  }
}

/** CPU used by a process between two moments, as a share of one core (1.0 = one core busy). */
export class CpuMeter {
  private readonly startedCpu: number;
  private readonly startedAt = performance.now();

  constructor(private readonly pid: number) {
    this.startedCpu = cpuSeconds(pid) ?? NaN;
  }

  /** Cores used on average since the meter was made. */
  cores(): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return ((cpuSeconds(this.pid) ?? NaN) - this.startedCpu) / seconds;
  }
}
