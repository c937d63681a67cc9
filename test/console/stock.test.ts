/**
 * Recalls reaching stock, over HTTP: a counter's stock page lists what it holds by the ledger
 * (product, lot, quantity held, what is on its way to it); once a cooperative recalls a harvest,
 * every main page of each organisation holding a batch made from it (or the harvest itself)
 * carries a banner linking to the stock page, which names the recalled batch and the reason;
 * and the counter cannot sell the affected pack.
 */
import { expect } from "chai";
import { batchIdFor } from "../../server/domain/gs1";
import { ConsoleClient, errorBeside, formKeyOf } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, receipt, recall, shipment } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";
const PACK_GTIN = "06901234567816";

type Org = { id: string; address: string; apiKey: string };

/** The stock page's row of a batch. */
function stockRow(page: string, batchId: string): string {
  const row = new RegExp(`<tr data-batch="${batchId}"[\\s\\S]*?</tr>`).exec(page);
  if (!row) throw new Error(`no stock row for ${batchId}`);
  return row[0];
}

/** The recall banner's count on a page (0 when it has none). */
const noticeOf = (page: string) => Number(/data-recall-notice="(\d+)"/.exec(page)?.[1] ?? 0);

describe("console: stock and recalls", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org;
  let retailer: Org;
  let counter: ConsoleClient;
  let coop: ConsoleClient;
  const harvestId = harvestedBatchId("TY-S1");
  const packId = batchIdFor(PACK_GTIN, "TY-S1-PK");
  const otherId = harvestedBatchId("TY-S2");
  const arrivingId = harvestedBatchId("TY-S3");

  async function accepted(org: Org, path: string, body: unknown) {
    const answer = await h.call("POST", path, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
  }
  const events = (batchId: string) => `/api/v1/batches/${batchId}/events`;

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    const certifier = await h.org("深圳市标准技术研究院", "certifier");
    await h.member(producer.id, "coop", PASSWORD);
    await h.member(retailer.id, "counter", PASSWORD);
    await h.member(certifier.id, "certifier", PASSWORD);
    await h.member(null, "office", PASSWORD);
    for (const lot of ["TY-S1", "TY-S2", "TY-S3"]) await accepted(producer, "/api/v1/batches", harvest(lot));
    await h.settle();
    // The cooperative packs 100 kg of TY-S1 into 20 boxes and sends the pack and TY-S2 to the
    // counter, which receives them; TY-S3 is on its way.
    await accepted(producer, events(harvestId), {
      type: "processing",
      step: "packing",
      occurredAt: "2026-06-01T18:00:00+08:00",
      outputs: [{ gtin: PACK_GTIN, lot: "TY-S1-PK", quantity: { amount: 20, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: { name: "田阳香芒礼盒" } }],
    });
    for (const batchId of [packId, otherId]) {
      await accepted(producer, events(batchId), shipment(retailer.id));
      await accepted(retailer, events(batchId), receipt);
    }
    await accepted(producer, events(arrivingId), shipment(retailer.id, { quantity: { amount: 30, unit: "box" } }));
    await h.settle();
    counter = await loggedIn("counter");
    coop = await loggedIn("coop");
  });

  after(async function () {
    await h?.stop();
  });

  it("lists what the counter holds and what is on its way, with no recall banner", async function () {
    const page = await counter.get("/console/stock");
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`data-stock="3"`);
    const pack = stockRow(page.text, packId);
    expect(pack).to.contain("田阳香芒礼盒").and.to.contain("TY-S1-PK").and.to.contain(`data-held="20 box"`).and.to.contain("20 箱");
    expect(pack).to.contain(`href="/console/events/new?type=sale&amp;batchId=${packId}"`).and.not.to.contain("data-recalled");
    expect(stockRow(page.text, otherId)).to.contain(`data-held="1200 kg"`).and.to.contain("田阳香芒");
    expect(stockRow(page.text, arrivingId)).to.contain(`data-held=""`).and.to.contain(`data-arriving="150 kg"`);
    expect(noticeOf(page.text)).to.equal(0);
    expect(noticeOf((await counter.get("/console/events")).text)).to.equal(0);
  });

  it("after a recall upstream, shows the banner on the holders' main pages and names the recalled batch on the stock page", async function () {
    await accepted(producer, events(harvestId), recall);
    await h.settle();

    for (const path of ["/console/events", "/console/events/new?type=sale", "/console/events/new?type=receipt", "/console/stock"]) {
      const page = await counter.get(path);
      expect(noticeOf(page.text), path).to.equal(1);
      expect(page.text).to.match(/<p class="banner banner-danger recall-notice" role="alert" data-recall-notice="1"><a href="\/console\/stock">召回：你持有的 1 个批次受召回影响/);
    }
    const stock = await counter.get("/console/stock");
    const pack = stockRow(stock.text, packId);
    expect(pack).to.contain(`data-recalled="upstream"`).and.to.contain("原料批次 TY-S1 已召回：农残抽检超标");
    expect(pack, "nothing more to do with it but take it off the shelves").not.to.contain("/console/events/new");
    expect(stockRow(stock.text, otherId)).not.to.contain("data-recalled");
    expect(stock.text).to.contain(`data-affected="1"`);

    // The cooperative holds what is left of the recalled harvest itself.
    const batches = await coop.get("/console/batches");
    expect(noticeOf(batches.text)).to.equal(1);
    const coopStock = await coop.get("/console/stock");
    expect(stockRow(coopStock.text, harvestId)).to.contain(`data-recalled="own"`).and.to.contain(`data-held="1100 kg"`).and.to.contain("本批次已召回：农残抽检超标");

    const english = await counter.get("/console/events?lang=en");
    expect(english.text).to.contain("Recall: 1 batch you hold is affected.");
    await counter.get("/console/events?lang=zh");
  });

  it("refuses the sale of the affected pack beside the batch, naming the recalled harvest", async function () {
    const form = await counter.get("/console/events/new?type=sale");
    const before = (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
    const refused = await counter.post("/console/events/new?type=sale", {
      formKey: formKeyOf(form.text),
      batchId: packId,
      quantityAmount: "2",
      quantityUnit: "box",
      amountCny: "158",
      channel: "counter",
      soldAt: "2026-06-05T10:00",
    });
    expect(refused.status).to.equal(409);
    expect(errorBeside(refused.text, "batchId")).to.contain("由批次 TY-S1 加工而来，该批次已召回");
    expect(noticeOf(refused.text), "the banner stays on the form").to.equal(1);
    expect((h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n).to.equal(before);
  });

  it("has no stock page for those who hold no stock", async function () {
    const certifier = await loggedIn("certifier");
    expect((await certifier.get("/console/stock")).status).to.equal(403);
    const office = await loggedIn("office");
    expect((await office.get("/console/stock")).status).to.equal(403);
  });
});
