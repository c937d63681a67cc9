/** CSV import in the console over HTTP, as a browser without script uses it. */
import { expect } from "chai";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, receipt, shipment } from "../../scripts/lib/payloads";
import { csvBytes, goodHarvestCsv, mixedHarvestCsv, mixedHarvestProblems, SHIPMENT_HEADER, shipmentRow } from "../csv/import-fixtures";

const PASSWORD = "correct horse battery";

/** The bad rows a report page lists: [line, column, problem]. */
function listedProblems(page: string): Array<[number, string, string]> {
  return [...page.matchAll(/<tr data-line="(\d+)" data-field="([^"]*)"><td>\d+<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => [
    Number(m[1]),
    m[2],
    m[3].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&"),
  ]);
}

describe("console CSV import", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; apiKey: string };
  let carrierOrg: { id: string; apiKey: string };
  let counter: { id: string; apiKey: string };

  const csvFile = (bytes: Buffer, name = "采收.csv") => ({ files: { file: { name, type: "text/csv", data: bytes } } });
  const loggedIn = async (username: string) => {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  };
  const runImports = async () => {
    while (await h.gateway.importRunner.tick());
  };
  const outboxCount = (orgId: string) => (h.db.prepare(`SELECT count(*) AS n FROM outbox WHERE org_id = ?`).get(orgId) as { n: number }).n;
  const importCount = () => (h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get() as { n: number }).n;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    const other = await h.org("乐业猕猴桃合作社", "producer");
    const carrier = (carrierOrg = await h.org("深圳冷链物流", "carrier"));
    counter = await h.org("福田区消费扶贫专柜", "retailer");
    const certifier = await h.org("深圳标准认证", "certifier");
    const ownKey = await h.org("自签合作社", "producer", "0x2222222222222222222222222222222222222222");
    await h.member(producer.id, "tianyang", PASSWORD);
    await h.member(other.id, "leye", PASSWORD);
    await h.member(carrier.id, "lengllian", PASSWORD);
    await h.member(certifier.id, "certifier", PASSWORD);
    await h.member(ownKey.id, "ownkey", PASSWORD);
  });

  after(async function () {
    await h?.stop();
  });

  it("hands out templates that start with the UTF-8 byte order mark", async function () {
    const client = await loggedIn("tianyang");
    for (const kind of ["harvest", "shipment"]) {
      const response = await fetch(`${h.base}/console/templates/${kind}.csv`, { headers: { cookie: `plc_session=${client.cookie("plc_session")}` } });
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.match(/^text\/csv/);
      expect(response.headers.get("content-disposition")).to.equal(`attachment; filename="${kind}.csv"`);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      expect(bytes.subarray(3).toString("utf8")).to.match(kind === "harvest" ? /^产品名称,品种,商品条码,批次号/ : /^商品条码,批次号,收货方,数量,单位,发出地/);
    }
    expect((await client.get("/console/templates/sale.csv")).status).to.equal(404);
  });

  it("reports exactly the bad rows, refuses to record them all, and records only the good rows once accepted", async function () {
    const client = await loggedIn("tianyang");
    const page = await client.get("/console/imports");
    expect(page.status).to.equal(200);
    // A cooperative imports its harvests, and the shipments of what it holds.
    expect(page.text).to.contain('enctype="multipart/form-data"').and.to.contain('<option value="harvest"').and.to.contain('<option value="shipment"');
    expect(page.text).to.contain("“收货方”填收货机构在本系统中的完整名称");

    const file = mixedHarvestCsv("CON");
    const uploaded = await client.post("/console/imports", { kind: "harvest" }, csvFile(file.bytes, "田阳采收 6月.csv"));
    expect(uploaded.status).to.equal(303);
    expect(uploaded.location).to.match(/^\/console\/imports\/[0-9a-f-]{36}$/);
    const reportUrl = uploaded.location!;

    const report = await client.get(reportUrl);
    expect(report.status).to.equal(200);
    expect(report.text).to.contain("导入：田阳采收 6月.csv").and.to.contain("共 8 行，5 行有问题。");
    const expected = mixedHarvestProblems("CON");
    expect(listedProblems(report.text).map(([line, column]) => [line, column])).to.deep.equal(expected.map((p) => [p.line, p.field]));
    expect(listedProblems(report.text).map(([line, field, message]) => ({ line, field, message }))).to.deep.equal(
      expected.map(({ line, field, zh }) => ({ line, field, message: zh })),
    );
    // The ledger's rules refuse line 4 in their own words, as the API and the harvest form do.
    expect(listedProblems(report.text).find(([line]) => line === 4)![2]).to.equal("999999 不是县级行政区划代码");
    expect(report.text).not.to.contain('id="record-all"');
    expect(report.text).to.contain('id="record-good"').and.to.contain("我同意只记录没有问题的 3 行");
    const english = await client.get(`${reportUrl}?lang=en`);
    expect(listedProblems(english.text).map(([line, field, message]) => ({ line, field, message }))).to.deep.equal(
      expected.map(({ line, field, message }) => ({ line, field, message })),
    );
    await client.get(`${reportUrl}?lang=zh`);

    const refused = await client.post(`${reportUrl}/run`, {});
    expect(refused.status).to.equal(409);
    expect(refused.text).to.match(/<div class="form-row has-error" data-field="goodOnly">/);
    expect(outboxCount(producer.id)).to.equal(0);

    const started = await client.post(`${reportUrl}/run`, { goodOnly: "1" });
    expect(started.status).to.equal(303);
    expect(started.location).to.equal(reportUrl);
    const progress = await client.get(reportUrl);
    expect(progress.text).to.contain('<meta http-equiv="refresh" content="2">');
    expect(progress.text).to.match(/<progress value="0" max="3"/);
    expect(progress.text).to.contain("已记录 0 行，共 3 行");

    await runImports();
    const done = await client.get(reportUrl);
    expect(done.text).not.to.contain('http-equiv="refresh"');
    expect(done.text).to.contain('data-recorded="3" data-total="3"').and.to.contain('data-status="done"');
    const recorded = h.db.prepare(`SELECT batch_id FROM outbox WHERE org_id = ? ORDER BY seq`).all(producer.id) as { batch_id: string }[];
    expect(recorded.map((r) => r.batch_id)).to.deep.equal(file.goodLots.map((lot) => harvestedBatchId(lot)));

    await h.settle();
    const statuses = h.db.prepare(`SELECT status FROM outbox WHERE org_id = ?`).all(producer.id) as { status: string }[];
    expect(statuses.map((s) => s.status)).to.deep.equal(["confirmed", "confirmed", "confirmed"]);
    const onChain = h.db.prepare(`SELECT count(*) AS n FROM idx_batches WHERE batch_id IN (?, ?, ?)`).get(...file.goodLots.map((lot) => harvestedBatchId(lot))) as { n: number };
    expect(onChain.n).to.equal(3);

    const list = await client.get("/console/imports");
    expect(list.text).to.contain("田阳采收 6月.csv").and.to.contain(`href="${reportUrl}"`);
  });

  it("offers to record all rows of a file without problems, and says when a file was uploaded before", async function () {
    const client = await loggedIn("tianyang");
    await client.get("/console/imports");
    const bytes = goodHarvestCsv("ALL", 5);
    const uploaded = await client.post("/console/imports", { kind: "harvest" }, csvFile(bytes));
    const report = await client.get(uploaded.location!);
    expect(report.text).to.contain('id="record-all"').and.to.contain("记录全部 5 行").and.not.to.contain('id="record-good"');
    const again = await client.post("/console/imports", { kind: "harvest" }, csvFile(bytes));
    expect(again.location).to.equal(`${uploaded.location}?again=1`);
    expect((await client.get(again.location!)).text).to.contain("这个文件之前上传过");
    const before = outboxCount(producer.id);
    expect((await client.post(`${uploaded.location}/run`, {})).status).to.equal(303);
    await runImports();
    expect(outboxCount(producer.id)).to.equal(before + 5);
  });

  it("puts each upload problem beside its field, and stores nothing", async function () {
    const client = await loggedIn("tianyang");
    await client.get("/console/imports");
    const before = importCount();
    const cases: Array<[Record<string, string>, ReturnType<typeof csvFile> | undefined, number, string, RegExp]> = [
      [{ kind: "harvest" }, undefined, 400, "file", /请选择要上传的 CSV 文件/],
      [{}, csvFile(goodHarvestCsv("F", 1)), 400, "kind", /请选择导入类型/],
      [{ kind: "shipment" }, csvFile(goodHarvestCsv("F", 1)), 400, "file", /product：不是这类导入的列名/],
      [{ kind: "harvest" }, csvFile(Buffer.from("product,gtin,lot\nx,y,z\n")), 400, "file", /县区代码：第一行缺少这一列/],
      [{ kind: "harvest" }, csvFile(Buffer.alloc(0)), 400, "file", /文件是空的/],
      [{ kind: "harvest" }, csvFile(Buffer.from([0x00, 0x01, 0x02])), 400, "file", /不是 CSV 文本文件/],
      [{ kind: "harvest" }, csvFile(Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt\n")), 400, "file", /列名行下面没有数据/],
    ];
    for (const [fields, files, status, name, message] of cases) {
      const answer = await client.post("/console/imports", fields, files ?? {});
      expect(answer.status, JSON.stringify(fields)).to.equal(status);
      const row = new RegExp(`<div class="form-row has-error" data-field="${name}">[\\s\\S]*?<p class="field-error"[^>]*>([^<]*)</p>`).exec(answer.text);
      expect(row?.[1], `${name} ${JSON.stringify(fields)}`).to.match(message);
    }
    expect(importCount()).to.equal(before);
  });

  it("keeps another organisation's import out of reach", async function () {
    const owner = await loggedIn("tianyang");
    await owner.get("/console/imports");
    const uploaded = await owner.post("/console/imports", { kind: "harvest" }, csvFile(goodHarvestCsv("PRIV", 2)));
    const stranger = await loggedIn("leye");
    expect((await stranger.get(uploaded.location!)).status).to.equal(404);
    await stranger.get("/console/imports");
    expect((await stranger.post(`${uploaded.location}/run`, {})).status).to.equal(404);
    expect((await stranger.get("/console/imports")).text).not.to.contain(uploaded.location!);
    expect((await stranger.get("/console/imports/not-an-id")).status).to.equal(404);
    expect((await owner.get(uploaded.location!)).text).to.contain('data-status="validated"');
  });

  it("lets a carrier import shipments only, and no other role import at all", async function () {
    const carrier = await loggedIn("lengllian");
    const page = await carrier.get("/console/imports");
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('<option value="shipment"').and.not.to.contain('<option value="harvest"');
    const before = importCount();
    const harvest = await carrier.post("/console/imports", { kind: "harvest" }, csvFile(goodHarvestCsv("F", 1)));
    expect(harvest.status).to.equal(403);
    expect(harvest.text).to.match(/data-field="kind">[\s\S]*?你的机构不能导入这一类记录/);
    expect(importCount()).to.equal(before);
    const certifier = await loggedIn("certifier");
    expect((await certifier.get("/console/imports")).status).to.equal(403);
    expect((await certifier.get("/console/templates/harvest.csv")).status).to.equal(403);
    const visitor = new ConsoleClient(h.base);
    expect((await visitor.get("/console/imports")).location).to.equal("/console/login?next=%2Fconsole%2Fimports");
  });

  it("shows a shipment the rules refuse in their words, and records the good one to the consignee named by name", async function () {
    // The cooperative ships its harvest to the carrier, which takes it over by receiving it.
    const batchId = harvestedBatchId("CON-S1");
    const journey = [
      [producer.apiKey, "/api/v1/batches", harvest("CON-S1")],
      [producer.apiKey, `/api/v1/batches/${batchId}/events`, shipment(carrierOrg.id, { shippedAt: "2026-06-02T04:00:00+08:00" })],
      [carrierOrg.apiKey, `/api/v1/batches/${batchId}/events`, { ...receipt, location: "百色市田阳区", receivedAt: "2026-06-02T05:00:00+08:00" }],
    ] as const;
    for (const [token, path, body] of journey) {
      const answer = await h.call("POST", path, { token, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    }
    const client = await loggedIn("lengllian");
    await client.get("/console/imports");
    const file = csvBytes([
      SHIPMENT_HEADER,
      shipmentRow("CON-S1", "福田区消费扶贫专柜", { amount: "5000", unit: "kg" }),
      shipmentRow("CON-S1", "福田区消费扶贫专柜"),
    ]);
    const uploaded = await client.post("/console/imports", { kind: "shipment" }, csvFile(file, "发运.csv"));
    expect(uploaded.status).to.equal(303);
    const report = await client.get(uploaded.location!);
    expect(listedProblems(report.text)).to.deep.equal([
      [2, "数量", "深圳冷链物流只持有这个批次 1200 kg，少于登记的 5000 kg"],
      [3, "批次号", "与第 2 行是同一批次"],
    ]);
    const english = await client.get(`${uploaded.location}?lang=en`);
    expect(listedProblems(english.text)[0]).to.deep.equal([2, "数量", "深圳冷链物流 holds 1200 kg of this batch, less than the 5000 kg recorded"]);
    await client.get(`${uploaded.location}?lang=zh`);

    const good = await client.post("/console/imports", { kind: "shipment" }, csvFile(csvBytes([SHIPMENT_HEADER, shipmentRow("CON-S1", "福田区消费扶贫专柜")])));
    expect((await client.get(good.location!)).text).to.contain('id="record-all"');
    expect((await client.post(`${good.location}/run`, {})).status).to.equal(303);
    await runImports();
    const stored = h.db.prepare(`SELECT detail FROM outbox WHERE org_id = ? AND kind = 2`).get(carrierOrg.id) as { detail: string };
    expect(JSON.parse(stored.detail)).to.deep.include({ quantity: { amount: 1200, unit: "kg" } });
    expect(JSON.parse(stored.detail).consignee).to.deep.include({ id: counter.id });
  });

  it("refuses an organisation that signs its own events, saying why", async function () {
    const client = await loggedIn("ownkey");
    const page = await client.get("/console/imports");
    expect(page.text).to.contain("你的机构使用自己的签名密钥").and.not.to.contain('action="/console/imports"');
    const before = importCount();
    const answer = await client.post("/console/imports", { kind: "harvest" }, csvFile(goodHarvestCsv("OWN", 1)));
    expect(answer.status).to.equal(403);
    expect(answer.text).to.contain("你的机构使用自己的签名密钥");
    expect(importCount()).to.equal(before);
  });

  it("refuses an upload without the session's CSRF token", async function () {
    const client = await loggedIn("tianyang");
    await client.get("/console/imports");
    const before = importCount();
    const answer = await client.post("/console/imports", { kind: "harvest" }, { csrf: null, ...csvFile(goodHarvestCsv("CSRF", 1)) });
    expect(answer.status).to.equal(403);
    expect(importCount()).to.equal(before);
  });
});
