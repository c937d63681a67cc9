/**
 * The columns of each kind of CSV import, named in Chinese (what the templates use and Excel
 * users type) with an English alias, and the reading of a file's header row against them.
 */
import { CsvFileError } from "./problems";

export const IMPORT_KINDS = ["harvest", "shipment"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export function isImportKind(value: unknown): value is ImportKind {
  return typeof value === "string" && (IMPORT_KINDS as readonly string[]).includes(value);
}

export interface Column {
  key: string;
  zh: string;
  en: string;
  /** The header must have this column (its cells may still be optional: see the row mappers). */
  required: boolean;
}

const column = (key: string, zh: string, required: boolean): Column => ({ key, zh, en: key, required });

export const COLUMNS: Record<ImportKind, readonly Column[]> = {
  harvest: [
    column("product", "产品名称", true),
    column("variety", "品种", false),
    column("gtin", "商品条码", true),
    column("lot", "批次号", true),
    column("countyCode", "县区代码", true),
    // Optional: the name comes from the code; a name given must agree with it.
    column("county", "县区名称", false),
    column("village", "乡镇村", false),
    column("base", "基地", false),
    column("quantity", "数量", true),
    column("unit", "单位", true),
    // Optional: what one counted unit weighs (the batch's conversion), e.g. 箱 = 5 kg, so the
    // batch can later be sold or shipped by the box as well as by weight.
    column("unitWeightKg", "每件重量", false),
    column("countedUnit", "计件单位", false),
    column("harvestedAt", "采收时间", true),
    column("notes", "备注", false),
  ],
  shipment: [
    column("gtin", "商品条码", true),
    column("lot", "批次号", true),
    // The organisation the batch goes to, which records its receipt: its name, id or address.
    column("consignee", "收货方", true),
    // Optional: how much is shipped; all the holder (the uploader) holds when empty.
    column("quantity", "数量", false),
    column("unit", "单位", false),
    column("from", "发出地", true),
    column("to", "目的地", true),
    column("vehicle", "车辆", false),
    column("minTemperature", "最低温度", false),
    column("maxTemperature", "最高温度", false),
    column("shippedAt", "发运时间", true),
    column("notes", "备注", false),
  ],
};

/** How a file's header row names the columns: the cell index of each, and its name as written. */
export interface Header {
  kind: ImportKind;
  /** Column key → index of its cell in each row. */
  index: Map<string, number>;
  /** Column key → the name as the file's header wrote it (the Chinese name for absent columns). */
  names: Map<string, string>;
  /** Cells at these indexes have no column (empty header cells at the end of the row). */
  width: number;
}

/**
 * Reads the header row: Chinese names, or English aliases in any case. Refuses (CsvFileError,
 * naming the column) a required column missing, an unknown or repeated name, or an unnamed
 * column before named ones; empty names at the end (Excel's trailing columns) are ignored.
 */
export function readHeader(kind: ImportKind, cells: readonly string[]): Header {
  const columns = COLUMNS[kind];
  const trimmed = cells.map((cell) => cell.trim());
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === "") trimmed.pop();
  const index = new Map<string, number>();
  const names = new Map(columns.map((c) => [c.key, c.zh]));
  trimmed.forEach((name, i) => {
    if (name === "") throw new CsvFileError(`column ${i + 1}`, "unnamed_column");
    const found = columns.find((c) => c.zh === name || c.en.toLowerCase() === name.toLowerCase());
    if (!found) throw new CsvFileError(name, "unknown_column", columns.map((c) => c.zh).join("、"));
    if (index.has(found.key)) throw new CsvFileError(name, "repeated_column");
    index.set(found.key, i);
    names.set(found.key, name);
  });
  const missing = columns.find((c) => c.required && !index.has(c.key));
  if (missing) throw new CsvFileError(missing.zh, "missing_column");
  return { kind, index, names, width: trimmed.length };
}

/** A data row's cells by column key (trimmed; "" for an empty or absent cell). */
export function cellsOf(header: Header, row: readonly string[]): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const c of COLUMNS[header.kind]) {
    const i = header.index.get(c.key);
    cells[c.key] = i === undefined ? "" : (row[i] ?? "").trim();
  }
  return cells;
}
