/**
 * The public pages in a real browser (Debian's Chromium through playwright-core, a 360 px
 * phone): what a shopper who scans a code sees, in both languages; the QR round trip from a
 * printed label back to the unit's page; script payloads shown as text under a strict CSP;
 * counterfeit, 圳品 and recall warnings; the friendly not-found page. Every page must load
 * with no console error, no page error and no failed request. Screenshots go to test-results/.
 */
import { expect } from "chai";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, phoneContext, screenshot, watchedPage, type ContextOptions, type ExpectedStatus, type WatchedPage } from "../helpers/browser";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { recordStories, XSS, type Stories } from "../helpers/page-stories";
import * as payload from "../../scripts/lib/payloads";

const GTIN = payload.MANGO_GTIN;
const SCAN_WARN = 3;
const GREEN = "rgb(11, 107, 58)"; // --green of site.css: the header's background once the stylesheet applies

/** The words each language must show for the journey batch. */
const WORDS = {
  zh: {
    htmlLang: "zh-CN",
    lot: "批次号",
    county: "县区",
    producer: "生产合作社",
    harvested: "采收日期",
    quantity: "数量",
    certificateNo: "证书编号",
    certifier: "认证机构",
    notes: "备注",
    chainId: "链 ID",
    contract: "合约地址",
    deployBlock: "合约部署区块",
    batchId: "批次 ID",
    rpc: "<链节点的RPC地址>",
    serial: "单品码",
    harvestDate: "2026年6月1日",
    quantityText: "1200 公斤",
    programme: "消费帮扶地区产品",
    valid: "有效",
    revoked: "已撤销",
    expired: "已过期",
    journey: "溯源旅程",
    notFound: "没有找到这个产品",
  },
  en: {
    htmlLang: "en",
    lot: "Lot",
    county: "County",
    producer: "Producing cooperative",
    harvested: "Harvested",
    quantity: "Quantity",
    certificateNo: "Certificate no.",
    certifier: "Certified by",
    notes: "Notes",
    chainId: "Chain ID",
    contract: "Contract",
    deployBlock: "Deploy block",
    batchId: "Batch id",
    rpc: "<RPC URL of a chain node>",
    serial: "Unit code",
    harvestDate: "1 June 2026",
    quantityText: "1200 kg",
    programme: "From a region the consumption-aid programme (消费帮扶) supports",
    valid: "Valid",
    revoked: "Revoked",
    expired: "Expired",
    journey: "Journey",
    notFound: "Product not found",
  },
} as const;
type Lang = keyof typeof WORDS;

// The functions passed to evaluate() run in the page; the project compiles without the DOM
// library, so the little of the DOM they use is declared here (in this module only).
interface DomText {
  innerText: string;
  nextElementSibling: DomText | null;
  querySelectorAll(selector: string): ArrayLike<DomText>;
}
declare const document: {
  documentElement: { scrollWidth: number };
  createRange(): { selectNodeContents(node: unknown): void; getClientRects(): ArrayLike<{ top: number }> };
};
declare const window: Record<string, unknown>;
declare function getComputedStyle(element: unknown): { backgroundColor: string };

/** The definition lists of a section as [term, definition] pairs of visible text. */
async function factsOf(page: Page, selector: string): Promise<Array<[string, string]>> {
  return page
    .locator(selector)
    .first()
    .evaluate((section) =>
      Array.from((section as unknown as DomText).querySelectorAll("dt")).map((dt): [string, string] => [
        dt.innerText.trim(),
        (dt.nextElementSibling?.innerText ?? "").trim(),
      ]),
    );
}

function fact(facts: Array<[string, string]>, term: string): string {
  const found = facts.find(([dt]) => dt === term);
  if (!found) throw new Error(`no "${term}" among ${JSON.stringify(facts)}`);
  return found[1];
}

