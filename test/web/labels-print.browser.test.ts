/**
 * Label sheets printed exactly on label stock: Chromium prints each stock's sheet to PDF at the
 * page's own CSS size (as a person printing at 100 % with no margins would), and the test reads
 * the PDF itself (test/helpers/pdf-boxes.ts) to measure every label's box on every page against
 * the stock maker's grid, within 0.3 mm. To make the boxes visible in the PDF, the test paints
 * each label a colour that numbers it (through the CSSOM: the page itself is not changed); the
 * boxes measured are the ones the page's own stylesheet lays out.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { MM_PER_PT, readPdfPages, type FilledRect } from "../helpers/pdf-boxes";
import * as payload from "../../scripts/lib/payloads";

// The functions passed to evaluate() run in the page; the project compiles without the DOM
// library, so the little of the DOM they use is declared here (in this module only).
interface DomRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}
interface DomElement {
  style: { backgroundColor: string };
  className: unknown;
  tagName: string;
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): DomRect;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<DomElement> };

/** The stocks as their makers draw them (mm), and how many labels each test prints on them: one full sheet and a partial one. */
const STOCKS = [
  { id: "a4-3x8", page: { width: 210, height: 297 }, pagePt: { width: 595.28, height: 841.89 }, columns: 3, rows: 8, label: { width: 70, height: 37 }, top: 0.5, count: 24 + 5 },
  { id: "a4-2x5", page: { width: 210, height: 297 }, pagePt: { width: 595.28, height: 841.89 }, columns: 2, rows: 5, label: { width: 105, height: 57 }, top: 6, count: 10 + 3 },
  { id: "60x40", page: { width: 60, height: 40 }, pagePt: { width: 170.08, height: 113.39 }, columns: 1, rows: 1, label: { width: 60, height: 40 }, top: 0, count: 3 },
] as const;
type Stock = (typeof STOCKS)[number];

/** How far a printed edge may be from the stock's (mm). */
const TOLERANCE_MM = 0.3;

const mm = (pt: number) => pt * MM_PER_PT;

