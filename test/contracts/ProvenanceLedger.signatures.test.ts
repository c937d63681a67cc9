import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { Signature, TypedDataEncoder, verifyTypedData } from "ethers";
import { deployLedgerFixture, batchId, type LedgerFixture } from "../helpers/ledger-fixture";
import { EVENT_TYPES, ledgerDomain, signEvent } from "../../server/chain/typed-data";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { EventKind } from "../../server/domain/event-kinds";

const { Harvest, Shipment } = EventKind;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A harvested batch and a shipment event on it, signed by the carrier. */
async function shipmentOnNewBatch(f: LedgerFixture) {
  const id = batchId("TY-001");
  await f.driver.record(f.producer, id, Harvest);
  return f.driver.prepare(f.carrier, id, Shipment);
}

/** Whom the contract will see as the signer of `signature` over `event` in its own domain. */
function recoveredSigner(f: LedgerFixture, event: LedgerEvent, signature: { r: string; s: string; v: number }): string {
  return verifyTypedData(f.domain, EVENT_TYPES, event, Signature.from(signature));
}

describe("ProvenanceLedger", function () {
  describe("record: signatures", function () {
    it("reverts when the signature is by someone else than the role holder", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { event } = await shipmentOnNewBatch(f);
      const forged = await signEvent(f.outsider, f.domain, event);
      await expect(f.driver.ledger.record(forged, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.outsider.address, Shipment);
    });

    it("reverts when the signer holds another role", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { event } = await shipmentOnNewBatch(f);
      // every stock role may sign a shipment now; a certifier holds no stock
      const byCertifier = await signEvent(f.certifier, f.domain, event);
      await expect(f.driver.ledger.record(byCertifier, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.certifier.address, Shipment);
    });

    for (const [what, domainOf] of [
      ["another chain id", (f: LedgerFixture) => ledgerDomain(BigInt(f.deployment.chainId) + 1n, f.deployment.address)],
      ["another contract", (f: LedgerFixture) => ledgerDomain(f.deployment.chainId, f.outsider.address)],
    ] as const) {
      it(`reverts when the carrier signed for ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const { event } = await shipmentOnNewBatch(f);
        const elsewhere = await signEvent(f.carrier, domainOf(f), event);
        const seenAs = recoveredSigner(f, event, elsewhere);
        expect(seenAs).not.to.equal(f.carrier.address);
        await expect(f.driver.ledger.record(elsewhere, []))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
          .withArgs(seenAs, Shipment);
      });
    }

    it("reverts when the signed detail hash was swapped", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { event, signed } = await shipmentOnNewBatch(f);
      const tampered = { ...signed, dataHash: `0x${"ab".repeat(32)}` };
      const seenAs = recoveredSigner(f, { ...event, dataHash: tampered.dataHash }, signed);
      await expect(f.driver.ledger.record(tampered, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(seenAs, Shipment);
    });

    it("reverts when the signature is malleated to high s", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { signed } = await shipmentOnNewBatch(f);
      const highS = `0x${(SECP256K1_N - BigInt(signed.s)).toString(16).padStart(64, "0")}`;
      const malleated = { ...signed, s: highS, v: signed.v === 27 ? 28 : 27 };
      await expect(f.driver.ledger.record(malleated, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidSignature")
        .withArgs(signed.batchId);
    });

    it("reverts when v is neither 27 nor 28", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { signed } = await shipmentOnNewBatch(f);
      await expect(f.driver.ledger.record({ ...signed, v: 29 }, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidSignature")
        .withArgs(signed.batchId);
    });

    it("reverts when a recorded signature is replayed", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      await f.driver.recordPrepared(shipment);
      const head = await f.ledger.headOf(shipment.event.batchId);
      await expect(f.driver.recordPrepared(shipment))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerStaleHead")
        .withArgs(shipment.event.batchId, head, shipment.event.prevHead);
    });

    it("reverts when a harvest is replayed", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const harvest = await f.driver.prepare(f.producer, batchId("TY-001"), Harvest);
      await f.driver.recordPrepared(harvest);
      await expect(f.driver.recordPrepared(harvest))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchExists")
        .withArgs(harvest.event.batchId);
    });

    it("reverts when an event extends a head that has moved on (stale head, reordering)", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const first = await shipmentOnNewBatch(f);
      // Both signed over the same head: whichever lands second is stale.
      const second = await f.driver.prepare(f.retailer, first.event.batchId, EventKind.Receipt);
      await f.driver.recordPrepared(second);
      await expect(f.driver.recordPrepared(first))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerStaleHead")
        .withArgs(first.event.batchId, await f.ledger.headOf(first.event.batchId), first.event.prevHead);
    });

    it("agrees with the off-chain digest", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { event } = await shipmentOnNewBatch(f);
      expect(await f.ledger.eventDigest(event.batchId, event.kind, event.prevHead, event.dataHash, event.inputs)).to.equal(
        TypedDataEncoder.hash(f.domain, EVENT_TYPES, event),
      );
    });
  });
});
