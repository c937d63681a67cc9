/**
 * GET /api/v1/batches/{id}/verify for people and for machines: JSON by default (no Accept, any type,
 * application/json), a page when the client prefers HTML (a browser); Vary: Accept either way.
 * The page says in one sentence how the check went, and shows each step with ✓ or ✗, its kind,
 * when it happened, who signed it and the hashes compared. A tampered detail turns its step ✗
 * and the sentence says so; an unknown batch and an unreachable chain say so too.
 */
import { expect } from "chai";
import express from "express";
import type { Server } from "node:http";
import { JsonRpcProvider, Network } from "ethers";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { freePort } from "../../scripts/lib/processes";
import { BatchVerifier } from "../../server/services/batch-verifier";
import { verificationPages } from "../../server/web/verify-page";
import { batchIdFor } from "../../server/domain/gs1";

/** What Chromium sends for a link it follows. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The page's steps: position, ✓/✗ and the text of each. */
function stepsOf(page: string) {
  return [...page.matchAll(/<li data-step="(\d+)" data-ok="(true|false)">([\s\S]*?)<\/li>/g)].map((m) => ({ position: Number(m[1]), ok: m[2] === "true", text: m[3] }));
}

function sentenceOf(page: string): string {
  const found = /<p class="verify-result [^"]*" role="status">([^<]*)<\/p>/.exec(page);
  if (!found) throw new Error(`no result sentence in ${page.slice(0, 2000)}`);
  return found[1].replace(/&#39;/g, "'");
}

