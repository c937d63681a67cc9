import { expect } from "chai";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };
type Who = "producer" | "processor" | "certifier" | "carrier" | "retailer" | "admin" | "none" | "unknown-key";

interface Case {
  name: string;
  method?: "POST" | "GET";
  /** `{batch}` stands for an existing batch, `{cert}` for an existing certification, `{retailer}` for the counter's id. */
  path: string;
  who: Who;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  /** The field the error must name. */
  field?: string;
}

const UNKNOWN_BATCH = payload.harvestedBatchId("NEVER-1");
const harvestWith = (changes: Record<string, unknown>) => ({ ...payload.harvest("TY-M1"), ...changes });
const origin = payload.harvest("x").origin;
/** A shipment by the cooperative, the batch's holder, to the counter: `{retailer}` stands for its organisation id. */
const shipment = payload.shipment("{retailer}");

const CASES: Case[] = [
  // the body itself
  { name: "a body that is not JSON", path: "/api/v1/batches", who: "producer", raw: "{", status: 400, field: "body" },
  { name: "a JSON array", path: "/api/v1/batches", who: "producer", raw: "[]", status: 400, field: "body" },
  { name: "a bare JSON string", path: "/api/v1/batches", who: "producer", raw: '"harvest"', status: 400, field: "body" },
  { name: "no body at all", path: "/api/v1/batches", who: "producer", status: 400, field: "body" },
  { name: "a text/plain body", path: "/api/v1/batches", who: "producer", raw: "lot=1", headers: { "content-type": "text/plain" }, status: 400, field: "body" },
  { name: "a body over 100 kB", path: "/api/v1/batches", who: "producer", body: harvestWith({ notes: "芒".repeat(40_000) }), status: 413 },
  // harvest fields
  { name: "no product", path: "/api/v1/batches", who: "producer", body: harvestWith({ product: undefined }), status: 400, field: "product" },
  { name: "a GTIN with a wrong check digit", path: "/api/v1/batches", who: "producer", body: harvestWith({ product: { name: "芒果", gtin: "06901234567893" } }), status: 400, field: "product.gtin" },
  { name: "a GTIN with letters", path: "/api/v1/batches", who: "producer", body: harvestWith({ product: { name: "芒果", gtin: "0690123456789X" } }), status: 400, field: "product.gtin" },
  { name: "an empty product name", path: "/api/v1/batches", who: "producer", body: harvestWith({ product: { name: "   ", gtin: payload.MANGO_GTIN } }), status: 400, field: "product.name" },
  { name: "a product name of 101 characters", path: "/api/v1/batches", who: "producer", body: harvestWith({ product: { name: "芒".repeat(101), gtin: payload.MANGO_GTIN } }), status: 400, field: "product.name" },
  { name: "a lot of 21 characters", path: "/api/v1/batches", who: "producer", body: harvestWith({ lot: "A".repeat(21) }), status: 400, field: "lot" },
  { name: "a lot with a space", path: "/api/v1/batches", who: "producer", body: harvestWith({ lot: "TY 1" }), status: 400, field: "lot" },
  { name: "a lot in Chinese", path: "/api/v1/batches", who: "producer", body: harvestWith({ lot: "田阳一号" }), status: 400, field: "lot" },
  { name: "a 5-digit county code", path: "/api/v1/batches", who: "producer", body: harvestWith({ origin: { ...origin, countyCode: "45100" } }), status: 400, field: "origin.countyCode" },
  { name: "a county name the code does not name", path: "/api/v1/batches", who: "producer", body: harvestWith({ origin: { ...origin, county: "海淀区" } }), status: 400, field: "origin.county" },
  { name: "a county code that is no GB/T 2260 code", path: "/api/v1/batches", who: "producer", body: harvestWith({ origin: { ...origin, countyCode: "999999" } }), status: 400, field: "origin.countyCode" },
  { name: "a negative amount", path: "/api/v1/batches", who: "producer", body: harvestWith({ quantity: { amount: -1, unit: "kg" } }), status: 400, field: "quantity.amount" },
  { name: "an amount as a string", path: "/api/v1/batches", who: "producer", body: harvestWith({ quantity: { amount: "12", unit: "kg" } }), status: 400, field: "quantity.amount" },
  { name: "an infinite amount", path: "/api/v1/batches", who: "producer", raw: JSON.stringify(harvestWith({ quantity: { amount: 1, unit: "kg" } })).replace('"amount":1', '"amount":1e999'), status: 400, field: "quantity.amount" },
  { name: "an unknown unit", path: "/api/v1/batches", who: "producer", body: harvestWith({ quantity: { amount: 1, unit: "barrel" } }), status: 400, field: "quantity.unit" },
  { name: "a harvest date that is no date", path: "/api/v1/batches", who: "producer", body: harvestWith({ harvestedAt: "yesterday" }), status: 400, field: "harvestedAt" },
  { name: "a harvest date that does not exist", path: "/api/v1/batches", who: "producer", body: harvestWith({ harvestedAt: "2026-02-30" }), status: 400, field: "harvestedAt" },
  { name: "a harvest date without an offset", path: "/api/v1/batches", who: "producer", body: harvestWith({ harvestedAt: "2026-06-01T08:00:00" }), status: 400, field: "harvestedAt" },
  { name: "an unknown field", path: "/api/v1/batches", who: "producer", body: harvestWith({ approved: true }), status: 400, field: "approved" },
  { name: "a __proto__ field", path: "/api/v1/batches", who: "producer", raw: JSON.stringify(harvestWith({})).replace("{", '{"__proto__":{"admin":true},'), status: 400, field: "__proto__" },
  { name: "notes of 2,001 characters", path: "/api/v1/batches", who: "producer", body: harvestWith({ notes: "a".repeat(2001) }), status: 400, field: "notes" },
  { name: "a photo hash that is not 32 bytes", path: "/api/v1/batches", who: "producer", body: harvestWith({ photoHashes: ["0x1234"] }), status: 400, field: "photoHashes[0]" },
  { name: "a harvest of an existing batch", path: "/api/v1/batches", who: "producer", body: payload.harvest("TY-EXISTS"), status: 409, field: "lot" },
  { name: "an Idempotency-Key with a space", path: "/api/v1/batches", who: "producer", body: payload.harvest("TY-M2"), headers: { "Idempotency-Key": "a b" }, status: 400, field: "Idempotency-Key" },
  { name: "a wait other than confirmed", path: "/api/v1/batches?wait=soon", who: "producer", body: payload.harvest("TY-M3"), status: 400, field: "wait" },
  // events on a batch
  { name: "a malformed batch id", path: "/api/v1/batches/0x1234/events", who: "producer", body: shipment, status: 400, field: "batchId" },
  { name: "an unknown batch", path: `/api/v1/batches/${UNKNOWN_BATCH}/events`, who: "producer", body: shipment, status: 404, field: "batchId" },
  { name: "an unknown event type", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, type: "teleport" }, status: 400, field: "type" },
  { name: "no event type", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, type: undefined }, status: 400, field: "type" },
  { name: "a temperature range upside down", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, temperature: { min: 12, max: 8 } }, status: 400, field: "temperature.min" },
  { name: "a shipment without destination", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, to: undefined }, status: 400, field: "to" },
  { name: "a shipment without consignee", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, consignee: undefined }, status: 400, field: "consignee" },
  { name: "a consignee that is no organisation's id", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, consignee: "深圳" }, status: 400, field: "consignee" },
  // A carrier takes a batch over by receiving it: a shipment names no other shipper than its signer.
  { name: "a shipper", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...shipment, shipper: "{retailer}" }, status: 400, field: "shipper" },
  { name: "an unknown sales channel", path: "/api/v1/batches/{batch}/events", who: "retailer", body: { ...payload.sale, channel: "wechat" }, status: 400, field: "channel" },
  { name: "a negative sale amount", path: "/api/v1/batches/{batch}/events", who: "retailer", body: { ...payload.sale, amountCny: -5 }, status: 400, field: "amountCny" },
  { name: "an unknown processing step", path: "/api/v1/batches/{batch}/events", who: "processor", body: { ...payload.packing, step: "magic" }, status: 400, field: "step" },
  { name: "an output with a bad lot", path: "/api/v1/batches/{batch}/events", who: "processor", body: { ...payload.packing, outputs: [{ gtin: payload.TEA_GTIN, lot: "", quantity: { amount: 1, unit: "box" } }] }, status: 400, field: "outputs[0].lot" },
  { name: "a malformed input id", path: "/api/v1/batches/{batch}/events", who: "processor", body: { ...payload.packing, inputs: ["0xnope"] }, status: 400, field: "inputs[0]" },
  { name: "an unknown input batch", path: "/api/v1/batches/{batch}/events", who: "processor", body: { ...payload.packing, inputs: [UNKNOWN_BATCH] }, status: 404, field: "inputs[0]" },
  { name: "an input that is the batch itself", path: "/api/v1/batches/{batch}/events", who: "processor", body: { ...payload.packing, inputs: ["{batch}"] }, status: 400, field: "inputs[0]" },
  { name: "a recall without a reason", path: "/api/v1/batches/{batch}/events", who: "producer", body: { ...payload.recall, reason: undefined }, status: 400, field: "reason" },
  // certifications
  { name: "a scheme other than 圳品", path: "/api/v1/batches/{batch}/certifications", who: "certifier", body: { ...payload.certification("ZP-M1"), scheme: "ISO" }, status: 400, field: "scheme" },
  { name: "validity that ends before it starts", path: "/api/v1/batches/{batch}/certifications", who: "certifier", body: { ...payload.certification("ZP-M2"), validUntil: "2025-01-01T00:00:00Z" }, status: 400, field: "validUntil" },
  { name: "an empty certificate number", path: "/api/v1/batches/{batch}/certifications", who: "certifier", body: payload.certification(""), status: 400, field: "certificateNo" },
  { name: "a certificate number attested already", path: "/api/v1/batches/{batch}/certifications", who: "certifier", body: payload.certification("ZP-EXISTS"), status: 409, field: "certificateNo" },
  { name: "a product line with a bad GTIN", path: "/api/v1/certifications", who: "certifier", body: { ...payload.certification("ZP-M3"), producer: "x", gtin: "123" }, status: 400, field: "gtin" },
  { name: "a product line of an unknown producer", path: "/api/v1/certifications", who: "certifier", body: { ...payload.certification("ZP-M4"), producer: "nobody", gtin: payload.MANGO_GTIN }, status: 404, field: "producer" },
  { name: "a revocation without a reason", path: "/api/v1/certifications/{cert}/revoke", who: "certifier", body: {}, status: 400, field: "reason" },
  { name: "a malformed certification id", path: "/api/v1/certifications/0x12/revoke", who: "certifier", body: { reason: "x" }, status: 400, field: "certificationId" },
  { name: "an unknown certification", path: `/api/v1/certifications/0x${"ab".repeat(32)}/revoke`, who: "certifier", body: { reason: "x" }, status: 404, field: "certificationId" },
  // organisations
  { name: "an unknown role", path: "/api/v1/orgs", who: "admin", body: { name: "x", role: "king" }, status: 400, field: "role" },
  { name: "a malformed address", path: "/api/v1/orgs", who: "admin", body: { name: "x", role: "producer", address: "0x12" }, status: 400, field: "address" },
  { name: "an organisation without a name", path: "/api/v1/orgs", who: "admin", body: { role: "producer" }, status: 400, field: "name" },
  // credentials
  { name: "no API key", path: "/api/v1/batches", who: "none", body: payload.harvest("TY-M5"), status: 401 },
  { name: "an unknown API key", path: "/api/v1/batches", who: "unknown-key", body: payload.harvest("TY-M6"), status: 401 },
  { name: "an API key where the admin token belongs", path: "/api/v1/orgs", who: "producer", body: { name: "x", role: "producer" }, status: 401 },
  // reads
  { name: "a list page size of 1,000", method: "GET", path: "/api/v1/batches?limit=1000", who: "none", status: 400, field: "limit" },
  { name: "a list filter by a malformed county", method: "GET", path: "/api/v1/batches?countyCode=abc", who: "none", status: 400, field: "countyCode" },
];

