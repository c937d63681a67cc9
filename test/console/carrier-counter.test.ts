/**
 * The carrier's and the counter's console over HTTP: shipments, receipts and sales recorded by
 * GTIN and lot or by a pasted QR link, followed from pending to confirmed; the sale's takings
 * in the event's detail; bad fields, unknown and recalled batches refused beside their field
 * with nothing written; and a member acts only as their own organisation, in their role.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, recall } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";

/** The form's key (one form, one write), from a page the client loaded. */
function formKeyOf(page: string): string {
  return /name="formKey" value="([^"]+)"/.exec(page)![1];
}

/** The row of one event on the recent-records page. */
function eventRow(page: string, eventId: string): string {
  const match = new RegExp(`<tr data-event="${eventId}"[\\s\\S]*?</tr>`).exec(page);
  if (!match) throw new Error(`no row for event ${eventId}`);
  return match[0];
}

/** The form row of a field, asserting it carries an error. */
function fieldError(page: string, field: string): string {
  const row = new RegExp(`<div class="form-row has-error" data-field="${field}">[\\s\\S]*?</div>`).exec(page);
  if (!row) throw new Error(`no error beside ${field}`);
  return /<p class="field-error"[^>]*>([^<]*)<\/p>/.exec(row[0])![1];
}

const SHIPMENT = {
  from: "百色市田阳区",
  to: "深圳市福田区",
  vehicle: "桂L·12345",
  temperatureMin: "8",
  temperatureMax: "12",
  shippedAt: "2026-06-02T06:00",
  notes: "",
};
const RECEIPT = { location: "福田区消费扶贫专柜", receivedAt: "2026-06-03T09:00", condition: "完好" };
const SALE = { quantityAmount: "20", quantityUnit: "box", amountCny: "1580.50", channel: "counter", soldAt: "2026-06-03T15:00" };

