import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { deployLedgerFixture, batchId, KIWI_GTIN, type LedgerFixture } from "../helpers/ledger-fixture";
import { nextHead } from "../../server/chain/typed-data";
import { ZERO_HASH } from "../../server/domain/hashes";
import { EventKind, eventKindName } from "../../server/domain/event-kinds";

const { Harvest, Processing, Shipment, Receipt, Sale, Recall, Correction } = EventKind;

/** A harvested batch, ready for further events. */
async function harvested(f: LedgerFixture, lot = "TY-001") {
  const id = batchId(lot);
  await f.driver.record(f.producer, id, Harvest);
  return id;
}

describe("ProvenanceLedger", function () {
  describe("record: harvest", function () {
    it("creates the batch, moves its head and records its origin", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("TY-001");
      const harvest = await f.driver.prepare(f.producer, id, Harvest, { detail: { variety: "台农" } });
      await expect(f.driver.recordPrepared(harvest))
        .to.emit(f.ledger, "EventRecorded")
        .withArgs(id, f.producer.address, Harvest, harvest.event.dataHash);
      expect(await f.ledger.headOf(id)).to.equal(nextHead(harvest.event, f.producer.address));
      const origin = await f.ledger.originOf(id);
      expect(origin.creator).to.equal(f.producer.address);
      expect(origin.createdAt).to.equal(await time.latest());
      expect(origin.createdBy).to.equal(Harvest);
    });

    it("reverts when the batch already exists", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      await expect(f.driver.record(f.otherProducer, id, Harvest))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchExists")
        .withArgs(id);
    });

    for (const [why, malformed] of [
      ["the GTIN check digit is wrong", `0x${(6901234567891).toString(16).padStart(12, "0")}${"41".padEnd(40, "0")}${"0".repeat(12)}`],
      ["the lot is empty", `0x${(6901234567892).toString(16).padStart(12, "0")}${"0".repeat(52)}`],
      ["a trailing byte is set", `0x${(6901234567892).toString(16).padStart(12, "0")}${"41".padEnd(40, "0")}${"0".repeat(11)}1`],
      ["the lot holds a space", `0x${(6901234567892).toString(16).padStart(12, "0")}${"412041".padEnd(40, "0")}${"0".repeat(12)}`],
      ["a character follows the padding", `0x${(6901234567892).toString(16).padStart(12, "0")}${"410041".padEnd(40, "0")}${"0".repeat(12)}`],
    ]) {
      it(`reverts when the batch id is malformed: ${why}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        await expect(f.driver.record(f.producer, malformed, Harvest))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerMalformedBatchId")
          .withArgs(malformed);
      });
    }

    it("reverts when it extends a head other than zero", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("TY-002");
      const bogus = `0x${"11".repeat(32)}`;
      await expect(f.driver.record(f.producer, id, Harvest, { prevHead: bogus }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerStaleHead")
        .withArgs(id, ZERO_HASH, bogus);
    });

    it("reverts when it names inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await harvested(f);
      const id = batchId("TY-002");
      await expect(f.driver.record(f.producer, id, Harvest, { inputs: [input] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnexpectedInputs")
        .withArgs(id, Harvest);
    });

    it("reverts when the inputs array does not match inputCount", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await harvested(f);
      const { signed } = await f.driver.prepare(f.processor, batchId("PK-1"), Processing, { inputs: [input] });
      await expect(f.driver.ledger.record(signed, []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(1, 0);
    });
  });

  describe("record: events on an existing batch", function () {
    it("records a shipment, a receipt and a sale in order, each moving the head", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      for (const [signer, kind] of [
        [f.carrier, Shipment],
        [f.retailer, Receipt],
        [f.retailer, Sale],
      ] as const) {
        const prepared = await f.driver.prepare(signer, id, kind);
        await expect(f.driver.recordPrepared(prepared))
          .to.emit(f.ledger, "EventRecorded")
          .withArgs(id, signer.address, kind, prepared.event.dataHash);
        expect(await f.ledger.headOf(id)).to.equal(nextHead(prepared.event, signer.address));
      }
    });

    it("reverts when the batch is unknown", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("NOPE");
      await expect(f.driver.record(f.carrier, id, Shipment, { prevHead: ZERO_HASH }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnknownBatch")
        .withArgs(id);
    });

    it("reverts when a non-processing event names inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const other = await harvested(f, "TY-002");
      await expect(f.driver.record(f.carrier, id, Shipment, { inputs: [other] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnexpectedInputs")
        .withArgs(id, Shipment);
    });
  });

  describe("record: who may make each kind of event", function () {
    // kind → the fixture accounts that may sign it on a batch the producer created. The chain
    // checks the role only; which holder or consignee of that role may is the rules layer's.
    const stockHolders: (keyof LedgerFixture)[] = ["producer", "otherProducer", "processor", "carrier", "retailer"];
    const allowed: Record<number, (keyof LedgerFixture)[]> = {
      [Processing]: ["processor", "producer", "otherProducer"],
      [Shipment]: stockHolders,
      [Receipt]: ["processor", "carrier", "retailer"],
      [Sale]: ["retailer"],
      [Recall]: ["producer", "admin"],
      [Correction]: [...stockHolders, "admin"],
    };
    const accounts = ["admin", "producer", "otherProducer", "processor", "certifier", "carrier", "retailer", "outsider"] as const;

    for (const [kind, who] of Object.entries(allowed)) {
      for (const account of accounts) {
        const mayMake = who.includes(account);
        it(`${mayMake ? "accepts" : "refuses"} a ${eventKindName(Number(kind))} signed by the ${account}`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const id = await harvested(f);
          const signer = f[account] as LedgerFixture["admin"];
          const recording = f.driver.record(signer, id, Number(kind));
          if (mayMake) {
            await expect(recording).to.emit(f.ledger, "EventRecorded");
          } else if (Number(kind) === Recall && ["otherProducer", "processor"].includes(account)) {
            await expect(recording)
              .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotBatchCreator")
              .withArgs(id, signer.address);
          } else {
            await expect(recording)
              .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
              .withArgs(signer.address, Number(kind));
          }
        });
      }
    }

    for (const account of ["processor", "certifier", "carrier", "retailer", "outsider", "admin"] as const) {
      it(`refuses a harvest signed by the ${account}`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const signer = f[account];
        await expect(f.driver.record(signer, batchId("TY-009"), Harvest))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
          .withArgs(signer.address, Harvest);
      });
    }

    it("follows the admin's grants and revocations", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const carrierRole = await f.ledger.CARRIER_ROLE();
      await expect(f.ledger.connect(f.admin).revokeRole(carrierRole, f.carrier.address))
        .to.emit(f.ledger, "RoleRevoked")
        .withArgs(carrierRole, f.carrier.address, f.admin.address);
      await expect(f.driver.record(f.carrier, id, Shipment))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.carrier.address, Shipment);
      await f.ledger.connect(f.admin).grantRole(carrierRole, f.outsider.address);
      await expect(f.driver.record(f.outsider, id, Shipment)).to.emit(f.ledger, "EventRecorded");
    });

    it("lets only the admin grant roles", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const producerRole = await f.ledger.PRODUCER_ROLE();
      await expect(f.ledger.connect(f.outsider).grantRole(producerRole, f.outsider.address))
        .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, ZERO_HASH);
    });
  });

  describe("record: processing, split and merge", function () {
    it("processes a batch in place", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      await expect(f.driver.record(f.processor, id, Processing))
        .to.emit(f.ledger, "EventRecorded")
        .and.not.to.emit(f.ledger, "BatchDerived");
    });

    it("splits one batch into two new batches", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await harvested(f);
      for (const lot of ["PK-1", "PK-2"]) {
        const output = batchId(lot, KIWI_GTIN);
        await expect(f.driver.record(f.processor, output, Processing, { inputs: [input] }))
          .to.emit(f.ledger, "BatchDerived")
          .withArgs(output, input);
        const origin = await f.ledger.originOf(output);
        expect(origin.creator).to.equal(f.processor.address);
        expect(origin.createdBy).to.equal(Processing);
      }
    });

    it("merges two batches into one", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const a = await harvested(f, "TY-001");
      const b = await harvested(f, "TY-002");
      const output = batchId("MIX-1");
      await expect(f.driver.record(f.processor, output, Processing, { inputs: [a, b] }))
        .to.emit(f.ledger, "BatchDerived")
        .withArgs(output, a)
        .and.to.emit(f.ledger, "BatchDerived")
        .withArgs(output, b);
    });

    it("reverts when a new batch names no inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const output = batchId("PK-1");
      await expect(f.driver.record(f.processor, output, Processing))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerMissingInputs")
        .withArgs(output);
    });

    it("reverts when an input does not exist", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const a = await harvested(f);
      const missing = batchId("TY-404");
      const output = batchId("PK-1");
      await expect(f.driver.record(f.processor, output, Processing, { inputs: [a, missing] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnknownBatch")
        .withArgs(missing);
    });

    it("reverts when an input is named twice or is the output itself", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const a = await harvested(f);
      const output = batchId("PK-1");
      await expect(f.driver.record(f.processor, output, Processing, { inputs: [a, a] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidInput")
        .withArgs(output, a);
      await expect(f.driver.record(f.processor, a, Processing, { inputs: [a] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidInput")
        .withArgs(a, a);
    });

    it("reverts when an input is recalled", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const a = await harvested(f);
      await f.driver.record(f.producer, a, Recall);
      const output = batchId("PK-1");
      await expect(f.driver.record(f.processor, output, Processing, { inputs: [a] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchRecalled")
        .withArgs(a);
    });
  });

  describe("record: recall", function () {
    it("marks the batch and flags its head", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const recall = await f.driver.prepare(f.producer, id, Recall);
      await expect(f.driver.recordPrepared(recall))
        .to.emit(f.ledger, "EventRecorded")
        .withArgs(id, f.producer.address, Recall, recall.event.dataHash);
      expect(await f.ledger.isRecalled(id)).to.equal(true);
      const head = await f.ledger.headOf(id);
      expect(head).to.equal(nextHead(recall.event, f.producer.address));
      expect(BigInt(head) & 0xffn).to.equal(1n);
    });

    for (const [name, kind] of [
      ["shipment", Shipment],
      ["receipt", Receipt],
      ["sale", Sale],
      ["processing", Processing],
      ["second recall", Recall],
    ] as const) {
      // only a correction is still accepted afterwards: see "record: correction"
      it(`refuses a ${name} afterwards`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const id = await harvested(f);
        await f.driver.record(f.producer, id, Recall);
        const signer = { [Shipment]: f.carrier, [Receipt]: f.retailer, [Sale]: f.retailer, [Processing]: f.processor, [Recall]: f.admin }[kind];
        await expect(f.driver.record(signer, id, kind))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchRecalled")
          .withArgs(id);
      });
    }

    it("lets the processor that created a derived batch recall it", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await harvested(f);
      const output = batchId("PK-1");
      await f.driver.record(f.processor, output, Processing, { inputs: [input] });
      await expect(f.driver.record(f.processor, output, Recall)).to.emit(f.ledger, "EventRecorded");
      expect(await f.ledger.isRecalled(output)).to.equal(true);
      expect(await f.ledger.isRecalled(input)).to.equal(false);
    });
  });

  describe("record: correction", function () {
    it("records a correction on an existing batch: the head moves and EventRecorded carries kind 6", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      await f.driver.record(f.carrier, id, Shipment);
      const correction = await f.driver.prepare(f.carrier, id, Correction, { detail: { declaration: "void", reason: "数量录错 wrong quantity" } });
      // 6 written out: the kind's number is part of every signature and must never move
      await expect(f.driver.recordPrepared(correction))
        .to.emit(f.ledger, "EventRecorded")
        .withArgs(id, f.carrier.address, 6, correction.event.dataHash);
      expect(await f.ledger.headOf(id)).to.equal(nextHead(correction.event, f.carrier.address));
      expect(await f.ledger.isRecalled(id)).to.equal(false);
    });

    it("lets the admin correct under its own signature without touching the batch's origin", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const correction = await f.driver.prepare(f.admin, id, Correction);
      await expect(f.driver.recordPrepared(correction))
        .to.emit(f.ledger, "EventRecorded")
        .withArgs(id, f.admin.address, Correction, correction.event.dataHash);
      const origin = await f.ledger.originOf(id);
      expect(origin.creator).to.equal(f.producer.address);
      expect(origin.createdBy).to.equal(Harvest);
    });

    it("reverts when the batch is unknown", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("NOPE");
      await expect(f.driver.record(f.producer, id, Correction, { prevHead: ZERO_HASH }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnknownBatch")
        .withArgs(id);
      expect(await f.ledger.headOf(id)).to.equal(ZERO_HASH);
    });

    it("reverts when it names inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const other = await harvested(f, "TY-002");
      await expect(f.driver.record(f.producer, id, Correction, { inputs: [other] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnexpectedInputs")
        .withArgs(id, Correction);
    });

    it("reverts when it extends an older head", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const older = await f.ledger.headOf(id);
      await f.driver.record(f.carrier, id, Shipment);
      const current = await f.ledger.headOf(id);
      await expect(f.driver.record(f.carrier, id, Correction, { prevHead: older }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerStaleHead")
        .withArgs(id, current, older);
    });

    it("is accepted on a recalled batch, by its creator and by the admin, and the recall holds", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      await f.driver.record(f.producer, id, Recall);
      for (const signer of [f.producer, f.admin]) {
        const correction = await f.driver.prepare(signer, id, Correction);
        await expect(f.driver.recordPrepared(correction))
          .to.emit(f.ledger, "EventRecorded")
          .withArgs(id, signer.address, Correction, correction.event.dataHash);
        expect(await f.ledger.isRecalled(id)).to.equal(true);
        // the recall flag in the head's low byte is carried over; the correction sets none itself
        const head = await f.ledger.headOf(id);
        expect(head).to.equal(nextHead(correction.event, signer.address));
        expect(BigInt(head) & 0xffn).to.equal(1n);
      }
      for (const [signer, kind] of [
        [f.carrier, Shipment],
        [f.retailer, Sale],
      ] as const) {
        await expect(f.driver.record(signer, id, kind))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchRecalled")
          .withArgs(id);
      }
    });
  });
});
