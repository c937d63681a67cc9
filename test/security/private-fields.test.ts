/**
 * Private fields as an attacker meets them: a sale's amount (and any field a writer marks
 * private) is not in the public detail, the hash on chain or event_details, only a salted
 * commitment is; trying every amount from ¥0.00 to ¥123.45 against the published hash and
 * against the commitment finds nothing. The seller still reads its amount, proves it to an
 * auditor with the salt, and the gateway's own price rule and the programme's figures still see
 * it. Organisations that sign themselves get the same commitments.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { canonicalize } from "../../server/domain/canonical-json";
import { verifyOpening } from "../../server/domain/commitments";
import { hashDetail, ZERO_HASH } from "../../server/domain/hashes";
import { SalesReads } from "../../server/store/sales-reads";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };

const AMOUNT = 123.45;
/** Every amount of the search space: ¥0.00 to ¥123.45, 12,346 of them. */
const SPACE = Array.from({ length: 12_346 }, (_, cents) => cents / 100);

/**
 * The attack: put each amount back into the public detail and hash it as the chain's data hash
 * was made, and try it against the commitment with every salt an attacker could know.
 */
function tryAmounts(detail: Record<string, unknown>, dataHash: string): number | undefined {
  const { committed, ...rest } = detail as { committed?: Record<string, string> };
  const commitment = committed?.amountCny;
  for (const amount of SPACE) {
    if (hashDetail({ ...rest, amountCny: amount }) === dataHash) return amount;
    if (hashDetail({ ...detail, amountCny: amount }) === dataHash) return amount;
    if (commitment) {
      for (const guess of [amount, { value: amount }, { salt: "", value: amount }, { salt: ZERO_HASH, value: amount }]) {
        if (keccak256(toUtf8Bytes(canonicalize(guess))) === commitment) return amount;
      }
    }
  }
  return undefined;
}

