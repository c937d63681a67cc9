/**
 * The programme's list of counties, replaced by uploading a CSV file: one GB/T 2260 county code a
 * line, optionally its name in a second column, optionally a header line first. The whole file
 * is checked before anything changes: every line that is not a county code of GB/T 2260 is
 * reported with its line number, and the list is replaced only by a file with no bad line.
 */
import { parse } from "csv-parse/sync";
import { countyByCode } from "../domain/divisions";
import type { ProgrammeCounty, ProgrammeCountyRepository } from "../store/programme-county-repository";

/** What can be wrong with one line of the file. */
export type CountyLineProblem =
  | { line: number; content: string; problem: "bad_code" | "unknown_code" | "name_too_long" | "extra_cells" }
  | { line: number; content: string; problem: "duplicate"; firstLine: number };

/** What can be wrong with the file as a whole. */
export type CountyFileProblem = "empty" | "not_text" | "bad_csv" | "too_many_lines";

export type CountyListUpload =
  | { ok: true; counties: Array<{ code: string; name: string }> }
  | { ok: false; fileProblem: CountyFileProblem }
  | { ok: false; lines: CountyLineProblem[] };

/** More lines than GB/T 2260 has counties (about 2,850) cannot be a list of distinct counties. */
export const MAX_COUNTY_LINES = 5_000;
const MAX_NAME_LENGTH = 100;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export class ProgrammeCountyService {
  constructor(private readonly counties: ProgrammeCountyRepository) {}

  list(): ProgrammeCounty[] {
    return this.counties.list();
  }

  /** Replaces the list with the file's counties when every line is good; otherwise changes nothing. */
  replaceFromCsv(bytes: Buffer): CountyListUpload {
    const upload = checkCountyList(bytes);
    if (upload.ok) this.counties.replace(upload.counties);
    return upload;
  }
}

/** The counties of an uploaded file, or everything wrong with it. Changes nothing. */
export function checkCountyList(bytes: Buffer): CountyListUpload {
  const text = decode(bytes);
  if (text === undefined) return { ok: false, fileProblem: "not_text" };
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // Line ends made LF first: csv-parse counts a CR of a CRLF as a line of its own otherwise.
    records = parse(text.replace(/\r\n?/g, "\n"), {
      info: true,
      delimiter: [",", "\t"],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch {
    return { ok: false, fileProblem: "bad_csv" };
  }
  const rows = records
    .map(({ record, info }) => ({ cells: record.map(clean), line: info.lines - newlinesIn(record) }))
    .filter((row) => row.cells.some((cell) => cell !== ""));
  if (rows.length > 0 && isHeader(rows[0].cells)) rows.shift();
  if (rows.length === 0) return { ok: false, fileProblem: "empty" };
  if (rows.length > MAX_COUNTY_LINES) return { ok: false, fileProblem: "too_many_lines" };

  const counties: Array<{ code: string; name: string }> = [];
  const problems: CountyLineProblem[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { cells, line } of rows) {
    const [code, name = "", ...extra] = cells;
    const content = cells.filter((cell, i) => cell !== "" || i === 0).join(",");
    if (!/^\d{6}$/.test(code)) {
      problems.push({ line, content, problem: "bad_code" });
      continue;
    }
    const county = countyByCode(code);
    if (!county) problems.push({ line, content, problem: "unknown_code" });
    else if (firstLineOf.has(code)) problems.push({ line, content, problem: "duplicate", firstLine: firstLineOf.get(code)! });
    else if (name.length > MAX_NAME_LENGTH) problems.push({ line, content, problem: "name_too_long" });
    else if (extra.some((cell) => cell !== "")) problems.push({ line, content, problem: "extra_cells" });
    else counties.push({ code, name: name || county.shortName });
    if (!firstLineOf.has(code)) firstLineOf.set(code, line);
  }
  return problems.length > 0 ? { ok: false, lines: problems } : { ok: true, counties };
}

/** UTF-8 (with or without BOM), or GB18030: what Excel saves as plain "CSV" on a Chinese Windows. */
function decode(bytes: Buffer): string | undefined {
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
  if (body.includes(0)) return undefined; // binary, or UTF-16
  for (const encoding of ["utf-8", "gb18030"]) {
    try {
      return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      // not this encoding: try the next
    }
  }
  return undefined;
}

/** A cell as typed: full-width digits (a Chinese input method's) made ASCII, trimmed. */
function clean(cell: string): string {
  return cell.normalize("NFKC").trim();
}

function newlinesIn(record: string[]): number {
  return record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
}

/** A first line whose first cell has no digit names the columns ("code", "县区代码"): it is no county. */
function isHeader(cells: string[]): boolean {
  return cells[0] !== "" && !/\d/.test(cells[0]);
}
