/**
 * The relayer and the indexer on a thread of their own (thread-main.ts), seen from the gateway's
 * thread as the same Indexer and Relayer it would otherwise make: tick(), start(), stop(),
 * status() and health(). Profiles of the write path showed them taking some 40% of the HTTP
 * thread's busy time (scripts/lib/summarise-cpu-profile.ts); here they take none of it.
 *
 * - The thread has its own SQLite connection; both connections begin their transactions
 *   IMMEDIATE (write-lock-first.ts). Its commits reach the page cache through PRAGMA data_version
 *   (store/batch-versions.ts: another connection's write moves every key).
 * - Which blocks are final is decided here (the embedded chain's saved state lives in this
 *   thread): the highest final block whatever the head is written to a shared slot, which the
 *   thread reads at each decision.
 * - The index cursor is read from the database; the chain head, a history gap and the relayer's
 *   health are reported by the thread as they change.
 * - A thread that dies is started again while the gateway runs; stop() ends the ticks in flight,
 *   then the thread.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Db } from "../../store/database";
import { IndexCursor } from "../../store/index-cursor";
import type { Indexer, IndexerStatus, TickResult } from "../indexer";
import type { Relayer, RelayerHealth, TickReport } from "../relayer/relayer";
import { NO_CAP, type ChainThreadSetup, type FromChainThread, type ToChainThread } from "./messages";

/** The thread's heap: an index chunk or a relayer batch needs a small part of it. */
const THREAD_HEAP_MB = 2_048;
/** How often the final-block cap is refreshed, besides at every saved state of the chain. */
const CAP_EVERY_MS = 50;
/** Wait before a thread that died is started again. */
const RESTART_AFTER_MS = 1_000;

export interface ChainThreadOptions {
  db: Db;
  setup: Omit<ChainThreadSetup, "databaseFile" | "finalCap">;
  /** The gateway's finality: the last final block, given the head. */
  finalBlock: (head: number) => number;
  log: (component: "indexer" | "relayer", message: string) => void;
}

export interface ChainThread {
  indexer: Indexer;
  relayer: Relayer;
  /** The chain saved more blocks: refresh what is final now. */
  refreshFinality(): void;
}

export function startChainThread(options: ChainThreadOptions): ChainThread {
  const { db, finalBlock } = options;
  const indexCursor = new IndexCursor(db);
  const deployBlock = options.setup.deployment.deployBlock;
  const finalCap = new SharedArrayBuffer(4);
  const cap = new Int32Array(finalCap);
  const refreshFinality = () => {
    const highest = finalBlock(Number.POSITIVE_INFINITY);
    Atomics.store(cap, 0, Number.isFinite(highest) ? Math.min(highest, NO_CAP - 1) : NO_CAP);
  };
  refreshFinality();
  const capTimer = setInterval(refreshFinality, CAP_EVERY_MS);
  capTimer.unref();

  let indexerState: Pick<IndexerStatus, "chainHead" | "historyGap"> = { chainHead: null };
  let health: RelayerHealth = { failures: 0, consecutiveFailures: 0, progressAt: Date.now() };
  const waiting = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let thread: Worker | undefined;
  /** What start() asked for: a restarted thread is started the same way. */
  let started: Extract<ToChainThread, { type: "start" }> | undefined;
  let stopped = false;

  const spawn = (): Worker => {
    const setup: ChainThreadSetup = { ...options.setup, databaseFile: db.name, finalCap };
    const worker = new Worker(bootstrap(), { eval: true, workerData: setup, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
    worker.unref();
    worker.on("message", (message: FromChainThread) => {
      if (message.type === "log") options.log(message.component, message.message);
      else if (message.type === "status") {
        indexerState = message.indexer;
        health = message.relayer;
      } else {
        const job = waiting.get(message.id);
        if (!job) return;
        waiting.delete(message.id);
        if (message.type === "done") job.resolve(message.result);
        else job.reject(new Error(message.error));
      }
    });
    const gone = (why: string) => {
      if (thread !== worker) return;
      thread = undefined;
      for (const [id, job] of waiting) {
        waiting.delete(id);
        job.reject(new Error(why));
      }
      if (!stopped && started) {
        options.log("relayer", `${why}: starting it again in ${RESTART_AFTER_MS / 1000} s`);
        setTimeout(() => {
          if (!stopped && started && !thread) threadOf().postMessage(started);
        }, RESTART_AFTER_MS).unref();
      }
    };
    worker.on("error", (error) => gone(`the chain thread failed: ${error.message}`));
    worker.on("exit", (code) => gone(`the chain thread stopped (exit code ${code})`));
    return worker;
  };
  const threadOf = (): Worker => (thread ??= spawn());

  const ask = <T>(message: { type: "tick"; worker: "indexer" | "relayer" } | { type: "stop" }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      threadOf().postMessage({ ...message, id } as ToChainThread);
    });

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopped = true;
    started = undefined;
    clearInterval(capTimer);
    const running = thread;
    if (!running) return;
    stopping ??= new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      ask<void>({ type: "stop" }).catch(() => undefined);
    });
    await stopping;
  };

  const start = (relay: boolean, intervalMs: number, which: "indexer" | "relayer") => {
    stopped = false;
    stopping = undefined;
    started = {
      type: "start",
      relay: (started?.relay ?? false) || relay,
      relayerIntervalMs: which === "relayer" ? intervalMs : (started?.relayerIntervalMs ?? intervalMs),
      indexerIntervalMs: which === "indexer" ? intervalMs : (started?.indexerIntervalMs ?? intervalMs),
    };
    threadOf().postMessage(started);
  };

  const indexer: Indexer = {
    tick: () => ask<TickResult>({ type: "tick", worker: "indexer" }),
    start: (intervalMs) => start(false, intervalMs, "indexer"),
    stop,
    status() {
      const cursor = indexCursor.getCursor()?.blockNumber ?? deployBlock - 1;
      const { chainHead, historyGap } = indexerState;
      return {
        cursor,
        chainHead,
        caughtUp: chainHead !== null && cursor >= finalBlock(chainHead),
        ...(historyGap && { historyGap: { ...historyGap } }),
      };
    },
  };
  const relayer: Relayer = {
    tick: () => ask<TickReport>({ type: "tick", worker: "relayer" }),
    start: (intervalMs) => start(true, intervalMs, "relayer"),
    stop,
    health: () => ({ ...health }),
  };
  return { indexer, relayer, refreshFinality };
}

/** The thread's first lines: load thread-main, through ts-node when the gateway runs from TypeScript. */
function bootstrap(): string {
  const file = path.join(__dirname, `thread-main${path.extname(__filename)}`);
  if (!file.endsWith(".ts")) return `require(${JSON.stringify(file)});`;
  const tsNode = require.resolve("ts-node");
  return `if (!require.extensions[".ts"]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true });
require(${JSON.stringify(file)});`;
}
