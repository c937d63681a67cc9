/** CSV imports through the API: upload and check, start, progress, each row recorded once, refusals. */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, recall } from "../../scripts/lib/payloads";
import { goodHarvestCsv, mixedHarvestCsv, mixedHarvestProblems } from "./import-fixtures";

describe("CSV imports over the API", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; apiKey: string };
  let otherProducer: { id: string; apiKey: string };
  let carrier: { id: string; address: string; apiKey: string };
  let counter: { id: string; address: string; apiKey: string };

  const upload = async (apiKey: string | undefined, kind: string, bytes: Buffer, headers: Record<string, string> = {}) => {
    const response = await fetch(`${h.base}/api/v1/imports?kind=${kind}`, {
      method: "POST",
      headers: { "content-type": "text/csv", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** Runs the import runner until it has nothing left to do (the harness runs no background loops). */
  const runImports = async () => {
    while (await h.gateway.importRunner.tick());
  };
  const outboxOf = (orgId: string) =>
    h.db.prepare(`SELECT batch_id, kind, status FROM outbox WHERE org_id = ? ORDER BY seq`).all(orgId) as Array<{ batch_id: string; kind: number; status: string }>;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    otherProducer = await h.org("乐业猕猴桃合作社", "producer");
    carrier = await h.org("深圳冷链物流", "carrier");
    counter = await h.org("福田区消费扶贫专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  it("checks every row, records nothing, and answers the same import for the same file", async function () {
    const file = mixedHarvestCsv("API");
    const first = await upload(producer.apiKey, "harvest", file.bytes, { "X-File-Name": encodeURIComponent("田阳 2026.csv") });
    expect(first.status).to.equal(201);
    expect(first.body).to.deep.include({ kind: "harvest", fileName: "田阳 2026.csv", totalRows: 8, badRows: 5, status: "validated" });
    expect(first.body.problems).to.deep.equal(mixedHarvestProblems("API"));
    expect(outboxOf(producer.id)).to.deep.equal([]);

    const again = await upload(producer.apiKey, "harvest", file.bytes);
    expect(again.status).to.equal(200);
    expect(again.body.importId).to.equal(first.body.importId);
    const imports = h.db.prepare(`SELECT count(*) AS n FROM csv_imports WHERE org_id = ?`).get(producer.id) as { n: number };
    expect(imports.n).to.equal(1);
  });

  it("refuses to record an import with bad rows unless told to record only the good ones, then records each once", async function () {
    const file = mixedHarvestCsv("RUN");
    const { body: uploaded } = await upload(producer.apiKey, "harvest", file.bytes);
    const runUrl = `/api/v1/imports/${uploaded.importId}/run`;

    const refused = await h.call("POST", runUrl, { token: producer.apiKey, body: {} });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.fields).to.deep.equal([{ field: "goodOnly", message: refused.body.error.message }]);
    expect((await h.call("POST", runUrl, { token: producer.apiKey, body: { goodOnly: "yes" } })).status).to.equal(400);
    expect((await h.call("GET", `/api/v1/imports/${uploaded.importId}`, { token: producer.apiKey })).body.status).to.equal("validated");
    expect(outboxOf(producer.id)).to.deep.equal([]);

    const started = await h.call("POST", runUrl, { token: producer.apiKey, body: { goodOnly: true } });
    expect(started.status).to.equal(202);
    expect(started.body).to.deep.equal({ importId: uploaded.importId, status: "importing", recorded: 0, total: 3 });
    await runImports();
    const resumed = await h.call("POST", runUrl, { token: producer.apiKey, body: { goodOnly: true } }); // a client starting over
    expect(resumed.body).to.deep.equal({ importId: uploaded.importId, status: "done", recorded: 3, total: 3 });
    await runImports();

    const status = await h.call("GET", `/api/v1/imports/${uploaded.importId}`, { token: producer.apiKey });
    expect(status.status).to.equal(200);
    expect(status.body).to.deep.include({ status: "done", totalRows: 8, badRows: 5, recorded: 3, failed: 0, goodOnly: true });
    expect(status.body.problems).to.deep.equal(mixedHarvestProblems("RUN"));
    const events = outboxOf(producer.id).filter((e) => file.goodLots.map((lot) => harvestedBatchId(lot)).includes(e.batch_id));
    expect(events.map((e) => e.batch_id)).to.deep.equal(file.goodLots.map((lot) => harvestedBatchId(lot)));
    const rows = h.db.prepare(`SELECT line, event_id FROM csv_import_rows WHERE import_id = ? AND event_id IS NOT NULL ORDER BY line`).all(uploaded.importId);
    expect(rows.map((r: any) => r.line)).to.deep.equal([2, 6, 11]);

    await h.settle();
    expect(outboxOf(producer.id).filter((e) => events.some((r) => r.batch_id === e.batch_id)).map((e) => e.status)).to.deep.equal(["confirmed", "confirmed", "confirmed"]);
    for (const lot of file.goodLots) {
      expect((await h.call("GET", `/api/v1/batches/${harvestedBatchId(lot)}`)).status, `${lot} is on chain`).to.equal(200);
    }
  });

  it("records a file without bad rows when asked plainly, in line order", async function () {
    const { status, body } = await upload(producer.apiKey, "harvest", goodHarvestCsv("ORD", 450));
    expect(status).to.equal(201);
    expect(body.badRows).to.equal(0);
    expect((await h.call("POST", `/api/v1/imports/${body.importId}/run`, { token: producer.apiKey, body: {} })).status).to.equal(202);
    await runImports();
    const expected = Array.from({ length: 450 }, (_, i) => harvestedBatchId(`ORD${i + 1}`));
    const recorded = outboxOf(producer.id).filter((e) => expected.includes(e.batch_id));
    expect(recorded.map((e) => e.batch_id)).to.deep.equal(expected);
    const report = await h.call("GET", `/api/v1/imports/${body.importId}`, { token: producer.apiKey });
    expect(report.body).to.deep.include({ status: "done", recorded: 450, badRows: 0, goodOnly: false });
  });

  it("records each row once when the bookkeeping after its write fails (as in a crash between the two)", async function () {
    const { body } = await upload(producer.apiKey, "harvest", goodHarvestCsv("CRASH", 5));
    await h.call("POST", `/api/v1/imports/${body.importId}/run`, { token: producer.apiKey, body: {} });
    // The rows' writes commit; marking the rows recorded then fails.
    h.db.exec(`CREATE TEMP TRIGGER crash_before_marking BEFORE UPDATE OF event_id ON csv_import_rows BEGIN SELECT RAISE(ABORT, 'crash'); END`);
    let crashed: unknown;
    try {
      await h.gateway.importRunner.tick();
    } catch (error) {
      crashed = error;
    } finally {
      h.db.exec(`DROP TRIGGER temp.crash_before_marking`);
    }
    expect(String(crashed)).to.contain("crash");
    const lots = Array.from({ length: 5 }, (_, i) => harvestedBatchId(`CRASH${i + 1}`));
    const written = () => outboxOf(producer.id).filter((e) => lots.includes(e.batch_id));
    expect(written()).to.have.length(5);
    const unmarked = h.db.prepare(`SELECT count(*) AS n FROM csv_import_rows WHERE import_id = ? AND event_id IS NULL`).get(body.importId) as { n: number };
    expect(unmarked.n).to.equal(5);

    await runImports();
    expect(written()).to.have.length(5);
    const report = await h.call("GET", `/api/v1/imports/${body.importId}`, { token: producer.apiKey });
    expect(report.body).to.deep.include({ status: "done", recorded: 5, failed: 0 });
    const marked = h.db.prepare(`SELECT event_id FROM csv_import_rows WHERE import_id = ? ORDER BY line`).all(body.importId) as { event_id: string }[];
    const ids = h.db.prepare(`SELECT id FROM outbox WHERE batch_id IN (${lots.map(() => "?").join(",")}) ORDER BY seq`).all(...lots) as { id: string }[];
    expect(marked.map((r) => r.event_id)).to.deep.equal(ids.map((r) => r.id));
  });

  it("finds lots recorded already, and shipments of batches that are unknown or recalled, in the rules' words", async function () {
    await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("SH-1") });
    await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("SH-2") });
    await h.call("POST", `/api/v1/batches/${harvestedBatchId("SH-2")}/events`, { token: producer.apiKey, body: recall });
    const harvests = `产品名称,商品条码,批次号,县区代码,数量,单位,采收时间\n田阳香芒,${MANGO_GTIN},SH-1,451003,1,kg,2026-06-01 08:00\n`;
    const taken = await upload(producer.apiKey, "harvest", Buffer.from(harvests));
    expect(taken.body.problems).to.deep.equal([
      { line: 2, field: "批次号", code: "refused", message: `batch ${MANGO_GTIN}/SH-1 exists already`, zh: `批次 ${MANGO_GTIN}/SH-1 已经存在` },
    ]);

    // The cooperative ships SH-1 to the carrier, which receives it; the carrier's file ships it on to the counter.
    for (const [org, body] of [
      [producer, { type: "shipment", consignee: carrier.id, from: "百色", to: "百色冷链中转仓", shippedAt: "2026-06-01T12:00:00+08:00" }],
      [carrier, { type: "receipt", location: "百色冷链中转仓", receivedAt: "2026-06-01T13:00:00+08:00" }],
    ] as const) {
      const answer = await h.call("POST", `/api/v1/batches/${harvestedBatchId("SH-1")}/events`, { token: org.apiKey, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    }
    const shipments = [
      "gtin,lot,consignee,from,to,shippedAt",
      `${MANGO_GTIN},SH-1,福田区消费扶贫专柜,百色,深圳,2026-06-02 06:00`,
      `${MANGO_GTIN},SH-2,福田区消费扶贫专柜,百色,深圳,2026-06-02 06:00`,
      `${MANGO_GTIN},NOPE,福田区消费扶贫专柜,百色,深圳,2026-06-02 06:00`,
      `${MANGO_GTIN},SH-1,福田区消费扶贫专柜,百色,广州,2026-06-03 06:00`,
    ].join("\n");
    const shipped = await upload(carrier.apiKey, "shipment", Buffer.from(shipments));
    expect(shipped.status).to.equal(201);
    const recalledRefusal = await h.call("POST", `/api/v1/batches/${harvestedBatchId("SH-2")}/events`, {
      token: carrier.apiKey,
      body: { type: "shipment", consignee: counter.id, from: "百色", to: "深圳", shippedAt: "2026-06-02T06:00:00+08:00" },
    });
    expect(recalledRefusal.status).to.equal(409);
    expect(shipped.body.problems).to.deep.equal([
      { line: 3, field: "lot", code: "refused", message: recalledRefusal.body.error.fields[0].message, zh: recalledRefusal.body.error.fields[0].zh },
      { line: 4, field: "lot", code: "unknown_batch", message: "no batch with this GTIN and lot is recorded", zh: "还没有这个批次（商品条码 + 批次号）的记录" },
      { line: 5, field: "lot", code: "duplicate", message: "names the same batch as line 2", zh: "与第 2 行是同一批次" },
    ]);
    expect(recalledRefusal.body.error.fields[0].message).to.match(/recalled/);
    await h.call("POST", `/api/v1/imports/${shipped.body.importId}/run`, { token: carrier.apiKey, body: { goodOnly: true } });
    await runImports();
    const events = outboxOf(carrier.id);
    // The carrier's receipt, then the shipment its file recorded.
    expect(events.map((e) => [e.batch_id, e.kind])).to.deep.equal([
      [harvestedBatchId("SH-1"), 3],
      [harvestedBatchId("SH-1"), 2],
    ]);
    const shipment = h.db.prepare(`SELECT detail, counterparty FROM outbox WHERE org_id = ? AND kind = 2`).get(carrier.id) as { detail: string; counterparty: string };
    expect(JSON.parse(shipment.detail).consignee).to.deep.include({ id: counter.id, name: "福田区消费扶贫专柜" });
    expect(shipment.counterparty.toLowerCase()).to.equal(counter.address.toLowerCase());
  });

  it("keeps an import to its organisation", async function () {
    const { body } = await upload(producer.apiKey, "harvest", goodHarvestCsv("OWN", 2));
    expect((await h.call("GET", `/api/v1/imports/${body.importId}`, { token: otherProducer.apiKey })).status).to.equal(404);
    expect((await h.call("POST", `/api/v1/imports/${body.importId}/run`, { token: otherProducer.apiKey, body: {} })).status).to.equal(404);
    expect((await h.call("GET", `/api/v1/imports/${body.importId}`)).status).to.equal(401);
    expect((await h.call("GET", `/api/v1/imports/not-an-id`, { token: producer.apiKey })).status).to.equal(400);
    expect((await h.call("GET", `/api/v1/imports/${body.importId}`, { token: producer.apiKey })).body.status).to.equal("validated");
  });

  it("refuses bad uploads, naming the field, and stores nothing", async function () {
    const before = (h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get() as { n: number }).n;
    const good = goodHarvestCsv("REF", 1);
    const cases: Array<[string | undefined, string, Buffer, Record<string, string>, number, string | undefined]> = [
      [undefined, "harvest", good, {}, 401, undefined],
      ["not-a-key", "harvest", good, {}, 401, undefined],
      [producer.apiKey, "sale", good, {}, 400, "kind"],
      [producer.apiKey, "", good, {}, 400, "kind"],
      [producer.apiKey, "harvest", Buffer.alloc(0), {}, 400, "file"],
      [producer.apiKey, "harvest", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d]), {}, 400, "file"],
      [producer.apiKey, "harvest", Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt\n"), {}, 400, "file"],
      [producer.apiKey, "harvest", Buffer.from("product,gtin,lot\nx,y,z\n"), {}, 400, "县区代码"],
      [producer.apiKey, "harvest", good, { "content-type": "text/plain" }, 400, "Content-Type"],
      [producer.apiKey, "harvest", Buffer.from("{}"), { "content-type": "application/json" }, 400, "Content-Type"],
      [carrier.apiKey, "harvest", good, {}, 403, undefined],
      [counter.apiKey, "harvest", good, {}, 403, undefined],
    ];
    for (const [apiKey, kind, bytes, headers, status, field] of cases) {
      const answer = await upload(apiKey, kind, bytes, headers);
      expect(answer.status, `${kind} ${bytes.length} ${JSON.stringify(headers)}`).to.equal(status);
      if (field) expect(answer.body.error.fields.map((f: { field: string }) => f.field)).to.deep.equal([field]);
    }
    const big = await upload(producer.apiKey, "harvest", Buffer.alloc(10 * 1024 * 1024 + 1, 0x41));
    expect(big.status).to.equal(413);
    expect(big.body.error.fields).to.deep.equal([{ field: "file", message: "is larger than 10 MB" }]);
    expect((h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get() as { n: number }).n).to.equal(before);
  });

  it("refuses an organisation that signs its own events", async function () {
    const ownKey = await h.org("自签合作社", "producer", "0x1111111111111111111111111111111111111111");
    const answer = await upload(ownKey.apiKey, "harvest", goodHarvestCsv("OWNKEY", 1));
    expect(answer.status).to.equal(403);
  });
});
