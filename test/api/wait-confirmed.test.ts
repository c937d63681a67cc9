/**
 * `?wait=confirmed` on every route that writes to the chain: the answer says confirmed, and a
 * read right after it (the API's batch, the shopper's page) shows the step. The gateway's
 * indexer here ticks far more slowly than its relayer, as an index behind the chain does: an
 * answer given at confirmation alone would come before the reads have the step.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { LEDGER_NAMESPACE } from "../../server/domain/epcis/vocabulary";
import { goodHarvestCsv } from "../csv/import-fixtures";

type Org = { id: string; address: string; apiKey: string };

/** The indexer's tick; the relayer's is 20 ms. */
const SLOW_INDEXER_MS = 1_500;

describe("?wait=confirmed on every write route", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org, carrier: Org, certifier: Org;

  const outboxCount = () => (h.db.prepare(`SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM certification_outbox) AS n`).get() as { n: number }).n;
  const batch = async (batchId: string) => {
    const { status, body } = await h.call("GET", `/api/v1/batches/${batchId}`);
    expect(status, JSON.stringify(body)).to.equal(200);
    return body;
  };
  const types = (body: { events: Array<{ type: string }> }) => body.events.map((e) => e.type);
  /** The shopper's page of the batch: the kinds of the steps it lists. */
  const pageKinds = async (batchId: string) => {
    const response = await fetch(`${h.base}/p/${batchId}`);
    expect(response.status).to.equal(200);
    return [...(await response.text()).matchAll(/data-kind="([a-z]+)"/g)].map((m) => m[1]);
  };
  const expectConfirmed = (status: number, body: any) => {
    expect(status, JSON.stringify(body)).to.equal(202);
    expect(body.status, JSON.stringify(body)).to.equal("confirmed");
    expect(body.events.map((e: { status: string }) => e.status)).to.satisfy((all: string[]) => all.length > 0 && all.every((s) => s === "confirmed"));
    for (const event of body.events) expect(event.blockNumber).to.be.a("number");
  };

  before(async function () {
    h = await startHarness({ loops: true, indexerIntervalMs: SLOW_INDEXER_MS });
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("鹏城冷链", "carrier");
    certifier = await h.org("深圳市圳品评价认证中心", "certifier");
  });

  after(async function () {
    await h?.stop();
  });

  it("a harvest, an event and an admin's correction: confirmed, and the next read shows each", async function () {
    const harvested = await h.call("POST", "/api/v1/batches?wait=confirmed", { token: producer.apiKey, body: payload.harvest("WAIT-1") });
    expectConfirmed(harvested.status, harvested.body);
    const batchId = payload.harvestedBatchId("WAIT-1");
    expect(types(await batch(batchId))).to.deep.equal(["harvest"]);
    expect(await pageKinds(batchId)).to.include("harvest");

    const shipped = await h.call("POST", `/api/v1/batches/${batchId}/events?wait=confirmed`, { token: producer.apiKey, body: payload.shipment(carrier.id) });
    expectConfirmed(shipped.status, shipped.body);
    const afterShipment = await batch(batchId);
    expect(types(afterShipment)).to.deep.equal(["harvest", "shipment"]);
    expect(afterShipment.unconfirmedEvents).to.deep.equal([]);
    expect(await pageKinds(batchId)).to.include("shipment");

    const corrected = await h.call("POST", `/api/v1/batches/${batchId}/corrections?wait=confirmed`, {
      token: TEST_ADMIN_TOKEN,
      body: { type: "correction", corrects: shipped.body.eventId, declaration: "void", reason: "录入错误：未发货" },
    });
    expectConfirmed(corrected.status, corrected.body);
    expect(types(await batch(batchId))).to.deep.equal(["harvest", "shipment", "correction"]);
  });

  it("certifications: an attestation of a batch, of a product line, and a revocation, each confirmed and shown", async function () {
    await h.call("POST", "/api/v1/batches?wait=confirmed", { token: producer.apiKey, body: payload.harvest("WAIT-2") });
    const batchId = payload.harvestedBatchId("WAIT-2");

    const attested = await h.call("POST", `/api/v1/batches/${batchId}/certifications?wait=confirmed`, { token: certifier.apiKey, body: payload.certification("SZZP-WAIT-2") });
    expectConfirmed(attested.status, attested.body);
    expect(attested.body.certificationId).to.match(/^0x[0-9a-f]{64}$/);
    expect(attested.body.events[0]).to.include({ eventId: attested.body.eventId, type: "certification" });
    const certified = await batch(batchId);
    expect(certified.certifications.map((c: { certificationId: string }) => c.certificationId)).to.include(attested.body.certificationId);
    expect(certified.certification).to.include({ status: "valid" });
    expect(await pageKinds(batchId)).to.include("certification");

    const line = await h.call("POST", "/api/v1/certifications?wait=confirmed", {
      token: certifier.apiKey,
      body: { ...payload.certification("SZZP-WAIT-LINE"), producer: producer.id, gtin: payload.MANGO_GTIN },
    });
    expectConfirmed(line.status, line.body);
    expect((await batch(batchId)).certifications.map((c: { certificationId: string }) => c.certificationId)).to.include(line.body.certificationId);

    const revoked = await h.call("POST", `/api/v1/certifications/${attested.body.certificationId}/revoke?wait=confirmed`, { token: certifier.apiKey, body: { reason: "复检不合格" } });
    expectConfirmed(revoked.status, revoked.body);
    expect(revoked.body.events[0].type).to.equal("revocation");
    const after = (await batch(batchId)).certifications.find((c: { certificationId: string }) => c.certificationId === attested.body.certificationId);
    expect(after.revoked).to.equal(true);
  });

  it("an organisation's own signatures, relayed: confirmed and shown", async function () {
    const wallet = Wallet.createRandom();
    const own = await h.org("紫金县茶叶合作社", "producer", wallet.address);
    const prepared = await h.call("POST", "/api/v1/signing-requests/batches", {
      token: own.apiKey,
      body: payload.harvest("WAIT-3", { product: { name: "紫金绿茶", gtin: payload.TEA_GTIN } }),
    });
    expect(prepared.status, JSON.stringify(prepared.body)).to.equal(201);
    const { domain, types: typed, events, requestId } = prepared.body;
    const signature = await wallet.signTypedData(domain, typed, events[0].message);
    const submitted = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures?wait=confirmed`, { token: own.apiKey, body: { signatures: [signature] } });
    expectConfirmed(submitted.status, submitted.body);
    expect(types(await batch(payload.harvestedBatchId("WAIT-3", payload.TEA_GTIN)))).to.deep.equal(["harvest"]);
  });

  it("an EPCIS capture: the job, its events confirmed, and the batch shows them", async function () {
    const lotClass = `https://id.gs1.org/01/${payload.MANGO_GTIN}/10/WAIT-4`;
    const document = {
      "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", { ledger: LEDGER_NAMESPACE }],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2026-07-01T10:00:00.000+08:00",
      epcisBody: {
        eventList: [
          {
            type: "ObjectEvent",
            eventTime: "2026-07-01T08:00:00.000+08:00",
            eventTimeZoneOffset: "+08:00",
            action: "ADD",
            bizStep: "commissioning",
            disposition: "active",
            quantityList: [{ epcClass: lotClass, quantity: 800, uom: "KGM" }],
            readPoint: { id: "urn:epc:id:sgln:0614141.00777.0" },
            ilmd: { "ledger:productName": "田阳香芒", "ledger:originCountyCode": "451003", "ledger:base": "那坡镇芒果基地" },
          },
        ],
      },
    };
    const { status, body, headers } = await h.call("POST", "/epcis/capture?wait=confirmed", { token: producer.apiKey, body: document });
    expect(status, JSON.stringify(body)).to.equal(202);
    expect(headers.get("location")).to.equal(`/epcis/capture/${body.captureID}`);
    expect(body).to.include({ running: false, success: true });
    expect(body["ledger:events"].map((e: { status: string }) => e.status)).to.deep.equal(["confirmed"]);
    expect(types(await batch(payload.harvestedBatchId("WAIT-4")))).to.deep.equal(["harvest"]);
  });

  it("a CSV import's run: every row recorded, each event confirmed, and each batch shows its harvest", async function () {
    const uploaded = await fetch(`${h.base}/api/v1/imports?kind=harvest`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${producer.apiKey}` },
      body: goodHarvestCsv("WAIT-CSV-", 3),
    });
    const { importId } = (await uploaded.json()) as { importId: string };
    expect(uploaded.status).to.equal(201);
    const run = await h.call("POST", `/api/v1/imports/${importId}/run?wait=confirmed`, { token: producer.apiKey, body: {} });
    expect(run.status, JSON.stringify(run.body)).to.equal(202);
    expect(run.body).to.include({ importId, status: "done", recorded: 3, total: 3 });
    expect(run.body.events.map((e: { status: string }) => e.status)).to.deep.equal(["confirmed", "confirmed", "confirmed"]);
    for (const n of [1, 2, 3]) expect(types(await batch(payload.harvestedBatchId(`WAIT-CSV-${n}`)))).to.deep.equal(["harvest"]);
  });

  it("refuses any other value of wait with a 400 naming it, and writes nothing", async function () {
    const before = outboxCount();
    const batchId = payload.harvestedBatchId("WAIT-1");
    const refusals = [
      await h.call("POST", "/api/v1/batches?wait=yes", { token: producer.apiKey, body: payload.harvest("WAIT-BAD") }),
      await h.call("POST", `/api/v1/batches/${batchId}/events?wait=submitted`, { token: producer.apiKey, body: payload.shipment(carrier.id) }),
      await h.call("POST", `/api/v1/batches/${batchId}/corrections?wait=1`, {
        token: TEST_ADMIN_TOKEN,
        body: { type: "correction", corrects: `0x${"ab".repeat(32)}`, declaration: "void", reason: "x" },
      }),
      await h.call("POST", `/api/v1/batches/${batchId}/certifications?wait=true`, { token: certifier.apiKey, body: payload.certification("SZZP-WAIT-BAD") }),
      await h.call("POST", "/api/v1/certifications?wait=", { token: certifier.apiKey, body: { ...payload.certification("SZZP-WAIT-BAD2"), producer: producer.id, gtin: payload.MANGO_GTIN } }),
      await h.call("POST", `/api/v1/certifications/0x${"cd".repeat(32)}/revoke?wait=now`, { token: certifier.apiKey, body: { reason: "x" } }),
    ];
    for (const { status, body } of refusals) {
      expect(status, JSON.stringify(body)).to.equal(400);
      expect(body.error.fields.map((f: { field: string }) => f.field)).to.deep.equal(["wait"]);
    }
    const csv = await fetch(`${h.base}/api/v1/imports?kind=harvest`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${producer.apiKey}` },
      body: goodHarvestCsv("WAIT-CSV-BAD-", 1),
    });
    const { importId } = (await csv.json()) as { importId: string };
    const run = await h.call("POST", `/api/v1/imports/${importId}/run?wait=soon`, { token: producer.apiKey, body: {} });
    expect(run.status).to.equal(400);
    expect(run.body.error.fields.map((f: { field: string }) => f.field)).to.deep.equal(["wait"]);
    expect((await h.call("GET", `/api/v1/imports/${importId}`, { token: producer.apiKey })).body.status).to.equal("validated");
    const epcis = await h.call("POST", "/epcis/capture?wait=later", { token: producer.apiKey, body: { type: "EPCISDocument" } });
    expect(epcis.status).to.equal(400);
    expect(epcis.body.type).to.equal("epcisException:ValidationException");
    expect(epcis.body.instance).to.equal("wait");
    expect(outboxCount()).to.equal(before);
  });
});
