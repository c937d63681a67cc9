/**
 * LedgerFacts (services/ledger-rules/ledger-facts.ts) over rows as the store reads them: the
 * recalls a batch inherits from every batch it was made from, however many steps up, and the
 * draws a voided split no longer makes. The rows come from a hand-built story; the store's own
 * SQL is exercised by the property test over a real gateway.
 */
import { expect } from "chai";
import { EventKind } from "../../../server/domain/event-kinds";
import type { EntryRow, LedgerEntryReads } from "../../../server/store/ledger-entry-reads";
import { LedgerFacts } from "../../../server/services/ledger-rules/ledger-facts";
import type { LedgerEntry } from "../../../server/services/ledger-rules/entries";
import { codesOf, MANGO, OPTIONS, ORGS, Story } from "./ledger-story";

const { coop, packer, counter } = ORGS;
const KIND_NUMBER: Record<string, number> = {
  harvest: EventKind.Harvest,
  processing: EventKind.Processing,
  shipment: EventKind.Shipment,
  receipt: EventKind.Receipt,
  sale: EventKind.Sale,
  recall: EventKind.Recall,
  correction: EventKind.Correction,
};

/** The story's entries as the store's rows: each on chain at block n. */
function readsOf(story: Story): LedgerEntryReads {
  const rows = (): EntryRow[] =>
    story.entries.map((entry: LedgerEntry) => ({
      batchId: entry.batchId,
      kind: KIND_NUMBER[entry.kind],
      signer: entry.signer,
      dataHash: entry.ref,
      inputs: entry.inputs,
      counterparty: entry.counterparty ?? "0x0000000000000000000000000000000000000000",
      detail: JSON.stringify(entry.detail),
      blockNumber: entry.order[1],
      logIndex: 0,
      timestamp: null,
      seq: null,
      eventId: null,
    }));
  const own = (id: string) => rows().filter((row) => row.batchId === id);
  const reads = {
    own,
    draws: (id: string) => rows().filter((row) => row.kind === EventKind.Processing && row.batchId !== id && row.inputs.includes(id)),
    inputsOf: (id: string) => [...new Set(own(id).filter((row) => row.kind === EventKind.Processing).flatMap((row) => row.inputs))],
    recallOf: (id: string) => own(id).find((row) => row.kind === EventKind.Recall),
    correctionsOn: (id: string) => own(id).filter((row) => row.kind === EventKind.Correction),
  };
  return reads as unknown as LedgerEntryReads;
}

describe("LedgerFacts (services/ledger-rules/ledger-facts.ts)", function () {
  /** A harvest, a pack split from it, boxes split from the pack, at the counter. */
  function twoLevels() {
    const story = new Story();
    const harvest = story.harvest("F1", coop).batchId;
    const pack = story.split("F1-P", coop, { quantity: { amount: 500, unit: "kg" } }, [[harvest, { amount: 500, unit: "kg" }, 500]]).batchId;
    const boxes = story.split("F1-B", coop, { quantity: { amount: 40, unit: "box" }, conversion: { unit: "box", kg: 5 }, gtin: MANGO }, [[pack, { amount: 200, unit: "kg" }, 200]]).batchId;
    story.ship(boxes, coop, counter, { shippedAt: "2026-06-02T12:00:00+08:00" });
    story.receive(boxes, counter);
    return { story, harvest, pack, boxes };
  }

  it("follows a batch back through every batch it was made from", function () {
    const { story, harvest, pack, boxes } = twoLevels();
    const facts = new LedgerFacts(readsOf(story), "accepted", OPTIONS);
    expect(facts.ancestors(boxes)).to.deep.equal([pack, harvest]);
    expect(facts.ancestors(harvest)).to.deep.equal([]);
  });

  it("marks a sale two steps down from a recalled harvest after the recall, and not the one before", function () {
    const { story, harvest, boxes } = twoLevels();
    const before = story.sell(boxes, counter, { amount: 2, unit: "box" });
    const recall = story.recall(harvest, coop);
    const after = story.sell(boxes, counter, { amount: 2, unit: "box" });
    const facts = new LedgerFacts(readsOf(story), "accepted", OPTIONS);
    expect(facts.ancestorRecalls(boxes)).to.deep.equal([{ batchId: harvest, lot: "F1", order: [0, recall.order[1], 0], reason: "农残抽检超标" }]);
    const ledger = facts.ledger(boxes);
    expect(ledger.findings.map((f) => [f.ref, f.code])).to.deep.equal([[after.ref, "recalled_upstream"]]);
    expect(ledger.findings[0].zh).to.contain("批次 F1").and.contain("已召回");
    expect(ledger.statusOf(before.ref)).to.equal("live");
  });

  it("reaches a batch the recalled one was merged into, and a split drawing on a derived batch", function () {
    const { story, harvest, pack, boxes } = twoLevels();
    const other = story.harvest("F2", coop).batchId;
    story.merge(other, coop, [[pack, { amount: 100, unit: "kg" }, 100]]);
    story.recall(harvest, coop);
    story.ship(other, coop, packer, { shippedAt: "2026-06-05T08:00:00+08:00" });
    const late = story.split("F1-C", counter, { quantity: { amount: 10, unit: "box" }, conversion: { unit: "box", kg: 5 }, gtin: MANGO }, [[boxes, { amount: 10, unit: "box" }, 50]], { occurredAt: "2026-06-05T08:00:00+08:00" });
    const facts = new LedgerFacts(readsOf(story), "accepted", OPTIONS);
    expect(facts.ancestors(other)).to.deep.equal([pack, harvest]);
    expect(codesOf(facts.ledger(other).findings)).to.deep.equal(["recalled_upstream"]);
    const drawn = facts.ledger(boxes).findings;
    expect(drawn.map((f) => [f.ref, f.code, f.field])).to.deep.equal([[late.ref, "recalled_upstream", "inputs"]]);
  });

  it("takes a shipment's consignee from the row's counterparty, and marks a detail that names another", function () {
    const story = new Story();
    const batch = story.harvest("F3", coop).batchId;
    const signedToPacker = story.ship(batch, coop, counter, { quantity: { amount: 100, unit: "kg" } }, packer.address);
    story.ship(batch, coop, counter, { quantity: { amount: 200, unit: "kg" } });
    const ledger = new LedgerFacts(readsOf(story), "accepted", OPTIONS).ledger(batch);
    expect(ledger.findings.map((f) => [f.ref, f.code])).to.deep.equal([[signedToPacker.ref, "consignee_mismatch"]]);
    expect(ledger.inTransit().map((t) => [t.toAddress, t.quantity])).to.deep.equal([[counter.address, { amount: 200, unit: "kg" }]]);
  });

  it("leaves out the draws of a split whose output was declared void", function () {
    const { story, pack, boxes } = twoLevels();
    const creation = story.entries.find((e) => e.batchId === boxes)!;
    story.correct(creation, coop, "void");
    const facts = new LedgerFacts(readsOf(story), "accepted", OPTIONS);
    expect(facts.entries(pack).draws.map((d) => d.voided)).to.deep.equal([true]);
    expect(facts.ledger(pack).drawn).to.equal(0);
    expect(facts.ledger(pack).heldBy(coop.address)).to.equal(500);
  });
});
