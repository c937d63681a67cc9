/**
 * The console in a real browser (Debian's Chromium through playwright-core, a 360 x 740 phone,
 * no help from script): one batch of mangoes from harvest to sale, each step entered by the
 * member whose work it is through the console's own forms — the cooperative ships it to the
 * carrier, which takes it over by receiving it and ships it on to the counter — each seen
 * confirmed once the chain has it (the pages reload themselves while a write is on its way),
 * then the shopper's page and the programme office's figures. Then what the ledger's rules refuse, beside the right field: a
 * counter selling a batch it never received, 99,999 kg from a 700 kg pack, boxes of a batch in
 * kg with no box weight; the holder's shipment of a pack made from a recalled harvest (and the
 * recall on its console); a harvest dated in the future. A mistyped sale is voided through the
 * console and shows struck through on the shopper's page. Then what the console must refuse: a
 * wrong password, a login form without its CSRF token, a locked account, a carrier on a
 * cooperative's pages, and a cooperative on another cooperative's batch. Every page must load
 * with no console error, no page error and no failed request besides the refusals a step
 * expects. Screenshots go to test-results/console-*.png.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { launchBrowser, phoneContext, screenshot, watchedPage, type ExpectedStatus, type WatchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { batchIdFor } from "../../server/domain/gs1";
import { harvest, harvestedBatchId, MANGO_GTIN, receipt, recall, shipment } from "../../scripts/lib/payloads";
import { uploadProgrammeCounties } from "../../scripts/lib/programme-counties";

const PASSWORD = "correct horse battery";
const LOT = "TY2026-B07";
const CERTIFICATE_NO = "ZP-2026-0421";
const COUNTY_CODE = "451003"; // 百色市田阳区, which the programme office puts on its county list first
const SALE_FEN = 158_050; // ¥1,580.50
const PACK_GTIN = "06901234567847";
/** A lot the counter never received (the cooperative still holds it). */
const UNRECEIVED_LOT = "TY2026-B08";
/** A 700 kg pack at the counter, in kg with no box weight. */
const PACK_LOT = "PK2026-700";
/** A pack made from a harvest recalled after packing. */
const RECALLED_PACK_LOT = "PK2026-R01";
/** Long enough for the relayer and indexer (20 ms loops) and a few of the pages' 3 s reloads. */
const CHAIN_WAIT_MS = 30_000;

