/**
 * A CSV import file read whole: its header checked against the kind's columns, then each data
 * row mapped to its write request or its problems. Problems with the file itself (not CSV, a
 * column missing, no rows, too many rows) throw a CsvFileError and nothing of the file is used.
 * The gateway reads uploads with readImportFileInTurns: parsed on the CSV reader's thread, rows
 * mapped a few hundred at a time, so that a large file never holds the pages.
 */
import { readHeader, type Header, type ImportKind } from "./columns";
import { CsvFileError } from "./problems";
import { readCsv, type CsvLimits, type CsvTable } from "./read-csv";
import { readCsvOffThread } from "./read-csv-off-thread";
import { rowRequest, type RowContext, type RowResult } from "./rows";

/** Rows mapped between two turns of the event loop. */
const ROWS_PER_TURN = 500;

export type ImportRow = RowResult & { line: number };

export interface ImportFile {
  header: Header;
  rows: ImportRow[];
}

/** `context` finds the organisations a shipment row names by name (none are known without it). */
export function readImportFile(kind: ImportKind, bytes: Buffer, context?: RowContext): ImportFile {
  const table = readCsv(bytes);
  const header = readHeader(kind, table.header.cells);
  if (table.rows.length === 0) throw new CsvFileError("file", "no_rows");
  return { header, rows: table.rows.map((row) => ({ line: row.line, ...rowRequest(header, row.cells, context) })) };
}

/** readImportFile for the gateway: the parse on the reader's thread, the rows mapped in turns. */
export async function readImportFileInTurns(kind: ImportKind, bytes: Buffer, context: RowContext | undefined, limits: CsvLimits): Promise<ImportFile> {
  const table: CsvTable = await readCsvOffThread(bytes, limits);
  const header = readHeader(kind, table.header.cells);
  if (table.rows.length === 0) throw new CsvFileError("file", "no_rows");
  const rows: ImportRow[] = [];
  for (const [i, row] of table.rows.entries()) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    rows.push({ line: row.line, ...rowRequest(header, row.cells, context) });
  }
  return { header, rows };
}
