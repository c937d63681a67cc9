/**
 * Uploads from a real browser (Chromium through playwright-core): its own multipart form, with
 * the headers it really sends (Origin: null under our no-referrer policy, Sec-Fetch-Site:
 * same-origin) and the CSRF token as the form's first field, passes the Origin check and the
 * token-first reader; a file past the byte limit, or past the row limit, comes back beside the
 * file field, in Chinese, with nothing stored.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { launchBrowser, phoneContext, watchedPage, type WatchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { goodHarvestCsv } from "../csv/import-fixtures";

const PASSWORD = "correct horse battery";

describe("security: uploads from a real browser (Chromium)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let context: BrowserContext;
  let h: Harness;
  let w: WatchedPage;

  before(async function () {
    h = await startHarness();
    const producer = await h.org("田阳芒果专业合作社", "producer");
    await h.member(producer.id, "farmer.li", PASSWORD);
    browser = await launchBrowser();
    context = await phoneContext(browser, { locale: "zh-CN" });
    w = await watchedPage(context, [
      { url: `${h.base}/console/imports`, status: 413 },
      { url: `${h.base}/console/imports`, status: 400 },
    ]);
    await w.goto(`${h.base}/console/login`);
    await w.page.fill('input[name="username"]', "farmer.li");
    await w.page.fill('input[name="password"]', PASSWORD);
    expect((await submit(w.page, "登录")).status()).to.equal(200);
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    await h?.stop();
  });

  async function submit(page: Page, button: string): Promise<Response> {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.getByRole("button", { name: button, exact: true }).click()]);
    if (!response) throw new Error(`pressing ${button} loaded no page`);
    return response;
  }

  async function upload(name: string, bytes: Buffer): Promise<{ status: number; url: string; fileError: string | null }> {
    await w.goto(`${h.base}/console/imports`);
    await w.page.selectOption('select[name="kind"]', "harvest");
    await w.page.setInputFiles('input[name="file"]', { name, mimeType: "text/csv", buffer: bytes });
    const response = await submit(w.page, "上传并检查");
    const error = w.page.locator('[data-field="file"] .field-error');
    return { status: response.status(), url: w.page.url(), fileError: (await error.count()) > 0 ? await error.innerText() : null };
  }

  const importsStored = () => (h.db.prepare(`SELECT count(*) AS n FROM csv_imports`).get() as { n: number }).n;

  it("takes Chromium's multipart upload, and refuses a file past 10 MB or 50,000 rows beside the file field", async function () {
    const good = await upload("采收.csv", goodHarvestCsv("BROWSER", 3));
    expect(good.status).to.equal(200);
    expect(good.url).to.match(/\/console\/imports\/[0-9a-f-]{36}$/);
    expect(importsStored()).to.equal(1);

    const big = Buffer.concat([Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt\n"), Buffer.alloc(10 * 1024 * 1024, 0x41)]);
    expect(await upload("大文件.csv", big)).to.deep.include({ status: 413, fileError: "文件超过 10 MB：请分成几个较小的文件" });

    const long = await upload("很多行.csv", goodHarvestCsv("LONG", 50_001));
    expect(long).to.deep.include({ status: 400, fileError: "数据超过 50000 行：请分成每个不超过 50000 行的几个文件" });

    expect(importsStored()).to.equal(1);
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
  });
});
