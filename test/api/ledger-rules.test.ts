/**
 * The ledger's rules through the API (issue 12), on a real chain: every case the issue names,
 * each with the exact status and the field the refusal names, and each refusal changing nothing.
 * Custody, quantities, recall reach, origins and dates, who ships and who receives, prices that
 * ask for confirmation, and corrections (by the writer, refused to others, by the programme
 * office under its own signature, never of a recall).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { ANVIL_DEV_KEY } from "../../server/chain/anvil";
import { SalesReads } from "../../server/store/sales-reads";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };
type Answer = Awaited<ReturnType<Harness["call"]>>;

/** A box of mangoes weighs 5 kg. */
const BOX = { unit: "box", kg: 5 };

describe("gateway API: the ledger's rules (custody, quantities, recalls, origins, corrections)", function () {
  let h: Harness;
  let producer: Org, processor: Org, certifier: Org, carrier: Org, counter: Org, otherCounter: Org;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    certifier = await h.org("深圳市标准技术研究院", "certifier");
    carrier = await h.org("顺丰冷运", "carrier");
    counter = await h.org("福田区消费扶贫专柜", "retailer");
    otherCounter = await h.org("南山区消费扶贫专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  // ---- helpers ----------------------------------------------------------------------------------

  const post = (org: Org, batchId: string, body: unknown) => h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
  const outboxRows = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;

  /** A write that must be accepted; answers its event id. */
  async function accepted(org: Org, batchId: string, body: unknown): Promise<string> {
    const { status, body: answer } = await post(org, batchId, body);
    expect(status, JSON.stringify(answer)).to.equal(202);
    return answer.eventId;
  }

  async function harvest(lot: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest(lot, overrides) });
    expect(status, JSON.stringify(body)).to.equal(202);
    return body.batchId;
  }

  /**
   * `from`, a holder of the batch, ships it to the carrier, which receives it and ships it on to
   * `to`, which receives it: an hour between each, from `at`. Answers the carrier's shipment and
   * the receipt at `to` (three hours after `at`).
   */
  async function deliver(batchId: string, from: Org, to: Org, at = "2026-06-01T12:00:00+08:00") {
    const who = { holder: from, carrier, consignee: to };
    const ids: string[] = [];
    for (const [leg, body] of payload.viaCarrier(carrier.id, to.id, { at })) ids.push(await accepted(who[leg], batchId, body));
    return { shipment: ids[2], receipt: ids[3] };
  }

  /** A harvest that the cooperative hands to the carrier, which takes it to the counter, which receives it (June 2026). */
  async function atCounter(lot: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const batchId = await harvest(lot, overrides);
    await deliver(batchId, producer, counter, "2026-06-02T06:00:00+08:00");
    return batchId;
  }

  /** Expects the refusal: its status, the field it names, the words it uses; and that nothing was recorded. */
  async function refused(write: () => Promise<Answer>, status: number, field: string, ...words: Array<string | RegExp>): Promise<Answer> {
    const before = outboxRows();
    const answer = await write();
    expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
    const fields = answer.body.error.fields as Array<{ field: string; message: string; zh?: string }>;
    expect(fields.map((f) => f.field), JSON.stringify(answer.body)).to.include(field);
    for (const word of words) {
      if (typeof word === "string") expect(answer.body.error.message).to.contain(word);
      else expect(answer.body.error.message).to.match(word);
    }
    expect(outboxRows(), "a refused write records nothing").to.equal(before);
    return answer;
  }

  const batch = async (batchId: string) => (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
  const holders = async (batchId: string) =>
    Object.fromEntries(((await batch(batchId)).custody.holders as Array<{ name: string; quantity: { amount: number; unit: string } }>).map((x) => [x.name, x.quantity]));
  /** The programme's figures for a month: the confirmed sales, as the programme office reads them. */
  const figures = (month: string) => new SalesReads(h.db).groups({ fromMonth: month, toMonth: month });

  // ---- quantities and custody -----------------------------------------------------------------------

  describe("quantities", function () {
    it("refuses a counter selling 99,999 kg at ¥1 from a 700 kg pack, naming what it holds (409 quantity.amount)", async function () {
      const parent = await harvest("TY-Q1");
      await deliver(parent, producer, processor);
      const split = await post(processor, parent, { ...payload.packing, outputs: [{ gtin: payload.MANGO_GTIN, lot: "PK-Q1", quantity: { amount: 700, unit: "kg" } }] });
      expect(split.status, JSON.stringify(split.body)).to.equal(202);
      const pack = split.body.batchId as string;
      await deliver(pack, processor, counter, "2026-06-02T06:00:00+08:00");
      const answer = await refused(
        () => post(counter, pack, { ...payload.sale, quantity: { amount: 99_999, unit: "kg" }, amountCny: 1 }),
        409,
        "quantity.amount",
        "福田区消费扶贫专柜 holds 700 kg",
        "99999 kg",
      );
      expect(answer.body.error.fields[0].zh).to.contain("700 kg");
      // What it holds it may sell.
      await accepted(counter, pack, { ...payload.sale, quantity: { amount: 700, unit: "kg" }, amountCny: 11_060 });
    });

    it("refuses a counter selling 3 箱 of a kg batch it never received (409 batchId), then, received but with no box weight, the unit (400 quantity.unit)", async function () {
      const batchId = await harvest("TY-Q2", { conversion: undefined });
      const threeBoxes = { ...payload.sale, quantity: { amount: 3, unit: "box" }, amountCny: 237 };
      await refused(() => post(counter, batchId, threeBoxes), 409, "batchId", "has not received this batch", "held by 田阳芒果专业合作社 (1200 kg)");
      await deliver(batchId, producer, counter);
      await refused(() => post(counter, batchId, threeBoxes), 400, "quantity.unit", "counted in kg", "what one box weighs");
      await accepted(counter, batchId, { ...threeBoxes, quantity: { amount: 15, unit: "kg" } });
    });

    it("refuses a counter selling straight from the cooperative, with no shipment and no receipt (409 batchId)", async function () {
      const kiwi = await harvest("LY-Q3", {
        product: { name: "乐业猕猴桃", gtin: payload.TEA_GTIN },
        origin: { countyCode: "451028" },
        quantity: { amount: 2000, unit: "kg" },
      });
      const answer = await refused(
        () => post(counter, kiwi, { ...payload.sale, quantity: { amount: 50, unit: "kg" }, amountCny: 680 }),
        409,
        "batchId",
        "this counter (福田区消费扶贫专柜) has not received this batch: it is held by 田阳芒果专业合作社 (2000 kg)",
      );
      expect(answer.body.error.fields[0].zh).to.contain("没有收到过这个批次");
    });
  });

  // ---- recalls ------------------------------------------------------------------------------------------

  describe("recalls", function () {
    it("after TY2026-001 is recalled, refuses the carrier that received a pack made from it shipping it on, and a counter selling another, naming the recalled lot; the July figures count only the sale before", async function () {
      const lot = await harvest("TY2026-001", { harvestedAt: "2026-07-01T08:00:00+08:00" });
      await deliver(lot, producer, processor, "2026-07-01T12:00:00+08:00");
      const split = await post(processor, lot, {
        ...payload.packing,
        occurredAt: "2026-07-01T18:00:00+08:00",
        outputs: ["PK-R1A", "PK-R1B"].map((packLot) => ({ gtin: payload.MANGO_GTIN, lot: packLot, quantity: { amount: 100, unit: "box" }, conversion: BOX })),
      });
      expect(split.status, JSON.stringify(split.body)).to.equal(202);
      const [packA, packB] = (split.body.events as Array<{ batchId: string }>).map((e) => e.batchId);
      // A pack of the pack: the recall reaches it two steps down.
      const repack = await post(processor, packA, {
        ...payload.packing,
        occurredAt: "2026-07-01T20:00:00+08:00",
        outputs: [{ gtin: payload.MANGO_GTIN, lot: "PK-R1A2", quantity: { amount: 40, unit: "box" }, conversion: BOX }],
      });
      expect(repack.status, JSON.stringify(repack.body)).to.equal(202);
      await deliver(packB, processor, counter, "2026-07-02T06:00:00+08:00");
      // The pack of the pack goes to the carrier, which receives it: it holds it when the recall comes.
      await accepted(processor, repack.body.batchId, payload.shipment(carrier.id, { shippedAt: "2026-07-02T06:00:00+08:00" }));
      await accepted(carrier, repack.body.batchId, { ...payload.receipt, location: "顺丰冷运中转仓", receivedAt: "2026-07-02T07:00:00+08:00" });
      const july = { ...payload.sale, quantity: { amount: 10, unit: "box" }, amountCny: 790 };
      await accepted(counter, packB, { ...july, soldAt: "2026-07-03T15:00:00+08:00" });
      await accepted(producer, lot, { ...payload.recall, recalledAt: "2026-07-04T10:00:00+08:00" });

      await refused(
        () => post(carrier, repack.body.batchId, payload.shipment(counter.id, { shippedAt: "2026-07-05T06:00:00+08:00" })),
        409,
        "batchId",
        "made from TY2026-001, which is recalled (农残抽检超标)",
      );
      await refused(() => post(counter, packB, { ...july, soldAt: "2026-07-05T15:00:00+08:00" }), 409, "batchId", "made from TY2026-001, which is recalled");

      await h.settle();
      const sales = figures("2026-07");
      expect(sales.map((g) => [g.sales, g.quantity, g.unit, g.amountFen])).to.deep.equal([[1, 10, "box", 79_000]]);
      expect((await batch(repack.body.batchId)).recall).to.deep.include({ recalled: true, self: false });
    });
  });

  // ---- origins and dates ---------------------------------------------------------------------------------

  describe("origins and dates", function () {
    const origin = payload.harvest("x").origin;
    const harvestOf = (lot: string, overrides: Record<string, unknown>) => () =>
      h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest(lot, overrides) });

    it("refuses countyCode 451003 with county 海淀区 (400 origin.county)", async function () {
      const answer = await refused(harvestOf("TY-O1", { origin: { ...origin, county: "海淀区" } }), 400, "origin.county", "海淀区 is not the county 451003 names (百色市田阳区)");
      expect(answer.body.error.fields[0].zh).to.contain("百色市田阳区");
    });

    it("refuses code 999999 and a retired code (400 origin.countyCode)", async function () {
      await refused(harvestOf("TY-O2", { origin: { ...origin, countyCode: "999999", county: undefined } }), 400, "origin.countyCode", "999999 is not a GB/T 2260 county-level code");
      await refused(harvestOf("TY-O3", { origin: { ...origin, countyCode: "232761", county: undefined } }), 400, "origin.countyCode", "232761 is a retired GB/T 2260 code");
    });

    it("refuses a harvest a year ahead (400 harvestedAt), and a date that is no date with the forms it may take", async function () {
      const nextYear = new Date(Date.now() + 365 * 86_400_000);
      await refused(harvestOf("TY-O4", { harvestedAt: nextYear.toISOString() }), 400, "harvestedAt", "harvestedAt is in the future");
      await refused(harvestOf("TY-O5", { harvestedAt: nextYear.toISOString().slice(0, 10) }), 400, "harvestedAt", "in the future");
      const answer = await refused(harvestOf("TY-O6", { harvestedAt: "2026-13-01" }), 400, "harvestedAt");
      expect(answer.body.error.fields[0].message).to.contain("2026-07-15").and.to.contain("2026-07-15T08:00:00+08:00");
    });

    it("accepts plain dates for harvest, shipment, receipt, sale and 圳品 validity, and keeps them as dates; the county's name comes from its code", async function () {
      const batchId = await harvest("TY-O7", { origin: { countyCode: "451003", village: "那坡镇" }, harvestedAt: "2026-09-15" });
      await accepted(producer, batchId, payload.shipment(counter.id, { shippedAt: "2026-09-16" }));
      await accepted(counter, batchId, { ...payload.receipt, receivedAt: "2026-09-17" });
      await accepted(counter, batchId, { ...payload.sale, soldAt: "2026-09-17" });
      const certification = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, {
        token: certifier.apiKey,
        body: { ...payload.certification("ZP-O7"), validFrom: "2026-09-01", validUntil: "2029-08-31" },
      });
      expect(certification.status, JSON.stringify(certification.body)).to.equal(202);
      await h.settle();
      const body = await batch(batchId);
      expect(body.origin).to.deep.include({ countyCode: "451003", county: "百色市田阳区" });
      const at = Object.fromEntries((body.events as Array<{ type: string; detail: Record<string, unknown> }>).map((e) => [e.type, e.detail]));
      expect([at.harvest.harvestedAt, at.shipment.shippedAt, at.receipt.receivedAt, at.sale.soldAt]).to.deep.equal(["2026-09-15", "2026-09-16", "2026-09-17", "2026-09-17"]);
      // The certificate runs on chain from the first moment of its first China day to the last of
      // its last; the read and its detail keep the dates as the certifier wrote them.
      expect(body.certification).to.deep.include({ status: "valid", validFrom: "2026-09-01", validUntil: "2029-08-31" });
      const onChain = h.db.prepare(`SELECT valid_from, valid_until FROM idx_certifications WHERE certificate_no = 'ZP-O7'`).get();
      expect(onChain).to.deep.equal({ valid_from: Date.parse("2026-08-31T16:00:00Z") / 1000, valid_until: Date.parse("2029-08-31T15:59:59Z") / 1000 });
      const kept = h.db.prepare(`SELECT detail FROM certification_outbox WHERE id = ?`).pluck().get(certification.body.eventId) as string;
      expect(JSON.parse(kept)).to.deep.include({ validFrom: "2026-09-01", validUntil: "2029-08-31" });
      expect(figures("2026-09").map((g) => g.sales)).to.deep.equal([1]);
    });
  });

  // ---- who ships, who receives ----------------------------------------------------------------------------

  describe("shipments and receipts", function () {
    it("takes a shipment only from a holder, a carrier once it has received the batch (409 batchId), and never from a certifier (403)", async function () {
      const batchId = await harvest("TY-S1");
      await refused(() => post(processor, batchId, payload.shipment(counter.id)), 409, "batchId", "has not received this batch", "held by 田阳芒果专业合作社");
      await refused(() => post(otherCounter, batchId, payload.shipment(counter.id)), 409, "batchId", "has not received this batch");
      const byCertifier = await post(certifier, batchId, payload.shipment(counter.id));
      expect(byCertifier.status).to.equal(403);
      // A carrier takes a batch over only by receiving it: until then it may not ship it.
      await refused(() => post(carrier, batchId, payload.shipment(counter.id)), 409, "batchId", "this carrier (顺丰冷运) has not received this batch");
      // The holder ships half to the packing house itself, the rest (all it still holds) to the
      // carrier, which receives it and ships it on to the counter.
      await accepted(producer, batchId, payload.shipment(processor.id, { quantity: { amount: 600, unit: "kg" } }));
      await accepted(producer, batchId, payload.shipment(carrier.id));
      await accepted(carrier, batchId, { ...payload.receipt, location: "顺丰冷运中转仓", receivedAt: "2026-06-02T07:00:00+08:00" });
      await accepted(carrier, batchId, payload.shipment(counter.id, { shippedAt: "2026-06-02T08:00:00+08:00" }));
      await h.settle();
      const transit = (await batch(batchId)).custody.inTransit as Array<{ to: { name: string }; quantity: unknown }>;
      expect(transit.map((t) => [t.to.name, t.quantity])).to.deep.equal([
        ["百色分拣包装厂", { amount: 600, unit: "kg" }],
        ["福田区消费扶贫专柜", { amount: 600, unit: "kg" }],
      ]);
    });

    it("ships only to an organisation that can receive: not a cooperative, not a certifier (400 consignee), not an unknown one (404 consignee)", async function () {
      const batchId = await harvest("TY-S2");
      const other = await h.org("田东芒果专业合作社", "producer");
      await refused(() => post(producer, batchId, payload.shipment(other.id)), 400, "consignee", "cannot record a receipt");
      await refused(() => post(producer, batchId, payload.shipment(certifier.address)), 400, "consignee", "cannot record a receipt");
      await refused(() => post(producer, batchId, payload.shipment("00000000-0000-4000-8000-000000000000")), 404, "consignee");
    });

    it("takes the receipt only from the consignee (409 batchId), not before its shipment (409 receivedAt)", async function () {
      const batchId = await harvest("TY-S3");
      await accepted(producer, batchId, payload.shipment(counter.id));
      await refused(() => post(otherCounter, batchId, payload.receipt), 409, "batchId", "nothing of this batch was shipped to this counter (南山区消费扶贫专柜)", "on its way to 福田区消费扶贫专柜");
      await refused(() => post(carrier, batchId, payload.receipt), 409, "batchId", "nothing of this batch was shipped to this carrier");
      await refused(() => post(counter, batchId, { ...payload.receipt, receivedAt: "2026-06-01T23:00:00+08:00" }), 409, "receivedAt", "before the batch was shipped");
      await accepted(counter, batchId, payload.receipt);
      await h.settle();
      expect(await holders(batchId)).to.deep.equal({ 福田区消费扶贫专柜: { amount: 1200, unit: "kg" } });
    });
  });

  // ---- prices ---------------------------------------------------------------------------------------------------

  describe("prices", function () {
    it("asks to confirm a sale for ¥0 or 100x off the batch's price (409 confirmation_required, amountCny), and records it with priceConfirmed", async function () {
      const batchId = await atCounter("TY-P1");
      await accepted(counter, batchId, payload.sale); // 20 boxes for ¥1,580.50: ¥15.80 a kg
      const cheap = { ...payload.sale, quantity: { amount: 10, unit: "box" }, amountCny: 7.9 };
      const dear = { ...payload.sale, quantity: { amount: 1, unit: "box" }, amountCny: 7_900 };
      const free = { ...payload.sale, quantity: { amount: 1, unit: "box" }, amountCny: 0 };
      for (const [sale, words] of [
        [cheap, /¥0\.16 a kg, far below this batch's usual ¥15\.8\d a kg/],
        [dear, /¥1580\.00 a kg, far above this batch's usual/],
        [free, "a sale for ¥0"],
      ] as const) {
        const answer = await refused(() => post(counter, batchId, sale), 409, "amountCny", words);
        expect(answer.body.error.code).to.equal("confirmation_required");
        expect(answer.body.error.fields[0].zh).to.be.a("string").and.not.be.empty;
        await accepted(counter, batchId, { ...sale, priceConfirmed: true });
      }
    });
  });

  describe("prices after a gift", function () {
    it("still asks to confirm a sale 100x below the batch's price after a confirmed gift of ¥0 (a gift is no price)", async function () {
      const batchId = await atCounter("TY-P2");
      await accepted(counter, batchId, payload.sale);
      await accepted(counter, batchId, { ...payload.sale, quantity: { amount: 1, unit: "box" }, amountCny: 0, priceConfirmed: true });
      const answer = await refused(() => post(counter, batchId, { ...payload.sale, quantity: { amount: 10, unit: "box" }, amountCny: 7.9 }), 409, "amountCny", "far below");
      expect(answer.body.error.code).to.equal("confirmation_required");
    });
  });

  // ---- corrections ------------------------------------------------------------------------------------------------

  describe("corrections", function () {
    const voiding = (corrects: string) => ({ type: "correction", corrects, declaration: "void", reason: "录入错误：这笔销售没有发生" });
    const august = { ...payload.sale, soldAt: "2026-08-03T15:00:00+08:00" };

    it("voids a sale: the quantity comes back, and the figures drop it once the correction is confirmed", async function () {
      const batchId = await atCounter("TY-C1");
      const sale = await accepted(counter, batchId, august);
      await h.settle();
      expect(await holders(batchId)).to.deep.equal({ 福田区消费扶贫专柜: { amount: 1100, unit: "kg" } });
      expect(figures("2026-08").map((g) => g.amountFen)).to.deep.equal([158_050]);

      await accepted(counter, batchId, voiding(sale));
      expect(figures("2026-08").map((g) => g.amountFen), "counted until the correction is on chain").to.deep.equal([158_050]);
      await h.settle();
      expect(figures("2026-08")).to.deep.equal([]);
      expect(await holders(batchId)).to.deep.equal({ 福田区消费扶贫专柜: { amount: 1200, unit: "kg" } });
      const events = (await batch(batchId)).events as Array<{ type: string }>;
      expect(events.map((e) => e.type)).to.deep.equal(["harvest", "shipment", "receipt", "shipment", "receipt", "sale", "correction"]);
    });

    it("supersedes a shipment's quantity: the receipt takes in the corrected quantity", async function () {
      const batchId = await harvest("TY-C2");
      const shipment = await accepted(producer, batchId, payload.shipment(counter.id));
      await accepted(producer, batchId, {
        type: "correction",
        corrects: shipment,
        declaration: "supersede",
        reason: "只装车 500 kg",
        replacement: payload.shipment(counter.id, { quantity: { amount: 500, unit: "kg" } }),
      });
      await accepted(counter, batchId, payload.receipt);
      await h.settle();
      expect(await holders(batchId)).to.deep.equal({ 田阳芒果专业合作社: { amount: 700, unit: "kg" }, 福田区消费扶贫专柜: { amount: 500, unit: "kg" } });
      expect((await batch(batchId)).findings).to.deep.equal([]);
    });

    it("refuses voiding a shipment that was received, naming the receipt (409 corrects)", async function () {
      const batchId = await harvest("TY-C3");
      const { shipment, receipt } = await deliver(batchId, producer, counter);
      const answer = await refused(
        () => post(carrier, batchId, voiding(shipment)),
        409,
        "corrects",
        `the receipt of 2026-06-01T15:00:00+08:00 (event ${receipt}) would break a rule`,
        "nothing of this batch was shipped to this counter (福田区消费扶贫专柜)",
      );
      expect(answer.body.error.fields[0].zh).to.contain("“收货”记录");
    });

    it("refuses a correction by another organisation (409 corrects), and takes the programme office's through /corrections with the admin token", async function () {
      const batchId = await atCounter("TY-C4");
      const sale = await accepted(counter, batchId, august);
      await refused(() => post(otherCounter, batchId, voiding(sale)), 409, "corrects", "only the organisation that recorded the event (福田区消费扶贫专柜) or the programme office may correct it");
      await refused(() => post(carrier, batchId, voiding(sale)), 409, "corrects", "only the organisation that recorded the event");

      const byOffice = await h.call("POST", `/api/v1/batches/${batchId}/corrections`, { token: TEST_ADMIN_TOKEN, body: voiding(sale) });
      expect(byOffice.status, JSON.stringify(byOffice.body)).to.equal(202);
      const withoutToken = await h.call("POST", `/api/v1/batches/${batchId}/corrections`, { token: counter.apiKey, body: voiding(sale) });
      expect(withoutToken.status).to.equal(401);
      await h.settle();
      expect((await h.call("GET", `/api/v1/events/${byOffice.body.eventId}`)).body.status).to.equal("confirmed");
      const correction = ((await batch(batchId)).events as Array<{ type: string; signer: { address: string } }>).at(-1)!;
      expect(correction.type).to.equal("correction");
      expect(correction.signer.address).to.equal(new Wallet(ANVIL_DEV_KEY).address);
      expect(await holders(batchId)).to.deep.equal({ 福田区消费扶贫专柜: { amount: 1200, unit: "kg" } });
    });

    it("refuses correcting a recall, by its writer or the programme office (409 corrects)", async function () {
      const batchId = await harvest("TY-C5");
      const recall = await accepted(producer, batchId, payload.recall);
      const undo = { type: "correction", corrects: recall, declaration: "void", reason: "召回有误" };
      await refused(() => post(producer, batchId, undo), 409, "corrects", "a recall cannot be corrected");
      await refused(() => h.call("POST", `/api/v1/batches/${batchId}/corrections`, { token: TEST_ADMIN_TOKEN, body: undo }), 409, "corrects", "a recall cannot be corrected");
    });
  });
});
