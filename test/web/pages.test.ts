/**
 * The public pages over HTTP: Digital Link routes, languages, caching, security headers, unit
 * serials and scan counts, QR codes (decoded), label sheets and the rate limit. What a browser
 * shows is tested in browser.test.ts.
 */
import { expect } from "chai";
import { Contract, keccak256, type EventLog } from "ethers";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { recordStories, type Stories } from "../helpers/page-stories";
import * as payload from "../../scripts/lib/payloads";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { PhotoRepository } from "../../server/store/photo-repository";
import { verifyOpening } from "../../server/domain/commitments";
import { SERIAL_PATTERN } from "../../server/domain/digital-link";
import { eventKindName } from "../../server/domain/event-kinds";
import { batchIdFor } from "../../server/domain/gs1";
import { auditCommand } from "../../server/web/provenance-page";

const GTIN = payload.MANGO_GTIN;
const SCAN_WARN = 3;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, redirect: "manual" });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Text the page escaped, as a reader sees and copies it. */
function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** A page's section by the id of its heading. */
function sectionOf(page: string, headingId: string): string {
  const found = new RegExp(`<section [^>]*aria-labelledby="${headingId}"[^>]*>[\\s\\S]*?</section>`).exec(page);
  if (!found) throw new Error(`no section labelled by #${headingId}`);
  return found[0];
}

function decodeQrPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error("no QR code found in the image");
  return code.data;
}

