/**
 * GS1's EPCIS 2.0 JSON Schema (data/epcis, vendored unchanged), compiled once with ajv and
 * ajv-formats as GS1's own validator runs it: a captured document must pass it before anything
 * in it is read, and every document the gateway serves does (the tests check).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(path.join(__dirname, "..", "data", "epcis", "EPCIS-JSON-Schema.json"), "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

export interface SchemaProblem {
  /** JSON Pointer into the document, "" for the whole. */
  pointer: string;
  message: string;
}

/** The schema's complaints about a document (none: it is valid); at most `limit`, the most telling first. */
export function epcisSchemaProblems(document: unknown, limit = 20): SchemaProblem[] {
  const validate = validator();
  if (validate(document)) return [];
  const errors = (validate.errors ?? []) as ErrorObject[];
  // The schema's anyOf/if-then branches repeat one fault many times over: the deepest, once each.
  const seen = new Set<string>();
  return errors
    .filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf" && e.keyword !== "if" && e.keyword !== "allOf")
    .sort((a, b) => b.instancePath.length - a.instancePath.length)
    .map((e) => ({ pointer: e.instancePath, message: describe(e) }))
    .filter((p) => !seen.has(`${p.pointer} ${p.message}`) && seen.add(`${p.pointer} ${p.message}`))
    .slice(0, limit);
}

function describe(error: ErrorObject): string {
  if (error.keyword === "additionalProperties") return `must not have ${String((error.params as { additionalProperty: string }).additionalProperty)}`;
  if (error.keyword === "propertyNames") return `has a field name the schema does not allow (${String((error.params as { propertyName: string }).propertyName)})`;
  return error.message ?? error.keyword;
}