describe("console: carrier and counter", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; address: string; apiKey: string };
  let carrier: { id: string; address: string; apiKey: string };
  let otherCarrier: { id: string; address: string };
  let retailer: { id: string; address: string; apiKey: string };
  const outboxCount = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;

  async function loggedIn(username: string) {
    const client = new ConsoleClient(h.base);
    expect((await client.login(username, PASSWORD)).status).to.equal(303);
    return client;
  }

  /** Opens the form of `type` and posts it; returns the answer. */
  async function record(client: ConsoleClient, type: string, fields: Record<string, string>) {
    const form = await client.get(`/console/events/new?type=${type}`);
    expect(form.status, form.text).to.equal(200);
    return client.post(`/console/events/new?type=${type}`, { formKey: formKeyOf(form.text), ...fields });
  }

  const recordedId = (location: string | null) => new URL(location!, "http://x").searchParams.get("recorded")!;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("顺丰冷运", "carrier");
    otherCarrier = await h.org("另一家冷链", "carrier");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    const ownKeyCarrier = await h.org("自有密钥承运商", "carrier", Wallet.createRandom().address);
    await h.member(producer.id, "tianyang.admin", PASSWORD, true);
    await h.member(carrier.id, "sf.wang", PASSWORD);
    await h.member(otherCarrier.id, "other.zhao", PASSWORD);
    await h.member(retailer.id, "futian.chen", PASSWORD);
    await h.member(ownKeyCarrier.id, "ownkey.liu", PASSWORD);
    for (const lot of ["TY-E1", "TY-E2", "TY-E3"]) {
      expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest(lot) })).status).to.equal(202);
    }
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("lets a carrier ship by GTIN and lot, and shows the shipment pending, then confirmed", async function () {
    const client = await loggedIn("sf.wang");
    const form = await client.get("/console/events/new?type=shipment");
    expect(form.text, "the time starts as now").to.match(/name="shippedAt" value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"/);
    const answer = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E1", ...SHIPMENT });
    expect(answer.status, answer.text).to.equal(303);
    expect(answer.location).to.match(/^\/console\/events\?recorded=/);
    const eventId = recordedId(answer.location);

    const pending = await client.get(answer.location!);
    expect(pending.text).to.contain(`data-recorded="${eventId}"`);
    expect(pending.text, "reloads itself while pending").to.match(/<meta http-equiv="refresh" content="\d+">/);
    expect(eventRow(pending.text, eventId)).to.contain(`data-status="pending"`).and.to.contain("百色市田阳区 → 深圳市福田区").and.to.contain("8–12\u00a0°C");

    await h.settle();
    const confirmed = await client.get("/console/events");
    expect(eventRow(confirmed.text, eventId)).to.contain(`data-status="confirmed"`);
    expect(confirmed.text, "no reload once settled").not.to.contain(`http-equiv="refresh"`);
    const batch = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-E1")}`);
    const shipment = batch.body.events.find((e: { eventId: string }) => e.eventId === eventId);
    expect(shipment.type).to.equal("shipment");
    expect(shipment.detail).to.include({ from: "百色市田阳区", to: "深圳市福田区", shippedAt: "2026-06-02T06:00:00+08:00" });
    expect(shipment.detail.temperature).to.deep.equal({ min: 8, max: 12 });
  });

  it("lets a carrier receive a batch named by the link its QR code holds", async function () {
    const client = await loggedIn("sf.wang");
    const answer = await record(client, "receipt", { batchId: `${h.base}/01/${MANGO_GTIN}/10/TY-E1`, ...RECEIPT, location: "深圳冷库" });
    expect(answer.status, answer.text).to.equal(303);
    await h.settle();
    const batch = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-E1")}`);
    const receipt = batch.body.events.find((e: { eventId: string }) => e.eventId === recordedId(answer.location));
    expect(receipt.type).to.equal("receipt");
    expect(receipt.signer.address).to.equal(carrier.address);
    expect(receipt.detail).to.include({ location: "深圳冷库", condition: "完好" });
  });

  it("lets a counter receive and sell; the takings in CNY are in the sale's detail, for the counter's eyes", async function () {
    const client = await loggedIn("futian.chen");
    const received = await record(client, "receipt", { batchId: harvestedBatchId("TY-E1"), ...RECEIPT });
    expect(received.status, received.text).to.equal(303);
    const sold = await record(client, "sale", { gtin: "0 6901234 567892", lot: "TY-E1", ...SALE }); // as printed, in groups
    expect(sold.status, sold.text).to.equal(303);
    const saleId = recordedId(sold.location);
    const list = await client.get(sold.location!);
    expect(eventRow(list.text, saleId)).to.contain("20 箱").and.to.contain("¥1,580.50").and.to.contain("消费扶贫专柜");

    await h.settle();
    const own = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-E1")}`, { token: retailer.apiKey });
    const sale = own.body.events.find((e: { eventId: string }) => e.eventId === saleId);
    expect(sale.signer.address).to.equal(retailer.address);
    expect(sale.detail).to.include({ amountCny: 1580.5, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" });
    expect(sale.detail.quantity).to.deep.equal({ amount: 20, unit: "box" });
    const anonymous = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-E1")}`);
    expect(anonymous.body.events.find((e: { eventId: string }) => e.eventId === saleId).detail).not.to.have.property("amountCny");
  });

  it("offers each role only its own forms: a counter cannot ship, a carrier cannot sell, a cooperative has neither", async function () {
    const before = outboxCount();
    const counter = await loggedIn("futian.chen");
    const page = await counter.get("/console/events/new?type=receipt");
    expect(page.text).to.contain(`href="/console/events/new?type=sale"`).and.not.to.contain(`href="/console/events/new?type=shipment"`);
    expect((await counter.get("/console/events/new?type=shipment")).status).to.equal(403);
    expect((await counter.post("/console/events/new?type=shipment", { gtin: MANGO_GTIN, lot: "TY-E2", ...SHIPMENT })).status).to.equal(403);

    const carrierClient = await loggedIn("sf.wang");
    expect((await carrierClient.get("/console/events/new?type=sale")).status).to.equal(403);
    expect((await carrierClient.post("/console/events/new?type=sale", { gtin: MANGO_GTIN, lot: "TY-E2", ...SALE })).status).to.equal(403);
    expect((await carrierClient.get("/console/events/new?type=barter")).status).to.equal(404);
    expect((await carrierClient.get("/console/events/new")).location).to.equal("/console/events/new?type=shipment");

    const cooperative = await loggedIn("tianyang.admin");
    expect((await cooperative.get("/console/events")).status).to.equal(403);
    expect((await cooperative.get("/console/events/new?type=shipment")).status).to.equal(403);
    expect(outboxCount(), "nothing written").to.equal(before);
  });

  it("refuses bad fields beside each field, in the user's language, and writes nothing", async function () {
    const client = await loggedIn("sf.wang");
    const before = outboxCount();
    const shipment = await record(client, "shipment", {
      gtin: MANGO_GTIN,
      lot: "TY-E2",
      ...SHIPMENT,
      from: "",
      temperatureMin: "15",
      temperatureMax: "5",
      shippedAt: "yesterday",
    });
    expect(shipment.status).to.equal(400);
    expect(fieldError(shipment.text, "from")).to.equal("必填");
    expect(fieldError(shipment.text, "temperatureMin")).to.equal("最低温度不能高于最高温度");
    expect(fieldError(shipment.text, "shippedAt")).to.equal("请填写日期时间");
    expect(shipment.text, "the form keeps what was typed").to.contain(`value="深圳市福田区"`);

    const halfRange = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", ...SHIPMENT, temperatureMax: "" });
    expect(halfRange.status).to.equal(400);
    expect(fieldError(halfRange.text, "temperatureMax")).to.equal("必填");

    const noBatch = await record(client, "receipt", { ...RECEIPT });
    expect(noBatch.status).to.equal(400);
    expect(fieldError(noBatch.text, "gtin")).to.equal("必填");
    expect(fieldError(noBatch.text, "lot")).to.equal("必填");

    const counter = await loggedIn("futian.chen");
    const sale = await record(counter, "sale", { gtin: MANGO_GTIN, lot: "TY-E2", ...SALE, quantityAmount: "abc", amountCny: "-3", channel: "barter", quantityUnit: "" });
    expect(sale.status).to.equal(400);
    expect(fieldError(sale.text, "quantityAmount")).to.equal("必须是数字");
    expect(fieldError(sale.text, "quantityUnit")).to.equal("请从列表中选择");
    expect(fieldError(sale.text, "amountCny")).to.equal("必须大于 0");
    expect(fieldError(sale.text, "channel")).to.equal("请从列表中选择");

    await counter.get("/console/events/new?type=sale&lang=en");
    const english = await counter.post("/console/events/new?type=sale", { gtin: MANGO_GTIN, lot: "TY-E2", ...SALE, soldAt: "" });
    expect(english.status).to.equal(400);
    expect(fieldError(english.text, "soldAt")).to.equal("Required");
    expect(outboxCount(), "nothing written").to.equal(before);
  });

  it("refuses an unknown batch and a recalled one beside the batch field", async function () {
    const client = await loggedIn("sf.wang");
    const before = outboxCount();
    const unknown = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "NO-SUCH-LOT", ...SHIPMENT });
    expect(unknown.status).to.equal(404);
    expect(fieldError(unknown.text, "lot")).to.contain("没有这个批次");
    const badLink = await record(client, "shipment", { batchId: "https://example.cn/somewhere", ...SHIPMENT });
    expect(badLink.status).to.equal(400);
    expect(fieldError(badLink.text, "batchId")).to.contain("不是批次编号");
    const mismatch = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", batchId: harvestedBatchId("TY-E3"), ...SHIPMENT });
    expect(mismatch.status).to.equal(400);
    expect(fieldError(mismatch.text, "batchId")).to.contain("不是同一个批次");
    expect(outboxCount()).to.equal(before);

    expect((await h.call("POST", `/api/v1/batches/${harvestedBatchId("TY-E3")}/events`, { token: producer.apiKey, body: recall })).status).to.equal(202);
    await h.settle();
    const recalledBefore = outboxCount();
    const byLot = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E3", ...SHIPMENT });
    expect(byLot.status).to.equal(409);
    expect(fieldError(byLot.text, "lot")).to.contain("已召回");
    const byId = await record(client, "receipt", { batchId: harvestedBatchId("TY-E3"), ...RECEIPT });
    expect(byId.status).to.equal(409);
    expect(fieldError(byId.text, "batchId")).to.contain("已召回");
    expect(outboxCount()).to.equal(recalledBefore);
  });

  it("always acts as the member's own organisation, whatever else the form carries", async function () {
    const client = await loggedIn("sf.wang");
    const answer = await record(client, "shipment", {
      gtin: MANGO_GTIN,
      lot: "TY-E2",
      ...SHIPMENT,
      org: otherCarrier.id,
      orgId: otherCarrier.id,
      signer: otherCarrier.address,
    });
    expect(answer.status, answer.text).to.equal(303);
    const eventId = recordedId(answer.location);
    const stored = h.db.prepare(`SELECT org_id, signer FROM outbox WHERE id = ?`).get(eventId) as { org_id: string; signer: string };
    expect(stored).to.deep.equal({ org_id: carrier.id, signer: carrier.address });
    await h.settle();
    const batch = await h.call("GET", `/api/v1/batches/${harvestedBatchId("TY-E2")}`);
    const shipment = batch.body.events.find((e: { eventId: string }) => e.eventId === eventId);
    expect(shipment.signer.address).to.equal(carrier.address);
    expect(shipment.detail.org.id).to.equal(carrier.id);
    // Nor does another carrier see it among its own records.
    const other = await loggedIn("other.zhao");
    expect((await other.get("/console/events")).text).not.to.contain(eventId);
  });

  it("records a form posted twice once", async function () {
    const client = await loggedIn("sf.wang");
    const form = await client.get("/console/events/new?type=receipt");
    const fields = { formKey: formKeyOf(form.text), gtin: MANGO_GTIN, lot: "TY-E2", ...RECEIPT };
    const before = outboxCount();
    const first = await client.post("/console/events/new?type=receipt", fields);
    const second = await client.post("/console/events/new?type=receipt", fields);
    expect(first.status).to.equal(303);
    expect(second.location).to.equal(first.location);
    expect(outboxCount()).to.equal(before + 1);
    await h.settle();
  });

  it("refuses to sign for a carrier that keeps its own key", async function () {
    const client = await loggedIn("ownkey.liu");
    const form = await client.get("/console/events/new?type=shipment");
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`data-error="own-key"`).and.not.to.contain(`name="from"`);
    const before = outboxCount();
    const post = await client.post("/console/events/new?type=shipment", { gtin: MANGO_GTIN, lot: "TY-E2", ...SHIPMENT });
    expect(post.status).to.equal(403);
    expect(outboxCount()).to.equal(before);
  });
});
