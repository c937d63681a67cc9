/**
 * The front door (GET /) and its lookup (GET /lookup) over HTTP on a real gateway: a 查验码 (a
 * unit's serial or a batch label's lot), a GTIN and lot, a pasted Digital Link, batch page URL,
 * batch id or element string each lead (303) to the right page; a shared lot offers a choice;
 * what is unknown is answered 404 naming it, what is malformed 400; a read gateway sends a 查验码
 * it does not hold to the issuing gateway; and, in Chromium, a shopper types a 查验码 and lands
 * on the unit's page.
 */
import { expect } from "chai";
import express from "express";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { launchBrowser, phoneContext, watchedPage } from "../helpers/browser";
import * as payload from "../../scripts/lib/payloads";
import { shortCode } from "../../server/domain/digital-link";
import { batchIdFor } from "../../server/domain/gs1";
import { openDatabase } from "../../server/store/database";
import { FrontDoorReads } from "../../server/store/front-door-reads";
import { frontDoorRoutes } from "../../server/web/front-door-routes";
import { listen } from "../../server/web/http-server";

const GTIN = payload.MANGO_GTIN;
const TEA = payload.TEA_GTIN;
const LOT = "FD-1";
const SHARED_LOT = "FD-SHARED";
/** A lot with characters a link has too. */
const SLASH_LOT = "FD/2(B)";

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, redirect: "manual" });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("front door", function () {
  this.timeout(120_000);
  let h: Harness;
  let serials: string[];
  const lookup = (query: Record<string, string>, headers: Record<string, string> = {}) => get(`${h.base}/lookup?${new URLSearchParams(query)}`, headers);

  before(async function () {
    h = await startHarness();
    const producer = await h.org("田阳芒果专业合作社", "producer");
    for (const body of [payload.harvest(LOT), payload.harvest(SHARED_LOT), payload.harvest(SHARED_LOT, { product: { name: "凌云白毫", gtin: TEA } }), payload.harvest(SLASH_LOT)]) {
      const answer = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    }
    await h.settle();
    const issued = await h.call("POST", `/api/v1/batches/${batchIdFor(GTIN, LOT)}/serials`, { token: producer.apiKey, body: { count: 2 } });
    expect(issued.status).to.equal(201);
    serials = issued.body.serials.map((unit: { serial: string }) => unit.serial);
  });

  after(async function () {
    await h?.stop();
  });

  describe("the page", function () {
    it("offers both lookups as labelled GET forms, says how to check a batch, and links the ways in", async function () {
      const answer = await get(`${h.base}/`);
      expect(answer.status).to.equal(200);
      expect(answer.headers.get("content-type")).to.match(/^text\/html/);
      expect(answer.text).to.contain(`<html lang="zh-CN">`).and.to.contain("查验消费帮扶产品");
      expect(answer.text.match(/<form method="get" action="\/lookup">/g)).to.have.length(2);
      for (const name of ["q", "gtin", "lot"]) {
        expect(answer.text).to.contain(`<label for="${name}">`).and.to.contain(`id="${name}" name="${name}"`);
      }
      expect(answer.text).to.contain("区块链核验").and.to.contain("provenance audit");
      for (const href of ["/console", "/programme", "/api/v1/docs", "/api/v1/openapi.json"]) expect(answer.text).to.contain(`href="${href}"`);
      expect(answer.text).not.to.contain("<script");
    });

    it("is cacheable: an ETag answered 304, a public Cache-Control, a page per language", async function () {
      const first = await get(`${h.base}/`);
      expect(first.headers.get("cache-control")).to.equal("public, max-age=300");
      expect(first.headers.get("vary")).to.contain("Accept-Language");
      const etag = first.headers.get("etag")!;
      expect(etag).to.match(/^W\/"/);
      expect((await get(`${h.base}/`, { "If-None-Match": etag })).status).to.equal(304);
      const english = await get(`${h.base}/`, { "Accept-Language": "en" });
      expect(english.text).to.contain(`<html lang="en">`).and.to.contain("Check a 消费帮扶 product");
      expect(english.headers.get("etag")).not.to.equal(etag);
    });
  });

  describe("lookups that find", function () {
    it("sends a unit's 查验码 to the unit's page, however it is typed", async function () {
      const serial = serials[0];
      const unitPath = `/01/${GTIN}/10/${LOT}/21/${serial}`;
      for (const typed of [shortCode(serial), serial.toLowerCase(), ` ${shortCode(serial).replace(/-/g, " ")} `, shortCode(serial).replace(/0/g, "O").replace(/1/g, "l")]) {
        const answer = await lookup({ q: typed });
        expect(answer.status, typed).to.equal(303);
        expect(answer.headers.get("location"), typed).to.equal(unitPath);
      }
      const page = await get(`${h.base}${unitPath}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(serial).and.to.contain(LOT);
    });

    it("sends a batch label's 查验码 (its lot) to the batch's page", async function () {
      const answer = await lookup({ q: LOT });
      expect(answer.status).to.equal(303);
      expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/${LOT}`);
    });

    it("reads a lot holding \"/\" and \"(\" as a batch label's 查验码, not as a link", async function () {
      const answer = await lookup({ q: SLASH_LOT });
      expect(answer.status).to.equal(303);
      expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/FD%2F2%28B%29`);
      expect((await get(`${h.base}${answer.headers.get("location")}`)).status).to.equal(200);
    });

    it("sends a GTIN and lot to the batch's page, a GTIN-13 too", async function () {
      for (const gtin of [GTIN, GTIN.slice(1)]) {
        const answer = await lookup({ gtin, lot: LOT });
        expect(answer.status, gtin).to.equal(303);
        expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/${LOT}`);
      }
    });

    it("sends a pasted Digital Link, of this gateway or another host, to its batch or unit", async function () {
      const cases: Array<[string, string]> = [
        [`${h.base}/01/${GTIN}/10/${LOT}`, `/01/${GTIN}/10/${LOT}`],
        [`https://id.gs1.org/01/${GTIN.slice(1)}/10/${LOT}?17=270101`, `/01/${GTIN}/10/${LOT}`],
        [`${h.base}/01/${GTIN}/10/${LOT}/21/${serials[1]}`, `/01/${GTIN}/10/${LOT}/21/${serials[1]}`],
        [`(01)${GTIN}(10)${LOT}`, `/01/${GTIN}/10/${LOT}`],
      ];
      for (const [pasted, location] of cases) {
        const answer = await lookup({ q: pasted });
        expect(answer.status, pasted).to.equal(303);
        expect(answer.headers.get("location"), pasted).to.equal(location);
      }
    });

    it("sends a batch page URL or a batch id to the batch's page", async function () {
      const batchId = batchIdFor(GTIN, LOT);
      for (const pasted of [`${h.base}/p/${batchId}`, `/p/${batchId.toUpperCase().replace("0X", "0x")}`, batchId]) {
        const answer = await lookup({ q: pasted });
        expect(answer.status, pasted).to.equal(303);
        expect(answer.headers.get("location"), pasted).to.equal(`/01/${GTIN}/10/${LOT}`);
      }
    });

    it("keeps a chosen language on the way to the page", async function () {
      const answer = await lookup({ q: LOT, lang: "en" });
      expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/${LOT}?lang=en`);
    });

    it("offers the batches to choose from when products share a lot", async function () {
      const answer = await lookup({ q: SHARED_LOT });
      expect(answer.status).to.equal(300);
      expect(answer.text).to.contain(`href="/01/${GTIN}/10/${SHARED_LOT}"`).and.to.contain(`href="/01/${TEA}/10/${SHARED_LOT}"`);
    });
  });

  describe("lookups that do not find", function () {
    it("answers an unknown 查验码 404, naming it, in Chinese and English", async function () {
      const answer = await lookup({ q: "abcd-efgh-jkmn" });
      expect(answer.status).to.equal(404);
      expect(answer.text).to.contain("没有找到查验码 ABCD-EFGH-JKMN").and.to.contain("No product has the check code ABCD-EFGH-JKMN");
      expect(answer.text).to.contain('role="alert"').and.to.contain('aria-invalid="true"');
      expect(answer.text).to.contain('value="abcd-efgh-jkmn"'); // the form holds what was typed
      expect(answer.headers.get("cache-control")).to.equal("no-cache");
    });

    it("says the lot is needed too when a GTIN is typed as the 查验码", async function () {
      const answer = await lookup({ q: GTIN });
      expect(answer.status).to.equal(404);
      expect(answer.text).to.contain("请在下方同时填写批次号").and.to.contain("enter it below with the lot");
    });

    it("answers an unknown GTIN and lot, or a link to no batch, 404 naming the batch", async function () {
      const byFields = await lookup({ gtin: GTIN, lot: "NOPE-9" });
      expect(byFields.status).to.equal(404);
      expect(byFields.text).to.contain(`商品条码 ${GTIN}、批次号 NOPE-9`).and.to.contain(`GTIN ${GTIN}, lot NOPE-9`);
      expect(byFields.text).to.match(/<input type="text" id="lot"[^>]*aria-invalid="true"/);
      const byLink = await lookup({ q: `${h.base}/01/${TEA}/10/NOPE-9` });
      expect(byLink.status).to.equal(404);
      expect(byLink.text).to.contain(`GTIN ${TEA}, lot NOPE-9`);
    });

    const malformed: Array<[string, Record<string, string>, string, string]> = [
      ["nothing typed", { q: "  " }, "q", "Enter a check code or a link."],
      ["a GTIN whose check digit is wrong", { gtin: "06901234567891", lot: LOT }, "gtin", "The GTIN “06901234567891” is not valid"],
      ["a lot outside GS1's characters", { gtin: GTIN, lot: "批次一" }, "lot", "The lot “批次一” is not valid"],
      ["a code that is neither a serial nor a lot", { q: "#### ####" }, "q", "“#### ####” is not a check code"],
      ["a link that is no Digital Link", { q: "https://example.com/some/page" }, "q", "This link is not one we can read"],
      ["a batch id that is not one", { q: "0x1234" }, "q", "The batch id “0x1234” is not valid"],
    ];
    for (const [name, query, field, message] of malformed) {
      it(`answers ${name} 400, marking the field`, async function () {
        const answer = await lookup(query);
        expect(answer.status).to.equal(400);
        expect(answer.text).to.contain(message);
        expect(answer.text).to.match(new RegExp(`<input type="text" id="${field}"[^>]*aria-invalid="true"`));
        expect(answer.text.match(/aria-invalid/g)).to.have.length(1);
      });
    }

    it("shows what was typed escaped, never as markup", async function () {
      const answer = await lookup({ q: `<script>alert(1)</script>` });
      expect(answer.status).to.equal(400);
      expect(answer.text).not.to.contain("<script>alert(1)</script>");
      expect(answer.text).to.contain("&lt;script&gt;");
    });
  });

  describe("on a read gateway", function () {
    it("sends a 查验码 it does not hold to the issuing gateway", async function () {
      const dataDir = mkdtempSync(path.join(tmpdir(), "front-door-read-"));
      const db = openDatabase(path.join(dataDir, "gateway.db"));
      const app = express().use(frontDoorRoutes({ reads: new FrontDoorReads(db), rateLimitPerMinute: 0, readOnly: { writeGatewayUrl: "https://trace.example.cn" } }));
      const server = await listen(createServer(app), 0, "127.0.0.1");
      try {
        const address = server.address() as AddressInfo;
        const answer = await get(`http://127.0.0.1:${address.port}/lookup?q=ABCD-EFGH-JKMN`);
        expect(answer.status).to.equal(404);
        expect(answer.text).to.contain("请到签发它的网站查验（https://trace.example.cn/）").and.to.contain("check it on the site that issued it (https://trace.example.cn/)");
        const lot = await get(`http://127.0.0.1:${address.port}/lookup?q=NOPE-1`);
        expect(lot.status).to.equal(404);
        expect(lot.text).not.to.contain("trace.example.cn");
      } finally {
        await new Promise((resolve) => server.close(resolve));
        db.close();
      }
    });
  });

  describe("in a browser", function () {
    let browser: Browser;

    before(async function () {
      browser = await launchBrowser();
    });

    after(async function () {
      await browser?.close();
    });

    it("a shopper types the 查验码 off the label and lands on the unit's page", async function () {
      const context = await phoneContext(browser);
      try {
        const w = await watchedPage(context);
        await w.goto(`${h.base}/`);
        await w.page.getByLabel("查验码、链接或批次 ID").fill(shortCode(serials[0]).toLowerCase());
        await Promise.all([w.page.waitForURL(/\/21\//), w.page.locator("#code-heading ~ form button[type=submit]").click()]);
        expect(new URL(w.page.url()).pathname).to.equal(`/01/${GTIN}/10/${LOT}/21/${serials[0]}`);
        expect(await w.page.locator("h1").innerText()).to.contain("田阳香芒");
        expect(w.all()).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  });
});
