/**
 * One CSV row → the API's write request for it (harvestBody or shipmentBody, validated by the
 * API's own schemas), or the row's problems, each naming its column as the header wrote it.
 * Pure: what the gateway already holds (existing batches, repeated lots) is checked later.
 */
import type { z } from "zod";
import { harvestBody, shipmentBody } from "../domain/request-shapes";
import { countyByCode } from "../domain/divisions";
import { batchIdFor } from "../domain/gs1";
import type { WriteRequest } from "../domain/ledger-types";
import { codeCell, gtinCell, looksShortenedByExcel, numberCell, textCell, timeCell, UNIT_CHOICES, unitCell } from "./cells";
import { cellsOf, type Header } from "./columns";
import type { CellProblem } from "./problems";

export type RowResult = { request: WriteRequest; problems?: undefined } | { request?: undefined; problems: CellProblem[] };

/** The column each body field comes from, for naming a schema's complaint. */
const HARVEST_FIELDS: Record<string, string> = {
  "product.name": "product",
  "product.variety": "variety",
  "product.gtin": "gtin",
  lot: "lot",
  "origin.countyCode": "countyCode",
  "origin.county": "countyCode",
  "origin.village": "village",
  "origin.base": "base",
  "quantity.amount": "quantity",
  "quantity.unit": "unit",
  harvestedAt: "harvestedAt",
  notes: "notes",
};

const SHIPMENT_FIELDS: Record<string, string> = {
  from: "from",
  to: "to",
  vehicle: "vehicle",
  "temperature.min": "minTemperature",
  "temperature.max": "maxTemperature",
  shippedAt: "shippedAt",
  notes: "notes",
};

export function rowRequest(header: Header, row: readonly string[]): RowResult {
  const extra = row.findIndex((cell, i) => i >= header.width && cell.trim() !== "");
  if (extra >= 0) return { problems: [{ field: `column ${extra + 1}`, code: "extra_cell" }] };
  const result = header.kind === "harvest" ? harvestRow(header, row) : shipmentRow(header, row);
  return result.problems ? { problems: inColumnOrder(header, result.problems) } : result;
}

/** Problems ordered as their columns stand in the file, as a reader scans the row. */
function inColumnOrder(header: Header, problems: CellProblem[]): CellProblem[] {
  const position = new Map([...header.names].map(([key, name]) => [name, header.index.get(key) ?? header.width]));
  return [...problems].sort((a, b) => (position.get(a.field) ?? header.width) - (position.get(b.field) ?? header.width));
}

function harvestRow(header: Header, row: readonly string[]): RowResult {
  const cells = cellsOf(header, row);
  const name = (key: string) => header.names.get(key)!;
  const problems: CellProblem[] = [];
  const countyCode = codeCell(cells.countyCode);
  const county = countyCode && /^\d{6}$/.test(countyCode) ? countyByCode(countyCode) : undefined;
  if (countyCode && /^\d{6}$/.test(countyCode) && !county) problems.push({ field: name("countyCode"), code: "unknown_county" });
  const body = {
    product: defined({ name: textCell(cells.product), gtin: gtinCell(cells.gtin), variety: textCell(cells.variety) }),
    lot: codeCell(cells.lot),
    origin: defined({ countyCode, county: county?.shortName, village: textCell(cells.village), base: textCell(cells.base) }),
    quantity: defined({ amount: numberCell(cells.quantity), unit: unitCell(cells.unit) }),
    harvestedAt: timeCell(cells.harvestedAt),
    notes: textCell(cells.notes),
  };
  const parsed = harvestBody.safeParse(defined(body));
  if (!parsed.success) problems.push(...schemaProblems(parsed.error, HARVEST_FIELDS, name, cells));
  if (problems.length > 0) return { problems: unique(problems) };
  return { request: { type: "harvest", body: parsed.data! } };
}