describe("security: private fields are committed with a salt only the owner's gateway holds", function () {
  this.timeout(180_000);
  let h: Harness;
  let producer: Org, retailer: Org;
  let batchId: string;
  let saleId: string;
  let shipmentId: string;

  const write = async (org: Org, body: unknown) => {
    const answer = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body.eventId as string;
  };
  const saleOf = (batch: { events: { type: string; detail: Record<string, unknown>; proof: { dataHash: string } }[] }) =>
    batch.events.find((e) => e.type === "sale")!;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    retailer = await h.org("福田区消费帮扶专柜", "retailer");
    const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("PF-1") });
    expect(harvest.status, JSON.stringify(harvest.body)).to.equal(202);
    batchId = harvest.body.batchId;
    shipmentId = await write(producer, { ...payload.shipment(retailer.id), private: ["vehicle"] });
    await write(retailer, payload.receipt);
    saleId = await write(retailer, { ...payload.sale, amountCny: AMOUNT });
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("publishes no amount: trying all 12,346 amounts up to ¥123.45 against the public read's hash and commitment finds none", async function () {
    const batch = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    const sale = saleOf(batch);
    expect(sale.detail).not.to.have.property("amountCny");
    expect(sale.detail.committed).to.have.property("amountCny").that.matches(/^0x[0-9a-f]{64}$/);
    expect(JSON.stringify(sale.detail)).not.to.contain("123.45");
    expect(tryAmounts(sale.detail, sale.proof.dataHash)).to.equal(undefined);
    // The public detail is exactly what the chain's hash is of: the page's check still holds.
    expect((batch.events as { detailMatchesChain: boolean }[]).every((e) => e.detailMatchesChain)).to.equal(true);
  });

  it("keeps no amount in event_details or the send queue: the same search over the stored detail finds none", function () {
    const row = h.db.prepare(`SELECT d.detail, d.data_hash FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash WHERE o.id = ?`).get(saleId) as {
      detail: string;
      data_hash: string;
    };
    expect(row.detail).not.to.contain("123.45");
    expect(keccak256(toUtf8Bytes(row.detail))).to.equal(row.data_hash);
    expect(tryAmounts(JSON.parse(row.detail), row.data_hash)).to.equal(undefined);
    const queued = h.db.prepare(`SELECT detail FROM outbox WHERE id = ?`).pluck().get(saleId) as string;
    expect(queued).not.to.contain("123.45");
  });

  it("commits a field the writer marks private, and refuses to hide one the ledger's rules need", async function () {
    const batch = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    const shipment = batch.events.find((e: { type: string }) => e.type === "shipment").detail;
    expect(shipment).not.to.have.property("vehicle");
    expect(shipment.committed).to.have.property("vehicle");
    expect(JSON.stringify(shipment)).not.to.contain("桂L");
    const own = (await h.call("GET", `/api/v1/batches/${batchId}`, { token: producer.apiKey })).body;
    expect(own.events.find((e: { type: string }) => e.type === "shipment").detail).to.deep.include({ vehicle: "桂L·12345" });

    const refused = await h.call("POST", `/api/v1/batches/${batchId}/events`, {
      token: retailer.apiKey,
      body: { ...payload.sale, quantity: { amount: 1, unit: "box" }, private: ["quantity"] },
    });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.fields[0]).to.deep.include({ field: "private" });
  });

  it("shows the seller its own amount, exactly as written, where everyone else reads the commitment", async function () {
    const sale = saleOf((await h.call("GET", `/api/v1/batches/${batchId}`, { token: retailer.apiKey })).body);
    expect(sale.detail).to.deep.include({ amountCny: AMOUNT, channel: "counter" });
    expect(sale.detail).not.to.have.property("committed");
    const other = saleOf((await h.call("GET", `/api/v1/batches/${batchId}`, { token: producer.apiKey })).body);
    expect(other.detail).not.to.have.property("amountCny");
    expect(other.detail.committed).to.have.property("amountCny");
  });

  it("gives the seller value and salt to prove the amount to an auditor; a wrong salt or value fails", async function () {
    const proof = await h.call("GET", `/api/v1/events/${saleId}/private`, { token: retailer.apiKey });
    expect(proof.status, JSON.stringify(proof.body)).to.equal(200);
    const [field] = proof.body.fields;
    expect(field).to.deep.include({ field: "amountCny", value: AMOUNT });
    expect(field.salt).to.match(/^0x[0-9a-f]{64}$/);
    const published = saleOf((await h.call("GET", `/api/v1/batches/${batchId}`)).body).detail.committed as Record<string, string>;
    expect(field.commitment).to.equal(published.amountCny);
    // The documented form, recomputed by hand: keccak256 of the RFC 8785 JSON of {salt, value}.
    expect(keccak256(toUtf8Bytes(`{"salt":"${field.salt}","value":123.45}`))).to.equal(published.amountCny);
    expect(verifyOpening(published.amountCny, { salt: field.salt, value: AMOUNT })).to.equal(true);
    expect(verifyOpening(published.amountCny, { salt: field.salt, value: 123.46 })).to.equal(false);
    expect(verifyOpening(published.amountCny, { salt: `0x${"11".repeat(32)}`, value: AMOUNT })).to.equal(false);

    expect((await h.call("GET", `/api/v1/events/${saleId}/private`, { token: producer.apiKey })).status).to.equal(404);
    expect((await h.call("GET", `/api/v1/events/${saleId}/private`)).status).to.equal(401);
  });

  it("still checks a new sale against the usual price, which only the private amounts give", async function () {
    const published = saleOf((await h.call("GET", `/api/v1/batches/${batchId}`)).body).detail;
    expect(published.committed, "the chain's view of the sale has no amount").to.have.property("amountCny");
    // ¥123.45 for 20 boxes is ¥6.17 a box: ¥5,000 for 5 boxes is far above it.
    const dear = await h.call("POST", `/api/v1/batches/${batchId}/events`, {
      token: retailer.apiKey,
      body: { ...payload.sale, quantity: { amount: 5, unit: "box" }, amountCny: 5000 },
    });
    expect(dear.status, JSON.stringify(dear.body)).to.equal(409);
    expect(dear.body.error.code).to.equal("confirmation_required");
  });

  it("counts the amount in the programme's figures, and a corrected amount once corrected", async function () {
    const total = () => new SalesReads(h.db).groups().reduce((sum, g) => sum + g.amountFen, 0);
    expect(total()).to.equal(12_345);
    const corrected = await h.call("POST", `/api/v1/batches/${batchId}/events`, {
      token: retailer.apiKey,
      body: { type: "correction", corrects: saleId, declaration: "supersede", reason: "金额录错", replacement: { ...payload.sale, amountCny: 100.5 } },
    });
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(202);
    await h.settle();
    expect(total()).to.equal(10_050);
    const correction = (await h.call("GET", `/api/v1/batches/${batchId}`)).body.events.find((e: { type: string }) => e.type === "correction");
    expect(correction.detail.replacement).not.to.have.property("amountCny");
    expect(correction.detail.replacement.committed).to.have.property("amountCny");
    const own = (await h.call("GET", `/api/v1/batches/${batchId}`, { token: retailer.apiKey })).body.events.find((e: { type: string }) => e.type === "correction");
    expect(own.detail.replacement).to.deep.include({ amountCny: 100.5 });
  });

  it("prepares the same commitments for an organisation that signs itself, and keeps its salts", async function () {
    const wallet = Wallet.createRandom();
    const own = await h.org("自签名消费帮扶专柜", "retailer", wallet.address);
    const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("PF-2") });
    const selfBatch = harvest.body.batchId as string;
    const shipped = await h.call("POST", `/api/v1/batches/${selfBatch}/events`, { token: producer.apiKey, body: payload.shipment(own.id) });
    expect(shipped.status).to.equal(202);
    const signAndSend = async (body: unknown) => {
      const prepared = await h.call("POST", `/api/v1/signing-requests/batches/${selfBatch}/events`, { token: own.apiKey, body });
      expect(prepared.status, JSON.stringify(prepared.body)).to.equal(201);
      const { domain, types, events, requestId } = prepared.body;
      const signature = await wallet.signTypedData(domain, types, events[0].message);
      const sent = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures`, { token: own.apiKey, body: { signatures: [signature] } });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(202);
      return { detail: events[0].detail as string, dataHash: events[0].message.dataHash as string, eventId: sent.body.eventId as string };
    };
    await signAndSend(payload.receipt);
    const sale = await signAndSend({ ...payload.sale, amountCny: 77.7 });
    expect(sale.detail).not.to.contain("77.7");
    expect(JSON.parse(sale.detail).committed).to.have.property("amountCny");
    expect(tryAmounts(JSON.parse(sale.detail), sale.dataHash)).to.equal(undefined);
    await h.settle();

    const seen = saleOf((await h.call("GET", `/api/v1/batches/${selfBatch}`, { token: own.apiKey })).body);
    expect(seen.detail).to.deep.include({ amountCny: 77.7 });
    const proof = (await h.call("GET", `/api/v1/events/${sale.eventId}/private`, { token: own.apiKey })).body;
    expect(verifyOpening(JSON.parse(sale.detail).committed.amountCny, { salt: proof.fields[0].salt, value: 77.7 })).to.equal(true);
  });
});
