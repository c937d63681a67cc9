/**
 * On a phone (Chromium, 360 px): the shopper taps "现在向区块链重新核验" on a batch's page and
 * reads the verification as a page, not raw JSON: its one sentence, and each step with ✓. Also a
 * harvest photo's thumbnail loads in its sized box. No console error, page error or failed request.
 */
import { expect } from "chai";
import { keccak256 } from "ethers";
import { PNG } from "pngjs";
import type { Browser, BrowserContext } from "playwright-core";
import { launchBrowser, phoneContext, screenshot, watchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { PhotoRepository } from "../../server/store/photo-repository";

describe("the verification page in a browser", function () {
  this.timeout(180_000);
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let batchId: string;

  before(async function () {
    browser = await launchBrowser();
    h = await startHarness();
    const producer = await h.org("田阳芒果专业合作社", "producer");
    const retailer = await h.org("福田区消费帮扶专柜", "retailer");
    const image = new PNG({ width: 8, height: 6 });
    image.data.fill(90);
    const bytes = PNG.sync.write(image);
    const hash = keccak256(bytes);
    new PhotoRepository(h.db).saveNew([{ hash, orgId: producer.id, contentType: "image/png", bytes }]);
    batchId = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("VB-1", { photoHashes: [hash] }) })).body.batchId;
    await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: producer.apiKey, body: payload.shipment(retailer.id) });
    await h.settle();
  });

  afterEach(async function () {
    await context?.close();
    context = undefined;
  });

  after(async function () {
    await browser?.close();
    await h?.stop();
  });

  for (const [lang, link, sentence, back] of [
    ["zh-CN", "现在向区块链重新核验", "全部 2 步都与区块链上的记录一致。", "返回这一批次的溯源页面"],
    ["en-GB", "Check against the chain again now", "All 2 steps match the records on the blockchain.", "Back to this batch's page"],
  ] as const) {
    it(`opens the verification as a page from the batch's page (${lang})`, async function () {
      context = await phoneContext(browser, { locale: lang });
      const w = await watchedPage(context);
      await w.goto(`${h.base}/p/${batchId}`);
      // The harvest's photo thumbnail loaded, in its box.
      const thumb = w.page.locator(".photo-thumbs img");
      await thumb.scrollIntoViewIfNeeded();
      expect(await thumb.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth)).to.equal(8);

      await Promise.all([w.page.waitForURL(/\/verify/), w.page.getByRole("link", { name: link }).click()]);
      expect(await w.page.locator("[role=status]").innerText()).to.equal(sentence);
      const marks = await w.page.locator(".verify-events > li .mark").allInnerTexts();
      expect(marks).to.deep.equal(["✓", "✓"]);
      await screenshot(w.page, this.test!.title);
      // And back to the batch's page.
      await Promise.all([w.page.waitForURL(/\/p\//), w.page.getByRole("link", { name: back }).click()]);
      expect(w.all()).to.deep.equal([]);
    });
  }
});
