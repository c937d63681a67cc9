/**
 * One CSV row → the API's write request for it (harvestBody or shipmentBody, validated by the
 * API's own schemas), or the row's problems, each naming its column as the header wrote it.
 * Pure: a shipment's consignee named by its organisation's name is looked up through the
 * directory given; what the ledger's rules say of the write is checked later (ImportService),
 * and their refusals are put in the column each refused field came from (columnOfField).
 */
import type { z } from "zod";
import { DATE_FORMS_MESSAGE } from "../domain/china-dates";
import { COUNTED_UNITS, harvestBody, shipmentBody } from "../domain/request-shapes";
import { batchIdFor } from "../domain/gs1";
import type { WriteRequest } from "../domain/ledger-types";
import { COUNTED_UNIT_CHOICES, codeCell, gtinCell, looksShortenedByExcel, numberCell, textCell, timeCell, UNIT_CHOICES, unitCell } from "./cells";
import { cellsOf, type Header, type ImportKind } from "./columns";
import type { CellProblem } from "./problems";

export type RowResult = { request: WriteRequest; problems?: undefined } | { request?: undefined; problems: CellProblem[] };

/** An organisation of this gateway by its exact name: its id, or why there is none to take. */
export type OrgByName = (name: string) => { id: string } | "unknown" | "ambiguous";

export interface RowContext {
  orgByName: OrgByName;
}

const NO_ORGS: RowContext = { orgByName: () => "unknown" };

/** The column (key) each request field comes from: for naming a schema's or the rules' complaint. */
const FIELD_COLUMNS: Record<ImportKind, Record<string, string>> = {
  harvest: {
    "product.name": "product",
    "product.variety": "variety",
    "product.gtin": "gtin",
    lot: "lot",
    "origin.countyCode": "countyCode",
    "origin.county": "county",
    "origin.village": "village",
    "origin.base": "base",
    quantity: "quantity",
    "quantity.amount": "quantity",
    "quantity.unit": "unit",
    conversion: "unitWeightKg",
    "conversion.kg": "unitWeightKg",
    "conversion.unit": "countedUnit",
    harvestedAt: "harvestedAt",
    notes: "notes",
  },
  shipment: {
    consignee: "consignee",
    quantity: "quantity",
    "quantity.amount": "quantity",
    "quantity.unit": "unit",
    from: "from",
    to: "to",
    vehicle: "vehicle",
    temperature: "minTemperature",
    "temperature.min": "minTemperature",
    "temperature.max": "maxTemperature",
    shippedAt: "shippedAt",
    notes: "notes",
  },
};

/**
 * The column (key) a request field of this kind came from; undefined for a field no column
 * holds (the batch id), whose problems belong to the row's batch, the lot column.
 */
export function columnOfField(kind: ImportKind, field: string): string | undefined {
  return FIELD_COLUMNS[kind][field];
}

