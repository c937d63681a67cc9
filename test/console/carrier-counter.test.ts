/**
 * The forms that move produce, over HTTP: a cooperative ships a batch to the carrier it picks, the
 * carrier takes it over by receiving it and ships it on to the organisation it picks (never
 * itself, never a cooperative), that organisation alone receives it, a counter sells what it
 * holds; a carrier ships only what it holds, even when several organisations hold the batch. The ledger's rules answer beside the right field,
 * in Chinese or English: a sale of a batch never received, of more than is held, in boxes of a
 * batch with no box weight; a sale for ¥0 or far from the usual price is recorded once the member
 * ticks "I confirm this price". Bad fields, unknown and recalled batches are refused with nothing
 * written, and a member acts only as their own organisation, in their role.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { ConsoleClient, errorBeside, eventRow, formKeyOf, recordedId } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId, MANGO_GTIN, receipt, recall, shipment } from "../../scripts/lib/payloads";

const PASSWORD = "correct horse battery";

/** The error beside a field, failing when there is none. */
function fieldError(page: string, field: string): string {
  const error = errorBeside(page, field);
  if (error === undefined) throw new Error(`no error beside ${field}`);
  return error;
}

/** The values of a select's options. */
function optionsOf(page: string, name: string): string[] {
  const select = new RegExp(`<select id="f-${name}" name="${name}"[\\s\\S]*?</select>`).exec(page);
  if (!select) throw new Error(`no select ${name}`);
  return [...select[0].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]).filter((v) => v !== "");
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
/** The cooperative hands a batch to the carrier at its base, before the carrier's truck leaves at 06:00. */
const TO_CARRIER = { ...SHIPMENT, from: "田阳芒果供深基地", to: "百色市田阳区", shippedAt: "2026-06-02T04:00" };
const CARRIER_RECEIPT = { location: "百色市田阳区", receivedAt: "2026-06-02T05:00", condition: "完好" };
const SALE = { quantityAmount: "20", quantityUnit: "box", amountCny: "1580.50", channel: "counter", soldAt: "2026-06-03T15:00" };

type Org = { id: string; address: string; apiKey: string };