describe("public pages over HTTP", function () {
  this.timeout(120_000);
  let h: Harness;
  let s: Stories;
  let page: string;

  before(async function () {
    h = await startHarness({ web: { scanWarnThreshold: SCAN_WARN } });
    s = await recordStories(h);
    page = `${h.base}/01/${GTIN}/10/${s.journey.lot}`;
  });

  after(async function () {
    await h?.stop();
  });

  describe("routes", function () {
    it("serves a batch by Digital Link and by batch id, the same page", async function () {
      const byLink = await get(page);
      const byId = await get(`${h.base}/p/${s.journey.batchId}`);
      expect(byLink.status).to.equal(200);
      expect(byLink.headers.get("content-type")).to.match(/^text\/html; charset=utf-8/);
      expect(byLink.text).to.contain("田阳香芒").and.to.contain(s.journey.lot);
      expect(byId.status).to.equal(200);
      // The same facts; only the language switch's link (to this very path) differs.
      const withoutSwitch = (text: string) => text.replace(/<a class="lang-switch"[^>]*>/, "");
      expect(withoutSwitch(byId.text)).to.equal(withoutSwitch(byLink.text));
    });

    it("redirects a GTIN-13 to the canonical 14-digit form, keeping the rest of the path", async function () {
      const short = GTIN.slice(1);
      const answer = await get(`${h.base}/01/${short}/10/${s.journey.lot}/qr.svg?x=1`);
      expect(answer.status).to.equal(301);
      expect(answer.headers.get("location")).to.equal(`/01/${GTIN}/10/${s.journey.lot}/qr.svg?x=1`);
    });

    for (const [name, path, reason] of [
      ["a wrong GTIN check digit", `/01/06901234567891/10/PG-J1`, "校验位"],
      ["a lot outside GS1's character set", `/01/${GTIN}/10/${encodeURIComponent("批次")}`, "批次号无效"],
      ["an unknown lot", `/01/${GTIN}/10/NOPE`, "没有这个批次"],
      ["qualifiers out of GS1's order", `/01/${GTIN}/21/ABC/10/PG-J1`, "格式不对"],
      ["a malformed batch id", `/p/0x1234`, "批次编号无效"],
      ["a path that is no page", `/nothing-here`, "格式不对"],
    ] as const) {
      it(`answers ${name} with the friendly 404 page`, async function () {
        const answer = await get(`${h.base}${path}`);
        expect(answer.status).to.equal(404);
        expect(answer.headers.get("content-type")).to.match(/^text\/html/);
        expect(answer.text).to.contain("没有找到这个产品").and.to.contain(reason);
        expect(answer.headers.get("content-security-policy")).to.contain("object-src 'none'");
      });
    }

    it("keeps the API's JSON 404 for unknown API paths", async function () {
      const answer = await get(`${h.base}/api/v1/nothing`);
      expect(answer.status).to.equal(404);
      expect(JSON.parse(answer.text).error.code).to.equal("not_found");
    });
  });

  describe("languages", function () {
    it("is Chinese by default and English by Accept-Language or ?lang=en", async function () {
      expect((await get(page)).text).to.contain(`<html lang="zh-CN">`).and.to.contain("溯源旅程");
      const english = await get(page, { "Accept-Language": "en-US,en;q=0.9" });
      expect(english.text).to.contain(`<html lang="en">`).and.to.contain("Journey");
      expect(english.headers.get("vary")).to.contain("Accept-Language");
      expect((await get(`${page}?lang=en`, { "Accept-Language": "zh-CN" })).text).to.contain(`<html lang="en">`);
      expect((await get(`${page}?lang=zh`, { "Accept-Language": "en" })).text).to.contain(`<html lang="zh-CN">`);
    });

    it("shows the not-found page in English when asked", async function () {
      const answer = await get(`${h.base}/01/${GTIN}/10/NOPE?lang=en`);
      expect(answer.status).to.equal(404);
      expect(answer.text).to.contain("Product not found");
    });
  });

  describe("caching", function () {
    it("sends an ETag and answers 304 to a client that has this version", async function () {
      const first = await get(page);
      const etag = first.headers.get("etag")!;
      expect(etag).to.match(/^W\/".+"$/);
      expect(first.headers.get("cache-control")).to.equal("public, max-age=60");
      const again = await get(page, { "If-None-Match": etag });
      expect(again.status).to.equal(304);
      expect(again.text).to.equal("");
      const english = await get(page, { "If-None-Match": etag, "Accept-Language": "en" });
      expect(english.status, "another language is another version").to.equal(200);
    });

    it("changes the ETag once a new event is confirmed", async function () {
      const lot = "PG-ETAG";
      const { body } = await h.call("POST", "/api/v1/batches", { token: s.orgs.producer.apiKey, body: payload.harvest(lot) });
      await h.settle();
      const url = `${h.base}/01/${GTIN}/10/${lot}`;
      const before = (await get(url)).headers.get("etag");
      const shipped = await h.call("POST", `/api/v1/batches/${body.batchId}/events`, { token: s.orgs.producer.apiKey, body: payload.shipment(s.orgs.carrier.id) });
      expect(shipped.status, JSON.stringify(shipped.body)).to.equal(202);
      await h.settle();
      const after = await get(url, { "If-None-Match": before! });
      expect(after.status).to.equal(200);
      expect(after.headers.get("etag")).not.to.equal(before);
      expect(after.text).to.contain('data-kind="shipment"');
      expect(after.text, "a licence plate is never shown").not.to.contain("桂L·12345");
    });
  });

  describe("security headers", function () {
    for (const [what, path] of [
      ["a page", `/01/${GTIN}/10/PG-J1`],
      ["the API", `/api/v1/chain`],
      ["a QR code", `/01/${GTIN}/10/PG-J1/qr.svg`],
    ] as const) {
      it(`sends a strict CSP and helmet's headers with ${what}`, async function () {
        const { headers } = await get(`${h.base}${path}`);
        const csp = headers.get("content-security-policy")!;
        for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'none'"]) {
          expect(csp).to.contain(directive);
        }
        expect(csp).not.to.contain("unsafe-inline");
        expect(headers.get("x-content-type-options")).to.equal("nosniff");
        expect(headers.get("x-frame-options")).to.equal("DENY");
        expect(headers.get("referrer-policy")).to.equal("no-referrer");
        expect(headers.get("x-powered-by")).to.equal(null);
      });
    }

    it("never puts a user's text into the page unescaped", async function () {
      const { text } = await get(`${h.base}/p/${s.xss}`);
      expect(text).not.to.contain("<script>");
      expect(text).not.to.contain("<img src=x");
      expect(text).to.contain("&lt;script&gt;window.__xss=1&lt;/script&gt;");
    });
  });

  describe("checking a batch without trusting the gateway", function () {
    /** The chain as the gateway says it is, checked against the chain itself below. */
    let chain: { chainId: number; contract: string; deployBlock: number };
    /** Every data hash the ledger logged, read from the chain: what it is of, and on which batch. */
    const onChain = new Map<string, { kind: string; subject: string }>();

    before(async function () {
      chain = (await h.call("GET", "/api/v1/chain")).body;
      const ledger = new Contract(chain.contract, loadLedgerArtifact().abi, h.provider);
      for (const log of await ledger.queryFilter(ledger.filters.EventRecorded(), chain.deployBlock)) {
        const { batchId, kind, dataHash } = (log as EventLog).args;
        onChain.set(dataHash.toLowerCase(), { kind: eventKindName(Number(kind)), subject: batchId.toLowerCase() });
      }
      for (const log of await ledger.queryFilter(ledger.filters.CertificationAttested(), chain.deployBlock)) {
        const { subject, dataHash } = (log as EventLog).args;
        onChain.set(dataHash.toLowerCase(), { kind: "certification", subject: subject.toLowerCase() });
      }
      expect(onChain.size).to.be.greaterThan(20);
    });

    it("serves a panel whose chain, ledger and deploy block are the chain's own", async function () {
      expect((await h.provider.getNetwork()).chainId).to.equal(BigInt(chain.chainId));
      expect(await h.provider.getCode(chain.contract, chain.deployBlock - 1), "no ledger before its deploy block").to.equal("0x");
      expect(await h.provider.getCode(chain.contract, chain.deployBlock), "the ledger from its deploy block on").not.to.equal("0x");
    });

    const WORDS = {
      zh: { chainId: "链 ID", contract: "合约地址", deployBlock: "合约部署区块", batchId: "批次 ID", rpc: "<链节点的RPC地址>" },
      en: { chainId: "Chain ID", contract: "Contract", deployBlock: "Deploy block", batchId: "Batch id", rpc: "<RPC URL of a chain node>" },
    } as const;
    for (const lang of ["zh", "en"] as const) {
      it(`names the chain id, the ledger, its deploy block and the batch id, and gives the audit command to copy (${lang})`, async function () {
        const words = WORDS[lang];
        const panel = sectionOf((await get(`${page}?lang=${lang}`)).text, "verify-heading");
        const fact = (term: string) => {
          const found = new RegExp(`<dt>${term}</dt><dd>(?:<a [^>]*>)?<code>([^<]*)</code>`).exec(panel);
          if (!found) throw new Error(`no ${term} in ${panel}`);
          return found[1];
        };
        expect(fact(words.chainId)).to.equal("31337").and.to.equal(String(chain.chainId));
        expect(fact(words.contract)).to.equal(chain.contract);
        expect(fact(words.deployBlock)).to.equal(String(chain.deployBlock));
        expect(fact(words.batchId)).to.equal(batchIdFor(GTIN, s.journey.lot)).and.to.equal(s.journey.batchId);

        const command = /<pre data-audit-command><code>([^<]*)<\/code><\/pre>/.exec(panel);
        expect(command, "the audit command in a <pre><code> block").not.to.equal(null);
        expect(unescapeHtml(command![1])).to.equal(
          [
            "npm run cli -- audit \\",
            `  --gtin ${GTIN} \\`,
            `  --lot ${s.journey.lot} \\`,
            `  --rpc ${words.rpc} \\`,
            `  --ledger ${chain.contract} \\`,
            `  --from-block ${chain.deployBlock} \\`,
            `  --details ${h.base}`,
          ].join("\n"),
        );
        // The reader is told to name a node, and where the details are.
        expect(unescapeHtml(panel)).to.contain(words.rpc).and.to.contain("<code>/api/v1/details/{dataHash}</code>");
      });
    }

    it("quotes for a shell what a shell would read in the command, and keeps a value that begins with - to its option", function () {
      const command = auditCommand({ gtin: GTIN, lot: "-A&B'C", ledger: "0xAbC", fromBlock: null, details: "https://trace.example.cn/", rpcPlaceholder: "<RPC>" });
      expect(command.split(" \\\n")).to.deep.equal([
        "npm run cli -- audit",
        `  --gtin ${GTIN}`,
        `  --lot='-A&B'\\''C'`,
        "  --rpc <RPC>",
        "  --ledger 0xAbC",
        "  --details https://trace.example.cn",
      ]);
    });

    for (const [name, batch] of [
      ["the journey batch", () => s.journey.batchId],
      ["a pack split from it (with its input's events)", () => s.packs[0]],
      ["a batch whose certificate was revoked", () => s.revoked],
    ] as const) {
      it(`links every record of ${name} to its detail, whose bytes hash to the record's data hash on chain`, async function () {
        const { text } = await get(`${h.base}/p/${batch()}?lang=en`);
        const items = [...text.matchAll(/<li [^>]*data-kind="([^"]+)"[^>]*>([\s\S]*?)<\/li>/g)];
        expect(items.length).to.be.greaterThan(1);
        const linked: string[] = [];
        for (const [, kind, item] of items) {
          const links = [...item.matchAll(/<a class="detail-link" href="\/api\/v1\/details\/(0x[0-9a-f]{64})">/g)].map((m) => m[1]);
          if (kind === "revocation") {
            // A revocation logs its reason on chain, no data hash: nothing to link.
            expect(links, kind).to.deep.equal([]);
            continue;
          }
          expect(links, `the ${kind}'s detail link`).to.have.length(1);
          const [hash] = links;
          expect(onChain.get(hash)?.kind, `the ${kind} links to ${hash}, which the chain logged as`).to.equal(kind);
          const response = await fetch(`${h.base}/api/v1/details/${hash}`);
          expect(response.status, hash).to.equal(200);
          expect(keccak256(new Uint8Array(await response.arrayBuffer())), "keccak256 of the served bytes").to.equal(hash);
          linked.push(hash);
        }
        // Every record the chain holds of the batch and the batches it was made from is linked, once.
        const family = new Set([batch(), ...(await h.call("GET", `/api/v1/batches/${batch()}`)).body.lineage.inputs]);
        const expected = [...onChain].filter(([, record]) => family.has(record.subject)).map(([hash]) => hash);
        expect([...linked].sort()).to.deep.equal(expected.sort());
        if (batch() === s.revoked) expect(items.some(([, kind]) => kind === "revocation"), "the revocation is in the journey").to.equal(true);
      });
    }

    it("links a harvest's photos, public by the hash its detail names, from the page", async function () {
      const image = new PNG({ width: 2, height: 2 });
      image.data.fill(200);
      const bytes = PNG.sync.write(image);
      const hash = keccak256(bytes);
      new PhotoRepository(h.db).saveNew([{ hash, orgId: s.orgs.producer.id, contentType: "image/png", bytes }]);
      const lot = "PG-PHOTO";
      const harvest = await h.call("POST", "/api/v1/batches", { token: s.orgs.producer.apiKey, body: payload.harvest(lot, { photoHashes: [hash] }) });
      expect(harvest.status, JSON.stringify(harvest.body)).to.equal(202);
      await h.settle();
      const { text } = await get(`${h.base}/01/${GTIN}/10/${lot}`);
      const harvestItem = /<li [^>]*data-kind="harvest"[^>]*>([\s\S]*?)<\/li>/.exec(text)![1];
      const links = [...harvestItem.matchAll(/<a href="(\/photos\/0x[0-9a-f]{64})">/g)].map((m) => m[1]);
      expect(links).to.deep.equal([`/photos/${hash}`]);
      const photo = await fetch(`${h.base}${links[0]}`);
      expect(photo.status).to.equal(200);
      expect(keccak256(new Uint8Array(await photo.arrayBuffer()))).to.equal(hash);
    });

    it("keeps a shipment's vehicle (a licence plate) off the chain, the feed and the page: its detail holds a commitment, its writer the opening", async function () {
      const lot = "PG-PLATE";
      const producer = s.orgs.producer.apiKey;
      const batchId = (await h.call("POST", "/api/v1/batches", { token: producer, body: payload.harvest(lot) })).body.batchId as string;
      const shipped = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: producer, body: payload.shipment(s.orgs.carrier.id, { vehicle: "桂L·PL8TE" }) });
      expect(shipped.status, JSON.stringify(shipped.body)).to.equal(202);
      await h.settle();
      const shipment = (await h.call("GET", `/api/v1/batches/${batchId}`)).body.events.find((e: { type: string }) => e.type === "shipment");
      const hash: string = shipment.proof.dataHash;
      const ledger = new Contract(chain.contract, loadLedgerArtifact().abi, h.provider);
      const logged = (await ledger.queryFilter(ledger.filters.EventRecorded(batchId), chain.deployBlock)).map((log) => (log as EventLog).args.dataHash);
      expect(logged, "the chain's own data hash of the shipment").to.include(hash);

      // The served detail: the bytes the chain's hash is of, the plate committed, the rest as written.
      const served = await fetch(`${h.base}/api/v1/details/${hash}`);
      expect(served.status).to.equal(200);
      const bytes = new Uint8Array(await served.arrayBuffer());
      expect(keccak256(bytes)).to.equal(hash);
      const text = new TextDecoder().decode(bytes);
      expect(text).not.to.contain("PL8TE");
      const detail = JSON.parse(text);
      expect(detail).not.to.have.property("vehicle");
      expect(detail.committed).to.have.property("vehicle").that.matches(/^0x[0-9a-f]{64}$/);
      expect(detail).to.deep.include({ from: "百色市田阳区", to: "深圳市福田区", temperature: { min: 8, max: 12 } });

      // The bulk feed, the whole ledger in chain order: no plate of any shipment of these stories.
      let feed = "";
      for (let after: string | null = null, round = 0; round < 20; round++) {
        const answer = await fetch(`${h.base}/api/v1/details?format=ndjson&limit=2000${after ? `&after=${after}` : ""}`);
        expect(answer.status).to.equal(200);
        const lines = await answer.text();
        if (lines === "") break;
        feed += lines;
        after = answer.headers.get("x-next-cursor");
      }
      expect(feed).to.contain(hash);
      expect(feed).not.to.contain("PL8TE").and.not.to.contain("桂L");

      // The page shows the shipment, not the plate.
      const { text: pageText } = await get(`${h.base}/01/${GTIN}/10/${lot}`);
      expect(pageText).to.contain('data-kind="shipment"').and.not.to.contain("PL8TE");

      // Its writer reads the plate, and can prove it against the commitment.
      const own = (await h.call("GET", `/api/v1/batches/${batchId}`, { token: producer })).body.events.find((e: { type: string }) => e.type === "shipment");
      expect(own.detail).to.deep.include({ vehicle: "桂L·PL8TE" });
      const opening = await h.call("GET", `/api/v1/events/${shipped.body.eventId}/private`, { token: producer });
      expect(opening.status, JSON.stringify(opening.body)).to.equal(200);
      const field = opening.body.fields.find((f: { field: string }) => f.field === "vehicle");
      expect(field).to.deep.include({ value: "桂L·PL8TE", commitment: detail.committed.vehicle });
      expect(verifyOpening(detail.committed.vehicle, { salt: field.salt, value: "桂L·PL8TE" })).to.equal(true);
    });
  });

  describe("unit serials", function () {
    const issue = (batchId: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
      h.call("POST", `/api/v1/batches/${batchId}/serials`, { token, body, headers });
    const issuedCount = (batchId: string) =>
      (h.db.prepare(`SELECT count(*) AS n FROM serials WHERE batch_id = ?`).get(batchId) as { n: number }).n;

    it("issues random serials with their Digital Link URIs to the batch's creator", async function () {
      const { status, body } = await issue(s.journey.batchId, s.orgs.producer.apiKey, { count: 5 });
      expect(status).to.equal(201);
      expect(body.batchId).to.equal(s.journey.batchId);
      expect(body.serials).to.have.length(5);
      for (const { serial, url } of body.serials) {
        expect(serial).to.match(SERIAL_PATTERN);
        expect(url).to.equal(`${h.base}/01/${GTIN}/10/${s.journey.lot}/21/${serial}`);
      }
      expect(issuedCount(s.journey.batchId)).to.equal(5);
    });

    it("gives the same serials again for a repeated Idempotency-Key", async function () {
      const headers = { "Idempotency-Key": "serials-once" };
      const first = await issue(s.packs[0], s.orgs.processor.apiKey, { count: 2 }, headers);
      const again = await issue(s.packs[0], s.orgs.processor.apiKey, { count: 2 }, headers);
      expect(first.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect(issuedCount(s.packs[0])).to.equal(2);
    });

    for (const [name, who, batch, body, status, field] of [
      ["a carrier", "carrier", "journey", { count: 1 }, 403, undefined],
      ["the processor, for the producer's batch", "processor", "journey", { count: 1 }, 403, undefined],
      ["an unknown batch", "producer", "unknown", { count: 1 }, 404, "batchId"],
      ["a count of 0", "producer", "journey", { count: 0 }, 400, "count"],
      ["a count over 10,000", "producer", "journey", { count: 10_001 }, 400, "count"],
      ["a count as text", "producer", "journey", { count: "5" }, 400, "count"],
      ["a fractional count", "producer", "journey", { count: 1.5 }, 400, "count"],
      ["no count", "producer", "journey", {}, 400, "count"],
      ["an unknown field", "producer", "journey", { count: 1, prefix: "X" }, 400, "prefix"],
    ] as const) {
      it(`refuses ${name} (${status}) and issues nothing`, async function () {
        const batchId = batch === "unknown" ? payload.harvestedBatchId("NO-SUCH") : s.journey.batchId;
        const before = issuedCount(s.journey.batchId);
        const answer = await issue(batchId, s.orgs[who].apiKey, body);
        expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
        if (field) expect(answer.body.error.fields.map((f: { field: string }) => f.field)).to.include(field);
        expect(issuedCount(s.journey.batchId)).to.equal(before);
      });
    }

    it("counts a unit's scans once per client per window: one client scanning again and again never makes it warn", async function () {
      const { body } = await issue(s.journey.batchId, s.orgs.producer.apiKey, { count: 1 });
      const url = `${h.base}/01/${GTIN}/10/${s.journey.lot}/21/${body.serials[0].serial}`;
      for (let scan = 1; scan <= SCAN_WARN + 5; scan++) {
        const answer = await get(url);
        expect(answer.status).to.equal(200);
        expect(answer.headers.get("cache-control")).to.equal("no-store");
        expect(answer.text).not.to.contain(`data-warning="counterfeit"`);
        expect(answer.text).to.contain(`此单品码已被扫描 1 次`);
      }
      await fetch(url, { method: "HEAD", headers: { "User-Agent": "link checker" } });
      const row = h.db.prepare(`SELECT scan_count FROM serials WHERE serial = ?`).get(body.serials[0].serial) as { scan_count: number };
      expect(row.scan_count, "a HEAD is not a scan").to.equal(1);
      const other = await get(url, { "User-Agent": "another phone" });
      expect(other.text).to.contain(`已被扫描 2 次`).and.not.to.contain(`data-warning="counterfeit"`);
    });

    it("warns about a serial that was never issued", async function () {
      const answer = await get(`${h.base}/01/${GTIN}/10/${s.journey.lot}/21/NEVERISSUED1`);
      expect(answer.status).to.equal(200);
      expect(answer.text).to.contain(`data-warning="counterfeit"`).and.to.contain("从未签发");
      expect(h.db.prepare(`SELECT count(*) AS n FROM serials WHERE serial = 'NEVERISSUED1'`).get()).to.deep.equal({ n: 0 });
    });
  });

  describe("QR codes", function () {
    it("encodes the batch's Digital Link URI on the public base URL (decoded from the PNG)", async function () {
      const response = await fetch(`${page}/qr.png`);
      expect(response.headers.get("content-type")).to.equal("image/png");
      expect(decodeQrPng(Buffer.from(await response.arrayBuffer()))).to.equal(page);
    });

    it("encodes a unit's URI, and serves SVG too", async function () {
      const unit = `${page}/21/ABCD1234EFGH`;
      const png = Buffer.from(await (await fetch(`${unit}/qr.png`)).arrayBuffer());
      expect(decodeQrPng(png)).to.equal(unit);
      const svg = await get(`${unit}/qr.svg`);
      expect(svg.headers.get("content-type")).to.match(/^image\/svg\+xml/);
      expect(svg.text).to.match(/^<svg /).and.not.to.contain("<script");
    });

    it("refuses a QR code for an invalid GTIN", async function () {
      expect((await get(`${h.base}/01/06901234567891/10/PG-J1/qr.png`)).status).to.equal(404);
    });
  });

  describe("label sheets", function () {
    it("prints 24 batch labels with the 圳品 mark while the certificate is valid", async function () {
      const sheet = await get(`${h.base}/labels/${s.journey.batchId}`);
      expect(sheet.status).to.equal(200);
      expect(sheet.text.match(/class="label"/g)).to.have.length(24);
      expect(sheet.text.match(/class="label-mark"/g)).to.have.length(24);
      expect(sheet.text).to.contain(`data-uri="${page}"`).and.to.contain("百色市田阳区");
    });

    it("prints no 圳品 mark for a revoked certificate", async function () {
      const sheet = await get(`${h.base}/labels/${s.revoked}`);
      expect(sheet.status).to.equal(200);
      expect(sheet.text).not.to.contain(`class="label-mark"`);
    });

    it("prints one label per issued serial with its short code", async function () {
      const { body } = await h.call("POST", `/api/v1/batches/${s.packs[1]}/serials`, { token: s.orgs.processor.apiKey, body: { count: 3 } });
      const serials = body.serials.map((x: { serial: string }) => x.serial);
      const sheet = await get(`${h.base}/labels/${s.packs[1]}?serials=${serials.join(",")}`);
      expect(sheet.status).to.equal(200);
      expect(sheet.text.match(/class="label"/g)).to.have.length(3);
      for (const serial of serials) {
        expect(sheet.text).to.contain(`/21/${serial}"`);
        expect(sheet.text).to.contain(serial.match(/.{4}/g).join("-"));
      }
    });

    it("refuses serials that were not issued for the batch, naming them", async function () {
      const sheet = await get(`${h.base}/labels/${s.packs[1]}?serials=NOTISSUED123`);
      expect(sheet.status).to.equal(400);
      expect(sheet.text).to.contain("serials").and.to.contain("NOTISSUED123");
    });
  });

  describe("rate limit", function () {
    it("answers 429 once a client passes the public pages' limit", async function () {
      const limited = await startHarness({ web: { rateLimitPerMinute: 5 } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await get(`${limited.base}/01/${GTIN}/10/NOPE`)).status);
        expect(statuses).to.deep.equal([404, 404, 404, 404, 404, 429, 429]);
        expect((await get(`${limited.base}/api/v1/chain`)).status, "the API is not behind the pages' limit").to.equal(200);
      } finally {
        await limited.stop();
      }
    });
  });
});
