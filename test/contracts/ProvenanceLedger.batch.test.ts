import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { deployLedgerFixture, batchId, proofArgs, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
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

/** The producer's shipment of a batch it holds to the carrier. */
const shipmentOf = (f: LedgerFixture, id: string) => f.driver.prepare(f.producer, id, Shipment, { counterparty: f.carrier });

describe("ProvenanceLedger", function () {
  describe("recordBatch", function () {
    it("records every event of a batch in order", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const ids = await harvestedBatches(f, 3);
      const shipments = await Promise.all(ids.map((id) => shipmentOf(f, id)));
      expect(await f.driver.ledger.recordBatch.staticCall(...f.driver.batchArgs(shipments))).to.equal(3n);
      const tx = f.driver.recordBatch(shipments);
      for (const s of shipments) {
        await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(s.event.batchId, f.producer.address, Shipment, s.event.dataHash);
      }
      for (const s of shipments) {
        expect(await f.ledger.headOf(s.event.batchId)).to.equal(s.step.head);
      }
    });

    it("chains events on one batch within one transaction", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("TY-CHAIN");
      const harvest = await f.driver.prepare(f.producer, id, Harvest);
      const shipment = await f.driver.prepare(f.producer, id, Shipment, { after: harvest, counterparty: f.retailer });
      const receipt = await f.driver.prepare(f.retailer, id, Receipt, { after: shipment });
      const sale = await f.driver.prepare(f.retailer, id, EventKind.Sale, { after: receipt });
      const tx = f.driver.recordBatch([harvest, shipment, receipt, sale]);
      await expect(tx).not.to.emit(f.ledger, "EventRejected");
      await expect(tx).to.emit(f.ledger, "BatchShipped").withArgs(id, f.retailer.address);
      expect(await f.ledger.headOf(id)).to.equal(sale.step.head);
    });

    it("skips an invalid event, reports why, and records the others", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const ids = await harvestedBatches(f, 3);
      const good0 = await shipmentOf(f, ids[0]);
      const bad = await f.driver.prepare(f.outsider, ids[1], Shipment, { counterparty: f.carrier });
      const good2 = await shipmentOf(f, ids[2]);
      const headBefore = await f.ledger.headOf(ids[1]);

      expect(await f.driver.ledger.recordBatch.staticCall(...f.driver.batchArgs([good0, bad, good2]))).to.equal(2n);
      await expect(f.driver.recordBatch([good0, bad, good2]))
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, ids[1], encodedError(f, "ProvenanceLedgerUnauthorizedSigner", [f.outsider.address, Shipment]));

      expect(await f.ledger.headOf(ids[0])).to.equal(good0.step.head);
      expect(await f.ledger.headOf(ids[1])).to.equal(headBefore);
      expect(await f.ledger.headOf(ids[2])).to.equal(good2.step.head);
    });

    it("rejects an event that extended a rejected one as stale, without forking the chain", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const bad = await f.driver.prepare(f.outsider, id, Shipment, { counterparty: f.retailer });
      const follower = await f.driver.prepare(f.retailer, id, Receipt, { after: bad });
      const headBefore = await f.ledger.headOf(id);
      await expect(f.driver.recordBatch([bad, follower]))
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, id, encodedError(f, "ProvenanceLedgerStaleHead", [id, headBefore, follower.event.prevHead]));
      expect(await f.ledger.headOf(id)).to.equal(headBefore);
    });

    it("rejects a duplicate of an event recorded earlier in the same transaction", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const shipment = await shipmentOf(f, id);
      const tx = f.driver.recordBatch([shipment, shipment]);
      await expect(tx)
        .to.emit(f.ledger, "EventRejected")
        .withArgs(1, id, encodedError(f, "ProvenanceLedgerStaleHead", [id, shipment.step.head, shipment.event.prevHead]));
      expect(await f.ledger.headOf(id)).to.equal(shipment.step.head);
    });

    it("records a correction after a recall in the same transaction, and skips a shipment after both", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [id] = await harvestedBatches(f, 1);
      const recall = await f.driver.prepare(f.producer, id, Recall);
      const correction = await f.driver.prepare(f.admin, id, Correction, { after: recall });
      const shipment = await f.driver.prepare(f.producer, id, Shipment, { after: correction, counterparty: f.carrier });
      const tx = f.driver.recordBatch([recall, correction, shipment]);
      await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(id, f.admin.address, Correction, correction.event.dataHash);
      await expect(tx)
        .to.emit(f.ledger, "EventRejected")
        .withArgs(2, id, encodedError(f, "ProvenanceLedgerBatchRecalled", [id]));
      expect(await f.ledger.headOf(id)).to.equal(correction.step.head);
      expect(await f.ledger.isRecalled(id)).to.equal(true);
    });

    it("hands each event its own slice of the inputs, the proofs and the custodians", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b, c] = await harvestedBatches(f, 3);
      for (const id of [a, b, c]) await f.driver.handOver(id, f.producer, f.processor);
      // two input proofs; then one proof of its own batch, whose head it moves; then one input
      // proof of that batch, proving the head the shipment left
      const merged = await f.driver.prepare(f.processor, batchId("MIX-1"), Processing, { inputs: [a, b] });
      const shipment = await f.driver.prepare(f.processor, c, Shipment, { counterparty: f.retailer });
      const split = await f.driver.prepare(f.processor, batchId("PK-1"), Processing, { inputs: [c], after: shipment });
      expect([merged, shipment, split].map((p) => p.proofs.length)).to.deep.equal([2, 1, 1]);
      const tx = f.driver.recordBatch([merged, shipment, split]);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(merged.event.batchId, a);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(merged.event.batchId, b);
      await expect(tx).to.emit(f.ledger, "BatchShipped").withArgs(c, f.retailer.address);
      await expect(tx).to.emit(f.ledger, "BatchDerived").withArgs(split.event.batchId, c);
      await expect(tx).not.to.emit(f.ledger, "EventRejected");
    });

    it("reverts when the inputs array holds fewer inputs than the events count", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a] = await harvestedBatches(f, 1);
      const split: PreparedEvent = await f.driver.prepare(f.producer, batchId("PK-1"), Processing, { inputs: [a] });
      await expect(f.driver.ledger.recordBatch([split.signed], [], ...proofArgs(split.proofs)))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(1, 0);
    });

    it("reverts when the inputs array holds more inputs than the events count", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b] = await harvestedBatches(f, 2);
      const shipment = await shipmentOf(f, a);
      await expect(f.driver.ledger.recordBatch([shipment.signed], [b], ...proofArgs(shipment.proofs)))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(0, 1);
    });

    it("reverts when the proofs array holds fewer or more proofs than the events take", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b] = await harvestedBatches(f, 2);
      const shipments = [await shipmentOf(f, a), await shipmentOf(f, b)];
      const [signed, inputs, proofs, custodians] = f.driver.batchArgs(shipments);
      // one proof short: the second event finds none left
      await expect(f.driver.ledger.recordBatch(signed, inputs, proofs.slice(0, 1), custodians.slice(0, 1)))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
        .withArgs(2, 1);
      // one proof too many, with its custodian: counted once every event has taken its own
      await expect(f.driver.ledger.recordBatch(signed, inputs, [...proofs, proofs[0]], [...custodians, custodians[0]]))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
        .withArgs(2, 3);
    });

    it("reverts when the custodians array holds fewer or more custodians than the proofs count", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const [a, b] = await harvestedBatches(f, 2);
      const shipments = [await shipmentOf(f, a), await shipmentOf(f, b)];
      const [signed, inputs, proofs, custodians] = f.driver.batchArgs(shipments);
      await expect(f.driver.ledger.recordBatch(signed, inputs, proofs, custodians.slice(0, 1)))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
        .withArgs(2, 1);
      await expect(f.driver.ledger.recordBatch(signed, inputs, proofs, [...custodians, f.outsider.address]))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
        .withArgs(2, 3);
    });

    it("reverts when given no events", async function () {
      const f = await loadFixture(deployLedgerFixture);
      await expect(f.driver.ledger.recordBatch([], [], [], [])).to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerEmptyBatch");
    });
  });
});
