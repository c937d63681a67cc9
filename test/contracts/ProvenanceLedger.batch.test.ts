import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { deployLedgerFixture, batchId, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
import { nextHead } from "../../server/chain/typed-data";
import { EventKind } from "../../server/domain/event-kinds";

const { Harvest, Processing, Shipment, Receipt, Recall, Correction } = EventKind;

/** `count` harvested batches. */
async function harvestedBatches(f: LedgerFixture, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => batchId(`TY-${i}`));
  await f.driver.recordBatch(await Promise.all(ids.map((id) => f.driver.prepare(f.producer, id, Harvest))));
  return ids;
}

/** The error `record` would revert with, ABI-encoded as EventRejected carries it. */
function encodedError(f: LedgerFixture, name: string, args: unknown[]): string {
  return f.ledger.interface.encodeErrorResult(name, args);
}

describe("ProvenanceLedger", function () {
  describe("recordBatch", function () {
    it("records every event of a batch in order", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const ids = await harvestedBatches(f, 3);
      const shipments = await Promise.all(ids.map((id) => f.driver.prepare(f.carrier, id, Shipment)));
      expect(await f.driver.ledger.recordBatch.staticCall(shipments.map((s) => s.signed), [])).to.equal(3n);
      const tx = f.driver.recordBatch(shipments);
      for (const s of shipments) {
        await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(s.event.batchId, f.carrier.address, Shipment, s.event.dataHash);
      }
      for (const s of shipments) {
        expect(await f.ledger.headOf(s.event.batchId)).to.equal(nextHead(s.event, f.carrier.address));
      }
    });

    it("chains events on one batch within one transaction", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("TY-CHAIN");
      const harvest = await f.driver.prepare(f.producer, id, Harvest);
      const shipment = await f.driver.prepare(f.carrier, id, Shipment, { prevHead: nextHead(harvest.event, f.producer.address) });
      const receipt = await f.driver.prepare(f.retailer, id, Receipt, { prevHead: nextHead(shipment.event, f.carrier.address) });
      await f.driver.recordBatch([harvest, shipment, receipt]);
      expect(await f.ledger.headOf(id)).to.equal(nextHead(receipt.event, f.retailer.address));
    });

    it("skips an invalid event, reports why, and records the others", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const ids = await harvestedBatches(f, 3);
      const good0 = await f.driver.prepare(f.carrier, ids[0], Shipment);
      const bad = await f.driver.prepare(f.outsider, ids[1], Shipment);
      const good2 = await f.driver.prepare(f.carrier, ids[2], Shipment);
      const headBefore = await f.ledger.headOf(ids[1]);

      expect(await f.driver.ledger.recordBatch.staticCall([good0.signed, bad.signed, good2.signed], [])).to.equal(2n);
      await expect(f.driver.recordBatch([good0, bad, good2]))
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, ids[1], encodedError(f, "ProvenanceLedgerUnauthorizedSigner", [f.outsider.address, Shipment]));

      expect(await f.ledger.headOf(ids[0])).to.equal(nextHead(good0.event, f.carrier.address));
      expect(await f.ledger.headOf(ids[1])).to.equal(headBefore);
      expect(await f.ledger.headOf(ids[2])).to.equal(nextHead(good2.event, f.carrier.address));
    });

    it("rejects an event that extended a rejected one as stale, without forking the chain", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const bad = await f.driver.prepare(f.outsider, id, Shipment);
      const follower = await f.driver.prepare(f.retailer, id, Receipt, { prevHead: nextHead(bad.event, f.outsider.address) });
      const headBefore = await f.ledger.headOf(id);
      await expect(f.driver.recordBatch([bad, follower]))
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, id, encodedError(f, "ProvenanceLedgerStaleHead", [id, headBefore, follower.event.prevHead]));
      expect(await f.ledger.headOf(id)).to.equal(headBefore);
    });

    it("rejects a duplicate of an event recorded earlier in the same transaction", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const shipment = await f.driver.prepare(f.carrier, id, Shipment);
      const tx = f.driver.recordBatch([shipment, shipment]);
      await expect(tx)
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, id, encodedError(f, "ProvenanceLedgerStaleHead", [id, nextHead(shipment.event, f.carrier.address), shipment.event.prevHead]));
      expect(await f.ledger.headOf(id)).to.equal(nextHead(shipment.event, f.carrier.address));
    });

    it("records a correction after a recall in the same transaction, and skips a shipment after both", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const recall = await f.driver.prepare(f.producer, id, Recall);
      const correction = await f.driver.prepare(f.admin, id, Correction, { prevHead: nextHead(recall.event, f.producer.address) });
      const shipment = await f.driver.prepare(f.carrier, id, Shipment, { prevHead: nextHead(correction.event, f.admin.address) });
      const tx = f.driver.recordBatch([recall, correction, shipment]);
      await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(id, f.admin.address, Correction, correction.event.dataHash);
      await expect(tx)
        .to.emit(f.ledger, "EventRejected")
        .withArgs(2, id, encodedError(f, "ProvenanceLedgerBatchRecalled", [id]));
      expect(await f.ledger.headOf(id)).to.equal(nextHead(correction.event, f.admin.address));
      expect(await f.ledger.isRecalled(id)).to.equal(true);
    });

    it("hands each processing event its own slice of the inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b, c] = await harvestedBatches(f, 3);
      const merged = await f.driver.prepare(f.processor, batchId("MIX-1"), Processing, { inputs: [a, b] });
      const shipment = await f.driver.prepare(f.carrier, c, Shipment);
      const split = await f.driver.prepare(f.processor, batchId("PK-1"), Processing, { inputs: [c] });
      const tx = f.driver.recordBatch([merged, shipment, split]);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(merged.event.batchId, a);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(merged.event.batchId, b);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(split.event.batchId, c);
      await expect(tx).not.to.emit(f.ledger, "EventRejected");
    });

    it("reverts when the inputs array holds fewer inputs than the events count", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a] = await harvestedBatches(f, 1);
      const split: PreparedEvent = await f.driver.prepare(f.processor, batchId("PK-1"), Processing, { inputs: [a] });
      await expect(f.driver.ledger.recordBatch([split.signed], []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(1, 0);
    });

    it("reverts when the inputs array holds more inputs than the events count", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b] = await harvestedBatches(f, 2);
      const shipment = await f.driver.prepare(f.carrier, a, Shipment);
      await expect(f.driver.ledger.recordBatch([shipment.signed], [b]))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(0, 1);
    });

    it("reverts when given no events", async function () {
      const f = await loadFixture(deployLedgerFixture);
      await expect(f.driver.ledger.recordBatch([], [])).to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerEmptyBatch");
    });
  });
});