// The functions passed to evaluate() run in the page; the project compiles without the DOM
// library, so the little of the DOM they use is declared here (in this module only).
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): { remove(): void } | null;
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A moment `offsetMs` from now as a datetime-local value in China Standard Time ("2026-06-01T08:00"). */
function chinaLocal(offsetMs: number): string {
  return new Date(Date.now() + offsetMs + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** The China date `offsetMs` from now, as a date input takes it ("2026-06-01"). */
function chinaDate(offsetMs: number): string {
  return chinaLocal(offsetMs).slice(0, 10);
}

describe("console journey in a real browser (Chromium, 360 px phone)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let h: Harness;
  let otherBatchId: string;
  let counterId: string;
  let carrierId: string;
  const batchId = harvestedBatchId(LOT);
  const contexts: BrowserContext[] = [];

  before(async function () {
    browser = await launchBrowser(); // throws, failing the file, when Chromium is missing
    // The relayer and indexer run in the background, as in production: a page shows an event
    // confirmed only once they have put it on chain and indexed it.
    h = await startHarness({ loops: true });
    const cooperative = await h.org("田阳芒果专业合作社", "producer");
    const certifier = await h.org("深圳市标准技术研究院", "certifier");
    const carrier = await h.org("百色冷链物流有限公司", "carrier");
    const counter = await h.org("福田区消费扶贫专柜", "retailer");
    const neighbour = await h.org("乐业猕猴桃专业合作社", "producer");
    await h.member(cooperative.id, "tianyang.huang", PASSWORD);
    await h.member(cooperative.id, "tianyang.locked", PASSWORD);
    await h.member(certifier.id, "sist.lin", PASSWORD);
    await h.member(carrier.id, "baise.wei", PASSWORD);
    await h.member(counter.id, "futian.chen", PASSWORD);
    await h.member(null, "programme.office", PASSWORD);
    // A fresh install's county list is empty: the office uploads the programme's, as the demo does.
    await uploadProgrammeCounties(h.base, { username: "programme.office", password: PASSWORD }, [{ code: COUNTY_CODE, name: "百色市田阳区" }]);

    // Another cooperative's batch, through the API: the first cooperative must not open it.
    const other = await h.call("POST", "/api/v1/batches", {
      token: neighbour.apiKey,
      body: harvest("LY2026-001", {
        product: { name: "乐业猕猴桃", gtin: "06901234567816" },
        origin: { countyCode: "451028", county: "百色市乐业县" },
      }),
    });
    expect(other.status, JSON.stringify(other.body)).to.equal(202);
    otherBatchId = other.body.batchId;
    counterId = counter.id;
    carrierId = carrier.id;

    // The cooperative's other batches, through the API, for the refusals below: one it keeps,
    // a 700 kg pack it sends the counter, and a pack of a harvest it then recalls.
    const api = async (path: string, token: string, body: unknown) => {
      const answer = await h.call("POST", path, { token, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    };
    const { conversion: _noBoxWeight, ...inKgOnly } = harvest(UNRECEIVED_LOT);
    await api("/api/v1/batches", cooperative.apiKey, inKgOnly);
    for (const lot of ["TY2026-B09", "TY2026-R01"]) await api("/api/v1/batches", cooperative.apiKey, harvest(lot));
    await h.settle();
    const pack = (lot: string, kg: number) => ({
      type: "processing",
      step: "packing",
      occurredAt: "2026-06-01T18:00:00+08:00",
      outputs: [{ gtin: PACK_GTIN, lot, quantity: { amount: kg, unit: "kg" }, product: { name: "田阳香芒 整箱" } }],
    });
    await api(`/api/v1/batches/${harvestedBatchId("TY2026-B09")}/events`, cooperative.apiKey, pack(PACK_LOT, 700));
    await api(`/api/v1/batches/${harvestedBatchId("TY2026-R01")}/events`, cooperative.apiKey, pack(RECALLED_PACK_LOT, 100));
    await h.settle();
    await api(`/api/v1/batches/${batchIdFor(PACK_GTIN, PACK_LOT)}/events`, cooperative.apiKey, shipment(counter.id));
    await api(`/api/v1/batches/${batchIdFor(PACK_GTIN, PACK_LOT)}/events`, counter.apiKey, receipt);
    await api(`/api/v1/batches/${harvestedBatchId("TY2026-R01")}/events`, cooperative.apiKey, recall);
    await h.settle();
  });

  after(async function () {
    while (contexts.length > 0) await contexts.pop()!.close();
    await browser?.close();
    await h?.stop();
  });

  /** A fresh phone (no cookies) with one watched page. */
  async function phone(expected: ExpectedStatus[] = []): Promise<WatchedPage> {
    const context = await phoneContext(browser, { locale: "zh-CN" });
    contexts.push(context);
    return watchedPage(context, expected);
  }

  /** Fills and submits the login form on a fresh phone; returns the phone, on the page login led to. */
  async function logIn(username: string): Promise<WatchedPage> {
    const w = await phone();
    await w.goto(`${h.base}/console/login`);
    const landed = await logInOn(w.page, username, PASSWORD);
    expect(landed.status(), `${username} logs in`).to.equal(200);
    return w;
  }

  async function logInOn(page: Page, username: string, password: string): Promise<Response> {
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', password);
    return submit(page, "登录");
  }

  /** Presses the form's button (by its visible name) and waits for the page it leads to. */
  async function submit(page: Page, button: string): Promise<Response> {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.getByRole("button", { name: button, exact: true }).click()]);
    if (!response) throw new Error(`pressing ${button} loaded no page`);
    return response;
  }

  /** Follows a link of the page (by its visible text) and waits for the page it opens. */
  async function follow(page: Page, link: string): Promise<Response> {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.getByRole("link", { name: link, exact: true }).first().click()]);
    if (!response) throw new Error(`following ${link} loaded no page`);
    return response;
  }

  /** No problem on the page so far, and nothing wider than the phone. */
  async function expectClean(w: WatchedPage): Promise<void> {
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    const width = await w.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `width of ${w.page.url()} in CSS pixels (no sideways scrolling)`).to.be.at.most(360);
  }

  /** The page is the console's "not allowed" page, and nobody's work was shown. */
  async function expectForbidden(w: WatchedPage, path: string): Promise<void> {
    w.expect({ url: `${h.base}${path}`, status: 403 });
    const response = await w.goto(`${h.base}${path}`);
    expect(response.status(), path).to.equal(403);
    expect(await w.page.locator('main [role="alert"]').innerText()).to.equal("你的账户不能做这件事。");
    expect(await w.page.locator("main form").count(), `forms on ${path}`).to.equal(0);
  }

  /** The event's status as the public API reports it: the chain's word, not the page's. */
  async function apiStatus(eventId: string): Promise<string> {
    const answer = await h.call("GET", `/api/v1/events/${eventId}`);
    expect(answer.status).to.equal(200);
    return answer.body.status;
  }

  const shot = (page: Page, step: string) => screenshot(page, "console", step);

  describe("one batch from harvest to sale", function () {
    it("a cooperative member registers a harvest, picking the county from the list, and sees it confirmed", async function () {
      const w = await logIn("tianyang.huang");
      const { page } = w;
      expect(new URL(page.url()).pathname).to.equal("/console/batches");
      await shot(page, "01-producer-batches");

      expect((await follow(page, "登记采收")).status()).to.equal(200);
      await page.fill('input[name="productName"]', "田阳香芒");
      await page.fill('input[name="variety"]', "台农一号");
      await page.fill('input[name="gtin"]', "06901234567893"); // a wrong check digit, corrected below
      await page.fill('input[name="lot"]', LOT);
      // The county list needs the province first: the form comes back with its counties.
      await page.selectOption('select[name="province"]', "45");
      expect((await submit(page, "列出该省的县区")).status()).to.equal(200);
      expect(await page.inputValue('input[name="lot"]'), "the form keeps what was typed").to.equal(LOT);
      await page.selectOption('select[name="countyCode"]', COUNTY_CODE);
      await page.fill('input[name="village"]', "那坡镇");
      await page.fill('input[name="amount"]', "1200");
      await page.selectOption('select[name="unit"]', "kg");
      await page.fill('input[name="harvestedAt"]', chinaDate(-3 * DAY_MS));
      await page.fill('input[name="harvestTime"]', "08:00");
      // One box weighs 5 kg: the counter will sell it by the box.
      await page.selectOption('select[name="conversionUnit"]', "box");
      await page.fill('input[name="conversionKg"]', "5");
      await shot(page, "02-harvest-form");

      // The wrong GTIN comes back beside its field, and nothing is written.
      w.expect({ url: `${h.base}/console/batches/new`, status: 400 });
      const outboxBefore = h.gateway.outbox.countByStatus();
      expect((await submit(page, "登记采收")).status()).to.equal(400);
      expect(await page.locator('[data-field="gtin"] .field-error').innerText()).to.equal("商品条码位数或校验位不对");
      expect(await page.locator('[data-field="countyCode"] select').inputValue(), "the county stays picked").to.equal(COUNTY_CODE);
      expect(h.gateway.outbox.countByStatus()).to.deep.equal(outboxBefore);
      await shot(page, "03-harvest-form-error");

      await page.fill('input[name="gtin"]', MANGO_GTIN);
      expect((await submit(page, "登记采收")).status()).to.equal(200);
      expect(new URL(page.url()).pathname).to.equal(`/console/batches/${batchId}`);
      await shot(page, "04-harvest-recorded");

      // The batch page reloads itself (meta refresh) until the chain has the harvest.
      const harvestRow = page.locator('tr[data-event][data-status="confirmed"]');
      await harvestRow.waitFor({ timeout: CHAIN_WAIT_MS });
      expect(await harvestRow.count()).to.equal(1);
      expect(await harvestRow.locator(".status").innerText()).to.equal("已上链");
      expect(await apiStatus((await harvestRow.getAttribute("data-event"))!)).to.equal("confirmed");
      expect(await page.locator('meta[http-equiv="refresh"]').count(), "it stops reloading once all is on chain").to.equal(0);
      const facts = await page.locator("#facts-heading + dl.facts").innerText();
      expect(facts).to.contain(LOT).and.to.contain(`百色市田阳区 ${COUNTY_CODE}`).and.to.contain("那坡镇");
      await expectClean(w);
      await shot(page, "05-harvest-confirmed");
    });

    it("the certifier attests 圳品 for the batch by its GTIN and lot, and sees the certificate confirmed and valid", async function () {
      const w = await logIn("sist.lin");
      const { page } = w;
      expect(new URL(page.url()).pathname).to.equal("/console/certifications");
      expect((await follow(page, "为一个批次认证")).status()).to.equal(200);
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.fill('input[name="certificateNo"]', CERTIFICATE_NO);
      await page.fill('input[name="validFrom"]', chinaDate(-30 * DAY_MS));
      await page.fill('input[name="validUntil"]', chinaDate(335 * DAY_MS));
      await shot(page, "06-certification-form");

      expect((await submit(page, "提交认证")).status()).to.equal(200);
      expect(new URL(page.url()).pathname).to.equal("/console/certifications");
      expect(await page.locator("[data-recorded]").innerText()).to.equal("已提交，正在写入区块链。");

      const row = page.locator(`tr[data-certificate="${CERTIFICATE_NO}"]`);
      await row.locator('[data-write-status="confirmed"]').waitFor({ timeout: CHAIN_WAIT_MS });
      expect(await row.getAttribute("data-state")).to.equal("valid");
      expect(await row.innerText()).to.contain(`批次 ${LOT}`).and.to.contain("已上链");
      const onChain = await h.call("GET", `/api/v1/batches/${batchId}`);
      expect(onChain.body.certification?.certificateNo ?? JSON.stringify(onChain.body.certification)).to.equal(CERTIFICATE_NO);
      await expectClean(w);
      await shot(page, "07-certification-confirmed");
    });

    it("the cooperative ships the batch to the carrier, picked among the organisations that receive, and sees it confirmed", async function () {
      const w = await logIn("tianyang.huang");
      const { page } = w;
      expect((await follow(page, "发运")).status()).to.equal(200);
      expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal("/console/events/new?type=shipment");
      expect(await page.locator('select[name="shipper"]').count(), "nobody names whose batch it takes").to.equal(0);
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.selectOption('select[name="consignee"]', carrierId);
      await page.fill('input[name="from"]', "田阳芒果供深基地");
      await page.fill('input[name="to"]', "百色市田阳区");
      await page.fill('input[name="shippedAt"]', chinaLocal(-2 * DAY_MS - 4 * HOUR_MS));
      await shot(page, "07a-shipment-to-carrier-form");

      expect((await submit(page, "提交")).status()).to.equal(200);
      const eventId = await expectRecordedAndConfirmed(page);
      expect(await page.locator(`tr[data-event="${eventId}"]`).innerText()).to.contain("收货机构：百色冷链物流有限公司").and.to.contain("1,200 公斤");
      await expectClean(w);
      await shot(page, "07b-shipment-to-carrier-confirmed");
    });

    it("the carrier takes the batch over by receiving it, then records the cold-chain shipment to the counter, and sees both confirmed", async function () {
      const w = await logIn("baise.wei");
      const { page } = w;
      // A carrier starts with the receipt, as everyone who receives: it takes a batch over so.
      expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal("/console/events/new?type=receipt");
      expect(await page.locator("main").innerText()).to.contain("承运商通过登记收货来接手批次");
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.fill('input[name="location"]', "百色市田阳区");
      await page.fill('input[name="receivedAt"]', chinaLocal(-2 * DAY_MS - 2 * HOUR_MS));
      await page.fill('textarea[name="condition"]', "完好");
      expect((await submit(page, "提交")).status()).to.equal(200);
      await expectRecordedAndConfirmed(page);
      await shot(page, "07c-carrier-receipt-confirmed");

      expect((await follow(page, "登记发运")).status()).to.equal(200);
      expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal("/console/events/new?type=shipment");
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.selectOption('select[name="consignee"]', counterId);
      await page.fill('input[name="from"]', "百色市田阳区");
      await page.fill('input[name="to"]', "深圳市福田区");
      await page.fill('input[name="vehicle"]', "桂L·12345");
      await page.fill('input[name="temperatureMin"]', "8");
      await page.fill('input[name="temperatureMax"]', "12");
      await page.fill('input[name="shippedAt"]', chinaLocal(-2 * DAY_MS));
      await shot(page, "08-shipment-form");

      expect((await submit(page, "提交")).status()).to.equal(200);
      const eventId = await expectRecordedAndConfirmed(page);
      expect(await page.locator(`tr[data-event="${eventId}"]`).innerText())
        .to.contain("百色市田阳区 → 深圳市福田区 · 桂L·12345 · 8–12\u00a0°C")
        .and.to.contain("收货机构：福田区消费扶贫专柜")
        .and.to.contain("1,200 公斤");
      await expectClean(w);
      await shot(page, "09-shipment-confirmed");
    });

    it("the counter records the receipt and then the sale, and sees both confirmed", async function () {
      const w = await logIn("futian.chen");
      const { page } = w;
      expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal("/console/events/new?type=receipt");
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.fill('input[name="location"]', "福田区消费扶贫专柜");
      await page.fill('input[name="receivedAt"]', chinaLocal(-1 * DAY_MS));
      await page.fill('textarea[name="condition"]', "完好");
      expect((await submit(page, "提交")).status()).to.equal(200);
      await expectRecordedAndConfirmed(page);
      await shot(page, "10-receipt-confirmed");

      // The list stopped reloading: now to the sale form from its button.
      expect((await follow(page, "登记销售")).status()).to.equal(200);
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', LOT);
      await page.fill('input[name="quantityAmount"]', "20");
      await page.selectOption('select[name="quantityUnit"]', "box");
      await page.fill('input[name="amountCny"]', "1580.50");
      await page.selectOption('select[name="channel"]', "counter");
      await page.fill('input[name="soldAt"]', chinaLocal(-3_600_000));
      await shot(page, "11-sale-form");
      expect((await submit(page, "提交")).status()).to.equal(200);
      const saleId = await expectRecordedAndConfirmed(page);
      expect(await page.locator(`tr[data-event="${saleId}"]`).innerText()).to.contain("20 箱").and.to.contain("¥1,580.50").and.to.contain("消费帮扶专柜");
      expect(await page.locator(`tr[data-event][data-status="confirmed"]`, { hasText: LOT }).count(), "receipt and sale of this batch").to.equal(2);
      await expectClean(w);
      await shot(page, "12-sale-confirmed");
    });

    it("the shopper's page shows the whole journey, with 圳品 valid and the takings private", async function () {
      const w = await phone();
      const response = await w.goto(`${h.base}/01/${MANGO_GTIN}/10/${LOT}`);
      expect(response.status()).to.equal(200);
      const { page } = w;
      expect((await page.locator("h1").innerText()).trim()).to.equal("田阳香芒");
      const kinds = await page.locator("ol.timeline > li[data-kind]").evaluateAll((items) => items.map((li) => li.getAttribute("data-kind")));
      // The certificate is placed when it was recorded (its block's time: now, after the events dated in the past days).
      expect(kinds).to.deep.equal(["harvest", "shipment", "receipt", "shipment", "receipt", "sale", "certification"]);
      const badge = page.locator('[data-certification="valid"]');
      expect(await badge.count()).to.equal(1);
      expect((await badge.locator(".badge-status").innerText()).trim()).to.equal("有效");
      expect(await badge.innerText()).to.contain(CERTIFICATE_NO).and.to.contain("深圳市标准技术研究院");
      expect(await page.locator("[data-programme-county]").count(), "the county is marked as the programme's").to.equal(1);
      const text = await page.locator("body").innerText();
      expect(text).to.contain("百色冷链物流有限公司").and.to.contain("福田区消费扶贫专柜");
      expect(text, "the truck's licence plate is its carrier's own").not.to.contain("桂L");
      expect(text, "the counter's takings are its own").not.to.match(/1,?580/);
      expect(await page.locator('[data-verified="true"]').count(), "every event checks against the chain").to.equal(1);
      await expectClean(w);
      await shot(page, "13-public-page");
    });

    it("the programme office sees the sale in its purchases: county, product, channel 消费帮扶专柜 and the CNY total", async function () {
      const w = await logIn("programme.office");
      const { page } = w;
      expect(new URL(page.url()).pathname).to.equal("/programme");
      const total = page.locator("section[data-total-fen]");
      expect(await total.getAttribute("data-total-fen")).to.equal(String(SALE_FEN));
      expect(await total.getAttribute("data-total-sales")).to.equal("1");
      expect(await total.getAttribute("data-programme-fen"), "all from a programme county").to.equal(String(SALE_FEN));
      expect(await total.locator(".figure-big").first().innerText()).to.equal("¥1,580.50");

      const county = page.locator(`table[data-figures="county"] tbody tr[data-key="${COUNTY_CODE}"]`);
      expect(await county.getAttribute("data-fen")).to.equal(String(SALE_FEN));
      expect(await county.getAttribute("data-programme-county")).to.equal("true");
      expect(await county.locator("th").innerText()).to.contain("田阳区");
      const product = page.locator('table[data-figures="product"] tbody tr[data-key="田阳香芒"]');
      expect(await product.getAttribute("data-fen")).to.equal(String(SALE_FEN));
      expect(await product.locator("th").innerText()).to.contain("20 箱");
      const channel = page.locator('table[data-figures="channel"] tbody tr[data-key="counter"]');
      expect(await channel.getAttribute("data-fen")).to.equal(String(SALE_FEN));
      expect((await channel.locator("th").innerText()).trim()).to.equal("消费帮扶专柜");
      expect(await channel.locator("td").nth(1).innerText()).to.equal("1,580.50");
      await expectClean(w);
      await shot(page, "14-programme-view");
    });
  });

  /**
   * On the recent-records page a form led to: the banner names the event just recorded, and the
   * page reloads itself until that event is confirmed (checked against the API too).
   */
  async function expectRecordedAndConfirmed(page: Page): Promise<string> {
    const url = new URL(page.url());
    expect(url.pathname).to.equal("/console/events");
    const eventId = url.searchParams.get("recorded");
    expect(eventId, "the page names the event just recorded").to.be.a("string").and.not.equal("");
    // Pending when the page first shows; already confirmed when the chain was quicker than the
    // reading (the page reloads itself until then).
    expect(await page.locator(`[data-recorded="${eventId}"]`).innerText()).to.be.oneOf(["已登记，正在写入区块链。", "已登记，并已写入区块链。"]);
    const row = page.locator(`tr[data-event="${eventId}"]`);
    await page.locator(`tr[data-event="${eventId}"][data-status="confirmed"]`).waitFor({ timeout: CHAIN_WAIT_MS });
    expect(await row.locator(".status").innerText()).to.equal("已上链");
    expect(await apiStatus(eventId!)).to.equal("confirmed");
    expect(await page.locator('meta[http-equiv="refresh"]').count(), "it stops reloading once all is on chain").to.equal(0);
    return eventId!;
  }

  /** Fills the sale form (the counter's) for a batch and submits it; returns the answer. */
  async function trySale(w: WatchedPage, gtin: string, lot: string, amount: string, unit: string, cny: string, expectedStatus: number): Promise<Response> {
    const { page } = w;
    expect((await w.goto(`${h.base}/console/events/new?type=sale`)).status()).to.equal(200);
    await page.fill('input[name="gtin"]', gtin);
    await page.fill('input[name="lot"]', lot);
    await page.fill('input[name="quantityAmount"]', amount);
    await page.selectOption('select[name="quantityUnit"]', unit);
    await page.fill('input[name="amountCny"]', cny);
    await page.selectOption('select[name="channel"]', "counter");
    await page.fill('input[name="soldAt"]', chinaLocal(-3_600_000));
    w.expect({ url: `${h.base}/console/events/new?type=sale`, status: expectedStatus });
    return submit(page, "提交");
  }

  /** The error written beside a field of the page's form. */
  const errorBeside = (page: Page, name: string) => page.locator(`[data-field="${name}"] .field-error`).innerText();

  describe("what the ledger's rules refuse, beside the right field", function () {
    it("a counter selling a batch it never received: beside the lot, naming who holds it", async function () {
      const w = await logIn("futian.chen");
      const outboxBefore = h.gateway.outbox.countByStatus();
      const answer = await trySale(w, MANGO_GTIN, UNRECEIVED_LOT, "3", "kg", "48", 409);
      expect(answer.status()).to.equal(409);
      expect(await errorBeside(w.page, "lot")).to.contain("这个专柜（福田区消费扶贫专柜）没有收到过这个批次").and.to.contain("田阳芒果专业合作社（1200 kg）");
      expect(await w.page.inputValue('input[name="quantityAmount"]'), "the form keeps what was typed").to.equal("3");
      expect(h.gateway.outbox.countByStatus(), "nothing written").to.deep.equal(outboxBefore);
      await expectClean(w);
      await shot(w.page, "30-sale-never-received");
    });

    it("a counter selling 99,999 kg from a 700 kg pack: beside the quantity", async function () {
      const w = await logIn("futian.chen");
      const outboxBefore = h.gateway.outbox.countByStatus();
      expect((await trySale(w, PACK_GTIN, PACK_LOT, "99999", "kg", "1", 409)).status()).to.equal(409);
      expect(await errorBeside(w.page, "quantityAmount")).to.contain("福田区消费扶贫专柜只持有这个批次 700 kg").and.to.contain("99999 kg");
      expect(h.gateway.outbox.countByStatus()).to.deep.equal(outboxBefore);
      await expectClean(w);
      await shot(w.page, "31-sale-more-than-held");
    });

    it("a sale in 箱 of a batch in kg that states no box weight: beside the unit", async function () {
      const w = await logIn("futian.chen");
      const outboxBefore = h.gateway.outbox.countByStatus();
      expect((await trySale(w, PACK_GTIN, PACK_LOT, "3", "box", "150", 400)).status()).to.equal(400);
      expect(await errorBeside(w.page, "quantityUnit")).to.contain("这个批次以“公斤”计量").and.to.contain("须写明每箱多重");
      expect(await w.page.locator('select[name="quantityUnit"]').inputValue()).to.equal("box");
      expect(h.gateway.outbox.countByStatus()).to.deep.equal(outboxBefore);
      await expectClean(w);
      await shot(w.page, "32-sale-boxes-without-box-weight");
    });

    it("a shipment of a pack made from a recalled harvest: beside the lot, naming the harvest; its holder sees the recall", async function () {
      // The cooperative holds the pack: it would hand it to the carrier.
      const w = await logIn("tianyang.huang");
      const { page } = w;
      expect((await follow(page, "发运")).status()).to.equal(200);
      const outboxBefore = h.gateway.outbox.countByStatus();
      await page.fill('input[name="gtin"]', PACK_GTIN);
      await page.fill('input[name="lot"]', RECALLED_PACK_LOT);
      await page.selectOption('select[name="consignee"]', carrierId);
      await page.fill('input[name="from"]', "百色市田阳区");
      await page.fill('input[name="to"]', "深圳市福田区");
      await page.fill('input[name="shippedAt"]', chinaLocal(-3_600_000));
      w.expect({ url: `${h.base}/console/events/new?type=shipment`, status: 409 });
      expect((await submit(page, "提交")).status()).to.equal(409);
      expect(await errorBeside(page, "lot")).to.contain("由批次 TY2026-R01 加工而来，该批次已召回（农残抽检超标）");
      expect(h.gateway.outbox.countByStatus()).to.deep.equal(outboxBefore);
      await expectClean(w);
      await shot(page, "33-shipment-of-recalled-pack");

      // The cooperative holds the pack and what is left of the harvest: its pages say so.
      const coop = await logIn("tianyang.huang");
      const banner = coop.page.locator("[data-recall-notice]");
      expect(await banner.getAttribute("data-recall-notice")).to.equal("2");
      expect(await banner.innerText()).to.equal("召回：你持有的 2 个批次受召回影响，请查看库存并下架。");
      expect((await follow(coop.page, await banner.innerText())).status()).to.equal(200);
      expect(new URL(coop.page.url()).pathname).to.equal("/console/stock");
      const packRow = coop.page.locator(`tr[data-batch="${batchIdFor(PACK_GTIN, RECALLED_PACK_LOT)}"]`);
      expect(await packRow.getAttribute("data-recalled")).to.equal("upstream");
      expect(await packRow.innerText()).to.contain("原料批次 TY2026-R01 已召回：农残抽检超标");
      await expectClean(coop);
      await shot(coop.page, "34-recalled-stock");
    });

    it("a harvest dated in the future: beside the date", async function () {
      const w = await logIn("tianyang.huang");
      const { page } = w;
      expect((await follow(page, "登记采收")).status()).to.equal(200);
      await page.fill('input[name="productName"]', "田阳香芒");
      await page.fill('input[name="gtin"]', MANGO_GTIN);
      await page.fill('input[name="lot"]', "TY2026-FUT");
      await page.selectOption('select[name="countyCode"]', COUNTY_CODE); // the last harvest's province is listed
      await page.fill('input[name="amount"]', "500");
      await page.fill('input[name="harvestedAt"]', chinaDate(2 * DAY_MS));
      await page.fill('input[name="harvestTime"]', "");
      w.expect({ url: `${h.base}/console/batches/new`, status: 400 });
      const outboxBefore = h.gateway.outbox.countByStatus();
      expect((await submit(page, "登记采收")).status()).to.equal(400);
      expect(await errorBeside(page, "harvestedAt")).to.equal("采收时间不能晚于现在");
      expect(await page.inputValue('input[name="harvestedAt"]'), "the date stays").to.equal(chinaDate(2 * DAY_MS));
      expect(h.gateway.outbox.countByStatus()).to.deep.equal(outboxBefore);
      await expectClean(w);
      await shot(page, "35-harvest-in-the-future");
    });
  });

  describe("a correction round trip", function () {
    it("the counter voids a sale recorded twice; the shopper's page shows it struck through", async function () {
      const w = await logIn("futian.chen");
      const { page } = w;
      expect((await trySale(w, MANGO_GTIN, LOT, "20", "box", "1580.50", 200)).status()).to.equal(200);
      const saleId = await expectRecordedAndConfirmed(page);

      const correctLink = page.locator(`tr[data-event="${saleId}"] a.correct-link`);
      const [opened] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), correctLink.click()]);
      expect(opened!.status()).to.equal(200);
      expect(new URL(page.url()).pathname).to.equal(`/console/events/${saleId}/correct`);
      await page.fill('#void-form textarea[name="reason"]', "重复登记");
      await shot(page, "36-correction-form");
      expect((await submit(page, "作废这条记录")).status()).to.equal(200);
      await expectRecordedAndConfirmed(page);
      const original = page.locator(`tr[data-event="${saleId}"]`);
      expect(await original.getAttribute("data-correction")).to.equal("void");
      expect(await original.locator("del").count()).to.equal(1);
      expect(await original.locator(".corrected-note").innerText()).to.equal("已作废：重复登记");
      expect(await original.locator("a.correct-link").count(), "a void record is corrected no more").to.equal(0);
      await expectClean(w);
      await shot(page, "37-sale-voided");

      const shopper = await phone();
      expect((await shopper.goto(`${h.base}/p/${batchId}`)).status()).to.equal(200);
      const voided = shopper.page.locator('ol.timeline > li[data-kind="sale"][data-status="void"]');
      expect(await voided.count(), "the voided sale, struck through").to.equal(1);
      expect(await voided.locator("del").count()).to.be.at.least(1);
      expect(await voided.innerText()).to.contain("重复登记");
      expect(await shopper.page.locator('ol.timeline > li[data-kind="sale"][data-status="live"]').count(), "the first sale stands").to.equal(1);
      await expectClean(shopper);
      await shot(shopper.page, "38-public-page-voided-sale");
    });
  });

  describe("what the console refuses", function () {
    const login = () => `${h.base}/console/login`;
    const hasSession = async (page: Page) => (await page.context().cookies()).some((c) => c.name === "plc_session");

    it("a wrong password: says so on the form, and no session", async function () {
      const w = await phone([{ url: login(), status: 401 }]);
      await w.goto(login());
      const answer = await logInOn(w.page, "tianyang.huang", "not the password");
      expect(answer.status()).to.equal(401);
      expect(await w.page.locator('[role="alert"]').first().innerText()).to.equal("用户名或密码不对。");
      expect(await w.page.inputValue('input[name="username"]'), "the username stays").to.equal("tianyang.huang");
      expect(await w.page.inputValue('input[name="password"]'), "the password does not").to.equal("");
      expect(await hasSession(w.page)).to.equal(false);
      await expectClean(w);
      await shot(w.page, "20-wrong-password");
    });

    it("a login form whose CSRF token was taken out: 403, and no session even with the right password", async function () {
      const w = await phone([{ url: login(), status: 403 }]);
      await w.goto(login());
      await w.page.evaluate(() => document.querySelector('input[name="_csrf"]')!.remove());
      expect(await w.page.locator('input[name="_csrf"]').count()).to.equal(0);
      const answer = await logInOn(w.page, "tianyang.huang", PASSWORD);
      expect(answer.status()).to.equal(403);
      expect(await w.page.locator('[data-error="csrf"]').innerText()).to.equal("表单已过期或来源不明，请刷新后重试。");
      expect(await hasSession(w.page)).to.equal(false);
      await expectClean(w);
      await shot(w.page, "21-csrf-refused");
    });

    it("five wrong passwords slow the guesser down: the same answer every time, the right one too while it waits", async function () {
      const w = await phone([{ url: login(), status: 401 }]);
      await w.goto(login());
      const statuses: number[] = [];
      for (let attempt = 1; attempt <= 5; attempt++) statuses.push((await logInOn(w.page, "tianyang.locked", `wrong password ${attempt}`)).status());
      expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
      // From this place the name now waits: the right password gets the same words, nothing tells the two apart.
      const right = await logInOn(w.page, "tianyang.locked", PASSWORD);
      expect(right.status()).to.equal(401);
      expect(await w.page.locator('[role="alert"]').first().innerText()).to.equal("用户名或密码不对。");
      expect(await hasSession(w.page)).to.equal(false);
      await expectClean(w);
      await shot(w.page, "22-login-throttled");
    });

    it("a carrier member gets the forbidden page for the harvest form and the certifier's pages", async function () {
      const w = await logIn("baise.wei");
      await expectForbidden(w, "/console/batches/new");
      await shot(w.page, "23-carrier-forbidden");
      await expectForbidden(w, "/console/certifications");
      await expectClean(w);
    });

    it("a cooperative member cannot open another cooperative's batch", async function () {
      const w = await logIn("tianyang.huang");
      await expectForbidden(w, `/console/batches/${otherBatchId}`);
      expect(await w.page.locator("body").innerText()).not.to.contain("LY2026-001");
      await expectClean(w);
      await shot(w.page, "24-other-cooperative-batch");
    });
  });
});
