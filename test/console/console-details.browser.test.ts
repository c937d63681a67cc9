/**
 * Console details (issue 17) in a real browser (Debian's Chromium, a 360 x 740 phone, no script
 * on the pages): after "list this province's counties" posts the harvest form back, the focus is
 * on the county field, in view; and the "being written" banner of a record just made goes by
 * the page's own reloading once the record is on chain, and the page then stops reloading.
 * Screenshots go to test-results/, named by the test.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, phoneContext, screenshot, watchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, shipment } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";

/** Whether the element is the page's focused one (the function runs in the page). */
function isFocused(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((element: any) => element === element.ownerDocument.activeElement);
}

describe("console details in a real browser (Chromium, 360 px phone)", function () {
  this.timeout(120_000);
  let browser: Browser;
  let context: BrowserContext;
  let h: Harness;
  let producer: { id: string; address: string; apiKey: string };
  let retailer: { id: string; address: string; apiKey: string };

  before(async function () {
    browser = await launchBrowser();
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    retailer = await h.org("福田区消费帮扶专柜", "retailer");
    await h.member(producer.id, "coop", PASSWORD);
    context = await phoneContext(browser, { locale: "zh-CN" });
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    await h?.stop();
  });

  /** Logs the cooperative's member in (once: the context keeps the session). */
  async function logIn(page: Page): Promise<void> {
    await page.goto(`${h.base}/console/login`);
    if (new URL(page.url()).pathname !== "/console/login") return;
    await page.fill('input[name="username"]', "coop");
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.getByRole("button", { name: "登录", exact: true }).click()]);
  }

  it("puts the focus back on the county field after listing a province's counties", async function () {
    const w = await watchedPage(context);
    await logIn(w.page);
    await w.goto(`${h.base}/console/batches/new`);
    expect(await isFocused(w.page, "#f-countyCode")).to.equal(false);
    await w.page.fill('input[name="productName"]', "田阳香芒");
    await w.page.selectOption('select[name="province"]', "45");
    await Promise.all([w.page.waitForNavigation({ waitUntil: "load" }), w.page.getByRole("button", { name: "列出该省的县区" }).click()]);

    expect(await isFocused(w.page, "#f-countyCode"), "the county field has the focus").to.equal(true);
    // The function runs in the page (the project compiles without the DOM library: `any`).
    const inView = await w.page.locator("#county-row").evaluate((row: any) => {
      const box = row.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= row.ownerDocument.defaultView.innerHeight;
    });
    expect(inView, "the county field and its label are on screen").to.equal(true);
    expect(await w.page.inputValue('input[name="productName"]'), "what was typed stays").to.equal("田阳香芒");
    // The counties are grouped by prefecture: 田阳区 under 百色市.
    expect(await w.page.locator('optgroup[label="百色市"] option[value="451003"]').count()).to.equal(1);
    // The member goes on from there with the keyboard: the next key picks a county.
    await w.page.keyboard.press("ArrowDown");
    expect(await w.page.inputValue("#f-countyCode")).to.match(/^45\d{4}$/);
    await screenshot(w.page, this.test!.title);
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    await w.page.close();
  });

  it("takes the being-written banner away by its own reloading once the record is on chain", async function () {
    const batchId = harvestedBatchId("TY-B1");
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("TY-B1") })).status).to.equal(202);
    await h.settle();
    const shipped = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: producer.apiKey, body: shipment(retailer.id) });
    expect(shipped.status).to.equal(202);
    const eventId = shipped.body.eventId as string;

    const w = await watchedPage(context);
    await logIn(w.page);
    await w.goto(`${h.base}/console/events?recorded=${eventId}`);
    const banner = w.page.locator(`[data-recorded="${eventId}"]`);
    expect(await banner.innerText()).to.equal("已登记，正在写入区块链。");
    expect(await w.page.locator("[data-refreshing]").count()).to.equal(1);
    await screenshot(w.page, this.test!.title, "pending");

    await h.settle();
    // No reload by the test: the page's own refresh brings the new state.
    await w.page.locator(`[data-recorded="${eventId}"][data-recorded-status="confirmed"]`).waitFor({ timeout: 60_000 });
    expect(await banner.innerText()).to.equal("已登记，并已写入区块链。");
    expect(await w.page.locator("[data-refreshing]").count()).to.equal(0);
    expect(await w.page.locator('meta[http-equiv="refresh"]').count(), "the page stops reloading").to.equal(0);
    expect(await w.page.locator("main").innerText()).not.to.contain("正在写入");
    await screenshot(w.page, this.test!.title, "written");
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    await w.page.close();
  });
});
