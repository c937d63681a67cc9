/**
 * The property the issue asks for, over the real planner: random journeys — harvests, shipments
 * (to any organisation, of any quantity, through carriers that receive and ship on), receipts, sales in
 * any unit, splits, merges, recalls and corrections, by plausible and implausible writers, at
 * good and bad times — written through the gateway's API on Hardhat's in-process chain. Most are
 * refused by the rules; that is the point. After each journey, every batch is folded (accepted
 * view) and checked by the test's own bookkeeping (journey-accounts.ts):
 * - for every harvest, what was sold of it, directly and through everything made from it, in kg,
 *   is no more than was harvested (and no batch gave out more than it ever had);
 * - no sale of a batch comes after a recall of the batch or of a batch it was made from;
 * - no accepted event breaks a rule (no finding).
 * Then the chain is settled (relayer and indexer) and the chain's view must say the same.
 * One fixed seed and a few random ones; a failure names its seed.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { LedgerView } from "../../../server/store/ledger-entry-reads";
import type { LedgerEntry } from "../../../server/services/ledger-rules/entries";
import { startHarness, type Harness } from "../../helpers/gateway-harness";
import { accountsOf, exceeds } from "./journey-accounts";
import { journey, Journey, ORG_SPECS, type JourneyOrg } from "./random-journey";

const FIXED_SEED = 20260715;

/** Every check of the property over one view; throws naming what broke. */
function checkView(trip: Journey, view: LedgerView): void {
  const facts = trip.facts(view);
  const own = new Map<string, LedgerEntry[]>();
  for (const batchId of trip.batches) {
    const ledger = facts.ledger(batchId);
    expect(ledger.findings, `${view}: findings on ${batchId}\n${trip.log.join("\n")}`).to.deep.equal([]);
    own.set(batchId, facts.entries(batchId).own);
  }
  const accounts = accountsOf(own);
  for (const harvest of accounts.harvests) {
    if (exceeds(harvest.soldKg, harvest.harvestedKg)) {
      throw new Error(`${view}: ${harvest.soldKg} kg sold of harvest ${harvest.batchId}, which gave ${harvest.harvestedKg} kg\n${trip.log.join("\n")}`);
    }
  }
  for (const balance of accounts.balances) {
    if (exceeds(balance.outKg, balance.inKg)) {
      throw new Error(`${view}: ${balance.outKg} kg left batch ${balance.batchId}, which had ${balance.inKg} kg\n${trip.log.join("\n")}`);
    }
  }
  expect(accounts.salesAfterRecall, `${view}: sales after a recall upstream\n${trip.log.join("\n")}`).to.deep.equal([]);
}

describe("random journeys through the real planner (property)", function () {
  let h: Harness;
  let orgs: JourneyOrg[];
  let runs = 0;
  const tally = new Map<string, number>();

  before(async function () {
    h = await startHarness();
    orgs = [];
    for (const [name, role] of ORG_SPECS) orgs.push({ ...(await h.org(name, role)), name, role });
  });

  after(async function () {
    await h?.stop();
  });

  const property = fc.asyncProperty(journey, async ({ commands, settle }) => {
    const run = ++runs;
    const trip = new Journey(h, orgs, run, Date.now() - 90 * 86_400_000);
    for (const c of commands) await trip.perform(c);
    for (const [key, n] of trip.tally) tally.set(key, (tally.get(key) ?? 0) + n);
    checkView(trip, "accepted");
    // The fixed seed's first journey always goes on chain; others when the journey says so.
    if (settle || run === 1) {
      await h.settle();
      const failed = h.gateway.outbox.countByStatus().failed;
      expect(failed, `events the chain refused\n${trip.log.join("\n")}`).to.equal(0);
      checkView(trip, "chain");
      tally.set("settled journeys", (tally.get("settled journeys") ?? 0) + 1);
    }
  });

  async function check(seed: number, numRuns: number): Promise<void> {
    try {
      await fc.assert(property, { seed, numRuns, endOnFailure: true });
    } catch (error) {
      console.error(`random journeys failed with seed ${seed}`);
      throw error;
    }
  }

  it("never sells more than was harvested, nor after a recall upstream, on a fixed seed", async function () {
    await check(FIXED_SEED, 14);
    console.log(`      journeys on the fixed seed: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    // The journeys reached every kind of write, accepted and refused; else the property says little.
    for (const kind of ["harvest", "shipment", "receipt", "sale", "processing", "recall", "correction", "refused sale", "refused shipment", "refused receipt", "settled journeys", "settled mid-journey"]) {
      expect(tally.get(kind) ?? 0, `${kind} in ${JSON.stringify([...tally])}`).to.be.greaterThan(0);
    }
  });

  it("holds on a few random seeds", async function () {
    const seed = Date.now() % 2_147_483_647;
    await check(seed, 5);
  });
});