describe("label sheets printed to PDF on label stock (Chromium)", function () {
  this.timeout(300_000);
  let browser: Browser;
  let h: Harness;
  let batchId: string;
  let producerKey: string;
  const contexts: BrowserContext[] = [];

  before(async function () {
    browser = await launchBrowser(); // throws, failing the file, when Chromium is missing
    h = await startHarness();
    const producer = await h.org("田阳芒果专业合作社", "producer");
    producerKey = producer.apiKey;
    const created = await h.call("POST", "/api/v1/batches", { token: producerKey, body: payload.harvest("LB-2026-01") });
    expect(created.status, JSON.stringify(created.body)).to.be.below(300);
    batchId = created.body.batchId;
    // A valid 圳品 certificate: its mark is the tallest line a label prints.
    const certifier = await h.org("深圳市标准技术研究院", "certifier");
    const certified = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-LB-0001") });
    expect(certified.status, JSON.stringify(certified.body)).to.be.below(300);
    await h.settle();
  });

  after(async function () {
    await browser?.close();
    await h?.stop();
  });

  afterEach(async function () {
    while (contexts.length > 0) await contexts.pop()!.close();
  });

  async function issueSerials(count: number): Promise<string[]> {
    const issued = await h.call("POST", `/api/v1/batches/${batchId}/serials`, { token: producerKey, body: { count } });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    return issued.body.serials.map((x: { serial: string }) => x.serial);
  }

  /** A desktop browser page (the one people print from), watched for errors. */
  async function desktop(locale = "zh-CN"): Promise<WatchedPage> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return watchedPage(context);
  }

  async function openSheet(path: string, locale?: string): Promise<WatchedPage> {
    const w = await desktop(locale);
    const response = await w.goto(`${h.base}${path}`);
    expect(response.status()).to.equal(200);
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    return w;
  }

  /** Paints label i rgb(255, i, 0), so that its box shows in the PDF as a filled rectangle that says which label it is. */
  async function numberLabels(page: Page): Promise<number> {
    return page.evaluate(() => {
      const labels = document.querySelectorAll(".label");
      for (let i = 0; i < labels.length; i++) labels[i].style.backgroundColor = `rgb(255, ${i}, 0)`;
      return labels.length;
    });
  }

  /** The numbered label boxes of a PDF page, in mm from its top-left corner. */
  function labelBoxes(fills: FilledRect[]): Array<{ index: number; x: number; y: number; width: number; height: number }> {
    return fills
      .filter((fill) => fill.color[0] === 1 && fill.color[2] === 0)
      .map((fill) => ({ index: Math.round(fill.color[1] * 255), x: mm(fill.x), y: mm(fill.y), width: mm(fill.width), height: mm(fill.height) }));
  }

  function expectNear(actual: number, expected: number, what: string): void {
    expect(actual, `${what}: ${actual.toFixed(3)} mm, the stock has ${expected} mm`).to.be.closeTo(expected, TOLERANCE_MM);
  }

  for (const stock of STOCKS) {
    const perSheet = stock.columns * stock.rows;
    it(`${stock.id}: prints ${stock.count} labels at the stock's exact page size, each label in its cell to ±${TOLERANCE_MM} mm, the partial last sheet on the same grid`, async function () {
      const serials = await issueSerials(stock.count);
      const w = await openSheet(`/labels/${batchId}?serials=${serials.join(",")}&stock=${stock.id}`);
      expect(await numberLabels(w.page)).to.equal(stock.count);
      const pdf = await w.page.pdf({ preferCSSPageSize: true, printBackground: true });
      const pages = readPdfPages(pdf);

      const sheets = Math.ceil(stock.count / perSheet);
      expect(pages, "pages printed").to.have.length(sheets);
      for (const [p, page] of pages.entries()) {
        // Chromium rounds the page to its 300 dpi device pixels: within a tenth of a millimetre of the paper.
        expectNear(mm(page.width), mm(stock.pagePt.width), `page ${p + 1} width`);
        expectNear(mm(page.height), mm(stock.pagePt.height), `page ${p + 1} height`);
        expectNear(mm(page.width), stock.page.width, `page ${p + 1} width`);
        expectNear(mm(page.height), stock.page.height, `page ${p + 1} height`);

        const boxes = labelBoxes(page.fills);
        const first = p * perSheet;
        const expected = Math.min(perSheet, stock.count - first);
        // Each label whole on one page: one box each, in order.
        expect(boxes.map((box) => box.index), `labels on page ${p + 1}`).to.deep.equal(Array.from({ length: expected }, (_, k) => first + k));
        for (const box of boxes) {
          const cell = box.index - first;
          const column = cell % stock.columns;
          const row = Math.floor(cell / stock.columns);
          const what = `page ${p + 1}, label ${box.index + 1} (row ${row + 1}, column ${column + 1})`;
          expectNear(box.x, column * stock.label.width, `${what} x`);
          expectNear(box.y, stock.top + row * stock.label.height, `${what} y`);
          expectNear(box.width, stock.label.width, `${what} width`);
          expectNear(box.height, stock.label.height, `${what} height`);
        }
        // Nothing else is painted on the paper: any other filled shape is white, or inside a label.
        const stray = page.fills
          .filter((fill) => !(fill.color[0] === 1 && fill.color[2] === 0) && !fill.color.every((c) => c === 1))
          .map((fill) => ({ x: mm(fill.x), y: mm(fill.y), width: mm(fill.width), height: mm(fill.height), color: fill.color }))
          .filter((fill) => !boxes.some((box) => fill.x >= box.x - TOLERANCE_MM && fill.y >= box.y - TOLERANCE_MM && fill.x + fill.width <= box.x + box.width + TOLERANCE_MM && fill.y + fill.height <= box.y + box.height + TOLERANCE_MM));
        expect(stray, `page ${p + 1}: painted outside the labels`).to.deep.equal([]);
      }
      expect(w.all()).to.deep.equal([]);
    });
  }

  it("fits every label's content in its box when printed, on every stock: QR code, product, lot, 查验码 and URL whole", async function () {
    const serials = await issueSerials(4);
    for (const stock of STOCKS) {
      const w = await openSheet(`/labels/${batchId}?serials=${serials.join(",")}&stock=${stock.id}`);
      await w.page.emulateMedia({ media: "print" });
      const report = await w.page.evaluate(() => {
        const problems: string[] = [];
        const labels = document.querySelectorAll(".label");
        for (let i = 0; i < labels.length; i++) {
          const label = labels[i];
          const box = label.getBoundingClientRect();
          if (label.scrollWidth > label.clientWidth || label.scrollHeight > label.clientHeight) {
            problems.push(`label ${i + 1}: content ${label.scrollWidth}x${label.scrollHeight} overflows ${label.clientWidth}x${label.clientHeight}`);
          }
          for (const selector of ["svg", ".label-product", ".label-code", ".label-url", ".label-text > span"]) {
            const parts = label.querySelectorAll(selector);
            if (parts.length === 0) problems.push(`label ${i + 1}: no ${selector}`);
            for (let k = 0; k < parts.length; k++) {
              const part = parts[k];
              const r = part.getBoundingClientRect();
              if (r.width === 0 || r.height === 0) problems.push(`label ${i + 1}: ${selector} not shown`);
              if (r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) {
                problems.push(`label ${i + 1}: ${selector} outside the label`);
              }
              // Cut text: wider (or, for the URL's two lines, taller) than the box it is shown in.
              if (part.tagName !== "svg" && (part.scrollWidth > part.clientWidth || part.scrollHeight > part.clientHeight)) {
                problems.push(`label ${i + 1}: ${selector} cut (${part.scrollWidth}x${part.scrollHeight} in ${part.clientWidth}x${part.clientHeight})`);
              }
            }
          }
          // The QR code, the facts and the URL each have their own room: none covers another.
          const areas = ["svg", ".label-text", ".label-url"].map((selector) => ({ selector, r: label.querySelector(selector)?.getBoundingClientRect() }));
          for (let a = 0; a < areas.length; a++) {
            for (let b = a + 1; b < areas.length; b++) {
              const [p, q] = [areas[a].r, areas[b].r];
              if (!p || !q) continue;
              const overlap = Math.min(p.right, q.right) - Math.max(p.left, q.left) > 0.5 && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 0.5;
              if (overlap) problems.push(`label ${i + 1}: ${areas[a].selector} covers ${areas[b].selector}`);
            }
          }
        }
        return { problems, count: labels.length };
      });
      expect(report.count, stock.id).to.equal(serials.length);
      expect(report.problems, stock.id).to.deep.equal([]);
      const shown = await w.page.locator(".label").first().innerText();
      expect(shown, stock.id).to.contain("田阳香芒").and.to.contain("LB-2026-01").and.to.contain("百色市田阳区").and.to.contain("圳品").and.to.contain("查验码");
      expect(shown, stock.id).to.contain(serials[0].match(/.{1,4}/g)!.join("-"));
      expect(shown.replace(/\s+/g, ""), stock.id).to.contain(`${h.base.replace(/^http:\/\//, "")}/01/${payload.MANGO_GTIN}/10/LB-2026-01/21/${serials[0]}`);
      // Nothing but the sheets is printed.
      expect(await w.page.locator(".label-controls").isVisible(), stock.id).to.equal(false);
      expect(await w.page.locator(".site-header").isVisible(), stock.id).to.equal(false);
      await screenshot(w.page, this.test!.title, stock.id);
    }
  });

  it("offers the stocks and says how to print, in Chinese and in English; the links keep the serials", async function () {
    const serials = await issueSerials(2);
    const path = `/labels/${batchId}?serials=${serials.join(",")}`;
    const zh = await openSheet(path, "zh-CN");
    expect(await zh.page.locator("body").getAttribute("data-stock")).to.equal("a4-3x8");
    const hint = await zh.page.locator(".print-hint").innerText();
    expect(hint).to.contain("100 %").and.to.contain("实际大小").and.to.contain("边距").and.to.contain("Actual size");
    const stocks = zh.page.locator(".label-stocks a");
    expect(await stocks.count()).to.equal(3);
    expect(await zh.page.locator('.label-stocks a[aria-current="page"]').getAttribute("data-stock")).to.equal("a4-3x8");
    await screenshot(zh.page, this.test!.title, "zh");

    // Choosing a stock: the same labels on the other stock, which the page then marks as chosen.
    await Promise.all([zh.page.waitForURL(/stock=a4-2x5/), zh.page.locator('.label-stocks a[data-stock="a4-2x5"]').click()]);
    expect(await zh.page.locator("body").getAttribute("data-stock")).to.equal("a4-2x5");
    expect(await zh.page.locator('.label-stocks a[aria-current="page"]').getAttribute("data-stock")).to.equal("a4-2x5");
    expect(await zh.page.locator(".label").evaluateAll((all) => all.map((l) => (l as unknown as { getAttribute(n: string): string }).getAttribute("data-uri")))).to.deep.equal(
      serials.map((serial) => `${h.base}/01/${payload.MANGO_GTIN}/10/LB-2026-01/21/${serial}`),
    );

    // The language switch keeps the serials and the stock.
    await Promise.all([zh.page.waitForURL(/lang=en/), zh.page.locator("a.lang-switch").click()]);
    expect(await zh.page.locator("html").getAttribute("lang")).to.equal("en");
    expect(await zh.page.locator("body").getAttribute("data-stock")).to.equal("a4-2x5");
    expect(await zh.page.locator(".label").count()).to.equal(2);
    const english = await zh.page.locator(".print-hint").innerText();
    expect(english).to.contain("100 %").and.to.contain("Actual size").and.to.contain("margins None").and.to.contain("实际大小");
    expect(zh.all()).to.deep.equal([]);
  });

  it("prints one sheet of batch labels on the chosen stock when no serials are named", async function () {
    for (const stock of STOCKS) {
      const sheet = await fetch(`${h.base}/labels/${batchId}?stock=${stock.id}`);
      expect(sheet.status).to.equal(200);
      const text = await sheet.text();
      expect(text.match(/class="label"/g), stock.id).to.have.length(stock.columns * stock.rows);
      expect(text.match(/class="sheet"/g), stock.id).to.have.length(1);
      const css = /<link rel="stylesheet" href="(\/assets\/labels-[^"]+\.css)">/.exec(text);
      expect(css, `${stock.id}: its stylesheet`).to.not.equal(null);
      const body = await (await fetch(`${h.base}${css![1]}`)).text();
      expect(body, stock.id).to.contain(`@page { size: ${stock.page.width}mm ${stock.page.height}mm; margin: 0; }`);
    }
  });

  it("refuses an unknown stock with a clear error naming the field", async function () {
    const answer = await fetch(`${h.base}/labels/${batchId}?stock=a4-4x10`);
    expect(answer.status).to.equal(400);
    const text = await answer.text();
    expect(text).to.contain("stock").and.to.contain("a4-4x10").and.to.contain("a4-3x8");
    expect(text).not.to.contain('class="label"');
  });
});
