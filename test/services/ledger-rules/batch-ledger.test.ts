/**
 * The ledger's rules folded over hand-built histories (services/ledger-rules/batch-ledger.ts):
 * custody, quantities in every unit, splits and merges, recall reach, corrections, times and
 * origins. Each refusal is asserted by its exact finding code, and an event a rule blocks is
 * shown to change nothing: it could not have happened.
 */
import { expect } from "chai";
import { BatchLedger } from "../../../server/services/ledger-rules/batch-ledger";
import type { LedgerEntry } from "../../../server/services/ledger-rules/entries";
import { codesOf, holdersOf, MANGO, NOW, OPTIONS, ORGS, stateOf, Story } from "./ledger-story";

const { coop, coop2, packer, carrier, carrier2, counter, counter2, admin } = ORGS;

/** Applies `entry` to the fold and expects exactly `codes`, and that nothing it holds changed. */
function expectBlocked(ledger: BatchLedger, entry: LedgerEntry, codes: string[]): void {
  const before = stateOf(ledger);
  expect(codesOf(ledger.apply(entry))).to.deep.equal(codes);
  expect(stateOf(ledger)).to.deep.equal(before);
}

/** Applies `entry` and expects exactly `codes` (none: the event is possible). */
function expectApplied(ledger: BatchLedger, entry: LedgerEntry, codes: string[] = []): void {
  expect(codesOf(ledger.apply(entry)), JSON.stringify(ledger.findings)).to.deep.equal(codes);
}