describe("console: carrier and counter", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: Org;
  let certifier: Org;
  let carrier: Org;
  let otherCarrier: Org;
  let retailer: Org;
  let packer: Org;
  let ownKeyCarrier: Org;
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

  async function api(org: Org, lot: string, body: unknown) {
    const answer = await h.call("POST", `/api/v1/batches/${harvestedBatchId(lot)}/events`, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
  }

  /** The cooperative ships all of a batch to the carrier, which receives it (through the API). */
  async function handToCarrier(lot: string) {
    await api(producer, lot, shipment(carrier.id, { shippedAt: "2026-06-02T04:00:00+08:00" }));
    await api(carrier, lot, { type: "receipt", location: "百色市田阳区", receivedAt: "2026-06-02T05:00:00+08:00" });
  }

  /** What the organisation logged in on `client` holds of a batch, as its stock page says ("" when none). */
  async function held(client: ConsoleClient, lot: string): Promise<string> {
    const stock = await client.get("/console/stock");
    const row = new RegExp(`<tr data-batch="${harvestedBatchId(lot)}"[\\s\\S]*?</tr>`).exec(stock.text);
    return /data-held="([^"]*)"/.exec(row?.[0] ?? "")?.[1] ?? "";
  }

  /** The batch's event of this id, as the API shows it to `token`'s organisation. */
  async function eventOnChain(lot: string, eventId: string, token?: string) {
    const batch = await h.call("GET", `/api/v1/batches/${harvestedBatchId(lot)}`, { token });
    return batch.body.events.find((e: { eventId: string }) => e.eventId === eventId);
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    certifier = await h.org("深圳市标准技术研究院", "certifier");
    carrier = await h.org("顺丰冷运", "carrier");
    otherCarrier = await h.org("另一家冷链", "carrier");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    packer = await h.org("百色分拣中心", "processor");
    ownKeyCarrier = await h.org("自有密钥承运商", "carrier", Wallet.createRandom().address);
    await h.member(producer.id, "tianyang.admin", PASSWORD, true);
    await h.member(certifier.id, "sist.lin", PASSWORD);
    await h.member(carrier.id, "sf.wang", PASSWORD);
    await h.member(otherCarrier.id, "other.zhao", PASSWORD);
    await h.member(retailer.id, "futian.chen", PASSWORD);
    await h.member(ownKeyCarrier.id, "ownkey.liu", PASSWORD);
    for (const lot of ["TY-E1", "TY-E2", "TY-E3", "TY-E5", "TY-E6"]) {
      expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest(lot) })).status).to.equal(202);
    }
    // A batch in kg that states no box weight: it cannot be sold by the box.
    const { conversion: _conversion, ...noBoxWeight } = harvest("TY-E4");
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: noBoxWeight })).status).to.equal(202);
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("offers a carrier the organisations that may receive, never itself nor a cooperative or certifier; it takes a batch over by receiving it", async function () {
    const client = await loggedIn("sf.wang");
    const form = await client.get("/console/events/new?type=shipment");
    expect(form.text, "the time starts as now").to.match(/name="shippedAt" value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"/);
    expect(optionsOf(form.text, "consignee")).to.have.members([otherCarrier.id, retailer.id, packer.id, ownKeyCarrier.id]);
    expect(form.text).to.contain("福田区消费扶贫专柜（消费扶贫专柜）").and.to.contain("百色分拣中心（加工厂）");
    // Nobody names whose batch it takes: a carrier ships what it holds, as everyone does.
    expect(form.text, "no picker of whom to take the batch over from").not.to.contain(`name="shipper"`);
    expect(form.text).to.contain("只能发运你的机构持有的批次").and.to.contain("承运商通过登记收货来接手批次");
    const receiptForm = await client.get("/console/events/new?type=receipt&lang=en");
    expect(receiptForm.text).to.contain("A carrier takes a batch over by receiving it");
    await client.get("/console/events/new?type=receipt&lang=zh");

    // A cooperative may ship to a carrier: the carrier then records the receipt.
    const cooperative = await loggedIn("tianyang.admin");
    const coopForm = await cooperative.get("/console/events/new?type=shipment");
    expect(optionsOf(coopForm.text, "consignee")).to.have.members([carrier.id, otherCarrier.id, retailer.id, packer.id, ownKeyCarrier.id]);
    expect(coopForm.text).to.contain("顺丰冷运（承运商）").and.not.to.contain(`name="shipper"`).and.not.to.contain("承运商通过登记收货来接手批次");
  });

  it("lets a cooperative ship a batch to a carrier, which receives it and ships part of it to a counter, pending, then confirmed", async function () {
    const cooperative = await loggedIn("tianyang.admin");
    const toCarrier = await record(cooperative, "shipment", { gtin: MANGO_GTIN, lot: "TY-E1", consignee: carrier.id, ...TO_CARRIER });
    expect(toCarrier.status, toCarrier.text).to.equal(303);
    const client = await loggedIn("sf.wang");
    // Before its receipt the carrier holds nothing of the batch: its shipment is refused beside the lot.
    const before = outboxCount();
    const early = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E1", consignee: retailer.id, quantityAmount: "700", quantityUnit: "kg", ...SHIPMENT });
    expect(early.status).to.equal(409);
    expect(fieldError(early.text, "lot")).to.contain("还在运往顺丰冷运的路上").and.to.contain("请先登记收货");
    expect(outboxCount()).to.equal(before);
    const received = await record(client, "receipt", { gtin: MANGO_GTIN, lot: "TY-E1", ...CARRIER_RECEIPT });
    expect(received.status, received.text).to.equal(303);
    await h.settle();
    expect(await held(client, "TY-E1"), "the carrier holds the batch once it received it").to.equal("1200 kg");

    const answer = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E1", consignee: retailer.id, quantityAmount: "700", quantityUnit: "kg", ...SHIPMENT });
    expect(answer.status, answer.text).to.equal(303);
    expect(answer.location).to.match(/^\/console\/events\?recorded=/);
    const eventId = recordedId(answer.location);

    const pending = await client.get(answer.location!);
    expect(pending.text).to.contain(`data-recorded="${eventId}"`);
    expect(pending.text, "reloads itself while pending").to.match(/<meta http-equiv="refresh" content="\d+">/);
    expect(eventRow(pending.text, eventId)).to.contain(`data-status="pending"`).and.to.contain("百色市田阳区 → 深圳市福田区").and.to.contain("8–12\u00a0°C").and.to.contain("福田区消费扶贫专柜").and.to.contain("700 公斤");

    await h.settle();
    const confirmed = await client.get("/console/events");
    expect(eventRow(confirmed.text, eventId)).to.contain(`data-status="confirmed"`);
    expect(confirmed.text, "no reload once settled").not.to.contain(`http-equiv="refresh"`);
    const shipped = await eventOnChain("TY-E1", eventId);
    expect(shipped.type).to.equal("shipment");
    expect(shipped.detail).to.include({ from: "百色市田阳区", to: "深圳市福田区", shippedAt: "2026-06-02T06:00:00+08:00" });
    expect(shipped.detail.consignee).to.include({ id: retailer.id, name: "福田区消费扶贫专柜" });
    expect(shipped.signer.address, "signed by the carrier, which holds the batch").to.equal(carrier.address);
    expect(shipped.detail).not.to.have.property("shipper");
    expect(shipped.detail.quantity).to.deep.equal({ amount: 700, unit: "kg" });
    expect(shipped.detail.temperature).to.deep.equal({ min: 8, max: 12 });
    expect(await held(client, "TY-E1"), "what the carrier keeps").to.equal("500 kg");
  });

  it("lets only the consignee receive: the counter, by the link its QR code holds; another carrier is refused beside the batch", async function () {
    const other = await loggedIn("other.zhao");
    const before = outboxCount();
    const refused = await record(other, "receipt", { gtin: MANGO_GTIN, lot: "TY-E1", ...RECEIPT, location: "深圳冷库" });
    expect(refused.status).to.equal(409);
    expect(fieldError(refused.text, "lot")).to.contain("这个承运方（另一家冷链）").and.to.contain("没有发给");
    expect(outboxCount()).to.equal(before);

    const counter = await loggedIn("futian.chen");
    const answer = await record(counter, "receipt", { batchId: `${h.base}/01/${MANGO_GTIN}/10/TY-E1`, ...RECEIPT });
    expect(answer.status, answer.text).to.equal(303);
    await h.settle();
    const received = await eventOnChain("TY-E1", recordedId(answer.location));
    expect(received.type).to.equal("receipt");
    expect(received.signer.address).to.equal(retailer.address);
    expect(received.detail).to.include({ location: "福田区消费扶贫专柜", condition: "完好" });
    expect(received.detail.quantity, "all that was shipped to it").to.deep.equal({ amount: 700, unit: "kg" });
  });

  it("lets a counter sell what it received; the takings in CNY are in the sale's detail, for the counter's eyes", async function () {
    const client = await loggedIn("futian.chen");
    const sold = await record(client, "sale", { gtin: "0 6901234 567892", lot: "TY-E1", ...SALE }); // as printed, in groups
    expect(sold.status, sold.text).to.equal(303);
    const saleId = recordedId(sold.location);
    const list = await client.get(sold.location!);
    expect(eventRow(list.text, saleId)).to.contain("20 箱").and.to.contain("¥1,580.50").and.to.contain("消费帮扶专柜");

    await h.settle();
    const own = await eventOnChain("TY-E1", saleId, retailer.apiKey);
    expect(own.signer.address).to.equal(retailer.address);
    expect(own.detail).to.include({ amountCny: 1580.5, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" });
    expect(own.detail.quantity).to.deep.equal({ amount: 20, unit: "box" });
    const anonymous = await eventOnChain("TY-E1", saleId);
    expect(anonymous.detail).not.to.have.property("amountCny");
  });

  it("refuses the sales the ledger cannot stand behind, beside the right field, in Chinese or English, writing nothing", async function () {
    const client = await loggedIn("futian.chen");
    const before = outboxCount();
    // A batch the counter never received (it is still the cooperative's).
    const neverReceived = await record(client, "sale", { gtin: MANGO_GTIN, lot: "TY-E5", ...SALE });
    expect(neverReceived.status).to.equal(409);
    expect(fieldError(neverReceived.text, "lot")).to.contain("这个专柜（福田区消费扶贫专柜）没有收到过这个批次").and.to.contain("田阳芒果专业合作社");
    expect(neverReceived.text, "the form keeps what was typed").to.contain(`value="1580.50"`);
    // 99,999 kg from the 600 kg it holds.
    const tooMuch = await record(client, "sale", { gtin: MANGO_GTIN, lot: "TY-E1", ...SALE, quantityAmount: "99999", quantityUnit: "kg", amountCny: "1" });
    expect(tooMuch.status).to.equal(409);
    expect(fieldError(tooMuch.text, "quantityAmount")).to.contain("只持有这个批次 600 kg").and.to.contain("99999 kg");

    // Boxes of a batch in kg that states no box weight (the cooperative ships it to the counter itself).
    await api(producer, "TY-E4", shipment(retailer.id));
    await api(retailer, "TY-E4", receipt);
    const afterReceipt = outboxCount();
    const boxes = await record(client, "sale", { gtin: MANGO_GTIN, lot: "TY-E4", ...SALE, quantityAmount: "3" });
    expect(boxes.status).to.equal(400);
    expect(fieldError(boxes.text, "quantityUnit")).to.contain("以“公斤”计量").and.to.contain("每箱多重");

    await client.get("/console/events/new?type=sale&lang=en");
    const english = await client.post("/console/events/new?type=sale", { gtin: MANGO_GTIN, lot: "TY-E5", ...SALE });
    expect(english.status).to.equal(409);
    expect(fieldError(english.text, "lot")).to.contain("this counter (福田区消费扶贫专柜) has not received this batch");
    await client.get("/console/events/new?type=sale&lang=zh");
    expect(outboxCount(), "nothing written").to.equal(afterReceipt);
    expect(afterReceipt).to.equal(before + 2);
    await h.settle();
  });

  it("asks to confirm a sale for ¥0 or far from the usual price beside the amount, and records it once confirmed", async function () {
    const client = await loggedIn("futian.chen");
    const before = outboxCount();
    const form = await client.get("/console/events/new?type=sale");
    expect(form.text, "no confirmation box until one is asked for").not.to.contain(`name="priceConfirmed"`);
    const key = formKeyOf(form.text);
    const free = { formKey: key, gtin: MANGO_GTIN, lot: "TY-E1", ...SALE, quantityAmount: "1", amountCny: "0" };
    const asked = await client.post("/console/events/new?type=sale", free);
    expect(asked.status).to.equal(409);
    expect(fieldError(asked.text, "amountCny")).to.contain("销售金额为 0 元");
    expect(asked.text).to.match(/<div class="form-row" data-field="priceConfirmed">[\s\S]*?我确认这个价格无误/);
    expect(outboxCount()).to.equal(before);

    const confirmed = await client.post("/console/events/new?type=sale", { ...free, priceConfirmed: "1" });
    expect(confirmed.status, confirmed.text).to.equal(303);
    await h.settle();
    const sale = await eventOnChain("TY-E1", recordedId(confirmed.location), retailer.apiKey);
    expect(sale.detail).to.include({ amountCny: 0, priceConfirmed: true });

    // The usual price is ¥15.81 a kg (20 boxes of 5 kg for ¥1,580.50): ¥1,000 for 10 kg is far above it.
    const dear = await record(client, "sale", { gtin: MANGO_GTIN, lot: "TY-E1", ...SALE, quantityAmount: "10", quantityUnit: "kg", amountCny: "1000" });
    expect(dear.status).to.equal(409);
    expect(fieldError(dear.text, "amountCny")).to.contain("远高于这个批次通常的每公斤");
    expect(dear.text).to.contain(`name="priceConfirmed"`);
  });

  it("lets a carrier ship only what it holds when several organisations hold the batch: what was shipped to it and it received", async function () {
    const cooperative = await loggedIn("tianyang.admin");
    const part = await record(cooperative, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", consignee: retailer.id, quantityAmount: "40", quantityUnit: "box", ...SHIPMENT });
    expect(part.status, part.text).to.equal(303);
    await api(retailer, "TY-E2", receipt);
    await h.settle();

    // Now the cooperative holds 1,000 kg and the counter 200 kg; the carrier none of it.
    const client = await loggedIn("sf.wang");
    const before = outboxCount();
    const notYet = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", consignee: packer.id, ...SHIPMENT, shippedAt: "2026-06-04T06:00" });
    expect(notYet.status).to.equal(409);
    expect(fieldError(notYet.text, "lot")).to.contain("这个承运方（顺丰冷运）没有收到过这个批次").and.to.contain("田阳芒果专业合作社（1000 kg）").and.to.contain("福田区消费扶贫专柜（200 kg）");
    expect(outboxCount()).to.equal(before);

    // The cooperative ships the rest to the carrier (all it holds), which takes it over by receiving it.
    const rest = await record(cooperative, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", consignee: carrier.id, ...TO_CARRIER, shippedAt: "2026-06-03T10:00" });
    expect(rest.status, rest.text).to.equal(303);
    const received = await record(client, "receipt", { gtin: MANGO_GTIN, lot: "TY-E2", ...CARRIER_RECEIPT, receivedAt: "2026-06-03T11:00" });
    expect(received.status, received.text).to.equal(303);
    const shippedOn = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", consignee: packer.id, ...SHIPMENT, shippedAt: "2026-06-04T06:00" });
    expect(shippedOn.status, shippedOn.text).to.equal(303);
    await h.settle();
    const shipped = await eventOnChain("TY-E2", recordedId(shippedOn.location));
    expect(shipped.signer.address).to.equal(carrier.address);
    expect(shipped.detail.consignee).to.include({ id: packer.id });
    expect(shipped.detail.quantity, "all the carrier held, not the counter's 200 kg").to.deep.equal({ amount: 1000, unit: "kg" });
    expect(await held(client, "TY-E2"), "nothing left with the carrier").to.equal("");
  });

  it("offers each role the forms the ledger's role rules give it", async function () {
    const before = outboxCount();
    const counter = await loggedIn("futian.chen");
    const page = await counter.get("/console/events/new?type=receipt");
    expect(page.text).to.contain(`href="/console/events/new?type=sale"`).and.to.contain(`href="/console/events/new?type=shipment"`).and.to.contain(`href="/console/stock"`);
    expect((await counter.get("/console/events/new?type=shipment")).status).to.equal(200);

    const carrierClient = await loggedIn("sf.wang");
    expect((await carrierClient.get("/console/events/new?type=sale")).status).to.equal(403);
    expect((await carrierClient.post("/console/events/new?type=sale", { gtin: MANGO_GTIN, lot: "TY-E2", ...SALE })).status).to.equal(403);
    expect((await carrierClient.get("/console/events/new?type=barter")).status).to.equal(404);
    // A carrier's first form is the receipt, as for everyone who receives: it takes batches over so.
    expect((await carrierClient.get("/console/events/new")).location).to.equal("/console/events/new?type=receipt");
    expect((await carrierClient.get("/console")).location).to.equal("/console/events/new?type=receipt");

    const cooperative = await loggedIn("tianyang.admin");
    expect((await cooperative.get("/console/events")).status).to.equal(200);
    expect((await cooperative.get("/console/events/new?type=shipment")).status).to.equal(200);
    expect((await cooperative.get("/console/events/new?type=receipt")).status).to.equal(403);
    expect((await cooperative.get("/console/events/new?type=sale")).status).to.equal(403);
    const certifierClient = await loggedIn("sist.lin");
    expect((await certifierClient.get("/console/events/new?type=shipment")).status).to.equal(403);
    expect(outboxCount(), "nothing written").to.equal(before);
  });

  it("refuses bad fields beside each field, in the user's language, and writes nothing", async function () {
    const client = await loggedIn("sf.wang");
    const before = outboxCount();
    const shipmentForm = await record(client, "shipment", {
      gtin: MANGO_GTIN,
      lot: "TY-E3",
      ...SHIPMENT,
      from: "",
      temperatureMin: "15",
      temperatureMax: "5",
      shippedAt: "yesterday",
      quantityAmount: "10",
    });
    expect(shipmentForm.status).to.equal(400);
    expect(fieldError(shipmentForm.text, "consignee")).to.equal("必填");
    expect(fieldError(shipmentForm.text, "quantityUnit")).to.equal("请从列表中选择");
    expect(fieldError(shipmentForm.text, "from")).to.equal("必填");
    expect(fieldError(shipmentForm.text, "temperatureMin")).to.equal("最低温度不能高于最高温度");
    expect(fieldError(shipmentForm.text, "shippedAt")).to.equal("请填写日期时间");
    expect(shipmentForm.text, "the form keeps what was typed").to.contain(`value="深圳市福田区"`);

    const halfRange = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E3", consignee: retailer.id, ...SHIPMENT, temperatureMax: "" });
    expect(halfRange.status).to.equal(400);
    expect(fieldError(halfRange.text, "temperatureMax")).to.equal("必填");

    const future = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E3", consignee: retailer.id, ...SHIPMENT, shippedAt: "2099-01-01T08:00" });
    expect(future.status).to.equal(400);
    expect(fieldError(future.text, "shippedAt")).to.equal("发运时间不能晚于现在");

    const noBatch = await record(client, "receipt", { ...RECEIPT });
    expect(noBatch.status).to.equal(400);
    expect(fieldError(noBatch.text, "gtin")).to.equal("必填");
    expect(fieldError(noBatch.text, "lot")).to.equal("必填");

    const counter = await loggedIn("futian.chen");
    const sale = await record(counter, "sale", { gtin: MANGO_GTIN, lot: "TY-E3", ...SALE, quantityAmount: "abc", amountCny: "-3", channel: "barter", quantityUnit: "" });
    expect(sale.status).to.equal(400);
    expect(fieldError(sale.text, "quantityAmount")).to.equal("必须是数字");
    expect(fieldError(sale.text, "quantityUnit")).to.equal("请从列表中选择");
    expect(fieldError(sale.text, "amountCny")).to.equal("必须大于 0");
    expect(fieldError(sale.text, "channel")).to.equal("请从列表中选择");

    await counter.get("/console/events/new?type=sale&lang=en");
    const english = await counter.post("/console/events/new?type=sale", { gtin: MANGO_GTIN, lot: "TY-E3", ...SALE, soldAt: "" });
    expect(english.status).to.equal(400);
    expect(fieldError(english.text, "soldAt")).to.equal("Required");
    await counter.get("/console/events/new?type=sale&lang=zh");
    expect(outboxCount(), "nothing written").to.equal(before);
  });

  it("refuses an unknown batch, a recalled one and one made from a recalled batch beside the batch field", async function () {
    const client = await loggedIn("sf.wang");
    const before = outboxCount();
    const unknown = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "NO-SUCH-LOT", consignee: retailer.id, ...SHIPMENT });
    expect(unknown.status).to.equal(404);
    expect(fieldError(unknown.text, "lot")).to.contain("没有这个批次");
    const badLink = await record(client, "shipment", { batchId: "https://example.cn/somewhere", consignee: retailer.id, ...SHIPMENT });
    expect(badLink.status).to.equal(400);
    expect(fieldError(badLink.text, "batchId")).to.contain("不是批次编号");
    const mismatch = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E2", batchId: harvestedBatchId("TY-E3"), consignee: retailer.id, ...SHIPMENT });
    expect(mismatch.status).to.equal(400);
    expect(fieldError(mismatch.text, "batchId")).to.contain("不是同一个批次");
    expect(outboxCount()).to.equal(before);

    // The cooperative packs TY-E6 into a pack, then recalls TY-E3 and TY-E6.
    await api(producer, "TY-E6", { type: "processing", step: "packing", occurredAt: "2026-06-01T18:00:00+08:00", outputs: [{ gtin: MANGO_GTIN, lot: "TY-E6-PK", quantity: { amount: 100, unit: "kg" } }] });
    await api(producer, "TY-E3", recall);
    await api(producer, "TY-E6", recall);
    await h.settle();
    const recalledBefore = outboxCount();
    const byLot = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E3", consignee: retailer.id, ...SHIPMENT });
    expect(byLot.status).to.equal(409);
    expect(fieldError(byLot.text, "lot")).to.contain("已召回");
    const byId = await record(client, "receipt", { batchId: harvestedBatchId("TY-E3"), ...RECEIPT });
    expect(byId.status).to.equal(409);
    expect(fieldError(byId.text, "batchId")).to.contain("已召回");
    const derived = await record(client, "shipment", { gtin: MANGO_GTIN, lot: "TY-E6-PK", consignee: retailer.id, ...SHIPMENT });
    expect(derived.status).to.equal(409);
    expect(fieldError(derived.text, "lot")).to.contain("由批次 TY-E6 加工而来，该批次已召回").and.to.contain("农残抽检超标");
    expect(outboxCount()).to.equal(recalledBefore);
  });

  it("always acts as the member's own organisation, whatever else the form carries", async function () {
    await handToCarrier("TY-E5");
    await h.settle();
    const client = await loggedIn("sf.wang");
    const answer = await record(client, "shipment", {
      gtin: MANGO_GTIN,
      lot: "TY-E5",
      consignee: retailer.id,
      ...SHIPMENT,
      org: otherCarrier.id,
      orgId: otherCarrier.id,
      signer: otherCarrier.address,
      // An old form's "taken over from" field: the console reads no such field any more.
      shipper: producer.id,
    });
    expect(answer.status, answer.text).to.equal(303);
    const eventId = recordedId(answer.location);
    const stored = h.db.prepare(`SELECT org_id, signer FROM outbox WHERE id = ?`).get(eventId) as { org_id: string; signer: string };
    expect(stored).to.deep.equal({ org_id: carrier.id, signer: carrier.address });
    await h.settle();
    const shipped = await eventOnChain("TY-E5", eventId);
    expect(shipped.signer.address).to.equal(carrier.address);
    expect(shipped.detail.org.id).to.equal(carrier.id);
    expect(shipped.detail).not.to.have.property("shipper");
    // Nor does another carrier see it among its own records.
    const other = await loggedIn("other.zhao");
    expect((await other.get("/console/events")).text).not.to.contain(eventId);
  });

  it("records a form posted twice once", async function () {
    const client = await loggedIn("futian.chen");
    const form = await client.get("/console/events/new?type=receipt");
    const fields = { formKey: formKeyOf(form.text), gtin: MANGO_GTIN, lot: "TY-E5", ...RECEIPT };
    const before = outboxCount();
    const first = await client.post("/console/events/new?type=receipt", fields);
    const second = await client.post("/console/events/new?type=receipt", fields);
    expect(first.status, first.text).to.equal(303);
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
    const post = await client.post("/console/events/new?type=shipment", { gtin: MANGO_GTIN, lot: "TY-E2", consignee: retailer.id, ...SHIPMENT });
    expect(post.status).to.equal(403);
    expect(outboxCount()).to.equal(before);
  });
});
