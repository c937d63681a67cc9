import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { Signature, TypedDataEncoder, verifyTypedData, ZeroAddress } from "ethers";
import { deployLedgerFixture, batchId, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
import { EVENT_TYPES, eventDigest, ledgerDomain, signEvent, type SignedEventStruct } from "../../server/chain/typed-data";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { EventKind } from "../../server/domain/event-kinds";

const { Harvest, Shipment, Correction } = EventKind;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A batch the carrier received from the producer, and the carrier's shipment of it to the retailer. */
async function shipmentOnNewBatch(f: LedgerFixture) {
  const id = batchId("TY-001");
  await f.driver.record(f.producer, id, Harvest);
  await f.driver.handOver(id, f.producer, f.carrier);
  return f.driver.prepare(f.carrier, id, Shipment, { counterparty: f.retailer });
}

/** Whom the contract will see as the signer of `signature` over `event` in its own domain. */
function recoveredSigner(f: LedgerFixture, event: LedgerEvent, signature: { r: string; s: string; v: number }): string {
  return verifyTypedData(f.domain, EVENT_TYPES, event, Signature.from(signature));
}

/** Relays `signed` in place of the prepared event's own signature, with its inputs and proofs. */
function recordAs(f: LedgerFixture, prepared: PreparedEvent, signed: SignedEventStruct) {
  return f.driver.ledger.record(...f.driver.recordArgs({ ...prepared, signed }));
}

describe("ProvenanceLedger", function () {
  describe("record: signatures", function () {
    it("reverts when the signature is by someone else than the role holder", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      const forged = await signEvent(f.outsider, f.domain, shipment.event);
      await expect(recordAs(f, shipment, forged))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.outsider.address, Shipment);
    });

    it("reverts when the signer holds another role", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      // every stock role may sign a shipment; a certifier holds no stock
      const byCertifier = await signEvent(f.certifier, f.domain, shipment.event);
      await expect(recordAs(f, shipment, byCertifier))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.certifier.address, Shipment);
    });

    for (const [what, domainOf] of [
      ["another chain id", (f: LedgerFixture) => ledgerDomain(BigInt(f.deployment.chainId) + 1n, f.deployment.address)],
      ["another contract", (f: LedgerFixture) => ledgerDomain(f.deployment.chainId, f.outsider.address)],
    ] as const) {
      it(`reverts when the carrier signed for ${what}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const shipment = await shipmentOnNewBatch(f);
        const elsewhere = await signEvent(f.carrier, domainOf(f), shipment.event);
        const seenAs = recoveredSigner(f, shipment.event, elsewhere);
        expect(seenAs).not.to.equal(f.carrier.address);
        await expect(recordAs(f, shipment, elsewhere))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
          .withArgs(seenAs, Shipment);
      });
    }

    it("reverts when the signed detail hash was swapped", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      const { event, signed } = shipment;
      const tampered = { ...signed, dataHash: `0x${"ab".repeat(32)}` };
      const seenAs = recoveredSigner(f, { ...event, dataHash: tampered.dataHash }, signed);
      await expect(recordAs(f, shipment, tampered))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(seenAs, Shipment);
    });

    it("reverts when the signed consignee was swapped", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      const { event, signed } = shipment;
      // the relayer redirects the shipment to the outsider: the signature no longer recovers to the carrier
      const tampered = { ...signed, counterparty: f.outsider.address };
      const seenAs = recoveredSigner(f, { ...event, counterparty: f.outsider.address }, signed);
      expect(seenAs).not.to.equal(f.carrier.address);
      await expect(recordAs(f, shipment, tampered))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(seenAs, Shipment);
    });

    it("reverts when the signature is malleated to high s", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      const { signed } = shipment;
      const highS = `0x${(SECP256K1_N - BigInt(signed.s)).toString(16).padStart(64, "0")}`;
      const malleated = { ...signed, s: highS, v: signed.v === 27 ? 28 : 27 };
      await expect(recordAs(f, shipment, malleated))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidSignature")
        .withArgs(signed.batchId);
    });

    it("reverts when v is neither 27 nor 28", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const shipment = await shipmentOnNewBatch(f);
      const { signed } = shipment;
      await expect(recordAs(f, shipment, { ...signed, v: 29 }))
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
      const second = await f.driver.prepare(f.carrier, first.event.batchId, Correction);
      await f.driver.recordPrepared(second);
      await expect(f.driver.recordPrepared(first))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerStaleHead")
        .withArgs(first.event.batchId, await f.ledger.headOf(first.event.batchId), first.event.prevHead);
    });

    it("agrees with the off-chain digest, the consignee included", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const { event } = await shipmentOnNewBatch(f);
      for (const e of [event, { ...event, counterparty: ZeroAddress }, { ...event, inputs: [event.batchId, event.prevHead] }]) {
        const onChain = await f.ledger.eventDigest(e.batchId, e.kind, e.prevHead, e.dataHash, e.inputs, e.counterparty);
        expect(onChain).to.equal(TypedDataEncoder.hash(f.domain, EVENT_TYPES, e));
        expect(onChain).to.equal(eventDigest(f.domain, e));
      }
      expect(await f.ledger.eventDigest(event.batchId, event.kind, event.prevHead, event.dataHash, event.inputs, f.retailer.address)).not.to.equal(
        await f.ledger.eventDigest(event.batchId, event.kind, event.prevHead, event.dataHash, event.inputs, f.outsider.address),
      );
    });
  });
});
