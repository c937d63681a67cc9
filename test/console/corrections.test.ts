/**
 * Corrections in the console, over HTTP: a record is never edited. Its organisation declares it
 * void with a reason, or supersedes a shipment, receipt or sale with corrected values on the
 * original form's fields; the lists keep the original, struck through with the reason, and show
 * the correction as a row of its own; custody and quantities follow the corrected records; the
 * public page strikes the original through. A correction that would leave a later record
 * impossible, one without a reason, and one of another organisation's record are refused.
 */
import { expect } from "chai";
import { ConsoleClient, errorBeside, eventRow, formKeyOf, recordedId } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, receipt, shipment } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";
const LOT = "TY-C1";
const SALE = { quantityAmount: "200", quantityUnit: "box", amountCny: "1580.50", channel: "counter", soldAt: "2026-06-03T15:00" };

type Org = { id: string; address: string; apiKey: string };

/** The error summary at the top of a form that came back (what an assertion reports). */
const summaryOf = (page: string) => /<div class="banner banner-danger" role="alert" data-errors[\s\S]*?<\/div>/.exec(page)?.[0] ?? "no error summary";

describe("console: corrections", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org;
  let carrier: Org;
  let retailer: Org;
  let counter: ConsoleClient;
  let mistypedSale: string;
  let doubleSale: string;
  const batchId = harvestedBatchId(LOT);
  /** The carrier's shipment of the batch to the counter. */
  const carrierShipment = () => (h.db.prepare(`SELECT id FROM outbox WHERE batch_id = ? AND kind = 2 AND org_id = ?`).get(batchId, carrier.id) as { id: string }).id;
  const outboxCount = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  async function sell(fields: Record<string, string>): Promise<string> {
    const form = await counter.get("/console/events/new?type=sale");
    const answer = await counter.post("/console/events/new?type=sale", { formKey: formKeyOf(form.text), gtin: MANGO_GTIN, lot: LOT, ...fields });
    expect(answer.status, answer.text).to.equal(303);
    return recordedId(answer.location);
  }

  /** Opens an event's correction page and posts one of its two forms. */
  async function correct(client: ConsoleClient, eventId: string, declaration: "void" | "supersede", fields: Record<string, string>) {
    const page = await client.get(`/console/events/${eventId}/correct`);
    expect(page.status, page.text).to.equal(200);
    const form = new RegExp(`<form[^>]*id="${declaration}-form"[\\s\\S]*?</form>`).exec(page.text)![0];
    return client.post(`/console/events/${eventId}/correct`, { formKey: formKeyOf(form), declaration, ...fields });
  }

  /** What the counter holds of the batch, as its stock page says. */
  async function held(): Promise<string> {
    const stock = await counter.get("/console/stock");
    const row = new RegExp(`<tr data-batch="${batchId}"[\\s\\S]*?</tr>`).exec(stock.text);
    return /data-held="([^"]*)"/.exec(row?.[0] ?? "")?.[1] ?? "";
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("顺丰冷运", "carrier");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    await h.member(producer.id, "coop", PASSWORD);
    await h.member(carrier.id, "carrier", PASSWORD);
    await h.member(retailer.id, "counter", PASSWORD);
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest(LOT) })).status).to.equal(202);
    // The cooperative ships the batch to the carrier, which takes it over by receiving it and ships it to the counter.
    const journey = [
      [producer, shipment(carrier.id, { shippedAt: "2026-06-02T04:00:00+08:00" })],
      [carrier, { type: "receipt", location: "百色市田阳区", receivedAt: "2026-06-02T05:00:00+08:00" }],
      [carrier, shipment(retailer.id)],
      [retailer, receipt],
    ] as const;
    for (const [org, body] of journey) {
      const answer = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    }
    await h.settle();
    counter = await loggedIn("counter");
    mistypedSale = await sell(SALE);
    doubleSale = await sell({ ...SALE, quantityAmount: "10", amountCny: "79" });
    await h.settle();
    expect(await held()).to.equal("150 kg"); // 1,200 kg less 210 boxes of 5 kg
  });

  after(async function () {
    await h?.stop();
  });

  it("offers 更正 on each of the organisation's own records, and a page with both corrections, prefilled", async function () {
    const list = await counter.get("/console/events");
    for (const id of [mistypedSale, doubleSale]) expect(eventRow(list.text, id)).to.contain(`href="/console/events/${id}/correct"`);
    const page = await counter.get(`/console/events/${mistypedSale}/correct`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`id="void-form"`).and.to.contain(`id="supersede-form"`);
    const supersede = /<form[^>]*id="supersede-form"[\s\S]*?<\/form>/.exec(page.text)![0];
    expect(supersede).to.contain(`name="quantityAmount" value="200"`).and.to.contain(`value="1580.5"`).and.to.contain(`<option value="box" selected>`);
    expect(supersede).to.contain(`name="soldAt" value="2026-06-03T15:00"`);
  });

  it("supersedes a mistyped sale: the original struck through with the reason, the correction its own row, the stock recomputed", async function () {
    const answer = await correct(counter, mistypedSale, "supersede", { reason: "数量录错：应为 20 箱", ...SALE, quantityAmount: "20" });
    expect(answer.status, answer.text).to.equal(303);
    const correctionId = recordedId(answer.location);
    const list = await counter.get(answer.location!);
    const original = eventRow(list.text, mistypedSale);
    expect(original).to.contain(`data-correction="supersede"`).and.to.match(/<del>[\s\S]*200 箱[\s\S]*<\/del>/).and.to.contain("已改正：数量录错：应为 20 箱");
    expect(original, "a superseded record may be corrected again").to.contain(`/console/events/${mistypedSale}/correct`);
    const correction = eventRow(list.text, correctionId);
    expect(correction).to.contain(`data-kind="correction"`).and.to.contain(`data-corrects="${mistypedSale}"`);
    expect(correction).to.contain("改正 销售").and.to.contain("原因：数量录错：应为 20 箱").and.to.contain("改为：20 箱");
    expect(correction, "a correction is not corrected again").not.to.contain("/correct");
    await h.settle();
    expect(await held()).to.equal("1050 kg"); // 1,200 kg less 30 boxes
    const onChain = await h.call("GET", `/api/v1/batches/${batchId}`, { token: retailer.apiKey });
    const stored = onChain.body.events.find((e: { eventId: string }) => e.eventId === correctionId);
    expect(stored.type).to.equal("correction");
    expect(stored.detail).to.include({ declaration: "supersede", reason: "数量录错：应为 20 箱", correctsEventId: mistypedSale });
    expect(stored.detail.replacement.quantity).to.deep.equal({ amount: 20, unit: "box" });
  });

  it("voids a sale recorded twice: struck through, no further correction, and the public page strikes it through", async function () {
    const answer = await correct(counter, doubleSale, "void", { reason: "重复登记" });
    expect(answer.status, answer.text).to.equal(303);
    const list = await counter.get("/console/events");
    const original = eventRow(list.text, doubleSale);
    expect(original).to.contain(`data-correction="void"`).and.to.contain("<del>").and.to.contain("已作废：重复登记");
    expect(original, "a void record is corrected no more").not.to.contain("/correct");
    await h.settle();
    expect(await held()).to.equal("1100 kg");
    const again = await counter.get(`/console/events/${doubleSale}/correct`);
    expect(again.text).to.contain(`data-error="not-correctable"`).and.not.to.contain(`id="void-form"`);
    const before = outboxCount();
    const refused = await counter.post(`/console/events/${doubleSale}/correct`, { declaration: "void", reason: "再作废一次" });
    expect(refused.status).to.equal(409);
    expect(outboxCount()).to.equal(before);

    const page = await fetch(`${h.base}/p/${batchId}`).then((r) => r.text());
    const sale = /<li [^>]*data-kind="sale" data-status="void">[\s\S]*?<\/li>/.exec(page);
    expect(sale, "the voided sale on the public page").to.not.equal(null);
    expect(sale![0]).to.contain("<del>").and.to.contain("重复登记");
  });

  it("refuses a correction without a reason beside it, and one that would leave a later record impossible at the top", async function () {
    const before = outboxCount();
    const noReason = await correct(counter, mistypedSale, "void", { reason: "" });
    expect(noReason.status).to.equal(400);
    expect(errorBeside(noReason.text, "reason")).to.equal("必填");
    const tooMuch = await correct(counter, mistypedSale, "supersede", { reason: "再改", ...SALE, quantityAmount: "99999", quantityUnit: "kg" });
    expect(tooMuch.status).to.equal(409);
    expect(tooMuch.text).to.match(/data-errors="_form"/).and.to.contain("这样更正后").and.to.contain("只持有这个批次");
    expect(tooMuch.text, "the corrected values stay").to.contain(`name="quantityAmount" value="99999"`);

    // The carrier's shipment was received by the counter: voiding it would leave the receipt without a shipment.
    const carrierClient = await loggedIn("carrier");
    const shipmentId = carrierShipment();
    const list = await carrierClient.get("/console/events");
    expect(eventRow(list.text, shipmentId)).to.contain(`/console/events/${shipmentId}/correct`);
    const broken = await correct(carrierClient, shipmentId, "void", { reason: "发错了" });
    expect(broken.status, summaryOf(broken.text)).to.equal(409);
    expect(broken.text, summaryOf(broken.text)).to.contain("这样更正后").and.to.contain("“收货”记录").and.to.contain("将不符合规则");
    expect(outboxCount()).to.equal(before);
  });

  it("keeps each organisation to its own records", async function () {
    const shipmentId = carrierShipment();
    expect((await counter.get(`/console/events/${shipmentId}/correct`)).status).to.equal(403);
    expect((await counter.post(`/console/events/${shipmentId}/correct`, { declaration: "void", reason: "不是我的" })).status).to.equal(403);
    expect((await counter.get(`/console/events/00000000-0000-4000-8000-000000000000/correct`)).status).to.equal(404);
    expect((await counter.get(`/console/events/not-an-id/correct`)).status).to.equal(404);
  });

  it("shows the cooperative's batch page with its own records correctable and the corrections struck through", async function () {
    const coop = await loggedIn("coop");
    const page = await coop.get(`/console/batches/${batchId}`);
    expect(page.status).to.equal(200);
    const harvestId = (h.db.prepare(`SELECT id FROM outbox WHERE batch_id = ? AND kind = 0`).get(batchId) as { id: string }).id;
    expect(eventRow(page.text, harvestId)).to.contain(`/console/events/${harvestId}/correct`);
    expect(eventRow(page.text, mistypedSale)).to.contain(`data-correction="supersede"`).and.not.to.contain("/correct");
    expect(eventRow(page.text, doubleSale)).to.contain(`data-correction="void"`).and.to.contain("已作废：重复登记");
    // A harvest has no supersede form here, and voiding it would void the whole batch's later records.
    const correctPage = await coop.get(`/console/events/${harvestId}/correct`);
    expect(correctPage.text).to.contain(`id="void-form"`).and.not.to.contain(`id="supersede-form"`);
    const refused = await correct(coop, harvestId, "void", { reason: "登记错了" });
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain("这样更正后");
  });
});