describe("BatchLedger (services/ledger-rules/batch-ledger.ts)", function () {
  describe("custody", function () {
    it("starts with the producer, moves with the holder's shipment and the consignee's receipt", function () {
      const story = new Story();
      const batch = story.harvest("C1", coop).batchId;
      let ledger = story.fold(batch);
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 1000, unit: "kg" } });

      expectApplied(ledger, story.ship(batch, coop, packer, { quantity: { amount: 400, unit: "kg" } }));
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 600, unit: "kg" } });
      expect(ledger.inTransit().map((t) => [t.to.name, t.quantity])).to.deep.equal([[packer.name, { amount: 400, unit: "kg" }]]);
      expect(ledger.remaining()).to.deep.equal({ amount: 1000, unit: "kg" });

      expectApplied(ledger, story.receive(batch, packer));
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 600, unit: "kg" }, [packer.name]: { amount: 400, unit: "kg" } });
      expect(ledger.inTransit()).to.deep.equal([]);

      // The fold over the whole history agrees with the entries applied one by one.
      ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 600, unit: "kg" }, [packer.name]: { amount: 400, unit: "kg" } });
    });

    it("lets only the consignee record the receipt, which takes in everything shipped to it", function () {
      const story = new Story();
      const batch = story.harvest("C2", coop).batchId;
      story.ship(batch, coop, packer, { quantity: { amount: 300, unit: "kg" } });
      story.receive(batch, packer);
      story.ship(batch, packer, counter, { quantity: { amount: 100, unit: "kg" } });
      story.ship(batch, coop, counter, { quantity: { amount: 200, unit: "kg" } });
      const ledger = story.fold(batch);

      const stranger = story.receive(batch, counter2);
      expectBlocked(ledger, stranger, ["not_shipped_to"]);
      expect(ledger.findings.at(-1)!.en).to.equal(
        `nothing of this batch was shipped to this counter (${counter2.name}): it is held by ${coop.name} (500 kg) and ${packer.name} (200 kg)`,
      );

      expectApplied(ledger, story.receive(batch, counter));
      expect(holdersOf(ledger)).to.deep.equal({
        [coop.name]: { amount: 500, unit: "kg" },
        [packer.name]: { amount: 200, unit: "kg" },
        [counter.name]: { amount: 300, unit: "kg" },
      });
      // Nothing more is on its way to the counter: a second receipt has nothing to take in.
      expectBlocked(ledger, story.receive(batch, counter), ["not_shipped_to"]);
    });

    it("refuses a sale by a counter that never received the batch, or whose shipment has not arrived", function () {
      const story = new Story();
      const batch = story.harvest("C3", coop).batchId;
      const ledger = story.fold(batch);
      expectBlocked(ledger, story.sell(batch, counter, { amount: 10, unit: "kg" }), ["not_received"]);
      expect(ledger.findings.at(-1)!.en).to.equal(`this counter (${counter.name}) has not received this batch: it is held by ${coop.name} (1000 kg)`);
      expect(ledger.findings.at(-1)!.zh).to.equal(`这个专柜（${counter.name}）没有收到过这个批次：它现由${coop.name}（1000 kg）持有`);

      expectApplied(ledger, story.ship(batch, coop, counter));
      expectBlocked(ledger, story.sell(batch, counter, { amount: 10, unit: "kg" }), ["in_transit"]);
      expectApplied(ledger, story.receive(batch, counter));
      expectApplied(ledger, story.sell(batch, counter, { amount: 1000, unit: "kg" }));
      // All of it is sold: the counter held it once, and holds nothing now.
      expectBlocked(ledger, story.sell(batch, counter, { amount: 1, unit: "kg" }), ["not_holder"]);
      expect(ledger.findings.at(-1)!.en).to.contain("held by nobody");
      expect(ledger.remaining()).to.deep.equal({ amount: 0, unit: "kg" });
    });

    it("refuses a shipment by an organisation that holds nothing, and one to the shipper itself", function () {
      const story = new Story();
      const batch = story.harvest("C4", coop).batchId;
      const ledger = story.fold(batch);
      expectBlocked(ledger, story.ship(batch, counter, counter2), ["not_received"]);
      expectBlocked(ledger, story.ship(batch, coop, coop), ["ship_to_self"]);
      expectBlocked(ledger, story.ship(batch, packer, counter), ["not_received"]);
    });

    it("lets a carrier ship only what it received: the holder ships to it, it receives, it ships on", function () {
      const story = new Story();
      const batch = story.harvest("C5", coop).batchId;
      const ledger = story.fold(batch);
      // No taking a batch over from its holder.
      expectBlocked(ledger, story.ship(batch, carrier, counter, { quantity: { amount: 250, unit: "kg" } }), ["not_received"]);
      expect(ledger.findings.at(-1)!.en).to.equal(`this carrier (${carrier.name}) has not received this batch: it is held by ${coop.name} (1000 kg)`);

      expectApplied(ledger, story.ship(batch, coop, carrier, { quantity: { amount: 250, unit: "kg" } }));
      // Shipped to it is not received by it.
      expectBlocked(ledger, story.ship(batch, carrier, counter, { shippedAt: "2026-06-03T06:00:00+08:00" }), ["in_transit"]);
      expectApplied(ledger, story.receive(batch, carrier, { receivedAt: "2026-06-02T09:00:00+08:00" }));
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 750, unit: "kg" }, [carrier.name]: { amount: 250, unit: "kg" } });
      // No more than it received.
      expectBlocked(ledger, story.ship(batch, carrier, counter, { quantity: { amount: 300, unit: "kg" }, shippedAt: "2026-06-03T06:00:00+08:00" }), ["exceeds_held"]);

      expectApplied(ledger, story.ship(batch, carrier, counter, { shippedAt: "2026-06-03T06:00:00+08:00" }));
      expect(ledger.transits).to.deep.equal([
        { ref: ledger.transits[0].ref, from: carrier.address, to: counter.address, amount: 250, shippedAt: "2026-06-03T06:00:00+08:00" },
      ]);
      expectApplied(ledger, story.receive(batch, counter, { receivedAt: "2026-06-03T09:00:00+08:00" }));
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 750, unit: "kg" }, [counter.name]: { amount: 250, unit: "kg" } });
    });

    it("refuses a shipment whose detail names another consignee than the chain (consignee_mismatch)", function () {
      const story = new Story();
      const batch = story.harvest("C6", coop).batchId;
      const ledger = story.fold(batch);
      // Signed to the second counter, while the detail says the first.
      expectBlocked(ledger, story.ship(batch, coop, counter, {}, counter2.address), ["consignee_mismatch"]);
      expect(ledger.findings.at(-1)).to.deep.include({ code: "consignee_mismatch", field: "consignee" });
      expect(ledger.findings.at(-1)!.en).to.equal(`the detail names another consignee than the chain, which names ${counter2.address}`);
      // The chain's word, in any case, agrees; a receipt then has nothing to take in.
      expectApplied(ledger, story.ship(batch, coop, counter, { quantity: { amount: 100, unit: "kg" } }, counter.address.toUpperCase().replace("0X", "0x")));
      expectBlocked(ledger, story.receive(batch, counter2), ["not_shipped_to"]);
      expectApplied(ledger, story.receive(batch, counter));
      // An entry whose counterparty is not known here goes to the consignee its detail names.
      expectApplied(ledger, story.ship(batch, coop, counter2, { quantity: { amount: 100, unit: "kg" } }, null));
      expect(ledger.transits.map((t) => [t.to, t.amount])).to.deep.equal([[counter2.address, 100]]);
    });

    it("lets a carrier that received the batch ship it on as its holder, also to another carrier", function () {
      const story = new Story();
      const batch = story.harvest("C7", coop).batchId;
      story.ship(batch, coop, carrier);
      story.receive(batch, carrier);
      const ledger = story.fold(batch);
      const later = { shippedAt: "2026-06-04T06:00:00+08:00" };
      expectApplied(ledger, story.ship(batch, carrier, counter, { ...later, quantity: { amount: 100, unit: "kg" } }));
      // The second carrier takes the rest over by receiving it from the first.
      expectApplied(ledger, story.ship(batch, carrier, carrier2, later));
      expect(ledger.transits.map((t) => [t.from, t.to, t.amount])).to.deep.equal([
        [carrier.address, counter.address, 100],
        [carrier.address, carrier2.address, 900],
      ]);
      expectApplied(ledger, story.receive(batch, carrier2, { receivedAt: "2026-06-04T09:00:00+08:00" }));
      expectApplied(ledger, story.ship(batch, carrier2, counter2, { shippedAt: "2026-06-04T12:00:00+08:00" }));
      expect(ledger.transits.map((t) => [t.from, t.to, t.amount])).to.deep.equal([
        [carrier.address, counter.address, 100],
        [carrier2.address, counter2.address, 900],
      ]);
      expect(holdersOf(ledger)).to.deep.equal({});
    });
  });

  describe("quantities", function () {
    it("counts a batch harvested in tonnes in kilograms and shows it in tonnes", function () {
      const story = new Story();
      const batch = story.harvest("Q1", coop, { quantity: { amount: 1.2, unit: "t" } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      story.sell(batch, counter, { amount: 300, unit: "kg" });
      story.sell(batch, counter, { amount: 0.1, unit: "t" });
      const ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.measure).to.deep.equal({ unit: "kg", own: "t", conversion: undefined });
      expect(ledger.sold).to.equal(400);
      expect(ledger.remaining()).to.deep.equal({ amount: 0.8, unit: "t" });
      expect(holdersOf(ledger)).to.deep.equal({ [counter.name]: { amount: 0.8, unit: "t" } });
    });

    it("converts 斤 at half a kilogram", function () {
      const story = new Story();
      const batch = story.harvest("Q2", coop, { quantity: { amount: 2000, unit: "jin" } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      story.sell(batch, counter, { amount: 10, unit: "kg" });
      const ledger = story.fold(batch);
      expect(ledger.created).to.equal(1000);
      expect(ledger.remaining()).to.deep.equal({ amount: 1980, unit: "jin" });
      expectBlocked(ledger, story.sell(batch, counter, { amount: 1981, unit: "jin" }), ["exceeds_held"]);
      expectApplied(ledger, story.sell(batch, counter, { amount: 1980, unit: "jin" }));
      expect(ledger.remaining()).to.deep.equal({ amount: 0, unit: "jin" });
    });

    it("sells boxes of a batch weighed in kg only when the batch states a box's weight", function () {
      const story = new Story();
      const boxed = story.harvest("Q3", coop, { conversion: { unit: "box", kg: 5 } }).batchId;
      story.ship(boxed, coop, counter);
      story.receive(boxed, counter);
      const withWeight = story.fold(boxed);
      expectApplied(withWeight, story.sell(boxed, counter, { amount: 20, unit: "box" }));
      expect(withWeight.sold).to.equal(100);
      expect(withWeight.remaining()).to.deep.equal({ amount: 900, unit: "kg" });
      // Crates have no stated weight.
      expectBlocked(withWeight, story.sell(boxed, counter, { amount: 1, unit: "crate" }), ["unit_mismatch"]);

      const plain = story.harvest("Q4", coop).batchId;
      story.ship(plain, coop, counter);
      story.receive(plain, counter);
      const withoutWeight = story.fold(plain);
      expectBlocked(withoutWeight, story.sell(plain, counter, { amount: 3, unit: "box" }), ["unit_mismatch"]);
      expect(withoutWeight.findings.at(-1)!.field).to.equal("quantity.unit");
      expect(withoutWeight.findings.at(-1)!.zh).to.contain("1 箱 = 5 公斤");
    });

    it("counts a batch of boxes in boxes, and sells it by weight through the box's weight", function () {
      const story = new Story();
      const batch = story.harvest("Q5", coop, { quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      const ledger = story.fold(batch);
      expect(ledger.measure?.unit).to.equal("box");
      expectApplied(ledger, story.sell(batch, counter, { amount: 50, unit: "kg" }));
      expect(ledger.remaining()).to.deep.equal({ amount: 90, unit: "box" });

      const unweighed = story.harvest("Q6", coop, { quantity: { amount: 100, unit: "box" } }).batchId;
      story.ship(unweighed, coop, counter);
      story.receive(unweighed, counter);
      const noWeight = story.fold(unweighed);
      expectBlocked(noWeight, story.sell(unweighed, counter, { amount: 50, unit: "kg" }), ["unit_mismatch"]);
      expectApplied(noWeight, story.sell(unweighed, counter, { amount: 10, unit: "box" }));
    });

    it("refuses 99,999 kg sold from 700 kg, and a shipment of more than the shipper holds", function () {
      const story = new Story();
      const batch = story.harvest("Q7", coop, { quantity: { amount: 700, unit: "kg" } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      const ledger = story.fold(batch);
      expectBlocked(ledger, story.sell(batch, counter, { amount: 99_999, unit: "kg" }), ["exceeds_held"]);
      expect(ledger.findings.at(-1)).to.deep.include({ field: "quantity.amount", en: `${counter.name} holds 700 kg of this batch, less than the 99999 kg recorded` });

      const other = story.harvest("Q8", coop).batchId;
      const shipping = story.fold(other);
      expectApplied(shipping, story.ship(other, coop, packer, { quantity: { amount: 300, unit: "kg" } }));
      expectBlocked(shipping, story.ship(other, coop, counter, { quantity: { amount: 800, unit: "kg" } }), ["exceeds_held"]);
      // Without a quantity, a shipment takes all the shipper still holds.
      expectApplied(shipping, story.ship(other, coop, counter));
      expect(shipping.transits.map((t) => t.amount)).to.deep.equal([300, 700]);
      expect(shipping.holders()).to.deep.equal([]);
      expect(shipping.inTransit().map((t) => t.quantity)).to.deep.equal([{ amount: 300, unit: "kg" }, { amount: 700, unit: "kg" }]);
    });

    it("adds decimal quantities without refusing the last of them for rounding", function () {
      const story = new Story();
      const batch = story.harvest("Q9", coop, { quantity: { amount: 0.3, unit: "kg" } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      story.sell(batch, counter, { amount: 0.1, unit: "kg" });
      story.sell(batch, counter, { amount: 0.2, unit: "kg" });
      const ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.holders()).to.deep.equal([]);
    });

    it("keeps the prices per unit of measure of the sales, for the planner's price check", function () {
      const story = new Story();
      const batch = story.harvest("Q10", coop, { conversion: { unit: "box", kg: 5 } }).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      story.sell(batch, counter, { amount: 2, unit: "box" }, { amountCny: 100 });
      expect(story.fold(batch).unitPrices).to.deep.equal([10]);
    });
  });

  describe("splits and merges", function () {
    it("draws a split's output from its input by what the detail says it consumed", function () {
      const story = new Story();
      const input = story.harvest("S1", coop).batchId;
      const pack = story.split("S1-P", coop, { quantity: { amount: 60, unit: "box" }, conversion: { unit: "box", kg: 5 } }, [[input, { amount: 300, unit: "kg" }, 300]]).batchId;
      const from = story.fold(input);
      expect(from.findings).to.deep.equal([]);
      expect(from.drawn).to.equal(300);
      expect(holdersOf(from)).to.deep.equal({ [coop.name]: { amount: 700, unit: "kg" } });
      expect(from.remaining()).to.deep.equal({ amount: 700, unit: "kg" });

      const made = story.fold(pack);
      expect(made.findings).to.deep.equal([]);
      expect(made.measure).to.deep.equal({ unit: "box", own: "box", conversion: { unit: "box", kg: 5 } });
      expect(holdersOf(made)).to.deep.equal({ [coop.name]: { amount: 60, unit: "box" } });
      expect(made.productName).to.equal("田阳香芒礼盒");
    });

    it("marks outputs that hold more than they drew, in kg, or in the same counted unit", function () {
      const story = new Story();
      const input = story.harvest("S2", coop).batchId;
      const tooMany = story.split("S2-P", coop, { quantity: { amount: 70, unit: "box" }, conversion: { unit: "box", kg: 5 } }, [[input, { amount: 300, unit: "kg" }, 300]]);
      expect(codesOf(story.fold(tooMany.batchId).findings)).to.deep.equal(["outputs_exceed"]);
      expect(story.fold(tooMany.batchId).findings[0].en).to.contain("350 kg").and.contain("300 kg");

      const boxes = story.harvest("S3", coop, { quantity: { amount: 10, unit: "box" } }).batchId;
      const sameUnit = story.split("S3-P", coop, { quantity: { amount: 11, unit: "box" } }, [[boxes, { amount: 10, unit: "box" }]]);
      expect(codesOf(story.fold(sameUnit.batchId).findings)).to.deep.equal(["outputs_exceed"]);
    });

    it("asks for a confirmation when the output's units do not convert into the input's", function () {
      const story = new Story();
      const input = story.harvest("S4", coop).batchId;
      const unweighed = story.split("S4-P", coop, { quantity: { amount: 40, unit: "box" } }, [[input, { amount: 200, unit: "kg" }, 200]]);
      expect(codesOf(story.fold(unweighed.batchId).findings)).to.deep.equal(["units_unchecked"]);
      const confirmed = story.split("S4-Q", coop, { quantity: { amount: 40, unit: "box" } }, [[input, { amount: 200, unit: "kg" }, 200]], { quantitiesConfirmed: true });
      expect(story.fold(confirmed.batchId).findings).to.deep.equal([]);
    });

    it("draws a multi-input split from each input, and an exhausted input gives the next output nothing", function () {
      const story = new Story();
      const first = story.harvest("S5", coop, { quantity: { amount: 100, unit: "kg" } }).batchId;
      const second = story.harvest("S6", coop, { quantity: { amount: 1, unit: "t" } }).batchId;
      const a = story.split("S5-A", coop, { quantity: { amount: 300, unit: "kg" } }, [[first, { amount: 100, unit: "kg" }, 100], [second, { amount: 200, unit: "kg" }, 200]]);
      const b = story.split("S5-B", coop, { quantity: { amount: 250, unit: "kg" } }, [[first, { amount: 0, unit: "kg" }, 0], [second, { amount: 250, unit: "kg" }, 250]]);

      const one = story.fold(first);
      expect(one.findings).to.deep.equal([]);
      expect(one.drawn).to.equal(100);
      expect(one.holders()).to.deep.equal([]);
      const two = story.fold(second);
      expect(two.findings).to.deep.equal([]);
      expect(two.drawn).to.equal(450);
      expect(holdersOf(two)).to.deep.equal({ [coop.name]: { amount: 0.55, unit: "t" } });
      expect(story.fold(a.batchId).findings).to.deep.equal([]);
      expect(story.fold(b.batchId).findings).to.deep.equal([]);
    });

    it("refuses a split drawing on an input its writer never held, or more than it holds", function () {
      const story = new Story();
      const input = story.harvest("S7", coop).batchId;
      const ledger = story.fold(input);
      // The packing house never had the input, even for an output that takes nothing from it.
      expectBlocked(ledger, story.split("S7-A", packer, { quantity: { amount: 1, unit: "kg" } }, [[input, { amount: 0, unit: "kg" }, 0]]), ["not_received"]);
      expect(ledger.findings.at(-1)!.field).to.equal("inputs");
      expectBlocked(ledger, story.split("S7-B", packer, { quantity: { amount: 100, unit: "kg" } }, [[input, { amount: 100, unit: "kg" }, 100]]), ["not_received"]);
      expectBlocked(ledger, story.split("S7-C", coop, { quantity: { amount: 1000, unit: "kg" } }, [[input, { amount: 1000.5, unit: "kg" }, 1000.5]]), ["exceeds_held"]);
      expect(ledger.findings.at(-1)!.field).to.equal("outputs.amount");
    });

    it("merges other batches into a batch in place: what was taken from them is the batch's now", function () {
      const story = new Story();
      const into = story.harvest("M1", coop, { quantity: { amount: 500, unit: "kg" } }).batchId;
      const taken = story.harvest("M2", coop, { quantity: { amount: 0.3, unit: "t" } }).batchId;
      story.merge(into, coop, [[taken, { amount: 300, unit: "kg" }, 300]]);
      const merged = story.fold(into);
      expect(merged.findings).to.deep.equal([]);
      expect(merged.created).to.equal(800);
      expect(holdersOf(merged)).to.deep.equal({ [coop.name]: { amount: 800, unit: "kg" } });
      const emptied = story.fold(taken);
      expect(emptied.findings).to.deep.equal([]);
      expect(emptied.drawn).to.equal(300);
      expect(emptied.holders()).to.deep.equal([]);
    });

    it("counts a merge by weight when the two batches' boxes weigh differently", function () {
      // The batch taken in is counted in 5 kg boxes; the batch it goes into states 10 kg boxes.
      const story = new Story();
      const into = story.harvest("M3", coop, { quantity: { amount: 500, unit: "kg" }, conversion: { unit: "box", kg: 10 } }).batchId;
      const taken = story.harvest("M4", coop, { quantity: { amount: 10, unit: "box" }, conversion: { unit: "box", kg: 5 } }).batchId;
      story.merge(into, coop, [[taken, { amount: 10, unit: "box" }, 50]]);
      const merged = story.fold(into);
      expect(merged.created).to.equal(550);
      expect(holdersOf(merged)).to.deep.equal({ [coop.name]: { amount: 550, unit: "kg" } });
    });

    it("marks a merge whose inputs do not convert into the batch, unless the writer confirmed the quantities", function () {
      const story = new Story();
      const into = story.harvest("M5", coop).batchId;
      const boxes = story.harvest("M6", coop, { quantity: { amount: 10, unit: "box" } }).batchId;
      const merge = story.merge(into, coop, [[boxes, { amount: 10, unit: "box" }]]);
      const ledger = story.fold(into);
      expect(codesOf(ledger.findings)).to.deep.equal(["units_unchecked"]);
      expect(ledger.findings[0].ref).to.equal(merge.ref);
      expect(ledger.created).to.equal(1000);
    });
  });

  describe("recall reach", function () {
    it("marks a sale of a batch made from a recalled one after the recall, not before", function () {
      const story = new Story();
      const harvest = story.harvest("R1", coop).batchId;
      const pack = story.split("R1-P", coop, { quantity: { amount: 500, unit: "kg" } }, [[harvest, { amount: 500, unit: "kg" }, 500]]).batchId;
      const box = story.split("R1-B", coop, { quantity: { amount: 100, unit: "kg" }, gtin: MANGO }, [[pack, { amount: 100, unit: "kg" }, 100]]).batchId;
      story.ship(box, coop, counter, { shippedAt: "2026-06-02T12:00:00+08:00" });
      story.receive(box, counter);
      story.sell(box, counter, { amount: 10, unit: "kg" });
      const recall = story.recall(harvest, coop);
      const late = story.sell(box, counter, { amount: 10, unit: "kg" });
      const ancestorRecalls = [{ batchId: harvest, lot: "R1", order: recall.order, reason: "农残抽检超标" }];

      const ledger = story.fold(box, OPTIONS, ancestorRecalls);
      expect(ledger.findings.map((f) => [f.ref, f.code])).to.deep.equal([[late.ref, "recalled_upstream"]]);
      expect(ledger.findings[0].en).to.equal("this batch was made from R1, which is recalled (农残抽检超标): it may not be shipped, processed or sold");
      expect(ledger.recalledAncestor()?.lot).to.equal("R1");
      // Marked, not blocked: the produce it names was sold even so.
      expect(ledger.sold).to.equal(20);
    });

    it("marks shipment, processing and draws of a batch after its ancestor's recall", function () {
      const story = new Story();
      const pack = story.harvest("R2", coop).batchId;
      const recall = { batchId: "0xancestor", lot: "R0", order: [0, 0, 5] as const, reason: null };
      story.add(pack, "processing", coop, { step: "washing", occurredAt: "2026-06-02T10:00:00+08:00" });
      story.ship(pack, coop, packer, { quantity: { amount: 100, unit: "kg" } });
      story.split("R2-P", coop, { quantity: { amount: 100, unit: "kg" } }, [[pack, { amount: 100, unit: "kg" }, 100]]);
      const ledger = story.fold(pack, OPTIONS, [recall]);
      expect(codesOf(ledger.findings)).to.deep.equal(["recalled_upstream", "recalled_upstream", "recalled_upstream"]);
      expect(ledger.findings[2].field).to.equal("inputs");
      expect(ledger.findings[0].en).to.contain("recalled:");
    });

    it("keeps the batch's own recall, with its reason", function () {
      const story = new Story();
      const batch = story.harvest("R3", coop).batchId;
      story.recall(batch, coop, { reason: "包装破损" });
      const ledger = story.fold(batch);
      expect(ledger.recall).to.deep.equal({ ref: story.entries.at(-1)!.ref, reason: "包装破损" });
      expect(ledger.findings).to.deep.equal([]);
    });
  });

  describe("corrections", function () {
    /** A batch the counter has received in full. */
    function atCounter(lot: string) {
      const story = new Story();
      const batch = story.harvest(lot, coop).batchId;
      story.ship(batch, coop, counter);
      story.receive(batch, counter);
      return { story, batch };
    }

    it("gives back what a voided sale took", function () {
      const { story, batch } = atCounter("K1");
      const sale = story.sell(batch, counter, { amount: 900, unit: "kg" });
      story.correct(sale, counter, "void");
      const ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.statusOf(sale.ref)).to.equal("void");
      expect(ledger.sold).to.equal(0);
      expect(holdersOf(ledger)).to.deep.equal({ [counter.name]: { amount: 1000, unit: "kg" } });
      expect(ledger.corrections.get(sale.ref)).to.deep.include({ declaration: "void", reason: "录入错误", signer: counter.address });
    });

    it("recomputes custody and quantities from a superseded shipment and sale", function () {
      const story = new Story();
      const batch = story.harvest("K2", coop).batchId;
      const shipment = story.ship(batch, coop, counter, { quantity: { amount: 400, unit: "kg" } });
      story.receive(batch, counter);
      const sale = story.sell(batch, counter, { amount: 300, unit: "kg" });
      story.correct(shipment, coop, "supersede", { type: "shipment", consignee: { name: counter.name, role: counter.role, address: counter.address }, quantity: { amount: 350, unit: "kg" }, shippedAt: "2026-06-02T06:00:00+08:00" });
      story.correct(sale, counter, "supersede", { type: "sale", quantity: { amount: 30, unit: "kg" }, amountCny: 300, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00" });
      const ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect([ledger.statusOf(shipment.ref), ledger.statusOf(sale.ref)]).to.deep.equal(["superseded", "superseded"]);
      expect(ledger.sold).to.equal(30);
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 650, unit: "kg" }, [counter.name]: { amount: 320, unit: "kg" } });
    });

    it("supersedes a harvest's quantity, keeping the batch", function () {
      const story = new Story();
      const harvest = story.harvest("K3", coop);
      const detail = harvest.detail!;
      story.correct(harvest, coop, "supersede", { ...detail, type: "harvest", quantity: { amount: 800, unit: "kg" } });
      const ledger = story.fold(harvest.batchId);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.created).to.equal(800);
      // Another lot is another batch: no replacement may move the batch.
      story.correct(harvest, coop, "supersede", { ...detail, type: "harvest", lot: "K3X" });
      expect(codesOf(story.fold(harvest.batchId).findings)).to.deep.equal(["replacement_batch"]);
    });

    it("voids a batch's creation: the batch does not exist, and what follows it is refused", function () {
      const story = new Story();
      const harvest = story.harvest("K4", coop);
      story.correct(harvest, coop, "void");
      const ledger = story.fold(harvest.batchId);
      expect(ledger.voided).to.equal(true);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.holders()).to.deep.equal([]);
      expect(ledger.remaining()).to.equal(undefined);
      expectBlocked(ledger, story.ship(harvest.batchId, coop, counter), ["voided_batch"]);
      // A split drawing on it: the batch does not exist, and that is all there is to say.
      const split = story.split("K4-P", coop, { quantity: { amount: 1, unit: "kg" } }, [[harvest.batchId, { amount: 1, unit: "kg" }, 1]]);
      expectBlocked(ledger, split, ["voided_batch"]);
      expect(ledger.findings.at(-1)!.field).to.equal("inputs");
    });

    it("voids a split's output: the input gets back what the output took", function () {
      const story = new Story();
      const input = story.harvest("K5", coop).batchId;
      const output = story.split("K5-P", coop, { quantity: { amount: 300, unit: "kg" } }, [[input, { amount: 300, unit: "kg" }, 300]]);
      story.correct(output, coop, "void");
      const ledger = story.fold(input);
      expect(ledger.drawn).to.equal(0);
      expect(holdersOf(ledger)).to.deep.equal({ [coop.name]: { amount: 1000, unit: "kg" } });
      expect(story.fold(output.batchId).voided).to.equal(true);
    });

    it("refuses a correction of an unknown event, a recall, a correction, a void event, or another's event", function () {
      const { story, batch } = atCounter("K6");
      const sale = story.sell(batch, counter, { amount: 100, unit: "kg" });
      const cases: Array<[LedgerEntry, string]> = [];
      cases.push([story.correct({ batchId: batch, ref: `0x${"ab".repeat(32)}` }, counter, "void"), "correction_target"]);
      const firstVoid = story.correct(sale, counter, "void");
      cases.push([story.correct(firstVoid, counter, "void"), "correction_kind"]);
      cases.push([story.correct(sale, counter, "void"), "already_void"]);
      const recall = story.recall(batch, coop);
      cases.push([story.correct(recall, coop, "void"), "correction_kind"]);
      const receipt = story.entries.find((e) => e.batchId === batch && e.kind === "receipt")!;
      cases.push([story.correct(receipt, coop, "void"), "not_corrector"]);
      const ledger = story.fold(batch);
      expect(ledger.findings.map((f) => [f.ref, f.code])).to.deep.equal(cases.map(([entry, code]) => [entry.ref, code]));
      expect(ledger.findings.find((f) => f.code === "not_corrector")!.en).to.contain(counter.name);
      // The receipt stands: the counter still holds what it did not sell.
      expect(ledger.statusOf(receipt.ref)).to.equal("live");
      expect(holdersOf(ledger)).to.deep.equal({ [counter.name]: { amount: 1000, unit: "kg" } });
    });

    it("refuses a supersede of processing, and a replacement of another type", function () {
      const story = new Story();
      const batch = story.harvest("K7", coop).batchId;
      const washing = story.add(batch, "processing", coop, { step: "washing", occurredAt: "2026-06-02T10:00:00+08:00" });
      const shipment = story.ship(batch, coop, counter);
      story.correct(washing, coop, "supersede", { type: "processing", step: "sorting" });
      story.correct(shipment, coop, "supersede", { type: "sale", quantity: { amount: 1, unit: "kg" } });
      expect(codesOf(story.fold(batch).findings)).to.deep.equal(["supersede_kind", "replacement_kind"]);
      // Processing can be declared void.
      story.correct(washing, coop, "void");
      expect(codesOf(story.fold(batch).findings)).to.deep.equal(["supersede_kind", "replacement_kind"]);
    });

    it("lets the programme office's admin correct any organisation's event", function () {
      const { story, batch } = atCounter("K8");
      const sale = story.sell(batch, counter, { amount: 100, unit: "kg" });
      const correction = story.correct(sale, admin, "void");
      const ledger = story.fold(batch);
      expect(ledger.findings).to.deep.equal([]);
      expect(ledger.corrections.get(sale.ref)).to.deep.include({ ref: correction.ref, signer: admin.address });
      expect(ledger.sold).to.equal(0);
    });
  });

  describe("times", function () {
    it("refuses a time in the future beyond ten minutes of clock allowance", function () {
      const story = new Story();
      const at = (ms: number) => new Date(ms).toISOString();
      expect(story.fold(story.harvest("T1", coop, { harvestedAt: at(NOW + 9 * 60_000) }).batchId).findings).to.deep.equal([]);
      const late = story.harvest("T2", coop, { harvestedAt: at(NOW + 11 * 60_000) });
      const ledger = story.fold(late.batchId);
      expect(ledger.findings).to.deep.equal([{ ref: late.ref, code: "in_future", field: "harvestedAt", en: "harvestedAt is in the future", zh: "采收时间不能晚于现在" }]);
      // Marked, not blocked: the batch exists with what it says.
      expect(ledger.created).to.equal(1000);
    });

    it("reads a plain date as a China day: today is not in the future, tomorrow is", function () {
      const story = new Story();
      expect(story.fold(story.harvest("T3", coop, { harvestedAt: "2026-07-20" }).batchId).findings).to.deep.equal([]);
      expect(codesOf(story.fold(story.harvest("T4", coop, { harvestedAt: "2026-07-21" }).batchId).findings)).to.deep.equal(["in_future"]);
    });

    it("checks an event on chain against the time of its block, not the reader's clock", function () {
      const story = new Story();
      const chainTime = Date.parse("2026-06-01T09:00:00+08:00");
      const batch = story.harvest("T5", coop, { harvestedAt: "2026-06-01T08:00:00+08:00" }).batchId;
      story.ship(batch, coop, counter, { shippedAt: "2026-06-01T12:00:00+08:00" });
      story.entries.forEach((entry) => (entry.chainTime = chainTime));
      expect(codesOf(story.fold(batch).findings)).to.deep.equal(["in_future"]);
      expect(story.fold(batch).findings[0].field).to.equal("shippedAt");
    });

    it("refuses a shipment or a sale dated before its writer had the batch", function () {
      const story = new Story();
      const batch = story.harvest("T6", coop).batchId;
      const early = story.ship(batch, coop, counter, { shippedAt: "2026-06-01T07:00:00+08:00" });
      story.receive(batch, counter, { receivedAt: "2026-06-03T09:00:00+08:00" });
      const sale = story.sell(batch, counter, { amount: 10, unit: "kg" }, { soldAt: "2026-06-03T08:59:00+08:00" });
      const ledger = story.fold(batch);
      expect(ledger.findings.map((f) => [f.ref, f.code, f.field])).to.deep.equal([
        [early.ref, "before_held", "shippedAt"],
        [sale.ref, "before_held", "soldAt"],
      ]);
      expect(ledger.findings[0].en).to.equal(`shippedAt is before ${coop.name} had the batch (2026-06-01T08:00:00+08:00)`);
      // A wrong time marks the event; the produce still moved.
      expect(ledger.sold).to.equal(10);
    });

    it("refuses a receipt before its shipment", function () {
      const story = new Story();
      const batch = story.harvest("T7", coop).batchId;
      story.ship(batch, coop, counter, { shippedAt: "2026-06-02T06:00:00+08:00" });
      const receipt = story.receive(batch, counter, { receivedAt: "2026-06-02T05:59:00+08:00" });
      const ledger = story.fold(batch);
      expect(ledger.findings.map((f) => [f.ref, f.code, f.field])).to.deep.equal([[receipt.ref, "before_shipped", "receivedAt"]]);
      expect(holdersOf(ledger)).to.deep.equal({ [counter.name]: { amount: 1000, unit: "kg" } });
    });

    it("compares a plain date with a date-time by the China day", function () {
      const story = new Story();
      const batch = story.harvest("T8", coop).batchId;
      story.ship(batch, coop, counter, { shippedAt: "2026-06-03T18:00:00+08:00" });
      story.receive(batch, counter, { receivedAt: "2026-06-03" });
      story.sell(batch, counter, { amount: 1, unit: "kg" }, { soldAt: "2026-06-03" });
      // 2026-06-02T17:00Z is 2026-06-03 01:00 in China: the same China day as a receipt on the 3rd.
      story.sell(batch, counter, { amount: 1, unit: "kg" }, { soldAt: "2026-06-02T17:00:00Z" });
      expect(story.fold(batch).findings).to.deep.equal([]);

      const other = story.harvest("T9", coop).batchId;
      story.ship(other, coop, counter, { shippedAt: "2026-06-03T01:00:00+08:00" });
      const receipt = story.receive(other, counter, { receivedAt: "2026-06-02" });
      expect(story.fold(other).findings.map((f) => [f.ref, f.code])).to.deep.equal([[receipt.ref, "before_shipped"]]);
    });
  });

  describe("origins", function () {
    const originOf = (origin: Record<string, unknown>) => {
      const story = new Story();
      return story.fold(story.harvest("O1", coop, { origin }).batchId).findings;
    };

    it("accepts a current county code, alone or with a name that agrees", function () {
      expect(originOf({ countyCode: "451003" })).to.deep.equal([]);
      expect(originOf({ countyCode: "451003", county: "田阳区" })).to.deep.equal([]);
      expect(originOf({ countyCode: "451003", county: "广西壮族自治区 百色市 田阳区" })).to.deep.equal([]);
      expect(originOf({ countyCode: "441900", county: "东莞市" })).to.deep.equal([]);
    });

    it("refuses a retired code, a code that names nothing, and a name that disagrees", function () {
      const retired = originOf({ countyCode: "460321" });
      expect(codesOf(retired)).to.deep.equal(["county_unknown"]);
      expect(retired[0].en).to.contain("retired");
      const unknown = originOf({ countyCode: "999999" });
      expect(codesOf(unknown)).to.deep.equal(["county_unknown"]);
      expect(unknown[0]).to.deep.include({ field: "origin.countyCode", en: "999999 is not a GB/T 2260 county-level code" });
      expect(codesOf(originOf({ countyCode: "130171" }))).to.deep.equal(["county_unknown"]);
      const haidian = originOf({ countyCode: "451003", county: "海淀区" });
      expect(haidian).to.have.length(1);
      expect(haidian[0]).to.deep.include({ code: "county_name", field: "origin.county", en: "海淀区 is not the county 451003 names (百色市田阳区)" });
    });
  });
});
