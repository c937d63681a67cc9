/**
 * The chain snapshots' thread (see snapshot-off-thread.ts): takes each snapshot it is asked for —
 * anvil_dumpState, gunzip, the check, the write — so that the gateway's own thread never holds a
 * state of tens or hundreds of megabytes. A job's `cancelled` flag (shared memory, set by the
 * gateway's thread when that anvil exits) is read just before the file is replaced.
 */
import { parentPort } from "node:worker_threads";
import { saveSnapshot } from "./anvil-snapshots";
import { rpcCallTo } from "./chain-endpoint";

export interface SnapshotJob {
  id: number;
  /** The chain's socket path or loopback URL. */
  endpoint: string;
  file: string;
  /** Int32Array over a SharedArrayBuffer: 1 once the anvil is gone and its snapshot unwanted. */
  cancelled: Int32Array;
}

export type SnapshotReply = { id: number; block: number } | { id: number; problem: string } | { id: number; failed: string };

/** A hung anvil must not hold a snapshot (and with it a stop) for ever. */
const DUMP_TIMEOUT_MS = 120_000;

parentPort?.on("message", (job: SnapshotJob) => {
  const call = rpcCallTo(job.endpoint);
  saveSnapshot(
    () => call<string>("anvil_dumpState", [], DUMP_TIMEOUT_MS),
    job.file,
    () => Atomics.load(job.cancelled, 0) === 0,
  ).then(
    (outcome) => parentPort!.postMessage({ id: job.id, ...outcome } satisfies SnapshotReply),
    (error: Error) => parentPort!.postMessage({ id: job.id, failed: error.message } satisfies SnapshotReply),
  );
});