/** Row counts of every table a write could touch. */
function snapshot(h: Harness): Record<string, number> {
  const tables = ["orgs", "api_keys", "outbox", "certification_outbox", "idempotency", "signing_requests", "chain_txs"];
  return Object.fromEntries(tables.map((t) => [t, (h.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
}

describe("gateway API: malformed and hostile requests", function () {
  let h: Harness;
  const orgs: Partial<Record<Who, Org>> = {};
  let batch: string;
  let cert: string;

  before(async function () {
    h = await startHarness();
    for (const role of ["producer", "processor", "certifier", "carrier", "retailer"] as const) orgs[role] = await h.org(`${role} org`, role);
    batch = (await h.call("POST", "/api/v1/batches", { token: orgs.producer!.apiKey, body: payload.harvest("TY-EXISTS") })).body.batchId;
    cert = (
      await h.call("POST", `/api/v1/batches/${batch}/certifications`, { token: orgs.certifier!.apiKey, body: payload.certification("ZP-EXISTS") })
    ).body.certificationId;
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("holds at least 40 cases", function () {
    expect(CASES.length).to.be.at.least(40);
  });

  for (const c of CASES) {
    it(`answers ${c.status}${c.field ? ` naming ${c.field}` : ""} for ${c.name}, and changes nothing`, async function () {
      const token =
        c.who === "admin" ? TEST_ADMIN_TOKEN : c.who === "none" ? undefined : c.who === "unknown-key" ? "plk_unknown" : orgs[c.who]!.apiKey;
      const fill = (text: string) => text.replaceAll("{batch}", batch).replaceAll("{cert}", cert).replaceAll("{retailer}", orgs.retailer!.id);
      const before = snapshot(h);
      const { status, body } = await h.call(c.method ?? "POST", fill(c.path), {
        token,
        body: c.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(c.body))),
        raw: c.raw,
        headers: c.headers,
      });
      expect(status, JSON.stringify(body)).to.equal(c.status);
      expect(body.error, "an error body").to.be.an("object");
      if (c.field) expect(body.error.fields.map((f: { field: string }) => f.field)).to.include(c.field);
      expect(JSON.stringify(body)).not.to.match(/at .+\.ts:\d+/); // no stack trace
      expect(snapshot(h)).to.deep.equal(before);
    });
  }

  it("answers unknown and revoked API keys with the identical body", async function () {
    const extra = await h.org("to be revoked", "carrier");
    h.db.prepare(`UPDATE api_keys SET revoked_at = ? WHERE org_id = ?`).run(new Date().toISOString(), extra.id);
    const revoked = await h.call("POST", `/api/v1/batches/${batch}/events`, { token: extra.apiKey, body: payload.shipment(orgs.retailer!.id) });
    const unknown = await h.call("POST", `/api/v1/batches/${batch}/events`, { token: "plk_nobody", body: payload.shipment(orgs.retailer!.id) });
    expect(revoked.status).to.equal(401);
    expect(revoked.body).to.deep.equal(unknown.body);
  });
});
