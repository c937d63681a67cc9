/**
 * What the shopper page adds for people: the batches of its lineage (inputs and outputs of
 * processing) linked to their own pages, the product's other batches (the GTIN's Digital Link),
 * 圳品 certificates in the journey when they were recorded with their validity beside them,
 * harvest photos as thumbnails, the producer's and the programme office's public contact and a
 * way to report a problem, and the link that re-checks the batch against the chain. A contact
 * set after a page was kept shows on the next request (the page cache drops it).
 */
import { expect } from "chai";
import { keccak256 } from "ethers";
import { PNG } from "pngjs";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { recordStories, type Stories } from "../helpers/page-stories";
import * as payload from "../../scripts/lib/payloads";
import { PhotoRepository } from "../../server/store/photo-repository";
import { LEDGER_ADMIN_ORG_ID } from "../../server/store/org-repository";

const GTIN = payload.MANGO_GTIN;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, redirect: "manual" });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The journey's items: kind and inner markup. */
function journeyOf(page: string) {
  return [...page.matchAll(/<li class="[^"]*" data-kind="([^"]+)"[^>]*>([\s\S]*?)<\/li>/g)].map((m) => ({ kind: m[1], text: m[2] }));
}

function sectionOf(page: string, headingId: string): string {
  const found = new RegExp(`<section [^>]*aria-labelledby="${headingId}"[^>]*>[\\s\\S]*?</section>`).exec(page);
  if (!found) throw new Error(`no section labelled by #${headingId}`);
  return found[0];
}

describe("the shopper page: lineage, certificates, photos, contact", function () {
  this.timeout(180_000);
  let h: Harness;
  let s: Stories;

  before(async function () {
    h = await startHarness();
    s = await recordStories(h, "SP");
  });

  after(async function () {
    await h?.stop();
  });

  describe("lineage", function () {
    it("links a pack to the batch it was made from, in the journey and in its lineage line", async function () {
      const { text } = await get(`${h.base}/p/${s.packs[0]}`);
      expect(text).to.match(new RegExp(`<p data-lineage="inputs">[^\\n]*<a href="/p/${s.journey.batchId}"><code>SP-J1</code></a>`));
      // Each step of the input batch names it, linked.
      const inputSteps = journeyOf(text).filter((item) => item.text.includes('class="from-input"'));
      expect(inputSteps.length).to.be.greaterThan(3);
      for (const step of inputSteps) expect(step.text).to.contain(`<a class="from-input" href="/p/${s.journey.batchId}">`);
    });

    it("links the batch to the packs made from it, and a pack's packing step to the batch it was packed from", async function () {
      const { text } = await get(`${h.base}/p/${s.journey.batchId}?lang=en`);
      expect(text).to.match(/<p data-lineage="outputs">/);
      for (const pack of s.packs) expect(text).to.contain(`<a href="/p/${pack}?lang=en">`);
      const pack = await get(`${h.base}/p/${s.packs[0]}?lang=en`);
      const packing = journeyOf(pack.text).find((item) => item.text.includes('data-lineage="split-from"'));
      expect(packing?.kind).to.equal("processing");
      expect(packing!.text).to.contain(`Packed from: <a href="/p/${s.journey.batchId}?lang=en"><code>SP-J1</code></a>`);
      for (const id of s.packs) expect((await get(`${h.base}/p/${id}`)).status).to.equal(200);
    });

    it("links the batches merged into a batch, from its processing step and its lineage line", async function () {
      const ok = async (token: string, path: string, body: unknown) => {
        const answer = await h.call("POST", path, { token, body });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
        return answer.body;
      };
      const ids: string[] = [];
      for (const lot of ["SP-M1", "SP-M2"]) {
        const id = (await ok(s.orgs.producer.apiKey, "/api/v1/batches", payload.harvest(lot))).batchId as string;
        const who = { holder: s.orgs.producer, carrier: s.orgs.carrier, consignee: s.orgs.processor };
        for (const [leg, body] of payload.viaCarrier(s.orgs.carrier.id, s.orgs.processor.id, { at: "2026-06-01T12:00:00+08:00" })) {
          await ok(who[leg].apiKey, `/api/v1/batches/${id}/events`, body);
        }
        ids.push(id);
      }
      await ok(s.orgs.processor.apiKey, `/api/v1/batches/${ids[0]}/events`, { ...payload.packing, occurredAt: "2026-06-01T20:00:00+08:00", inputs: [ids[1]] });
      await h.settle();
      const { text } = await get(`${h.base}/p/${ids[0]}`);
      const step = journeyOf(text).find((item) => item.kind === "processing" && item.text.includes('data-lineage="merged"'));
      expect(step, "the merging step").not.to.equal(undefined);
      expect(step!.text).to.contain(`合并了这些批次：<a href="/p/${ids[1]}"><code>SP-M2</code></a>`);
      expect(text).to.match(new RegExp(`<p data-lineage="inputs">[^\n]*<a href="/p/${ids[1]}"><code>SP-M2</code></a>`));
    });

    it("links the product's GTIN to its Digital Link, which lists its batches", async function () {
      const { text } = await get(`${h.base}/p/${s.journey.batchId}`);
      expect(text).to.contain(`<a href="/01/${GTIN}" data-product-batches>本产品的全部批次</a>`);
      const product = await get(`${h.base}/01/${GTIN}`);
      expect(product.status).to.equal(200);
      expect(product.text).to.contain("SP-J1").and.to.contain("SP-P1");
    });
  });

  describe("certificates in the journey", function () {
    it("places a certificate when it was recorded (its block's time), with its validity beside it", async function () {
      const batch = (await h.call("GET", `/api/v1/batches/${s.journey.batchId}`)).body;
      const block = await h.provider.getBlock(batch.certifications[0].proof.blockNumber);
      const recorded = new Date(block!.timestamp * 1000).toISOString();
      const { text } = await get(`${h.base}/p/${s.journey.batchId}`);
      const items = journeyOf(text);
      const certificate = items.find((item) => item.kind === "certification")!;
      expect(certificate.text).to.contain(`<time class="when" datetime="${recorded}">`);
      expect(certificate.text).to.contain('data-certificate-state="valid"').and.to.contain("有效期 2026年1月1日 至 2099年12月31日");
      // In time order: recorded after the harvest of 1 June 2026, not at 1 January when it took effect.
      expect(items.findIndex((item) => item.kind === "certification")).to.be.greaterThan(items.findIndex((item) => item.kind === "harvest"));
    });

    for (const [name, batch, state, words] of [
      ["revoked", () => s.revoked, "revoked", "已撤销"],
      ["expired", () => s.expired, "expired", "有效期 2025年1月1日 至 2025年12月31日"],
    ] as const) {
      it(`shows a ${name} certificate as ${name} beside its entry`, async function () {
        const { text } = await get(`${h.base}/p/${batch()}`);
        const certificate = journeyOf(text).find((item) => item.kind === "certification")!;
        expect(certificate.text).to.contain(`data-certificate-state="${state}"`).and.to.contain(words);
      });
    }

    it("says it in English too", async function () {
      const { text } = await get(`${h.base}/p/${s.expired}?lang=en`);
      const certificate = journeyOf(text).find((item) => item.kind === "certification")!;
      expect(certificate.text).to.contain("Expired").and.to.contain("valid from 1 January 2025 until 31 December 2025");
    });
  });

  it("shows a harvest's photos as sized, lazily loaded thumbnails with words, each linking to the photo", async function () {
    const image = new PNG({ width: 4, height: 3 });
    image.data.fill(120);
    const bytes = PNG.sync.write(image);
    const hash = keccak256(bytes);
    new PhotoRepository(h.db).saveNew([{ hash, orgId: s.orgs.producer.id, contentType: "image/png", bytes }]);
    const harvest = await h.call("POST", "/api/v1/batches", { token: s.orgs.producer.apiKey, body: payload.harvest("SP-PHOTO", { photoHashes: [hash] }) });
    expect(harvest.status, JSON.stringify(harvest.body)).to.equal(202);
    await h.settle();
    const { text } = await get(`${h.base}/01/${GTIN}/10/SP-PHOTO`);
    const item = journeyOf(text).find((entry) => entry.kind === "harvest")!;
    expect(item.text).to.contain(
      `<a href="/photos/${hash}"><img src="/photos/${hash}" alt="批次 SP-PHOTO 的采收照片（第 1 张）" width="112" height="112" loading="lazy" decoding="async"></a>`,
    );
    const photo = await fetch(`${h.base}/photos/${hash}`);
    expect(photo.status).to.equal(200);
    expect(photo.headers.get("content-type")).to.equal("image/png");
  });

  describe("contact and problem reports", function () {
    it("says when no contact is published, and that a problem goes to the seller", async function () {
      const card = sectionOf((await get(`${h.base}/p/${s.expired}`)).text, "contact-heading");
      expect(card).to.contain("<h3>田阳芒果专业合作社</h3>").and.to.contain("尚未公开联系方式。");
      expect(card).to.contain('data-report="none"').and.not.to.contain("tel:");
    });

    it("shows the producer's contact and the programme office's, and links them to call or text about the lot, once set (the kept page is dropped)", async function () {
      const page = `${h.base}/p/${s.journey.batchId}`;
      await get(page);
      expect((await get(page)).headers.get("x-page-cache"), "the page is kept").to.equal("hit");

      const set = await h.call("POST", "/api/v1/org/contact", { token: s.orgs.producer.apiKey, body: { phone: "0776-3212345", address: "广西百色市田阳区那坡镇" } });
      expect(set.status, JSON.stringify(set.body)).to.equal(200);
      h.db.prepare(`UPDATE orgs SET contact_person = ? WHERE id = ?`).run("黄社长", s.orgs.producer.id);
      const office = await h.call("POST", `/api/v1/orgs/${LEDGER_ADMIN_ORG_ID}/contact`, { token: TEST_ADMIN_TOKEN, body: { phone: "0755-12345678" } });
      expect(office.status, JSON.stringify(office.body)).to.equal(200);

      const answer = await get(page);
      expect(answer.headers.get("x-page-cache"), "a contact changed: rendered afresh").to.equal("miss");
      const card = sectionOf(answer.text, "contact-heading");
      expect(card).to.contain("<dt>联系人</dt><dd>黄社长</dd>");
      expect(card).to.contain('<dt>电话</dt><dd><a href="tel:0776-3212345">0776-3212345</a></dd>'.replace("tel:0776-3212345", "tel:07763212345"));
      expect(card).to.contain("<dt>地址</dt><dd>广西百色市田阳区那坡镇</dd>");
      expect(card).to.contain("<h3>消费帮扶办公室</h3>").and.to.contain('href="tel:075512345678"');
      // Report a problem: call or text either of them; the text names the lot.
      const message = encodeURIComponent(`问题反馈：批次 SP-J1（商品条码 ${GTIN}）`);
      expect(card).to.contain(`href="sms:07763212345?body=${message}"`).and.to.contain(`href="sms:075512345678?body=${message}"`);
      expect(card).to.contain(">致电田阳芒果专业合作社</a>");
      // A pack's producer is its input's: the cooperative that harvested it.
      expect(sectionOf((await get(`${h.base}/p/${s.packs[0]}`)).text, "contact-heading")).to.contain("黄社长");
    });
  });

  it("links 现在向区块链重新核验 to the verification, in the page's language", async function () {
    for (const [query, words] of [["", "现在向区块链重新核验"], ["?lang=en", "Check against the chain again now"]] as const) {
      const { text } = await get(`${h.base}/p/${s.journey.batchId}${query}`);
      expect(text).to.contain(`<a href="/api/v1/batches/${s.journey.batchId}/verify${query}" data-live-check>${words}</a>`);
    }
  });
});