describe("the verification page (GET /api/v1/batches/{id}/verify, Accept: text/html)", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; apiKey: string };
  let batchId: string;
  let url: string;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    const retailer = await h.org("福田区消费帮扶专柜", "retailer");
    batchId = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("VP-1") })).body.batchId;
    const shipped = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: producer.apiKey, body: payload.shipment(retailer.id) });
    expect(shipped.status, JSON.stringify(shipped.body)).to.equal(202);
    await h.settle();
    url = `${h.base}/api/v1/batches/${batchId}/verify`;
  });

  after(async function () {
    await h?.stop();
  });

  for (const [name, accept] of [
    ["no Accept", undefined],
    ["Accept: */*", "*/*"],
    ["Accept: application/json", "application/json"],
    ["JSON ranked above HTML", "application/json, text/html;q=0.5"],
  ] as const) {
    it(`answers JSON to ${name}, as before, varying by Accept`, async function () {
      const answer = await get(url, accept ? { Accept: accept } : {});
      expect(answer.status).to.equal(200);
      expect(answer.headers.get("content-type")).to.match(/^application\/json/);
      expect(answer.headers.get("vary")).to.match(/\bAccept\b/);
      const body = JSON.parse(answer.text);
      expect(body.ok, JSON.stringify(body.problems)).to.equal(true);
      expect(body.events).to.have.length(2);
    });
  }

  it("answers a browser with a page: one sentence that all steps match, then each step with ✓, kind, time, signer and hashes", async function () {
    const answer = await get(url, { Accept: BROWSER_ACCEPT });
    expect(answer.status).to.equal(200);
    expect(answer.headers.get("content-type")).to.match(/^text\/html; charset=utf-8/);
    expect(answer.headers.get("vary")).to.match(/\bAccept\b/);
    expect(answer.headers.get("cache-control")).to.equal("no-store");
    expect(sentenceOf(answer.text)).to.equal("全部 2 步都与区块链上的记录一致。");
    expect(answer.text).to.contain('data-verify-result="ok"');

    const json = (await h.call("GET", `/api/v1/batches/${batchId}/verify`)).body;
    const steps = stepsOf(answer.text);
    expect(steps.map((s) => [s.position, s.ok])).to.deep.equal([[0, true], [1, true]]);
    expect(steps[0].text).to.contain("✓").and.to.contain("采收").and.to.contain("田阳芒果专业合作社（合作社）");
    expect(steps[1].text).to.contain("运输");
    // The step says when it happened (its detail's own time) and what was compared: the detail's hash with the chain's.
    expect(steps[0].text).to.match(/<time datetime="[^"]+">2026年6月1日/);
    for (const [i, event] of (json.events as Array<{ dataHash: string; detailHash: string; signer: string }>).entries()) {
      expect(steps[i].text).to.contain(`<code>${event.dataHash}</code>`).and.to.contain(`<code>${event.detailHash}</code>`).and.to.contain(event.signer);
      expect(steps[i].text).to.contain('data-compared="same"');
    }
    expect(answer.text).to.contain('data-head="same"').and.to.contain(json.chainHead);
    // Back to the batch's own page.
    expect(answer.text).to.contain(`href="/p/${batchId}"`);
  });

  it("speaks English when asked (?lang=en or Accept-Language)", async function () {
    for (const answer of [await get(`${url}?lang=en`, { Accept: "text/html" }), await get(url, { Accept: "text/html", "Accept-Language": "en-GB,en;q=0.9" })]) {
      expect(answer.status).to.equal(200);
      expect(sentenceOf(answer.text)).to.equal("All 2 steps match the records on the blockchain.");
      expect(stepsOf(answer.text)[0].text).to.contain("Harvest").and.to.contain("田阳芒果专业合作社 (cooperative)");
    }
  });

  it("marks a step whose detail no longer matches the chain ✗, and says so in its sentence", async function () {
    const events = (await h.call("GET", `/api/v1/batches/${batchId}/verify`)).body.events as Array<{ dataHash: string }>;
    const shipmentHash = events[1].dataHash;
    const row = h.db.prepare(`SELECT detail FROM event_details WHERE data_hash = ?`).get(shipmentHash) as { detail: string };
    h.db.prepare(`UPDATE event_details SET detail = ? WHERE data_hash = ?`).run(row.detail.replace("福田区", "南山区"), shipmentHash);
    try {
      const page = await get(url, { Accept: BROWSER_ACCEPT });
      expect(page.status).to.equal(200);
      expect(sentenceOf(page.text)).to.equal("有 1 步与区块链上的记录不符：请谨慎对待这一批次的信息。");
      expect(page.text).to.contain('data-verify-result="mismatch"');
      const steps = stepsOf(page.text);
      expect(steps.map((s) => s.ok)).to.deep.equal([true, false]);
      expect(steps[1].text).to.contain("✗").and.to.contain('data-compared="different"').and.to.contain("不一致");
      const english = await get(`${url}?lang=en`, { Accept: "text/html" });
      expect(sentenceOf(english.text)).to.equal("1 step does not match the records on the blockchain: treat this batch's information with care.");
      // Machines read the same finding from the JSON.
      expect((await h.call("GET", `/api/v1/batches/${batchId}/verify`)).body.ok).to.equal(false);
    } finally {
      h.db.prepare(`UPDATE event_details SET detail = ? WHERE data_hash = ?`).run(row.detail, shipmentHash);
    }
    expect(sentenceOf((await get(url, { Accept: "text/html" })).text)).to.equal("全部 2 步都与区块链上的记录一致。");
  });

  it("says the chain holds no such batch (404 for the page; the JSON answer is unchanged)", async function () {
    const unknown = batchIdFor(payload.MANGO_GTIN, "VP-NONE");
    const page = await get(`${h.base}/api/v1/batches/${unknown}/verify`, { Accept: "text/html" });
    expect(page.status).to.equal(404);
    expect(sentenceOf(page.text)).to.equal("区块链上没有这个批次的记录（或尚未写入完成）。");
    const json = await h.call("GET", `/api/v1/batches/${unknown}/verify`);
    expect(json.status).to.equal(200);
    expect(json.body.ok).to.equal(false);
  });

  it("refuses a malformed batch id before reading the chain, whatever is accepted", async function () {
    const answer = await get(`${h.base}/api/v1/batches/0x1234/verify`, { Accept: "text/html" });
    expect(answer.status).to.equal(400);
  });

  it("says the chain cannot be reached now (503) when its node does not answer", async function () {
    // A real provider to a loopback port nobody listens on: the node is down.
    const deadPort = await freePort();
    const dead = new JsonRpcProvider(`http://127.0.0.1:${deadPort}`, Network.from(31337), { staticNetwork: true });
    const chain = (await h.call("GET", "/api/v1/chain")).body as { contract: string; deployBlock: number };
    const verifier = new BatchVerifier(dead, chain.contract, chain.deployBlock, () => undefined, () => undefined, () => false);
    const failures: unknown[] = [];
    const pages = verificationPages({ verifier, provider: dead, orgByAddress: () => undefined, detailOf: () => undefined, onChainError: (error) => failures.push(error) });
    const app = express();
    app.get("/verify/:batchId", async (req, res) => {
      const page = await pages(req.params.batchId, req);
      res.status(page.status).type("html").send(page.html);
    });
    const port = await freePort();
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(port, "127.0.0.1", () => resolve(s));
    });
    try {
      const page = await get(`http://127.0.0.1:${port}/verify/${batchId}`);
      expect(page.status).to.equal(503);
      expect(sentenceOf(page.text)).to.equal("现在无法连接区块链，暂时不能核验。请稍后再试。");
      expect(page.text).to.contain('data-verify-result="unreachable"');
      expect(failures, "the failure is reported to the log").to.have.length(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      dead.destroy();
    }
  });
});

describe("the verification page keeps the verify route's rate limit", function () {
  this.timeout(120_000);
  let h: Harness;

  before(async function () {
    h = await startHarness({ limits: { verifiesPerMinute: 2 } });
  });

  after(async function () {
    await h?.stop();
  });

  it("counts a page as a verification: past the limit, 429 with Retry-After, HTML or JSON", async function () {
    const url = `${h.base}/api/v1/batches/${batchIdFor(payload.MANGO_GTIN, "VP-LIMIT")}/verify`;
    expect((await get(url, { Accept: BROWSER_ACCEPT })).status).to.equal(404);
    expect((await get(url)).status).to.equal(200);
    const refused = await get(url, { Accept: BROWSER_ACCEPT });
    expect(refused.status).to.equal(429);
    expect(refused.headers.get("retry-after")).to.match(/^\d+$/);
  });
});