const ORGANISATION_REFERENCE = /^(0x[0-9a-fA-F]{40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function rowRequest(header: Header, row: readonly string[], context: RowContext = NO_ORGS): RowResult {
  const extra = row.findIndex((cell, i) => i >= header.width && cell.trim() !== "");
  if (extra >= 0) return { problems: [{ field: `column ${extra + 1}`, code: "extra_cell" }] };
  const result = header.kind === "harvest" ? harvestRow(header, row) : shipmentRow(header, row, context);
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
  const quantity = defined({ amount: numberCell(cells.quantity), unit: unitCell(cells.unit) });
  const body = {
    product: defined({ name: textCell(cells.product), gtin: gtinCell(cells.gtin), variety: textCell(cells.variety) }),
    lot: codeCell(cells.lot),
    // The county's name comes from its code (the rules name it); a name written must agree.
    origin: defined({ countyCode: codeCell(cells.countyCode), county: textCell(cells.county), village: textCell(cells.village), base: textCell(cells.base) }),
    quantity,
    conversion: conversionOf(cells, quantity.unit, name, problems),
    harvestedAt: timeCell(cells.harvestedAt),
    notes: textCell(cells.notes),
  };
  const parsed = harvestBody.safeParse(defined(body));
  if (!parsed.success) problems.push(...schemaProblems(parsed.error, FIELD_COLUMNS.harvest, name, cells));
  if (problems.length > 0) return { problems: unique(problems) };
  return { request: { type: "harvest", body: parsed.data! } };
}

/**
 * The batch's conversion from 每件重量 (kg per counted unit) and 计件单位 (which unit): a batch
 * counted in boxes states its own box's weight, so the unit may be left out; a batch by weight
 * names the counted unit it may also be sold or shipped in.
 */
function conversionOf(cells: Record<string, string>, batchUnit: string | undefined, name: (key: string) => string, problems: CellProblem[]) {
  const kg = numberCell(cells.unitWeightKg);
  const unit = unitCell(cells.countedUnit);
  if (kg === undefined && unit === undefined) return undefined;
  if (kg === undefined) {
    problems.push({ field: name("unitWeightKg"), code: "needs_other", arg: name("countedUnit") });
    return undefined;
  }
  const ownCounted = (COUNTED_UNITS as readonly string[]).includes(batchUnit ?? "") ? batchUnit : undefined;
  const counted = unit ?? ownCounted;
  if (counted === undefined) {
    problems.push({ field: name("countedUnit"), code: "needs_other", arg: name("unitWeightKg") });
    return undefined;
  }
  return { unit: counted, kg };
}

function shipmentRow(header: Header, row: readonly string[], context: RowContext): RowResult {
  const cells = cellsOf(header, row);
  const name = (key: string) => header.names.get(key)!;
  const problems: CellProblem[] = [];
  const batchId = batchIdOf(cells, name, problems);
  const min = numberCell(cells.minTemperature);
  const max = numberCell(cells.maxTemperature);
  bothOrNeither("minTemperature", min, "maxTemperature", max, name, problems);
  const amount = numberCell(cells.quantity);
  const unit = unitCell(cells.unit);
  bothOrNeither("quantity", amount, "unit", unit, name, problems);
  const body = defined({
    type: "shipment",
    consignee: consigneeOf(cells.consignee, context, name, problems),
    quantity: amount === undefined || unit === undefined ? undefined : { amount, unit },
    from: textCell(cells.from),
    to: textCell(cells.to),
    vehicle: textCell(cells.vehicle),
    temperature: min === undefined || max === undefined ? undefined : { min, max },
    shippedAt: timeCell(cells.shippedAt),
    notes: textCell(cells.notes),
  });
  // A consignee not found is complained of once: unique() keeps the first problem of a column.
  const parsed = shipmentBody.safeParse(body);
  if (!parsed.success) problems.push(...schemaProblems(parsed.error, FIELD_COLUMNS.shipment, name, cells));
  if (problems.length > 0 || !batchId) return { problems: unique(problems) };
  return { request: { type: "event", batchId, body: parsed.data! } };
}

/** The consignee as the API takes it: an id or address as written, a name looked up. */
function consigneeOf(cell: string, context: RowContext, name: (key: string) => string, problems: CellProblem[]): string | undefined {
  const value = textCell(cell);
  if (value === undefined || ORGANISATION_REFERENCE.test(value)) return value;
  const found = context.orgByName(value);
  if (found === "unknown" || found === "ambiguous") {
    problems.push({ field: name("consignee"), code: found === "unknown" ? "unknown_org" : "ambiguous_org", arg: value });
    return undefined;
  }
  return found.id;
}

/** Two cells that go together (temperatures, quantity and unit): one alone names the other. */
function bothOrNeither(a: string, aValue: unknown, b: string, bValue: unknown, name: (key: string) => string, problems: CellProblem[]): void {
  if ((aValue === undefined) === (bValue === undefined)) return;
  const [missing, given] = aValue === undefined ? [a, b] : [b, a];
  problems.push({ field: name(missing), code: "needs_other", arg: name(given) });
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
    return { field, ...issueCode(issue, key, key ? cells[key] : "") };
  });
}

function issueCode(issue: z.core.$ZodIssue, key: string | undefined, cell: string): Pick<CellProblem, "code" | "arg"> {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) return { code: "required" };
  if (issue.code === "invalid_type" && issue.expected === "number") return { code: "not_a_number" };
  if (issue.code === "too_small" && issue.origin === "string") return { code: "required" };
  if (issue.code === "too_big" && issue.origin === "string") return { code: "too_long", arg: Number(issue.maximum) };
  if (issue.code === "too_small" && issue.origin === "number") {
    return Number(issue.minimum) === 0 && !issue.inclusive ? { code: "not_positive" } : { code: "at_least", arg: Number(issue.minimum) };
  }
  if (issue.code === "too_big" && issue.origin === "number") return { code: "at_most", arg: Number(issue.maximum) };
  if (issue.message === DATE_FORMS_MESSAGE) return { code: "not_a_time" };
  if (issue.code === "invalid_value") return { code: "not_in_list", arg: key === "countedUnit" ? COUNTED_UNIT_CHOICES : UNIT_CHOICES };
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