/** Decodes the one QR code of a PNG, on a white margin and scaled up if it does not read as it is. */
function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const attempts = [
    { pad: 0, scale: 1 },
    { pad: 32, scale: 1 },
    { pad: 32, scale: 2 },
  ];
  for (const { pad, scale } of attempts) {
    const width = (image.width + 2 * pad) * scale;
    const height = (image.height + 2 * pad) * scale;
    const data = new Uint8ClampedArray(width * height * 4).fill(255);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.floor(x / scale) - pad;
        const sy = Math.floor(y / scale) - pad;
        if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) continue;
        const from = (sy * image.width + sx) * 4;
        const alpha = image.data[from + 3] / 255;
        const to = (y * width + x) * 4;
        // Composite on white, so a transparent background reads as paper.
        for (let c = 0; c < 3; c++) data[to + c] = Math.round(image.data[from + c] * alpha + 255 * (1 - alpha));
      }
    }
    const code = jsQR(data, width, height);
    if (code) return code.data;
  }
  throw new Error(`no QR code found in a ${image.width}x${image.height} image`);
}

describe("public pages in a real browser (Chromium, 360 px phone)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let h: Harness;
  let s: Stories;
  let chain: { chainId: number; contract: string; deployBlock: number };
  const contexts: BrowserContext[] = [];

  before(async function () {
    browser = await launchBrowser(); // throws, failing the file, when Chromium is missing
    h = await startHarness({ web: { scanWarnThreshold: SCAN_WARN } });
    s = await recordStories(h);
    const answer = await h.call("GET", "/api/v1/chain");
    expect(answer.status).to.equal(200);
    chain = answer.body;
  });

  after(async function () {
    await browser?.close();
    await h?.stop();
  });

  afterEach(async function () {
    while (contexts.length > 0) await contexts.pop()!.close();
  });

  /** A fresh phone with one watched page. */
  async function phone(options: ContextOptions = {}, expected: ExpectedStatus[] = []): Promise<WatchedPage> {
    const context = await phoneContext(browser, options);
    contexts.push(context);
    return watchedPage(context, expected);
  }

  function title(ctx: Mocha.Context): string {
    return ctx.test!.titlePath().slice(1).join(" "); // without the file's own describe
  }

  /** The page loaded cleanly, with its stylesheet, and fits a 360 px screen. */
  async function expectClean(w: WatchedPage): Promise<void> {
    expect(w.all(), "console errors, page errors or failed requests").to.deep.equal([]);
    // Without an icon of its own a page makes Chromium fetch /favicon.ico, a 404 in the console
    // that arrives after the load (so the list above may not have it yet): check the cause.
    expect(await w.page.locator('head link[rel~="icon"]').count(), "the page names its icon").to.equal(1);
    expect(await w.page.locator(".site-header").evaluate((e) => getComputedStyle(e).backgroundColor)).to.equal(GREEN);
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow, "page width in CSS pixels (no sideways scrolling)").to.be.at.most(360);
    const switchLines = await w.page.locator("a.lang-switch").evaluate((link) => {
      const range = document.createRange();
      range.selectNodeContents(link);
      return new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
    });
    expect(switchLines, "lines the language switch takes").to.equal(1);
  }

  const journeyPath = () => `/01/${GTIN}/10/${s.journey.lot}`;

  /** Everything a shopper must read on the journey batch's page, in `lang`. */
  async function expectJourneyPage(page: Page, lang: Lang): Promise<void> {
    const t = WORDS[lang];
    expect(await page.locator("html").getAttribute("lang")).to.equal(t.htmlLang);
    expect((await page.locator("h1").innerText()).trim()).to.equal("田阳香芒");

    const product = await factsOf(page, "section:has(#product-heading)");
    expect(fact(product, t.lot)).to.equal(s.journey.lot);

    const origin = page.locator("section.card:has([data-programme-county])");
    await expect1(origin);
    expect((await origin.locator("[data-programme-county]").innerText()).trim()).to.equal(t.programme);
    expect(await origin.locator("[data-programme-county]").isVisible()).to.equal(true);
    const originFacts = await factsOf(page, "section.card:has([data-programme-county])");
    expect(fact(originFacts, t.county)).to.equal("百色市田阳区 451003");
    expect(fact(originFacts, t.producer)).to.equal("田阳芒果专业合作社");
    expect(fact(originFacts, t.harvested)).to.equal(t.harvestDate);
    expect(fact(originFacts, t.quantity)).to.equal(t.quantityText);

    // The journey in the order it happened, by the time each step shows. The 圳品 certificate
    // is placed when the certifier recorded it (its block's time: the test's now, after the
    // events dated June 2026), its validity beside it; the batch's own events in their order.
    expect((await page.locator("#journey-heading").innerText()).trim()).to.equal(t.journey);
    const steps = await page.locator("ol.timeline > li[data-kind]").evaluateAll((items) =>
      items.map((li) => ({ kind: li.getAttribute("data-kind"), at: li.querySelector("time")?.getAttribute("datetime") ?? null })),
    );
    expect(steps.map((step) => step.kind)).to.deep.equal([
      "harvest", "shipment", "receipt", "shipment", "receipt", "processing", "shipment", "receipt", "shipment", "receipt", "certification",
    ]);
    const times = steps.map((step) => Date.parse(step.at ?? ""));
    expect(times.every((time) => Number.isFinite(time)), "every step shows when it happened").to.equal(true);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    // The retail packs split from it are linked, not mixed into its journey.
    expect(await page.locator("ol.timeline ~ p a code").allInnerTexts()).to.deep.equal(["PG-P1", "PG-P2"]);

    const badge = page.locator('[data-certification="valid"]');
    await expect1(badge);
    expect((await badge.locator(".badge-status").innerText()).trim()).to.equal(t.valid);
    const certFacts = await factsOf(page, '[data-certification="valid"]');
    expect(fact(certFacts, t.certificateNo)).to.equal("ZP-PG-0001");
    expect(fact(certFacts, t.certifier)).to.equal("深圳市标准技术研究院");
    // The certifier's notes are in its public detail, so the page shows them.
    expect(fact(certFacts, t.notes)).to.equal("基地抽检合格，管理规范");

    const panel = page.locator('[data-verified="true"]');
    await expect1(panel);
    const verification = await factsOf(page, '[data-verified="true"]');
    expect(chain.chainId).to.equal(31337);
    expect(fact(verification, t.chainId)).to.equal(String(chain.chainId));
    expect(fact(verification, t.contract)).to.equal(chain.contract);
    expect(fact(verification, t.deployBlock)).to.equal(String(chain.deployBlock));
    expect(fact(verification, t.batchId)).to.equal(s.journey.batchId);
    // The audit command, as a reader copies it from the screen.
    const command = panel.locator("pre[data-audit-command] code");
    await expect1(command);
    expect(await command.innerText()).to.equal(
      [
        "npm run cli -- audit \\",
        `  --gtin ${GTIN} \\`,
        `  --lot ${s.journey.lot} \\`,
        `  --rpc ${t.rpc} \\`,
        `  --ledger ${chain.contract} \\`,
        `  --from-block ${chain.deployBlock} \\`,
        `  --details ${h.base}`,
      ].join("\n"),
    );
    // Each record links to its detail by the hash the chain holds.
    const detailLinks = await page.locator("ol.timeline > li[data-kind] a.detail-link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(detailLinks).to.have.length(steps.length);
    for (const href of detailLinks) expect(href).to.match(/^\/api\/v1\/details\/0x[0-9a-f]{64}$/);
    expect(await page.locator('[data-warning]').count(), "no warning on a healthy batch").to.equal(0);
  }

  /** Exactly one such element, and visible. */
  async function expect1(locator: ReturnType<Page["locator"]>): Promise<void> {
    expect(await locator.count()).to.equal(1);
    expect(await locator.isVisible()).to.equal(true);
  }

  describe("the journey batch", function () {
    it("is in Chinese by default, by batch id and by Digital Link", async function () {
      const w = await phone({ locale: "zh-CN" });
      for (const path of [`/p/${s.journey.batchId}`, journeyPath()]) {
        const response = await w.goto(`${h.base}${path}`);
        expect(response.status()).to.equal(200);
        await expectJourneyPage(w.page, "zh");
        await expectClean(w);
        await screenshot(w.page, title(this), path.startsWith("/p/") ? "by-batch-id" : "by-digital-link");
      }
    });

    it("is in English with ?lang=en, by batch id and by Digital Link", async function () {
      const w = await phone({ locale: "zh-CN" });
      for (const path of [`/p/${s.journey.batchId}`, journeyPath()]) {
        const response = await w.goto(`${h.base}${path}?lang=en`);
        expect(response.status()).to.equal(200);
        await expectJourneyPage(w.page, "en");
        await expectClean(w);
        await screenshot(w.page, title(this), path.startsWith("/p/") ? "by-batch-id" : "by-digital-link");
      }
    });

    it("is in English for a phone whose Accept-Language is en-US", async function () {
      const w = await phone({ locale: "en-US", extraHTTPHeaders: { "Accept-Language": "en-US" } });
      const response = await w.goto(`${h.base}${journeyPath()}`);
      expect(await response.request().headerValue("accept-language")).to.equal("en-US");
      expect(response.status()).to.equal(200);
      expect(response.headers()["vary"]).to.match(/accept-language/i);
      await expectJourneyPage(w.page, "en");
      await expectClean(w);
      await screenshot(w.page, title(this));
    });

    it("switches from Chinese to English with the visible language link", async function () {
      const w = await phone({ locale: "zh-CN" });
      await w.goto(`${h.base}${journeyPath()}`);
      const link = w.page.locator("a.lang-switch");
      expect(await link.isVisible()).to.equal(true);
      expect((await link.innerText()).trim()).to.equal("English");
      await Promise.all([w.page.waitForURL(`${h.base}${journeyPath()}?lang=en`), link.click()]);
      expect(await w.page.locator("html").getAttribute("lang")).to.equal("en");
      await expectJourneyPage(w.page, "en");
      // And back again.
      await Promise.all([w.page.waitForURL(`${h.base}${journeyPath()}?lang=zh`), w.page.locator("a.lang-switch").click()]);
      await expectJourneyPage(w.page, "zh");
      await expectClean(w);
    });
  });

  describe("QR codes", function () {
    it("round-trips: a label's QR decodes to the unit's Digital Link URI, which opens the unit's page", async function () {
      const packId = s.packs[0];
      const issued = await h.call("POST", `/api/v1/batches/${packId}/serials`, { token: s.orgs.processor.apiKey, body: { count: 3 } });
      expect(issued.status).to.equal(201);
      const serials: string[] = issued.body.serials.map((x: { serial: string }) => x.serial);
      expect(serials).to.have.length(3);

      const w = await phone({ locale: "zh-CN" });
      const sheet = await w.goto(`${h.base}/labels/${packId}?serials=${serials.join(",")}`);
      expect(sheet.status()).to.equal(200);
      expect(w.all()).to.deep.equal([]);
      const labels = w.page.locator(".label");
      expect(await labels.count()).to.equal(3);
      const packLot = "PG-P1";
      const unitUri = (serial: string) => `${h.base}/01/${GTIN}/10/${packLot}/21/${serial}`;
      expect(await labels.evaluateAll((all) => all.map((l) => l.getAttribute("data-uri")))).to.deep.equal(serials.map(unitUri));
      await screenshot(w.page, title(this), "label-sheet");

      const qr = w.page.locator(".label svg").first();
      await qr.scrollIntoViewIfNeeded();
      const decoded = decodeQr(await qr.screenshot({ type: "png" }));
      expect(decoded).to.equal(unitUri(serials[0]));

      const unit = await w.goto(decoded);
      expect(unit.status()).to.equal(200);
      expect(w.page.url()).to.equal(unitUri(serials[0]));
      const facts = await factsOf(w.page, "section:has(#product-heading)");
      expect(fact(facts, WORDS.zh.lot)).to.equal(packLot);
      expect(fact(facts, WORDS.zh.serial)).to.equal(serials[0]);
      expect(await w.page.locator('[data-warning="counterfeit"]').count()).to.equal(0);
      await expect1(w.page.locator("section.banner-ok:has(#unit-heading)"));
      expect(await w.page.locator("section.banner-ok").innerText()).to.contain("已被扫描 1 次");
      await expectClean(w);
      await screenshot(w.page, title(this), "unit-page");
    });

    it("serves the batch's QR as a PNG that decodes to its Digital Link URI", async function () {
      const response = await fetch(`${h.base}${journeyPath()}/qr.png`);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.match(/^image\/png/);
      expect(decodeQr(Buffer.from(await response.arrayBuffer()))).to.equal(`${h.base}${journeyPath()}`);
    });
  });

  describe("script in recorded text", function () {
    for (const lang of ["zh", "en"] as const) {
      it(`shows every payload as literal text and runs none of it (${lang})`, async function () {
        const w = await phone({ locale: "zh-CN" });
        const response = await w.goto(`${h.base}/p/${s.xss}${lang === "en" ? "?lang=en" : ""}`);
        expect(response.status()).to.equal(200);

        expect(await w.page.evaluate(() => window.__xss)).to.equal(undefined);
        expect(await w.page.locator("script").count(), "script elements").to.equal(0);
        expect(await w.page.locator("[onerror], [onload], iframe, object, embed, base").count(), "injected elements").to.equal(0);
        const text = await w.page.locator("body").innerText();
        expect(text).to.contain("<script>window.__xss=1</script>");
        expect(text).to.contain(XSS);
        expect((await w.page.locator("h1").innerText()).trim()).to.equal(`芒果${XSS}`);

        const csp = response.headers()["content-security-policy"];
        expect(csp, "Content-Security-Policy header").to.be.a("string");
        const directives = new Map(
          csp.split(";").map((d) => d.trim()).filter(Boolean).map((d) => {
            const [name, ...values] = d.split(/\s+/);
            return [name.toLowerCase(), values] as const;
          }),
        );
        expect(directives.get("object-src")).to.deep.equal(["'none'"]);
        expect(directives.get("base-uri")).to.deep.equal(["'none'"]);
        expect(directives.get("frame-ancestors")).to.deep.equal(["'none'"]);
        const scriptSrc = directives.get("script-src") ?? directives.get("default-src");
        expect(scriptSrc, "script-src (or default-src)").to.be.an("array");
        expect(scriptSrc).not.to.include("'unsafe-inline'");
        expect(scriptSrc).not.to.include("'unsafe-eval'");
        expect(scriptSrc).not.to.include("*");

        await expectClean(w);
        await screenshot(w.page, title(this));
      });
    }
  });

  describe("unit codes and counterfeits", function () {
    const unitPath = (serial: string) => `${journeyPath()}/21/${serial}`;

    it("warns that a code never issued for an existing batch may be counterfeit", async function () {
      const w = await phone({ locale: "zh-CN" });
      const response = await w.goto(`${h.base}${unitPath("ZZZZZZZZZZZZ")}`);
      expect(response.status()).to.equal(200);
      const warning = w.page.locator('[data-warning="counterfeit"]');
      await expect1(warning);
      expect(await warning.innerText()).to.contain("疑似假冒").and.to.contain("从未签发");
      await expectClean(w);
      await screenshot(w.page, title(this));
    });

    it(`warns once more than ${SCAN_WARN} clients from several networks on several days scanned an issued code, never for one phone`, async function () {
      const issued = await h.call("POST", `/api/v1/batches/${s.journey.batchId}/serials`, { token: s.orgs.producer.apiKey, body: { count: 2 } });
      expect(issued.status).to.equal(201);
      const [copied, fresh] = issued.body.serials.map((x: { serial: string }) => x.serial) as string[];

      const w = await phone({ locale: "zh-CN" });
      for (let scan = 1; scan <= SCAN_WARN + 2; scan++) {
        const response = await w.goto(`${h.base}${unitPath(copied)}`);
        expect(response.status()).to.equal(200);
        expect(await w.page.locator('[data-warning="counterfeit"]').count(), `scan ${scan}`).to.equal(0);
        expect(await w.page.locator("section.banner-ok").innerText()).to.contain("已被扫描 1 次");
      }
      // What a label copied onto many packs leaves behind (every request here comes from one
      // address, so the other networks and days are written as the scans would have left them).
      h.db.prepare(`UPDATE serials SET scan_clients = ?, scan_networks = 5, scan_days = 3 WHERE serial = ?`).run(SCAN_WARN, copied);
      const other = await phone({ locale: "zh-CN", extraHTTPHeaders: { "User-Agent": "Mozilla/5.0 (Linux; Android 14; another phone)" } });
      expect((await other.goto(`${h.base}${unitPath(copied)}`)).status()).to.equal(200);
      expect(await other.page.locator('[data-warning="counterfeit"]').innerText()).to.contain(`已被 ${SCAN_WARN + 1} 台不同的设备`).and.to.contain("5 个不同的网络");
      await screenshot(other.page, title(this), "over-scanned");

      const once = await w.goto(`${h.base}${unitPath(fresh)}?lang=en`);
      expect(once.status()).to.equal(200);
      expect(await w.page.locator('[data-warning="counterfeit"]').count()).to.equal(0);
      expect(await w.page.locator("section.banner-ok").innerText()).to.contain("scanned 1 time.");
      await expectClean(w);
    });
  });

  describe("圳品 certificates that are not valid", function () {
    for (const which of ["revoked", "expired"] as const) {
      for (const lang of ["zh", "en"] as const) {
        it(`never shows ${which === "expired" ? "an" : "a"} ${which} certificate as valid (${lang})`, async function () {
          const t = WORDS[lang];
          const w = await phone({ locale: "zh-CN" });
          const response = await w.goto(`${h.base}/p/${s[which]}${lang === "en" ? "?lang=en" : ""}`);
          expect(response.status()).to.equal(200);
          expect(await w.page.locator('[data-certification="valid"]').count()).to.equal(0);
          const badge = w.page.locator(`[data-certification="${which}"]`);
          await expect1(badge);
          const status = (await badge.locator(".badge-status").innerText()).trim();
          expect(status).to.equal(t[which]);
          expect(status).not.to.equal(t.valid);
          if (which === "revoked") {
            expect(await badge.innerText()).to.contain("复检不合格");
            const kinds = await w.page.locator("ol.timeline > li[data-kind]").evaluateAll((items) => items.map((li) => li.getAttribute("data-kind")));
            expect(kinds).to.include("revocation");
          }
          await expectClean(w);
          await screenshot(w.page, title(this));
        });
      }
    }
  });

  describe("recalls", function () {
    it("warns on the recalled batch and on the pack made from it, in both languages", async function () {
      const w = await phone({ locale: "zh-CN" });
      for (const [id, zhText, enText] of [
        [s.recalled.batchId, "本批次已被召回", "This batch has been recalled"],
        [s.recalled.packId, "本批次所用的原料批次已被召回", "A batch this product was made from has been recalled"],
      ]) {
        for (const [query, text] of [["", zhText], ["?lang=en", enText]]) {
          const response = await w.goto(`${h.base}/p/${id}${query}`);
          expect(response.status()).to.equal(200);
          const warning = w.page.locator('[data-warning="recall"]');
          await expect1(warning);
          const said = await warning.innerText();
          expect(said).to.contain(text).and.to.contain("农残抽检超标");
          await expectClean(w);
          await screenshot(w.page, title(this), `${id === s.recalled.packId ? "pack" : "batch"}-${query ? "en" : "zh"}`);
        }
      }
    });

    it("does not warn on the healthy journey batch", async function () {
      const w = await phone({ locale: "zh-CN" });
      await w.goto(`${h.base}${journeyPath()}`);
      expect(await w.page.locator('[data-warning="recall"]').count()).to.equal(0);
      expect(await w.page.locator(".banner-danger").count()).to.equal(0);
      await expectClean(w);
    });
  });

  describe("a code that names no batch", function () {
    for (const lang of ["zh", "en"] as const) {
      it(`answers 404 with the friendly page (${lang})`, async function () {
        const url = `${h.base}/01/${GTIN}/10/NOPE${lang === "en" ? "?lang=en" : ""}`;
        const w = await phone({ locale: "zh-CN" }, [{ url, status: 404 }]);
        const response = await w.goto(url);
        expect(response.status()).to.equal(404);
        expect(await w.page.locator("html").getAttribute("lang")).to.equal(WORDS[lang].htmlLang);
        expect((await w.page.locator("h1").innerText()).trim()).to.equal(WORDS[lang].notFound);
        await expectClean(w);
        await screenshot(w.page, title(this));
      });
    }
  });
});
