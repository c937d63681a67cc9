/**
 * The CSV reader's thread (see read-csv-off-thread.ts): decodes and parses each file it is sent,
 * within the row limit, and sends the rows back in small messages, so that taking them in never
 * holds the gateway's own thread for long either.
 */
import { parentPort } from "node:worker_threads";
import { CsvFileError } from "./problems";
import { readCsv } from "./read-csv";

export interface CsvJob {
  id: number;
  bytes: Uint8Array;
  maxRows?: number;
}

export type CsvReply =
  | { id: number; header: { line: number; cells: string[] } }
  | { id: number; rows: Array<{ line: number; cells: string[] }> }
  | { id: number; done: true }
  | { id: number; refused: { field: string; problem: string; arg?: string | number } }
  | { id: number; failed: string };

export const ROWS_PER_MESSAGE = 500;

parentPort?.on("message", (job: CsvJob) => {
  const port = parentPort!;
  try {
    const table = readCsv(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength), { maxRows: job.maxRows });
    port.postMessage({ id: job.id, header: table.header } satisfies CsvReply);
    for (let start = 0; start < table.rows.length; start += ROWS_PER_MESSAGE) {
      port.postMessage({ id: job.id, rows: table.rows.slice(start, start + ROWS_PER_MESSAGE) } satisfies CsvReply);
    }
    port.postMessage({ id: job.id, done: true } satisfies CsvReply);
  } catch (error) {
    if (error instanceof CsvFileError) {
      port.postMessage({ id: job.id, refused: { field: error.field, problem: error.problem, arg: error.arg } } satisfies CsvReply);
    } else {
      port.postMessage({ id: job.id, failed: error instanceof Error ? error.message : String(error) } satisfies CsvReply);
    }
  }
});