function shipmentRow(header: Header, row: readonly string[]): RowResult {
  const cells = cellsOf(header, row);
  const name = (key: string) => header.names.get(key)!;
  const problems: CellProblem[] = [];
  const batchId = batchIdOf(cells, name, problems);
  const min = numberCell(cells.minTemperature);
  const max = numberCell(cells.maxTemperature);
  if ((min === undefined) !== (max === undefined)) {
    const missing = min === undefined ? "minTemperature" : "maxTemperature";
    const given = min === undefined ? "maxTemperature" : "minTemperature";
    problems.push({ field: name(missing), code: "needs_other", arg: name(given) });
  }
  const body = defined({
    type: "shipment",
    from: textCell(cells.from),
    to: textCell(cells.to),
    vehicle: textCell(cells.vehicle),
    temperature: min === undefined || max === undefined ? undefined : { min, max },
    shippedAt: timeCell(cells.shippedAt),
    notes: textCell(cells.notes),
  });
  const parsed = shipmentBody.safeParse(body);
  if (!parsed.success) problems.push(...schemaProblems(parsed.error, SHIPMENT_FIELDS, name, cells));
  if (problems.length > 0 || !batchId) return { problems: unique(problems) };
  return { request: { type: "event", batchId, body: parsed.data! } };
}

/** A shipment's batch, named by GTIN and lot (checked by the harvest schema's own rules). */
function batchIdOf(cells: Record<string, string>, name: (key: string) => string, problems: CellProblem[]): string | undefined {
  const gtin = gtinCell(cells.gtin);
  const lot = codeCell(cells.lot);
  const gtinOk = harvestBody.shape.product.shape.gtin.safeParse(gtin);
  const lotOk = harvestBody.shape.lot.safeParse(lot);
  if (!gtinOk.success) problems.push(...schemaProblems(gtinOk.error, { "": "gtin" }, name, cells));
  if (!lotOk.success) problems.push(...schemaProblems(lotOk.error, { "": "lot" }, name, cells));
  return gtinOk.success && lotOk.success ? batchIdFor(gtinOk.data, lotOk.data) : undefined;
}

/** Each zod issue as a problem of the column its field came from. */
function schemaProblems(
  error: z.ZodError,
  fields: Record<string, string>,
  name: (key: string) => string,
  cells: Record<string, string>,
): CellProblem[] {
  return error.issues.map((issue) => {
    const key = fields[issue.path.join(".")];
    const field = key ? name(key) : issue.path.join(".");
    return { field, ...issueCode(issue, key ? cells[key] : "") };
  });
}

function issueCode(issue: z.core.$ZodIssue, cell: string): Pick<CellProblem, "code" | "arg"> {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) return { code: "required" };
  if (issue.code === "invalid_type" && issue.expected === "number") return { code: "not_a_number" };
  if (issue.code === "too_small" && issue.origin === "string") return { code: "required" };
  if (issue.code === "too_big" && issue.origin === "string") return { code: "too_long", arg: Number(issue.maximum) };
  if (issue.code === "too_small" && issue.origin === "number") {
    return Number(issue.minimum) === 0 && !issue.inclusive ? { code: "not_positive" } : { code: "at_least", arg: Number(issue.minimum) };
  }
  if (issue.code === "too_big" && issue.origin === "number") return { code: "at_most", arg: Number(issue.maximum) };
  if (issue.code === "invalid_format" && issue.format === "datetime") return { code: "not_a_time" };
  if (issue.code === "invalid_value") return { code: "not_in_list", arg: UNIT_CHOICES };
  if (issue.message.startsWith("must be a GTIN")) return { code: looksShortenedByExcel(cell) ? "gtin_as_number" : "bad_gtin" };
  if (issue.message.startsWith("must be 1 to 20 characters")) return { code: "bad_lot" };
  if (issue.message.startsWith("must be a 6-digit")) return { code: "bad_county_code" };
  if (issue.message === "min must not exceed max") return { code: "min_over_max" };
  return { code: "invalid", arg: issue.message };
}

/** The object without its undefined members, so that optional fields stay absent. */
function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** One problem per column, the first found, as a form shows one error beside each field. */
function unique(problems: CellProblem[]): CellProblem[] {
  const byField = new Map<string, CellProblem>();
  for (const problem of problems) if (!byField.has(problem.field)) byField.set(problem.field, problem);
  return [...byField.values()];
}
