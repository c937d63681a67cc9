/**
 * The programme view over HTTP: purchases from the ledger's confirmed sales by month (China
 * Standard Time), origin county (a retail pack counts for the county its harvest came from),
 * product and channel, with the share from the programme's counties; a sale accepted but not on
 * chain does not count; the CSV export; the county list replaced by an upload (the public pages
 * follow at once) or left alone when a line is bad; and who may see what.
 */
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { batchIdFor } from "../../server/domain/gs1";
import { SalesReads } from "../../server/store/sales-reads";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, receipt, shipment } from "../../scripts/lib/payloads";
import { uploadProgrammeCounties } from "../../scripts/lib/programme-counties";

const PASSWORD = "correct horse battery";
const LYCHEE_GTIN = "06901234567830";
const PACK_GTIN = "06901234567847";

/** A row of one of the page's figure tables, by its key, as its data attributes. */
function figureRow(page: string, table: string, key: string): Record<string, string> {
  const body = new RegExp(`<table class="data figures" data-figures="${table}">([\\s\\S]*?)</table>`).exec(page);
  if (!body) throw new Error(`no ${table} table`);
  const row = new RegExp(`<tr data-key="${key}"([^>]*)>`).exec(body[1]);
  if (!row) throw new Error(`no row ${key} in the ${table} table`);
  return Object.fromEntries([...row[1].matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

function tableKeys(page: string, table: string): string[] {
  const body = new RegExp(`<table class="data figures" data-figures="${table}">([\\s\\S]*?)</table>`).exec(page)![1];
  return [...body.matchAll(/<tr data-key="([^"]*)"/g)].map((m) => m[1]);
}

/** The error written beside a form field. */
function fieldError(page: string, field: string): string {
  const row = new RegExp(`<div class="form-row has-error" data-field="${field}">[\\s\\S]*?</div>`).exec(page);
  if (!row) throw new Error(`no error beside ${field}`);
  return /<p class="field-error"[^>]*>([^<]*)<\/p>/.exec(row[0])![1];
}

function attribute(page: string, name: string): string {
  const match = new RegExp(`${name}="([^"]*)"`).exec(page);
  if (!match) throw new Error(`no ${name} on the page`);
  return match[1];
}

const csvFile = (text: string) => ({ files: { file: { name: "counties.csv", type: "text/csv", data: Buffer.from(text, "utf8") } } });

describe("console: the programme view", function () {
  this.timeout(180_000);
  let h: Harness;
  let retailer: { id: string; apiKey: string };
  const mango = harvestedBatchId("TY-P1");
  const lychee = batchIdFor(LYCHEE_GTIN, "NS-P1");
  const giftPack = batchIdFor(PACK_GTIN, "TY-GIFT1");
  const plainPack = batchIdFor(PACK_GTIN, "TY-PACK2");
  const countyList = () => h.db.prepare(`SELECT code, name, added_at FROM programme_counties ORDER BY code`).all() as Array<{ code: string; name: string; added_at: string }>;

  async function accepted(path: string, apiKey: string, body: unknown) {
    const answer = await h.call("POST", path, { token: apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body;
  }

  const sell = (batchId: string, sale: { amount: number; unit: string; amountCny: number; channel: string; soldAt: string }) =>
    accepted(`/api/v1/batches/${batchId}/events`, retailer.apiKey, {
      type: "sale",
      quantity: { amount: sale.amount, unit: sale.unit },
      amountCny: sale.amountCny,
      channel: sale.channel,
      soldAt: sale.soldAt,
    });

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  before(async function () {
    h = await startHarness();
    const tianyang = await h.org("田阳芒果专业合作社", "producer");
    const nanshan = await h.org("南山荔枝合作社", "producer");
    const counter = await h.org("福田区消费扶贫专柜", "retailer");
    retailer = counter;
    await h.member(null, "programme.office", PASSWORD);
    // A fresh install's list is empty: the office uploads the programme's counties, as the demo does.
    await uploadProgrammeCounties(h.base, { username: "programme.office", password: PASSWORD }, [
      { code: "451003", name: "百色市田阳区" },
      { code: "451028", name: "百色市乐业县" },
      { code: "451227", name: "河池市巴马瑶族自治县" },
      { code: "441621", name: "河源市紫金县" },
    ]);
    await h.member(tianyang.id, "tianyang.admin", PASSWORD, true);
    await h.member(counter.id, "futian.chen", PASSWORD);

    await accepted("/api/v1/batches", tianyang.apiKey, harvest("TY-P1"));
    await accepted("/api/v1/batches", nanshan.apiKey, harvest("NS-P1", {
      product: { name: "南山荔枝", gtin: LYCHEE_GTIN },
      origin: { countyCode: "440305", county: "深圳市南山区" },
    }));
    await h.settle();
    // Two retail packs split from the mango harvest: one named as a gift box, one not named.
    await accepted(`/api/v1/batches/${mango}/events`, tianyang.apiKey, {
      type: "processing",
      step: "packing",
      occurredAt: "2026-06-01T18:00:00+08:00",
      outputs: [
        { gtin: PACK_GTIN, lot: "TY-GIFT1", quantity: { amount: 10, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: { name: "田阳香芒礼盒" } },
        { gtin: PACK_GTIN, lot: "TY-PACK2", quantity: { amount: 5, unit: "box" }, conversion: { unit: "box", kg: 5 } },
      ],
    });
    await h.settle();
    // Each batch goes to the counter, which receives it before selling any.
    for (const [batchId, holder] of [[mango, tianyang], [lychee, nanshan], [giftPack, tianyang], [plainPack, tianyang]] as const) {
      await accepted(`/api/v1/batches/${batchId}/events`, holder.apiKey, shipment(counter.id));
      await accepted(`/api/v1/batches/${batchId}/events`, counter.apiKey, receipt);
    }
    await h.settle();

    await sell(mango, { amount: 20, unit: "box", amountCny: 1580.5, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" });
    await sell(mango, { amount: 1, unit: "box", amountCny: 99.9, channel: "online", soldAt: "2026-06-30T20:00:00+08:00" });
    // 30 June 17:00 UTC is 1 July 01:00 in China: a July purchase.
    await sell(mango, { amount: 1, unit: "box", amountCny: 60, channel: "online", soldAt: "2026-06-30T17:00:00Z" });
    await sell(lychee, { amount: 10, unit: "kg", amountCny: 500, channel: "store", soldAt: "2026-07-05T10:00:00+08:00" });
    await sell(giftPack, { amount: 2, unit: "box", amountCny: 300, channel: "832-platform", soldAt: "2026-07-10T10:00:00+08:00" });
    await sell(plainPack, { amount: 1, unit: "box", amountCny: 200, channel: "counter", soldAt: "2026-07-12T10:00:00+08:00" });
    await h.settle();
    // Accepted, but never relayed: it must not count.
    await sell(lychee, { amount: 30, unit: "kg", amountCny: 1000, channel: "store", soldAt: "2026-07-20T10:00:00+08:00" });
    const pending = h.db.prepare(`SELECT count(*) AS n FROM outbox WHERE kind = 4 AND status = 'pending'`).get() as { n: number };
    expect(pending.n).to.equal(1);
  });

  after(async function () {
    await h?.stop();
  });

  it("sums only the confirmed sales, by month in China time, county, product and channel, with the programme counties' share", async function () {
    const office = await loggedIn("programme.office");
    const page = await office.get("/programme");
    expect(page.status, page.text).to.equal(200);

    // 1580.50 + 99.90 + 60 + 500 + 300 + 200; the pending 1000 is left out.
    const total = /<section class="card" aria-labelledby="total-heading"[^>]*>/.exec(page.text)![0];
    expect(attribute(total, "data-total-fen")).to.equal("274040");
    expect(attribute(total, "data-total-sales")).to.equal("6");
    expect(attribute(total, "data-programme-fen")).to.equal("224040");
    expect(page.text).to.contain("¥2,740.40");
    expect(attribute(page.text, "data-share")).to.equal((224040 / 274040).toFixed(6));
    expect(page.text).to.contain("81.8%");

    expect(tableKeys(page.text, "month")).to.deep.equal(["2026-06", "2026-07"]);
    expect(figureRow(page.text, "month", "2026-06")).to.include({ sales: "2", fen: "168040", "programme-fen": "168040" });
    expect(figureRow(page.text, "month", "2026-07")).to.include({ sales: "4", fen: "106000", "programme-fen": "56000" });

    expect(tableKeys(page.text, "county")).to.deep.equal(["451003", "440305"]);
    expect(figureRow(page.text, "county", "451003")).to.include({ sales: "5", fen: "224040", "programme-county": "true" });
    expect(figureRow(page.text, "county", "440305")).to.include({ sales: "1", fen: "50000", "programme-county": "false" });
    expect(page.text).to.contain("百色市田阳区").and.to.contain("深圳市南山区");

    // The unnamed pack is sold as the harvest's product; the gift box under its own name.
    expect(figureRow(page.text, "product", "田阳香芒")).to.include({ sales: "4", fen: "194040" });
    expect(figureRow(page.text, "product", "田阳香芒礼盒")).to.include({ sales: "1", fen: "30000" });
    expect(figureRow(page.text, "product", "南山荔枝")).to.include({ sales: "1", fen: "50000" });

    expect(figureRow(page.text, "channel", "counter")).to.include({ sales: "2", fen: "178050" });
    expect(figureRow(page.text, "channel", "online")).to.include({ sales: "2", fen: "15990" });
    expect(figureRow(page.text, "channel", "store")).to.include({ sales: "1", fen: "50000" });
    expect(figureRow(page.text, "channel", "832-platform")).to.include({ sales: "1", fen: "30000" });
    expect(page.text).to.contain("832 平台").and.to.contain("消费帮扶专柜");
  });

  it("draws its charts as SVG with titles, no script and no inline style", async function () {
    const office = await loggedIn("programme.office");
    const page = await office.get("/programme?lang=en");
    expect(page.status).to.equal(200);
    const charts = [...page.text.matchAll(/<svg class="chart"[^>]*role="img"[^>]*>\s*<title id="([^"]+)">([^<]+)<\/title>/g)];
    expect(charts.map((c) => c[1])).to.deep.equal(["chart-month-title", "chart-county-title", "chart-product-title", "chart-channel-title"]);
    expect(page.text).to.match(/<rect class="bar-programme"/).and.to.match(/<rect class="bar"/);
    expect(page.text).not.to.match(/\sstyle=/).and.not.to.match(/<script/);
    expect(page.text).to.contain("CN¥2,740.40").and.to.contain("June 2026").and.to.contain("832 platform");
    expect(page.headers.get("content-security-policy")).to.match(/script-src/);
  });

  it("sums a period of months, and refuses a month that is none, beside its field", async function () {
    const office = await loggedIn("programme.office");
    const july = await office.get("/programme?from=2026-07&to=2026-07");
    expect(july.status).to.equal(200);
    expect(attribute(july.text, "data-total-fen")).to.equal("106000");
    expect(tableKeys(july.text, "month")).to.deep.equal(["2026-07"]);
    expect(july.text).to.contain('href="/programme/sales.csv?from=2026-07&amp;to=2026-07"');
    const typed = await office.get("/programme?from=2026%2F6&to=");
    expect(attribute(typed.text, "data-total-fen")).to.equal("274040");
    expect(typed.text).to.contain('value="2026-06"');
    const none = await office.get("/programme?from=2027-01");
    expect(none.status).to.equal(200);
    expect(none.text).to.contain('data-empty="true"');

    const badMonth = await office.get("/programme?from=2026-13");
    expect(badMonth.status).to.equal(400);
    expect(fieldError(badMonth.text, "from")).to.equal("请写成 2026-06 这样的年月");
    expect(badMonth.text).not.to.contain("data-total-fen");
    const backwards = await office.get("/programme?from=2026-07&to=2026-06");
    expect(backwards.status).to.equal(400);
    expect(fieldError(backwards.text, "to")).to.equal("结束月份不能早于开始月份");
    expect((await office.get("/programme/sales.csv?to=soon")).status).to.equal(400);
  });

  it("exports the same figures as CSV, UTF-8 with BOM, as an attachment", async function () {
    const office = await loggedIn("programme.office");
    const answer = await fetch(`${h.base}/programme/sales.csv`, { headers: { cookie: `plc_session=${office.cookie("plc_session")}` } });
    expect(answer.status).to.equal(200);
    expect(answer.headers.get("content-type")).to.match(/^text\/csv; charset=utf-8/);
    expect(answer.headers.get("content-disposition")).to.match(/^attachment; filename="?programme-purchases\.csv"?$/);
    const bytes = Buffer.from(await answer.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.subarray(3).toString("utf8")) as string[][];
    expect(rows).to.deep.equal([
      ["月份", "县区代码", "县区", "帮扶县", "产品", "渠道", "笔数", "数量", "单位", "金额（元）"],
      ["2026-06", "451003", "百色市田阳区", "是", "田阳香芒", "消费帮扶专柜", "1", "20", "box", "1580.50"],
      ["2026-06", "451003", "百色市田阳区", "是", "田阳香芒", "网上商城", "1", "1", "box", "99.90"],
      ["2026-07", "440305", "深圳市南山区", "否", "南山荔枝", "门店", "1", "10", "kg", "500.00"],
      ["2026-07", "451003", "百色市田阳区", "是", "田阳香芒", "消费帮扶专柜", "1", "1", "box", "200.00"],
      ["2026-07", "451003", "百色市田阳区", "是", "田阳香芒", "网上商城", "1", "1", "box", "60.00"],
      ["2026-07", "451003", "百色市田阳区", "是", "田阳香芒礼盒", "832 平台", "1", "2", "box", "300.00"],
    ]);

    const english = await office.get("/programme/sales.csv?from=2026-07&lang=en");
    expect(english.headers.get("content-disposition")).to.match(/^attachment; filename="?programme-purchases-2026-07-to-now\.csv"?$/);
    const englishRows = parse(english.text.replace(/^\uFEFF/, "")) as string[][];
    expect(englishRows[0]).to.deep.equal(["month", "county code", "county", "programme county", "product", "channel", "sales", "quantity", "unit", "amount (CNY)"]);
    expect(englishRows.slice(1).map((row) => row[9])).to.deep.equal(["500.00", "200.00", "60.00", "300.00"]);
    expect(englishRows[1][3]).to.equal("no");
  });

  it("reads the figures through its indexes, not the JSON of every event", function () {
    const plan = new SalesReads(h.db).plan().join("\n");
    expect(plan).to.contain("COVERING INDEX idx_events_sales");
    expect(plan).to.contain("COVERING INDEX outbox_sale_facts");
  });

  it("keeps the county list when one line of an upload is bad, naming the line", async function () {
    const before = countyList();
    const office = await loggedIn("programme.office");
    const page = await office.get("/programme/counties");
    expect(page.status).to.equal(200);
    expect(attribute(page.text, "data-county-count")).to.equal("4");

    const bad = await office.post("/programme/counties", {}, csvFile("县区代码,名称\n440305,深圳市南山区\n999999,不存在\n451028\n"));
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain("名单没有改变。");
    expect(fieldError(bad.text, "file")).to.equal("有 1 行不对，见上面的表格；改正后重新上传");
    expect(bad.text).to.match(/<tr data-line="3" data-problem="unknown_code">/);
    expect(bad.text).not.to.match(/data-line="2"|data-line="4"/);
    expect(countyList()).to.deep.equal(before);

    const malformed = await office.post("/programme/counties", {}, csvFile("440305\r\n44030\r\n440305\r\n"));
    expect(malformed.status).to.equal(400);
    expect(malformed.text).to.match(/<tr data-line="2" data-problem="bad_code">/);
    expect(malformed.text).to.match(/<tr data-line="3" data-problem="duplicate">/).and.to.contain("与第 1 行的代码重复");
    const noFile = await office.post("/programme/counties", {});
    expect(noFile.status).to.equal(400);
    expect(fieldError(noFile.text, "file")).to.equal("请选择要上传的 CSV 文件");
    const empty = await office.post("/programme/counties", {}, csvFile("县区代码\n"));
    expect(fieldError(empty.text, "file")).to.equal("文件里没有县区代码");
    expect(countyList()).to.deep.equal(before);
  });

  it("replaces the county list with a good upload: pages and figures follow at once", async function () {
    const lycheePage = () => h.call("GET", `/p/${lychee}`);
    const mangoPage = () => h.call("GET", `/p/${mango}`);
    expect((await lycheePage()).body).not.to.contain("data-programme-county");
    expect((await mangoPage()).body).to.contain('data-programme-county="true"');

    const office = await loggedIn("programme.office");
    await office.get("/programme/counties");
    // As Excel saves "CSV" on a Chinese Windows: GB18030 ("南山区" is C4CF C9BD C7F8), CRLF.
    const gb18030 = Buffer.concat([Buffer.from("code,name\r\n440305,"), Buffer.from([0xc4, 0xcf, 0xc9, 0xbd, 0xc7, 0xf8]), Buffer.from("\r\n451028\r\n")]);
    const upload = await office.post("/programme/counties", {}, { files: { file: { name: "counties.csv", type: "text/csv", data: gb18030 } } });
    expect(upload.status, upload.text).to.equal(303);
    expect(upload.location).to.equal("/programme/counties?replaced=2");
    const list = await office.get(upload.location!);
    expect(list.text).to.contain('data-replaced="2"').and.to.contain("名单已更新：现在共有 2 个县区。");
    expect(attribute(list.text, "data-county-count")).to.equal("2");
    const replaced = countyList();
    expect(replaced.map((county) => [county.code, county.name])).to.deep.equal([
      ["440305", "南山区"],
      ["451028", "百色市乐业县"],
    ]);
    // UTF-8 with a BOM and full-width digits reads the same; counties that stay keep the day they joined.
    expect((await office.post("/programme/counties", {}, csvFile("\uFEFF县区代码,名称\n440305,南山区\n４５１０２８\n"))).status).to.equal(303);
    expect(countyList()).to.deep.equal(replaced);

    expect((await lycheePage()).body).to.contain('data-programme-county="true"');
    expect((await mangoPage()).body).not.to.contain("data-programme-county");
    const figures = await office.get("/programme");
    expect(attribute(figures.text, "data-programme-fen")).to.equal("50000");
    expect(figureRow(figures.text, "county", "440305")).to.include({ "programme-county": "true" });
    expect(figureRow(figures.text, "county", "451003")).to.include({ "programme-county": "false" });
  });

  it("keeps a cooperative's and a counter's members out of the programme view, and the office out of their consoles", async function () {
    const before = countyList();
    for (const username of ["tianyang.admin", "futian.chen"]) {
      const member = await loggedIn(username);
      expect((await member.get("/programme")).status).to.equal(403);
      expect((await member.get("/programme/sales.csv")).status).to.equal(403);
      expect((await member.get("/programme/counties")).status).to.equal(403);
      await member.get("/console/members"); // a page with a form, for the session's CSRF token
      expect((await member.post("/programme/counties", {}, csvFile("451003\n"))).status).to.equal(403);
    }
    expect(countyList()).to.deep.equal(before);

    const office = await loggedIn("programme.office");
    expect((await office.get("/console/batches")).status).to.equal(403);
    expect((await office.get("/console/events/new?type=sale")).status).to.equal(403);
    const visitor = await new ConsoleClient(h.base).get("/programme");
    expect(visitor.status).to.equal(303);
    expect(visitor.location).to.equal("/console/login?next=%2Fprogramme");
  });
});
