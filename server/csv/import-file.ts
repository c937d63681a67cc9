/**
 * A CSV import file read whole: its header checked against the kind's columns, then each data
 * row mapped to its write request or its problems. Problems with the file itself (not CSV, a
 * column missing, no rows) throw a CsvFileError and nothing of the file is used.
 */
import { readHeader, type Header, type ImportKind } from "./columns";
import { CsvFileError } from "./problems";
import { readCsv } from "./read-csv";
import { rowRequest, type RowContext, type RowResult } from "./rows";

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
