/**
 * Where the chain's custody and the rules could part: the chain never forgets that a consignee
 * received a batch (its head commits to the custodians, not to corrections), so a receipt the
 * rules would allow again after a correction voided the first is refused at once, in words,
 * instead of failing on chain later.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };

describe("gateway API: the chain's custody behind the rules", function () {
  let h: Harness;
  let producer: Org, counter: Org;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    counter = await h.org("福田区消费帮扶专柜", "retailer");
  });
  after(async () => h?.stop());

  const post = (batchId: string, org: Org, body: unknown) => h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });

  it("refuses a second receipt after the first was voided: on the ledger the counter is no consignee any more", async function () {
    const { batchId } = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("CC-1") })).body;
    const shipment = await post(batchId, producer, payload.shipment(counter.id));
    expect(shipment.status).to.equal(202);
    const receipt = await post(batchId, counter, payload.receipt);
    expect(receipt.status).to.equal(202);
    const voided = await post(batchId, counter, { type: "correction", corrects: receipt.body.eventId, declaration: "void", reason: "登记错了批次" });
    expect(voided.status, JSON.stringify(voided.body)).to.equal(202);
    await h.settle();

    const again = await post(batchId, counter, payload.receipt);
    expect(again.status, JSON.stringify(again.body)).to.equal(409);
    expect(again.body.error.fields[0]).to.include({ field: "batchId" });
    expect(again.body.error.message).to.match(/on the ledger, no pending shipment names 福田区消费帮扶专柜/);
    expect(again.body.error.fields[0].zh).to.contain("请发货方作废那次发运并重新发运");

    // The way on: the shipper voids that shipment and ships again; the receipt is then accepted and confirmed on chain.
    const unshipped = await post(batchId, producer, { type: "correction", corrects: shipment.body.eventId, declaration: "void", reason: "重新发运" });
    expect(unshipped.status, JSON.stringify(unshipped.body)).to.equal(202);
    const reshipped = await post(batchId, producer, payload.shipment(counter.id, { shippedAt: "2026-06-04T06:00:00+08:00" }));
    expect(reshipped.status, JSON.stringify(reshipped.body)).to.equal(202);
    const second = await post(batchId, counter, { ...payload.receipt, receivedAt: "2026-06-04T09:00:00+08:00" });
    expect(second.status, JSON.stringify(second.body)).to.equal(202);
    await h.settle();
    expect((await h.call("GET", `/api/v1/events/${second.body.eventId}`)).body.status).to.equal("confirmed");
  });
});
