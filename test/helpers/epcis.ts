/**
 * Checks for EPCIS documents in tests: GS1's official EPCIS 2.0 JSON Schema, as the gateway
 * vendors it (server/domain/data/epcis, source noted there; its SHA-256 is pinned by
 * test/domain/epcis-schema.test.ts), run by ajv with ajv-formats, formats included, as GS1's
 * own validator runs it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { expect } from "chai";
import type { Harness } from "./gateway-harness";

export const EPCIS_SCHEMA_PATH = path.join(__dirname, "..", "..", "server", "domain", "data", "epcis", "EPCIS-JSON-Schema.json");

let validate: ReturnType<Ajv["compile"]> | undefined;

/** Fails the test with the schema's complaints unless `document` is valid EPCIS 2.0 JSON. */
export function expectValidEpcis(document: unknown): void {
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(EPCIS_SCHEMA_PATH, "utf8")) as object);
  }
  const valid = validate(document);
  expect(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 1)).to.equal(true);
}

/** The ledger's extension field `name` (the gateway declares its namespace under the prefix "ledger"). */
export const L = (name: string) => `ledger:${name}`;

/** Every event `GET /epcis/events` answers for `query` ("&EQ_bizStep=…"), following the Link header page by page, each page checked by the schema. */
export async function everyEpcisEvent(h: Pick<Harness, "call" | "base">, query = ""): Promise<Array<Record<string, any>>> {
  const events: Array<Record<string, any>> = [];
  let url: string | undefined = `/epcis/events?perPage=500${query}`;
  while (url) {
    const { status, body, headers } = await h.call("GET", url);
    expect(status, JSON.stringify(body)).to.equal(200);
    expectValidEpcis(body);
    events.push(...body.epcisBody.queryResults.resultsBody.eventList);
    const next = /<([^>]+)>; rel="next"/.exec(headers.get("link") ?? "")?.[1];
    url = next && next.slice(h.base.length);
  }
  return events;
}
