/**
 * What the public page and the batch read show of the ledger's rules: corrections (the original
 * struck through beside the correction), events on chain that break a rule whoever relayed them,
 * a recalled batch never shown as 圳品-valid, a pack's own quantity, and plain dates as dates.
 */
import { expect } from "chai";
import { Contract, Wallet, ZeroAddress } from "ethers";
import { ZERO_HASH } from "../../server/domain/hashes";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { canonicalize } from "../../server/domain/canonical-json";
import { hashDetail } from "../../server/domain/hashes";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { ledgerDomain, signEvent } from "../../server/chain/typed-data";
import { EventKind } from "../../server/domain/event-kinds";
import { parseBatchId } from "../../server/domain/gs1";
import { EventDetails } from "../../server/store/event-details";

type Org = { id: string; address: string; apiKey: string };

describe("pages and reads under the ledger's rules", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org, processor: Org, certifier: Org, retailer: Org;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    certifier = await h.org("深圳市标准技术研究院", "certifier");
    retailer = await h.org("福田区消费帮扶专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  async function ok(path: string, org: Org, body: unknown): Promise<{ batchId: string; eventId: string; events: { eventId: string; batchId: string }[] }> {
    const answer = await h.call("POST", path, { token: org.apiKey, body });
    expect(answer.status, `${path} ${JSON.stringify(answer.body)}`).to.equal(202);
    return answer.body;
  }
  const harvest = (lot: string, overrides: Record<string, unknown> = {}) => ok("/api/v1/batches", producer, payload.harvest(lot, overrides));
  const event = (batchId: string, org: Org, body: unknown) => ok(`/api/v1/batches/${batchId}/events`, org, body);
  const page = async (batchId: string, lang = "zh") => (await fetch(`${h.base}/p/${batchId}?lang=${lang}`)).text();

  /** The batch carried to the counter: shipped by its holder, the cooperative, and received there. */
  async function toCounter(batchId: string): Promise<void> {
    await event(batchId, producer, payload.shipment(retailer.id));
    await event(batchId, retailer, payload.receipt);
  }

  it("shows a voided sale struck through beside its correction, and gives back what it sold", async function () {
    const { batchId } = await harvest("RP-V1");
    await toCounter(batchId);
    const sale = await event(batchId, retailer, { ...payload.sale, quantity: { amount: 200, unit: "kg" }, amountCny: 2000 });
    await event(batchId, retailer, { type: "correction", corrects: sale.eventId, declaration: "void", reason: "录入错误：重复登记" });
    await h.settle();

    const read = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(read.events.map((e: { type: string }) => e.type)).to.deep.equal(["harvest", "shipment", "receipt", "sale", "correction"]);
    expect(read.events[3].status).to.equal("void");
    expect(read.events[3].correctedBy).to.deep.include({ declaration: "void", reason: "录入错误：重复登记" });
    expect(read.custody.remaining).to.deep.equal({ amount: 1200, unit: "kg" });
    expect(read.custody.holders).to.deep.equal([{ address: retailer.address.toLowerCase(), name: "福田区消费帮扶专柜", role: "retailer", quantity: { amount: 1200, unit: "kg" } }]);
    expect(read.findings).to.deep.equal([]);

    const html = await page(batchId);
    const item = html.match(/<li class="[^"]*" data-kind="sale" data-status="void">[\s\S]*?<\/li>/)?.[0] ?? "";
    expect(item, "the voided sale is on the page").to.contain("<del>").and.to.contain("已作废").and.to.contain("录入错误：重复登记");
    expect(html).to.match(/data-kind="correction"/);
    expect(html).not.to.contain('data-warning="rule-breaks"');
    // The live check reads the chain's own logs and finds no rule broken either.
    const verified = (await h.call("GET", `/api/v1/batches/${batchId}/verify`)).body;
    expect(verified.ok, JSON.stringify(verified.problems)).to.equal(true);
    expect(verified.rules).to.deep.equal({ ok: true, findings: [] });
  });

  it("shows a superseded shipment with its corrected quantity, and custody follows the correction", async function () {
    const { batchId } = await harvest("RP-S1");
    const shipped = await event(batchId, producer, payload.shipment(retailer.id, { quantity: { amount: 1000, unit: "kg" } }));
    await event(batchId, producer, payload.shipment(processor.id, { quantity: { amount: 100, unit: "kg" } }));
    // 800 kg went, not 1000: corrected before the counter received it.
    await event(batchId, producer, {
      type: "correction",
      corrects: shipped.eventId,
      declaration: "supersede",
      reason: "数量填错",
      replacement: payload.shipment(retailer.id, { quantity: { amount: 800, unit: "kg" } }),
    });
    await event(batchId, retailer, payload.receipt);
    await h.settle();

    const read = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(read.events[1].status).to.equal("superseded");
    expect(read.events.at(-1).detail.quantity).to.deep.equal({ amount: 800, unit: "kg" });
    const held = Object.fromEntries(read.custody.holders.map((x: { name: string; quantity: { amount: number } }) => [x.name, x.quantity.amount]));
    expect(held).to.deep.equal({ 田阳芒果专业合作社: 300, 福田区消费帮扶专柜: 800 });
    expect(read.custody.inTransit).to.deep.equal([{ to: { address: processor.address.toLowerCase(), name: "百色分拣包装厂" }, quantity: { amount: 100, unit: "kg" } }]);

    const html = await page(batchId, "en");
    const item = html.match(/<li class="[^"]*status-superseded[^"]*"[\s\S]*?<\/li>/)?.[0] ?? "";
    expect(item).to.contain("Corrected").and.to.contain("800 kg").and.to.contain("<del>");
  });

  it("never shows a recalled batch as 圳品-valid", async function () {
    const { batchId } = await harvest("RP-R1");
    const cert = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-RP-R1") });
    expect(cert.status).to.equal(202);
    await h.settle();
    expect(await page(batchId)).to.contain('data-certification="valid"');
    await event(batchId, producer, payload.recall);
    await h.settle();
    const html = await page(batchId);
    expect(html).to.contain('data-certification="recalled"').and.to.contain("已召回：认证不再适用于这批产品");
    expect(html).not.to.contain('data-certification="valid"');
    expect(html.match(/<span class="badge-status">([^<]*)<\/span>/)?.[1]).not.to.equal("有效");
  });

  it("shows a pack's own quantity, not its input's harvest", async function () {
    const { batchId } = await harvest("RP-P1");
    await event(batchId, producer, payload.shipment(processor.id, { shippedAt: "2026-06-01T12:00:00+08:00" }));
    await event(batchId, processor, { ...payload.receipt, receivedAt: "2026-06-01T16:00:00+08:00" });
    const split = await event(batchId, processor, {
      ...payload.packing,
      outputs: [{ gtin: payload.TEA_GTIN, lot: "RP-P1-A", quantity: { amount: 40, unit: "box" }, conversion: { unit: "box", kg: 5 } }],
    });
    await h.settle();
    const pack = split.events[0].batchId;
    const html = await page(pack);
    expect(html.match(/<dd data-quantity="own">([^<]*)/)?.[1]).to.equal("40 箱");
    // The origin card names where it came from; the harvest's 1200 kg is the input's, in its journey step only.
    const origin = html.match(/<section class="card" aria-label="产地[^"]*">[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(origin).to.contain("百色市田阳区").and.not.to.contain("1200");
    const input = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(input.custody.remaining).to.deep.equal({ amount: 1000, unit: "kg" });
    // From the chain's logs: the split found as a draw on its input, within what the packer held.
    for (const id of [batchId, pack]) expect((await h.call("GET", `/api/v1/batches/${id}/verify`)).body.rules).to.deep.equal({ ok: true, findings: [] });
  });

  it("keeps a plain date a date, on the page and in the detail", async function () {
    const { batchId } = await harvest("RP-D1", { harvestedAt: "2026-07-15" });
    const cert = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, {
      token: certifier.apiKey,
      body: { ...payload.certification("ZP-RP-D1"), validFrom: "2026-07-01", validUntil: "2099-06-30" },
    });
    expect(cert.status).to.equal(202);
    await h.settle();
    const read = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(read.events[0].detail.harvestedAt).to.equal("2026-07-15");
    // The certificate's days stay days, and cover all of them in China time.
    expect(read.certification).to.deep.include({ status: "valid", validFrom: "2026-07-01", validUntil: "2099-06-30" });
    const onChain = h.db.prepare(`SELECT valid_from, valid_until FROM idx_certifications WHERE certificate_no = 'ZP-RP-D1'`).get() as { valid_from: number; valid_until: number };
    expect(onChain).to.deep.equal({ valid_from: Date.parse("2026-07-01T00:00:00+08:00") / 1000, valid_until: Date.parse("2099-07-01T00:00:00+08:00") / 1000 - 1 });
    const html = await page(batchId);
    expect(html).to.contain('datetime="2026-07-15"').and.to.contain("2026年7月15日").and.to.contain("2026年7月1日 – 2099年6月30日");
    expect(html).not.to.match(/2026年7月15日 08:00/);
  });

  it("marks an event on chain that breaks a rule, whoever relayed it", async function () {
    // A cooperative with its own key relays a harvest straight to the contract, past the gateway,
    // from a county code that is no county; its detail is published (here: kept by this gateway).
    const coopKey = Wallet.createRandom();
    const coop = await h.org("自行上链的合作社", "producer", coopKey.address);
    const { chainId, contract } = (await h.call("GET", "/api/v1/chain")).body;
    const ledger = new Contract(contract, loadLedgerArtifact().abi, await h.provider.getSigner(9));
    const batchId = payload.harvestedBatchId("RP-X1");
    const detail = canonicalize({
      ...payload.harvest("RP-X1"),
      v: 2,
      type: "harvest",
      origin: { countyCode: "999999", county: "不存在县" },
      org: { id: coop.id, name: "自行上链的合作社", role: "producer", address: coop.address },
      batch: { id: batchId, ...parseBatchId(batchId) },
      recordedAt: new Date().toISOString(),
    });
    const dataHash = hashDetail(JSON.parse(detail));
    new EventDetails(h.db).put(dataHash, detail);
    const event = { batchId, kind: EventKind.Harvest, prevHead: ZERO_HASH, dataHash, inputs: [], counterparty: ZeroAddress };
    await (await ledger.record(await signEvent(coopKey, ledgerDomain(chainId, contract), event), [], [], [])).wait();
    await h.settle();

    const read = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(read.findings.map((f: { dataHash: string; code: string }) => [f.dataHash, f.code])).to.deep.equal([[dataHash, "county_unknown"]]);
    const html = await page(batchId);
    expect(html).to.contain('data-warning="rule-breaks"');
    expect(html).to.match(/data-rule-break="county_unknown"/);
    expect(html).to.contain("不是县级行政区划代码");
    const verified = (await h.call("GET", `/api/v1/batches/${batchId}/verify`)).body;
    expect(verified.ok).to.equal(true); // every hash matches: the chain holds what was signed
    expect(verified.rules.ok).to.equal(false);
    expect(verified.rules.findings.map((f: { code: string }) => f.code)).to.deep.equal(["county_unknown"]);
  });

  it("leaves custody to the chain: a counter cannot sell a batch it never received, even relaying it itself", async function () {
    const counterKey = Wallet.createRandom();
    await h.org("自行上链的专柜", "retailer", counterKey.address);
    const { batchId } = await harvest("RP-X2");
    await h.settle();
    const { chainId, contract } = (await h.call("GET", "/api/v1/chain")).body;
    const ledger = new Contract(contract, loadLedgerArtifact().abi, await h.provider.getSigner(9));
    const tip = h.db.prepare(`SELECT head, link, custody FROM idx_batches WHERE batch_id = ?`).get(batchId) as { head: string; link: string; custody: string };
    const custody = JSON.parse(tip.custody) as { holders: string[]; pending: string[] };
    const event = { batchId, kind: EventKind.Sale, prevHead: tip.head, dataHash: hashDetail({ sale: 1 }), inputs: [], counterparty: ZeroAddress };
    const signed = await signEvent(counterKey, ledgerDomain(chainId, contract), event);
    const proof = [{ link: tip.link, holders: custody.holders.length, pending: custody.pending.length }];
    await expect(ledger.record(signed, [], proof, [...custody.holders, ...custody.pending]))
      .to.be.revertedWithCustomError(ledger, "ProvenanceLedgerNotHolder")
      .withArgs(batchId, counterKey.address);
  });
});
