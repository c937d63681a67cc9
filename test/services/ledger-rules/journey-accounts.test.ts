/**
 * The property test's own bookkeeping (journey-accounts.ts) on hand-built stories: it must find
 * what the property forbids, or the property proves nothing. Sales are traced back to harvests
 * through splits and merges in proportion to what flowed, corrections are applied, and a sale
 * after a recall upstream is found.
 */
import { expect } from "chai";
import type { LedgerEntry } from "../../../server/services/ledger-rules/entries";
import { accountsOf, exceeds } from "./journey-accounts";
import { ORGS, Story } from "./ledger-story";

const { coop, counter } = ORGS;

function accounts(story: Story) {
  const own = new Map<string, LedgerEntry[]>();
  for (const entry of story.entries) own.set(entry.batchId, [...(own.get(entry.batchId) ?? []), entry]);
  return accountsOf(own);
}

describe("the random journeys' bookkeeping (journey-accounts.ts)", function () {
  it("traces sales through a two-input split back to each harvest by what flowed", function () {
    const story = new Story();
    const a = story.harvest("A1", coop, { quantity: { amount: 100, unit: "kg" } }).batchId;
    const b = story.harvest("B1", coop, { quantity: { amount: 0.3, unit: "t" } }).batchId;
    const mix = story.split("AB1", coop, { quantity: { amount: 40, unit: "box" }, conversion: { unit: "box", kg: 5 } }, [[a, { amount: 100, unit: "kg" }, 100], [b, { amount: 100, unit: "kg" }, 100]]).batchId;
    story.sell(mix, counter, { amount: 150, unit: "kg" });
    story.sell(b, counter, { amount: 300, unit: "jin" });
    const result = accounts(story);
    expect(result.harvests).to.deep.equal([
      { batchId: a, harvestedKg: 100, soldKg: 75 },
      { batchId: b, harvestedKg: 300, soldKg: 225 },
    ]);
    expect(result.balances.find((x) => x.batchId === b)).to.deep.equal({ batchId: b, outKg: 250, inKg: 300 });
    expect(result.salesAfterRecall).to.deep.equal([]);
  });

  it("finds more sold than harvested through a batch made from it", function () {
    const story = new Story();
    const a = story.harvest("A2", coop, { quantity: { amount: 100, unit: "kg" } }).batchId;
    const pack = story.split("A2P", coop, { quantity: { amount: 80, unit: "kg" } }, [[a, { amount: 80, unit: "kg" }, 80]]).batchId;
    story.sell(pack, counter, { amount: 80, unit: "kg" });
    story.sell(a, counter, { amount: 30, unit: "kg" });
    const [harvest] = accounts(story).harvests;
    expect(harvest.soldKg).to.equal(110);
    expect(exceeds(harvest.soldKg, harvest.harvestedKg)).to.equal(true);
    expect(exceeds(100.000001, 100)).to.equal(false);
  });

  it("applies voids and supersedes, and a merge's weight", function () {
    const story = new Story();
    const a = story.harvest("A3", coop, { quantity: { amount: 100, unit: "kg" } }).batchId;
    const b = story.harvest("B3", coop, { quantity: { amount: 10, unit: "box" }, conversion: { unit: "box", kg: 5 } }).batchId;
    story.merge(a, coop, [[b, { amount: 10, unit: "box" }, 50]]);
    const voided = story.sell(a, counter, { amount: 100, unit: "kg" });
    story.correct(voided, counter, "void");
    const superseded = story.sell(a, counter, { amount: 100, unit: "kg" });
    story.correct(superseded, counter, "supersede", { type: "sale", quantity: { amount: 60, unit: "kg" } });
    const result = accounts(story);
    expect(result.balances.find((x) => x.batchId === a)).to.deep.equal({ batchId: a, outKg: 60, inKg: 150 });
    expect(result.balances.find((x) => x.batchId === b)).to.deep.equal({ batchId: b, outKg: 50, inKg: 50 });
    expect(result.harvests.map((x) => Math.round(x.soldKg * 1000) / 1000)).to.deep.equal([40, 20]);
  });

  it("finds a sale after a recall of a batch two steps up, and not one before it", function () {
    const story = new Story();
    const a = story.harvest("A4", coop).batchId;
    const pack = story.split("A4P", coop, { quantity: { amount: 500, unit: "kg" } }, [[a, { amount: 500, unit: "kg" }, 500]]).batchId;
    const box = story.split("A4B", coop, { quantity: { amount: 100, unit: "kg" } }, [[pack, { amount: 100, unit: "kg" }, 100]]).batchId;
    story.sell(box, counter, { amount: 1, unit: "kg" });
    story.recall(a, coop);
    const late = story.sell(box, counter, { amount: 1, unit: "kg" });
    expect(accounts(story).salesAfterRecall).to.deep.equal([{ sale: late.ref, batchId: box, recalled: a }]);
  });

  it("refuses to guess the weight of a quantity it cannot weigh", function () {
    const story = new Story();
    const a = story.harvest("A5", coop).batchId;
    story.sell(a, counter, { amount: 3, unit: "box" });
    expect(() => accounts(story)).to.throw(/cannot be weighed/);
  });
});
