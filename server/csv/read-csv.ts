/**
 * A CSV file's bytes as rows of cells, each with the line of the file it starts on (the header
 * is line 1). UTF-8 with or without BOM; a file Excel saved as plain "CSV" on a Chinese Windows
 * is GB18030, which is read too. CRLF or LF line ends, quoted fields (with commas, quotes and
 * line breaks inside) and stray quotes inside unquoted fields are all tolerated.
 */
import { parse } from "csv-parse/sync";
import { CsvFileError } from "./problems";

export interface CsvRow {
  line: number;
  cells: string[];
}

export interface CsvTable {
  header: CsvRow;
  /** Data rows, without the blank ones (Excel leaves rows of empty cells at the end). */
  rows: CsvRow[];
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface CsvLimits {
  /** At most this many data rows (blank ones not counted): the parse stops at the next one. */
  maxRows?: number;
}

export function readCsv(bytes: Buffer, limits: CsvLimits = {}): CsvTable {
  if (bytes.length === 0) throw new CsvFileError("file", "empty_file");
  const text = decode(bytes);
  if (text.trim() === "") throw new CsvFileError("file", "empty_file");
  // csv-parse reports byte offsets: parse UTF-8 bytes, and count lines in the same bytes.
  const utf8 = Buffer.from(text, "utf8");
  let records: Array<{ record: string[]; info: { bytes: number } }>;
  const maxRecords = limits.maxRows === undefined ? Infinity : limits.maxRows + 1; // and the header
  let counted = 0;
  try {
    // With `info`, each record comes with where it ended (the typings do not know it).
    records = parse(utf8, {
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      // With `info`, each record comes here as { record, info }: counted while parsing, so that a
      // file past the limit is refused at its first row too many, not after all of it.
      on_record: ((found: { record: string[] }) => {
        if (found.record.some((cell) => cell.trim() !== "") && ++counted > maxRecords) throw new CsvFileError("file", "too_many_rows", limits.maxRows);
        return found;
      }) as unknown as (record: string[]) => string[],
    }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvFileError) throw error;
    const line = (error as { lines?: number }).lines;
    throw new CsvFileError("file", "bad_csv", line);
  }
  const lines = new LineFinder(utf8);
  let offset = 0;
  const all = records.map(({ record, info }) => {
    const row = { line: lines.lineOfRecordAfter(offset), cells: record };
    offset = info.bytes;
    return row;
  });
  const [header, ...rest] = all;
  return { header, rows: rest.filter((row) => row.cells.some((cell) => cell.trim() !== "")) };
}

function decode(bytes: Buffer): string {
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
  if (body.includes(0)) throw new CsvFileError("file", "not_text"); // binary, or UTF-16
  for (const encoding of ["utf-8", "gb18030"]) {
    try {
      return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      // not this encoding: try the next
    }
  }
  throw new CsvFileError("file", "not_text");
}

/**
 * Line numbers by byte offset. csv-parse's own line count is off for quoted fields holding
 * CRLF, so lines are counted here: a record starts at the first byte after the previous
 * record that is not a line break (skipped blank lines count as lines).
 */
class LineFinder {
  private readonly breaks: number[] = [];

  constructor(private readonly bytes: Buffer) {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) this.breaks.push(i);
    }
  }

  lineOfRecordAfter(offset: number): number {
    let start = offset;
    while (start < this.bytes.length && (this.bytes[start] === 0x0a || this.bytes[start] === 0x0d)) start++;
    return this.breaksBefore(start) + 1;
  }

  private breaksBefore(position: number): number {
    let low = 0;
    let high = this.breaks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.breaks[mid] < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
