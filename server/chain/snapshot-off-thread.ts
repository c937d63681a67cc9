/**
 * saveSnapshot on a thread of its own: a snapshot of a chain holding a few hundred thousand
 * batches is tens of megabytes of gzipped JSON to decode, check and write, which on the gateway's
 * thread would hold every page and API answer for seconds, once a second. One thread serves the
 * process (jobs queue in it); it starts with the first snapshot, does not keep the process alive,
 * and is started afresh if it dies.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { SnapshotJob, SnapshotReply } from "./snapshot-worker";

/** The thread's heap: a state file of a gigabyte parses within it. */
const WORKER_HEAP_MB = 8_192;

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve(outcome: { block: number } | { problem: string }): void; reject(error: Error): void }>();

/** A flag the thread reads before it replaces the file: `cancel()` once the anvil is gone. */
export function cancellation(): { flag: Int32Array; cancel(): void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  return { flag, cancel: () => Atomics.store(flag, 0, 1) };
}

export function saveSnapshotOffThread(endpoint: string, file: string, cancelled: Int32Array): Promise<{ block: number } | { problem: string }> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    snapshotter().postMessage({ id, endpoint, file, cancelled } satisfies SnapshotJob);
  });
}

function snapshotter(): Worker {
  if (worker) return worker;
  const started = new Worker(bootstrap(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  started.unref();
  started.on("message", (reply: SnapshotReply) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if ("failed" in reply) job.reject(new Error(reply.failed));
    else job.resolve(reply);
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, job] of pending) {
      pending.delete(id);
      job.reject(error);
    }
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`the chain snapshots' thread stopped (exit code ${code})`)));
  worker = started;
  return started;
}

/** The thread's first lines: load snapshot-worker, through ts-node when the gateway runs from TypeScript. */
function bootstrap(): string {
  const file = path.join(__dirname, `snapshot-worker${path.extname(__filename)}`);
  if (!file.endsWith(".ts")) return `require(${JSON.stringify(file)});`;
  const tsNode = require.resolve("ts-node");
  return `if (!require.extensions[".ts"]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true });
require(${JSON.stringify(file)});`;
}
