/**
 * A gateway's kept batch pages under writes, over HTTP on a real chain: a page is rendered afresh
 * (X-Page-Cache: miss) and shows the change after each kind of write it depends on — an event on
 * its batch (pending, then confirmed), an event on the batch it was made from, a 圳品
 * certification and its revocation, a correction, a recall of its input, a detail arriving for
 * one of its events — and is kept (X-Page-Cache: hit, the same ETag) through writes to batches it
 * does not depend on, a sibling pack's included.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, Wallet, ZeroAddress, type BrowserProvider } from "ethers";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { encodeRecord } from "../../server/chain/ledger-calls";
import { signDigest } from "../../server/chain/sign-digest";
import { eventDigest, ledgerDomain } from "../../server/chain/typed-data";
import { canonicalize } from "../../server/domain/canonical-json";
import { EventKind } from "../../server/domain/event-kinds";
import { batchIdFor } from "../../server/domain/gs1";
import { ZERO_HASH } from "../../server/domain/hashes";

type Org = { id: string; address: string; apiKey: string };

describe("kept pages follow what they depend on", function () {
  this.timeout(180_000);
  let h: Harness;
  let orgs: Record<"producer" | "processor" | "certifier" | "retailer", Org>;
  /** The batch harvested and split; its two packs. */
  let input: string;
  let pack: string;
  let sibling: string;

  async function ok(path: string, org: Org | string, body: unknown): Promise<any> {
    const token = typeof org === "string" ? org : org.apiKey;
    const answer = await h.call("POST", path, { token, body });
    if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
  const event = (batchId: string, org: Org, body: unknown) => ok(`/api/v1/batches/${batchId}/events`, org, body);

  async function page(batchId: string) {
    const response = await fetch(`${h.base}/p/${batchId}`);
    expect(response.status).to.equal(200);
    return { cache: response.headers.get("x-page-cache"), etag: response.headers.get("etag"), text: await response.text() };
  }

  /** Renders the page if need be and checks that the next request finds it kept. */
  async function keptPage(batchId: string) {
    await page(batchId);
    const kept = await page(batchId);
    expect(kept.cache).to.equal("hit");
    return kept;
  }

  const count = (text: string, needle: string) => text.split(needle).length - 1;

  before(async function () {
    h = await startHarness();
    orgs = {
      producer: await h.org("田阳芒果专业合作社", "producer"),
      processor: await h.org("百色分拣包装厂", "processor"),
      certifier: await h.org("深圳市标准技术研究院", "certifier"),
      retailer: await h.org("福田区消费扶贫专柜", "retailer"),
    };
    input = (await ok("/api/v1/batches", orgs.producer, payload.harvest("PD-J1"))).batchId;
    await event(input, orgs.producer, payload.shipment(orgs.processor.id, { shippedAt: "2026-06-01T11:00:00+08:00" }));
    await event(input, orgs.processor, { ...payload.receipt, location: "百色分拣包装厂", receivedAt: "2026-06-01T15:00:00+08:00" });
    await event(input, orgs.processor, {
      type: "processing",
      step: "packing",
      occurredAt: "2026-06-01T20:00:00+08:00",
      facility: "百色分拣包装厂礼盒车间",
      outputs: ["PD-P1", "PD-P2"].map((lot) => ({ gtin: payload.MANGO_GTIN, lot, quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } })),
    });
    pack = batchIdFor(payload.MANGO_GTIN, "PD-P1");
    sibling = batchIdFor(payload.MANGO_GTIN, "PD-P2");
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("keeps a pack's page, and its input's, through writes to other batches and to its sibling pack", async function () {
    const before = await keptPage(pack);
    const inputBefore = await keptPage(input);
    const other = (await ok("/api/v1/batches", orgs.producer, payload.harvest("PD-O1"))).batchId;
    await event(other, orgs.producer, payload.shipment(orgs.retailer.id));
    await event(sibling, orgs.processor, payload.shipment(orgs.retailer.id, { shippedAt: "2026-06-02T08:00:00+08:00", quantity: { amount: 10, unit: "box" } }));
    await h.settle();
    const after = await page(pack);
    expect(after.cache).to.equal("hit");
    expect(after.etag).to.equal(before.etag);
    expect((await page(input)).cache).to.equal("hit");
    expect((await page(input)).etag).to.equal(inputBefore.etag);
  });

  it("renders a page afresh for an event on its batch: once accepted (pending), again once on chain", async function () {
    const before = await keptPage(pack);
    expect(before.text).not.to.contain(`class="pending"`);
    await event(pack, orgs.processor, payload.shipment(orgs.retailer.id, { shippedAt: "2026-06-02T09:00:00+08:00", quantity: { amount: 20, unit: "box" } }));
    const pending = await page(pack);
    expect(pending.cache).to.equal("miss");
    expect(pending.text).to.contain(`class="pending"`);
    await keptPage(pack);
    await h.settle();
    const confirmed = await page(pack);
    expect(confirmed.cache).to.equal("miss");
    expect(confirmed.text).not.to.contain(`class="pending"`);
    expect(count(confirmed.text, `data-kind="shipment"`)).to.equal(count(before.text, `data-kind="shipment"`) + 1);
  });

  it("renders a pack's page afresh for an event on the batch it was made from", async function () {
    const before = await keptPage(pack);
    await event(input, orgs.processor, payload.shipment(orgs.retailer.id, { shippedAt: "2026-06-02T10:00:00+08:00", quantity: { amount: 50, unit: "kg" } }));
    await h.settle();
    const after = await page(pack);
    expect(after.cache).to.equal("miss");
    expect(count(after.text, `data-kind="shipment"`)).to.equal(count(before.text, `data-kind="shipment"`) + 1);
  });

  it("renders pages afresh for a 圳品 certification of the input and for its revocation", async function () {
    const before = await keptPage(pack);
    expect(before.text).not.to.contain(`data-certified-input="true"`);
    await ok(`/api/v1/batches/${input}/certifications`, orgs.certifier, payload.certification("ZP-PD-0001"));
    await h.settle();
    const certified = await page(pack);
    expect(certified.cache).to.equal("miss");
    expect(certified.text).to.contain(`data-certified-input="true"`);
    await keptPage(pack);

    const certificationId = (await h.call("GET", `/api/v1/batches/${input}`)).body.certifications[0].certificationId as string;
    await ok(`/api/v1/certifications/${certificationId}/revoke`, orgs.certifier, { reason: "复检不合格" });
    await h.settle();
    const revoked = await page(pack);
    expect(revoked.cache).to.equal("miss");
    expect(revoked.text).not.to.contain(`data-certified-input="true"`);
    expect(revoked.text).to.contain(`data-kind="revocation"`);
  });

  it("renders a page afresh for a correction of one of its events", async function () {
    const shipment = await event(pack, orgs.processor, payload.shipment(orgs.retailer.id, { shippedAt: "2026-06-02T11:00:00+08:00", quantity: { amount: 5, unit: "box" } }));
    await h.settle();
    const before = await keptPage(pack);
    expect(before.text).not.to.contain(`data-status="void"`);
    await event(pack, orgs.processor, { type: "correction", corrects: shipment.events[0].eventId, declaration: "void", reason: "录入错误：重复登记" });
    await h.settle();
    const after = await page(pack);
    expect(after.cache).to.equal("miss");
    expect(after.text).to.contain(`data-status="void"`);
  });

  it("renders a pack's page afresh when the batch it was made from is recalled", async function () {
    const before = await keptPage(pack);
    expect(before.text).not.to.contain(`data-warning="recall"`);
    await event(input, orgs.producer, payload.recall);
    await h.settle();
    const after = await page(pack);
    expect(after.cache).to.equal("miss");
    expect(after.text).to.contain(`data-warning="recall"`);
  });

  it("renders a page afresh when a detail it lacked arrives", async function () {
    // A farm that keeps its own key records its harvest on chain itself: this gateway holds no detail of it.
    const farm = Wallet.createRandom();
    await h.org("自持密钥合作社", "producer", farm.address);
    const chain = (await h.call("GET", "/api/v1/chain")).body as { chainId: number; contract: string };
    const detail = canonicalize(payload.harvest("PD-S1"));
    const event = { batchId: batchIdFor(payload.MANGO_GTIN, "PD-S1"), kind: EventKind.Harvest, prevHead: ZERO_HASH, dataHash: keccak256(toUtf8Bytes(detail)), inputs: [], counterparty: ZeroAddress };
    const signature = signDigest(farm.privateKey, eventDigest(ledgerDomain(chain.chainId, chain.contract), event));
    const sender = await (h.provider as BrowserProvider).getSigner(7);
    await (await sender.sendTransaction({ to: chain.contract, data: encodeRecord({ ...event, ...signature, proofs: [] }) })).wait();
    await h.settle();

    const before = await keptPage(event.batchId);
    expect(before.text).to.contain("check-not-held").and.not.to.contain("田阳芒果供深基地");
    const imported = await h.call("POST", "/api/v1/details/import", { token: TEST_ADMIN_TOKEN, body: { details: [{ dataHash: event.dataHash, detail }] } });
    expect(imported.status).to.equal(200);
    expect(imported.body.kept).to.equal(1);
    const after = await page(event.batchId);
    expect(after.cache).to.equal("miss");
    expect(after.text).to.contain("check-match").and.to.contain("田阳芒果供深基地");
  });
});
