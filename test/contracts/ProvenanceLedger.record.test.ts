import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ZeroAddress } from "ethers";
import { deployLedgerFixture, batchId, KIWI_GTIN, type LedgerFixture } from "../helpers/ledger-fixture";
import { nextHead } from "../../server/chain/typed-data";
import { custodyOfCreator } from "../../server/domain/custody";
import { ZERO_HASH } from "../../server/domain/hashes";
import { EventKind, eventKindName } from "../../server/domain/event-kinds";

const { Harvest, Processing, Shipment, Receipt, Sale, Recall, Correction } = EventKind;

type Account = LedgerFixture["admin"];

/** A harvested batch, ready for further events. */
async function harvested(f: LedgerFixture, lot = "TY-001") {
  const id = batchId(lot);
  await f.driver.record(f.producer, id, Harvest);
  return id;
}

/** A batch the producer harvested and handed over to `holder` (shipped to it, and received). */
async function heldBy(f: LedgerFixture, holder: Account, lot = "TY-001") {
  const id = await harvested(f, lot);
  await f.driver.handOver(id, f.producer, holder);
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
      // the creator alone holds a new batch
      expect(await f.ledger.headOf(id)).to.equal(nextHead(harvest.event, f.producer.address, custodyOfCreator(f.producer.address)));
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
      await expect(f.driver.ledger.record(signed, [], [], []))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInputCountMismatch")
        .withArgs(1, 0);
    });
  });

  describe("record: events on an existing batch", function () {
    it("records a shipment, a receipt and a sale in order, each moving the head", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      for (const [signer, kind, counterparty] of [
        [f.producer, Shipment, f.retailer.address],
        [f.retailer, Receipt, ZeroAddress],
        [f.retailer, Sale, ZeroAddress],
      ] as const) {
        const prepared = await f.driver.prepare(signer, id, kind, { counterparty });
        await expect(f.driver.recordPrepared(prepared))
          .to.emit(f.ledger, "EventRecorded")
          .withArgs(id, signer.address, kind, prepared.event.dataHash);
        expect(await f.ledger.headOf(id)).to.equal(prepared.step.head);
      }
    });

    it("reverts when the batch is unknown", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = batchId("NOPE");
      await expect(f.driver.record(f.producer, id, Shipment, { prevHead: ZERO_HASH, counterparty: f.carrier }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnknownBatch")
        .withArgs(id);
    });

    it("reverts when a non-processing event names inputs", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const id = await harvested(f);
      const other = await harvested(f, "TY-002");
      await expect(f.driver.record(f.producer, id, Shipment, { inputs: [other], counterparty: f.carrier }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnexpectedInputs")
        .withArgs(id, Shipment);
    });
  });

  describe("record: who may make each kind of event", function () {
    // kind → the fixture accounts that may sign it on a batch the producer created. The role is
    // checked first, then the custody: an account that may receive (processor, carrier, retailer)
    // is handed the batch first (for a receipt, only shipped it), so that its role decides. The
    // other producer can never hold the batch, and only the creator or an admin recalls it.
    const allowed: Record<number, readonly (keyof LedgerFixture)[]> = {
      [Processing]: ["processor", "producer"],
      [Shipment]: ["producer", "processor", "carrier", "retailer"],
      [Receipt]: ["processor", "carrier", "retailer"],
      [Sale]: ["retailer"],
      [Recall]: ["producer", "admin"],
      [Correction]: ["producer", "processor", "carrier", "retailer", "admin"],
    };
    /** Accounts whose role fits, refused by the custody's check. */
    const refusedByCustody: Record<number, Partial<Record<keyof LedgerFixture, string>>> = {
      [Processing]: { otherProducer: "ProvenanceLedgerNotHolder" },
      [Shipment]: { otherProducer: "ProvenanceLedgerNotHolder" },
      [Recall]: { otherProducer: "ProvenanceLedgerNotBatchCreator", processor: "ProvenanceLedgerNotBatchCreator" },
      [Correction]: { otherProducer: "ProvenanceLedgerNotHolder" },
    };
    const accounts = ["admin", "producer", "otherProducer", "processor", "certifier", "carrier", "retailer", "outsider"] as const;
    const receivers: readonly string[] = ["processor", "carrier", "retailer"];

    for (const [kind, who] of Object.entries(allowed).map(([kind, who]) => [Number(kind), who] as const)) {
      for (const account of accounts) {
        const custodyError = refusedByCustody[kind]?.[account];
        const verdict = who.includes(account) ? "accepts" : "refuses";
        it(`${verdict} a ${eventKindName(kind)} signed by the ${account}${custodyError ? " (custody)" : ""}`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const id = await harvested(f);
          const signer = f[account] as Account;
          if (receivers.includes(account) && kind === Receipt) {
            await f.driver.record(f.producer, id, Shipment, { counterparty: signer });
          } else if (receivers.includes(account)) {
            await f.driver.handOver(id, f.producer, signer);
          }
          const counterparty = kind === Shipment ? (account === "retailer" ? f.carrier : f.retailer) : undefined;
          const recording = f.driver.record(signer, id, kind, { counterparty });
          if (who.includes(account)) {
            await expect(recording).to.emit(f.ledger, "EventRecorded").withArgs(id, signer.address, kind, anyValue);
          } else if (custodyError) {
            await expect(recording).to.be.revertedWithCustomError(f.ledger, custodyError).withArgs(id, signer.address);
          } else {
            await expect(recording)
              .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
              .withArgs(signer.address, kind);
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
      const id = await heldBy(f, f.carrier);
      const carrierRole = await f.ledger.CARRIER_ROLE();
      await expect(f.ledger.connect(f.admin).revokeRole(carrierRole, f.carrier.address))
        .to.emit(f.ledger, "RoleRevoked")
        .withArgs(carrierRole, f.carrier.address, f.admin.address);
      // still a holder, but no longer of a role that ships
      await expect(f.driver.record(f.carrier, id, Shipment, { counterparty: f.retailer }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnauthorizedSigner")
        .withArgs(f.carrier.address, Shipment);
      await f.ledger.connect(f.admin).grantRole(carrierRole, f.outsider.address);
      await f.driver.record(f.producer, id, Shipment, { counterparty: f.outsider });
      await expect(f.driver.record(f.outsider, id, Receipt)).to.emit(f.ledger, "EventRecorded");
      await expect(f.driver.record(f.outsider, id, Shipment, { counterparty: f.retailer })).to.emit(f.ledger, "EventRecorded");
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
      const id = await heldBy(f, f.processor);
      await expect(f.driver.record(f.processor, id, Processing))
        .to.emit(f.ledger, "EventRecorded")
        .and.not.to.emit(f.ledger, "BatchDerived");
    });

    it("splits one batch into two new batches", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await heldBy(f, f.processor);
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
      const a = await heldBy(f, f.processor, "TY-001");
      const b = await heldBy(f, f.processor, "TY-002");
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
      const a = await heldBy(f, f.processor);
      const missing = batchId("TY-404");
      const output = batchId("PK-1");
      await expect(f.driver.record(f.processor, output, Processing, { inputs: [a, missing] }))
        .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerUnknownBatch")
        .withArgs(missing);
    });

    it("reverts when an input is named twice or is the output itself", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const a = await heldBy(f, f.processor);
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
      expect(head).to.equal(nextHead(recall.event, f.producer.address, custodyOfCreator(f.producer.address)));
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
        const signer = { [Shipment]: f.producer, [Receipt]: f.retailer, [Sale]: f.retailer, [Processing]: f.producer, [Recall]: f.admin }[kind];
        const counterparty = kind === Shipment ? f.retailer : undefined;
        await expect(f.driver.record(signer, id, kind, { counterparty }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchRecalled")
          .withArgs(id);
      });
    }

    it("lets the processor that created a derived batch recall it", async function () {
      const f = await loadFixture(deployLedgerFixture);
      const input = await heldBy(f, f.processor);
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
      // the carrier the batch was shipped to corrects before it has received it
      await f.driver.record(f.producer, id, Shipment, { counterparty: f.carrier });
      const detail = { declaration: "void", reason: "数量录错 wrong quantity" };
      const correction = await f.driver.prepare(f.carrier, id, Correction, { detail });
      // 6 written out: the kind's number is part of every signature and must never move
      await expect(f.driver.recordPrepared(correction))
        .to.emit(f.ledger, "EventRecorded")
        .withArgs(id, f.carrier.address, 6, correction.event.dataHash);
      expect(await f.ledger.headOf(id)).to.equal(correction.step.head);
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
      await f.driver.record(f.producer, id, Shipment, { counterparty: f.carrier });
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
        expect(head).to.equal(correction.step.head);
        expect(BigInt(head) & 0xffn).to.equal(1n);
      }
      for (const [signer, kind, counterparty] of [
        [f.producer, Shipment, f.retailer.address],
        [f.retailer, Sale, undefined],
      ] as const) {
        await expect(f.driver.record(signer, id, kind, { counterparty }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerBatchRecalled")
          .withArgs(id);
      }
    });
  });
});
