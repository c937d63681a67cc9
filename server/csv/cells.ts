/**
 * Cells as people type them in Excel, turned into what the API's schemas take: full-width
 * digits (a Chinese input method's) made ASCII, "1,200" a number, "8℃" a temperature, 公斤 the
 * unit kg, "2026-06-01 08:00" or "2026/6/1 8:00" (Excel's way of writing dates back) China
 * Standard Time in ISO 8601, and a date alone ("2026/6/1") a plain date, which the ledger keeps as
 * a day in China. A cell that cannot be converted is passed on unchanged, for the schema to
 * refuse with its own words.
 */

/** Full-width ASCII and the minus sign as plain ASCII (NFKC), trimmed. */
export function ascii(cell: string): string {
  return cell.normalize("NFKC").replace(/[\u2212\u2012\u2013]/g, "-").trim();
}

/** A number, or the cell itself when it is no number; undefined when empty. */
export function numberCell(cell: string): number | string | undefined {
  const value = ascii(cell).replace(/\s*(°C|℃|°)$/i, "");
  if (value === "") return undefined;
  const plain = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(value) ? value.replace(/,/g, "") : value;
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(plain)) return cell;
  return Number(plain);
}

const UNITS: Record<string, string> = {
  kg: "kg", 公斤: "kg", 千克: "kg",
  t: "t", 吨: "t",
  jin: "jin", 斤: "jin",
  box: "box", 箱: "box",
  piece: "piece", 件: "piece", 个: "piece",
  crate: "crate", 筐: "crate",
  bag: "bag", 袋: "bag",
};

/** The units a quantity may have, as a list for a problem's words. */
export const UNIT_CHOICES = "kg (公斤), t (吨), jin (斤), box (箱), piece (件), crate (筐), bag (袋)";
/** The units counted by the piece, whose weight a batch may state. */
export const COUNTED_UNIT_CHOICES = "box (箱), piece (件), crate (筐), bag (袋)";

export function unitCell(cell: string): string | undefined {
  const value = ascii(cell);
  if (value === "") return undefined;
  return UNITS[value.toLowerCase()] ?? value;
}

/**
 * A time: "2026-06-01 08:00", "2026/6/1 8:00[:00]" or "2026-06-01T08:00" as China Standard Time
 * (ISO 8601 with +08:00); a date alone ("2026-06-01", "2026/6/1") as a plain date, a day in
 * China, never a made-up midnight; ISO 8601 with an offset passes through. A date that does not
 * exist (2026-02-30) is returned unchanged, so that the schema refuses it.
 */
export function timeCell(cell: string): string | undefined {
  const value = ascii(cell);
  if (value === "") return undefined;
  const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (!match) return value;
  const hasTime = match[4] !== undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exists =
    utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  if (!exists) return cell;
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${year}-${two(month)}-${two(day)}`;
  return hasTime ? `${date}T${two(hour)}:${two(minute)}:${two(second)}+08:00` : date;
}

/** Text, or undefined when empty (so an optional field stays absent). */
export function textCell(cell: string): string | undefined {
  const value = cell.trim();
  return value === "" ? undefined : value;
}

/** An identifier (lot, county code): full-width characters made ASCII. */
export function codeCell(cell: string): string | undefined {
  const value = ascii(cell);
  return value === "" ? undefined : value;
}

/** A GTIN, also as printed in groups of digits ("6 901234 567892"). */
export function gtinCell(cell: string): string | undefined {
  return codeCell(cell.replace(/\s+/g, ""));
}

/** Excel writes a long number it shortened as 6.90123E+12: a GTIN lost beyond repair. */
export function looksShortenedByExcel(cell: string): boolean {
  return /^\d(\.\d+)?E\+\d+$/i.test(ascii(cell));
}
