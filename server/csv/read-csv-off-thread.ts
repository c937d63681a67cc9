/**
 * readCsv on a thread of its own: decoding and parsing a file of many megabytes takes the CPU for
 * a good part of a second, which on the gateway's thread would hold every page and API answer
 * that long. One reader thread serves the whole process (files queue in it); it starts with the
 * first file, does not keep the process alive, and is started afresh if it dies.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { CsvJob, CsvReply } from "./csv-worker";
import { CsvFileError, type FileProblemCode } from "./problems";
import type { CsvLimits, CsvRow, CsvTable } from "./read-csv";

/** The reader's heap: a file within the byte limit needs a small part of it. */
const WORKER_HEAP_MB = 512;

interface Pending {
  resolve(table: CsvTable): void;
  reject(error: Error): void;
  header?: CsvRow;
  rows: CsvRow[];
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

export function readCsvOffThread(bytes: Buffer, limits: CsvLimits = {}): Promise<CsvTable> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, rows: [] });
    const job: CsvJob = { id, bytes, ...(limits.maxRows !== undefined ? { maxRows: limits.maxRows } : {}) };
    reader().postMessage(job);
  });
}

function reader(): Worker {
  if (worker) return worker;
  const started = new Worker(bootstrap(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  started.unref();
  started.on("message", (reply: CsvReply) => receive(reply));
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, job] of pending) {
      pending.delete(id);
      job.reject(error);
    }
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`the CSV reader stopped (exit code ${code})`)));
  worker = started;
  return started;
}

function receive(reply: CsvReply): void {
  const job = pending.get(reply.id);
  if (!job) return;
  if ("header" in reply) job.header = reply.header;
  else if ("rows" in reply) for (const row of reply.rows) job.rows.push(row);
  else {
    pending.delete(reply.id);
    if ("done" in reply) job.resolve({ header: job.header!, rows: job.rows });
    else if ("refused" in reply) job.reject(new CsvFileError(reply.refused.field, reply.refused.problem as FileProblemCode, reply.refused.arg));
    else job.reject(new Error(`reading the CSV failed: ${reply.failed}`));
  }
}

/** The reader thread's first lines: load csv-worker, through ts-node when the gateway runs from TypeScript. */
function bootstrap(): string {
  const file = path.join(__dirname, `csv-worker${path.extname(__filename)}`);
  if (!file.endsWith(".ts")) return `require(${JSON.stringify(file)});`;
  const tsNode = require.resolve("ts-node");
  return `if (!require.extensions[".ts"]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true });
require(${JSON.stringify(file)});`;
}
