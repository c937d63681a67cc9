/**
 * Who may extend a batch, as the contract checks it against the custody its head commits to:
 * holders process, ship and sell; a shipment names its consignee, which alone records the
 * receipt and so becomes a holder; the creator or an admin recalls; a custodian or an admin
 * corrects; and every custody proof must be exactly what the head commits to.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import { Wallet, ZeroAddress, hexlify, randomBytes, type TransactionReceipt } from "ethers";
import {
  batchId,
  deployLedgerFixture,
  KIWI_GTIN,
  NO_PROOF,
  type BatchState,
  type EventOptions,
  type LedgerFixture,
  type PreparedEvent,
} from "../helpers/ledger-fixture";
import { chainStep, nextHead } from "../../server/chain/typed-data";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../../server/chain/ledger-events";
import type { CustodyProof } from "../../server/chain/ledger-calls";
import { MAX_CUSTODIANS, type Custody } from "../../server/domain/custody";
import { EventKind } from "../../server/domain/event-kinds";

const { Harvest, Processing, Shipment, Receipt, Sale, Recall, Correction } = EventKind;

type Account = LedgerFixture["admin"];

/** The error `record` would revert with, ABI-encoded as EventRejected carries it. */
function encodedError(f: LedgerFixture, name: string, args: unknown[]): string {
  return f.ledger.interface.encodeErrorResult(name, args);
}

async function mined(response: Promise<{ wait(): Promise<TransactionReceipt | null> }>): Promise<TransactionReceipt> {
  const receipt = await (await response).wait();
  if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
  return receipt;
}

/** A batch the producer harvested. */
async function harvested(f: LedgerFixture, lot = "TY-001", producer: Account = f.producer) {
  const id = batchId(lot);
  await mined(f.driver.record(producer, id, Harvest));
  return id;
}

/** The custody as the contract's custodians array lists it (lower-case, holders first). */
const lower = (accounts: Account[]) => accounts.map((a) => a.address.toLowerCase());

describe("ProvenanceLedger", function () {
  describe("custody", function () {
    it("reports ledger version 2", async function () {
      const f = await loadFixture(deployLedgerFixture);
      expect(await f.ledger.ledgerVersion()).to.equal(2n);
    });

    describe("a competitor who never held the batch", function () {
      // The other producer grows the same mangoes and would pass the cooperative's batch off as
      // its own: every way it could extend the batch or draw on it is refused, naming the batch.
      const attacks: {
        what: string;
        kind: number;
        /** The batch the event is recorded on: the cooperative's (A) or the competitor's own lot. */
        target: (ids: { A: string; own: string; fresh: string }) => string;
        options: (f: LedgerFixture, ids: { A: string; own: string }) => EventOptions;
      }[] = [
        { what: "add processing to it", kind: Processing, target: ({ A }) => A, options: () => ({}) },
        { what: "split it into a lot of its own", kind: Processing, target: ({ fresh }) => fresh, options: (_, { A }) => ({ inputs: [A] }) },
        { what: "merge it into its own batch", kind: Processing, target: ({ own }) => own, options: (_, { A }) => ({ inputs: [A] }) },
        { what: "ship it", kind: Shipment, target: ({ A }) => A, options: (f) => ({ counterparty: f.retailer }) },
        { what: "sell it", kind: Sale, target: ({ A }) => A, options: () => ({}) },
      ];

      async function scene(f: LedgerFixture) {
        // a competitor with a farm shop: it may sign sales too
        await f.ledger.connect(f.admin).grantRole(await f.ledger.RETAILER_ROLE(), f.otherProducer.address);
        const A = await harvested(f, "TY-001");
        await f.driver.handOver(A, f.producer, f.retailer); // further down the chain: still not the competitor's
        const own = await harvested(f, "OWN-001", f.otherProducer);
        return { A, own, fresh: batchId("OWN-002", KIWI_GTIN) };
      }

      for (const attack of attacks) {
        it(`cannot ${attack.what}, relayed alone`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const ids = await scene(f);
          const headBefore = await f.ledger.headOf(ids.A);
          await expect(f.driver.record(f.otherProducer, attack.target(ids), attack.kind, attack.options(f, ids)))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotHolder")
            .withArgs(ids.A, f.otherProducer.address);
          expect(await f.ledger.headOf(ids.A)).to.equal(headBefore);
        });

        it(`cannot ${attack.what}, relayed in a batch beside a rightful event`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const ids = await scene(f);
          const rightful = await f.driver.prepare(f.otherProducer, ids.own, Correction);
          const attempt = await f.driver.prepare(f.otherProducer, attack.target(ids), attack.kind, {
            ...attack.options(f, ids),
            after: rightful,
          });
          const tx = f.driver.recordBatch([rightful, attempt]);
          await expect(tx)
            .to.emit(f.ledger, "EventRejected")
            .withArgs(1, attack.target(ids), encodedError(f, "ProvenanceLedgerNotHolder", [ids.A, f.otherProducer.address]));
          await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(ids.own, f.otherProducer.address, Correction, rightful.event.dataHash);
          expect(await f.ledger.headOf(ids.own)).to.equal(rightful.step.head);
        });
      }

      it("cannot pass itself off as a holder with a proof that names it", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const { A } = await scene(f);
        const state = (await f.driver.stateOf(A))!;
        const holders = [...state.custody.holders, f.otherProducer.address.toLowerCase()];
        const forged: CustodyProof = { link: state.link, custody: { holders, pending: [] } };
        await expect(f.driver.record(f.otherProducer, A, Sale, { proofs: [forged] }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyProofMismatch")
          .withArgs(A);
      });
    });

    describe("shipment and receipt", function () {
      it("a shipment names its consignee: BatchShipped, just before its EventRecorded", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        const shipment = await f.driver.prepare(f.producer, A, Shipment, { counterparty: f.retailer });
        const receipt = await mined(f.driver.recordPrepared(shipment));
        const logs = receipt.logs.map((log) => f.ledger.interface.parseLog(log)!);
        expect(logs.map((log) => [log.name, ...log.args])).to.deep.equal([
          ["BatchShipped", A, f.retailer.address],
          ["EventRecorded", A, f.producer.address, BigInt(Shipment), shipment.event.dataHash],
        ]);
        expect((await f.driver.stateOf(A))!.custody).to.deep.equal({ holders: lower([f.producer]), pending: lower([f.retailer]) });
      });

      it("only the consignee records the receipt, and then it may sell", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        await mined(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer }));
        for (const other of [f.carrier, f.processor]) {
          await expect(f.driver.record(other, A, Receipt))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotConsignee")
            .withArgs(A, other.address);
        }
        // named, but not yet a holder
        await expect(f.driver.record(f.retailer, A, Sale))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotHolder")
          .withArgs(A, f.retailer.address);
        await expect(f.driver.record(f.retailer, A, Receipt)).to.emit(f.ledger, "EventRecorded").withArgs(A, f.retailer.address, Receipt, anyHash);
        expect((await f.driver.stateOf(A))!.custody).to.deep.equal({ holders: lower([f.producer, f.retailer]), pending: [] });
        await expect(f.driver.record(f.retailer, A, Sale)).to.emit(f.ledger, "EventRecorded").withArgs(A, f.retailer.address, Sale, anyHash);
        // a receipt is recorded once: the retailer is no longer awaited
        await expect(f.driver.record(f.retailer, A, Receipt))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotConsignee")
          .withArgs(A, f.retailer.address);
      });

      it("a carrier takes a batch over by receiving it, and may then ship it on", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        await expect(f.driver.record(f.carrier, A, Shipment, { counterparty: f.retailer }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotHolder")
          .withArgs(A, f.carrier.address);
        await f.driver.handOver(A, f.producer, f.carrier);
        await expect(f.driver.record(f.carrier, A, Shipment, { counterparty: f.retailer }))
          .to.emit(f.ledger, "BatchShipped")
          .withArgs(A, f.retailer.address);
        await mined(f.driver.record(f.retailer, A, Receipt));
        await expect(f.driver.record(f.retailer, A, Sale)).to.emit(f.ledger, "EventRecorded");
        expect((await f.driver.stateOf(A))!.custody).to.deep.equal({ holders: lower([f.producer, f.carrier, f.retailer]), pending: [] });
      });

      it("refuses a stranger's receipt, alone and in a batch", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        const B = await harvested(f, "TY-002");
        await mined(f.driver.record(f.producer, B, Shipment, { counterparty: f.carrier }));
        // never shipped at all, and shipped to someone else
        for (const id of [A, B]) {
          await expect(f.driver.record(f.retailer, id, Receipt))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotConsignee")
            .withArgs(id, f.retailer.address);
        }
        const rightful = await f.driver.prepare(f.carrier, B, Receipt);
        const stranger = await f.driver.prepare(f.retailer, A, Receipt);
        const tx = f.driver.recordBatch([stranger, rightful]);
        await expect(tx).to.emit(f.ledger, "EventRejected").withArgs(0, A, encodedError(f, "ProvenanceLedgerNotConsignee", [A, f.retailer.address]));
        await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(B, f.carrier.address, Receipt, rightful.event.dataHash);
      });

      it("keeps one pending entry per consignee, and one holder entry per holder", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        await mined(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer }));
        await mined(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer }));
        expect((await f.driver.stateOf(A))!.custody).to.deep.equal({ holders: lower([f.producer]), pending: lower([f.retailer]) });
        await mined(f.driver.record(f.retailer, A, Receipt));
        // shipped back to the retailer, which holds it already: received again, listed once
        await mined(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer }));
        const receipt = await f.driver.prepare(f.retailer, A, Receipt);
        await mined(f.driver.recordPrepared(receipt));
        expect(receipt.step.custody).to.deep.equal({ holders: lower([f.producer, f.retailer]), pending: [] });
        expect(await f.ledger.headOf(A)).to.equal(receipt.step.head);
      });

      for (const [what, signer, kind, counterparty] of [
        ["a shipment without a consignee", "producer", Shipment, "zero"],
        ["a shipment to its own signer", "producer", Shipment, "producer"],
        ["a receipt that names a counterparty", "retailer", Receipt, "retailer"],
        ["a sale that names a counterparty", "retailer", Sale, "carrier"],
        ["a correction that names a counterparty", "producer", Correction, "carrier"],
        ["a harvest that names a counterparty", "producer", Harvest, "carrier"],
      ] as const) {
        it(`refuses ${what}`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const A = await harvested(f);
          await f.driver.handOver(A, f.producer, f.retailer);
          const target = kind === Harvest ? batchId("TY-NEW") : A;
          const named = counterparty === "zero" ? ZeroAddress : f[counterparty].address;
          await expect(f.driver.record(f[signer], target, kind, { counterparty: named }))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerInvalidCounterparty")
            .withArgs(target, named);
        });
      }
    });

    describe("custody proofs", function () {
      // The cooperative's batch shipped to the retailer, not yet received: one holder, one pending.
      // The cooperative ships it on to the carrier too; each proof below is wrong in one way.
      /** The batch's state (its true proof), the link of its harvest, and the fixture. */
      interface Scene {
        f: LedgerFixture;
        state: BatchState;
        harvestLink: string;
      }
      /** The true link with other custodians. */
      const claiming = ({ state }: Scene, holders: string[], pending: string[]): CustodyProof => ({ link: state.link, custody: { holders, pending } });
      const wrongProofs: { what: string; proof: (scene: Scene) => CustodyProof }[] = [
        { what: "a wrong link", proof: ({ state }) => ({ link: hexlify(randomBytes(32)), custody: state.custody }) },
        { what: "the link of an earlier event", proof: ({ state, harvestLink }) => ({ link: harvestLink, custody: state.custody }) },
        { what: "another holder", proof: (s) => claiming(s, lower([s.f.otherProducer]), s.state.custody.pending) },
        // the retailer is awaited: [producer] holds, [retailer] pends
        { what: "the holders in another order", proof: (s) => claiming(s, lower([s.f.retailer, s.f.producer]), []) },
        { what: "the consignee counted as a holder", proof: (s) => claiming(s, lower([s.f.producer, s.f.retailer]), []) },
        { what: "the holder counted as pending", proof: (s) => claiming(s, [], lower([s.f.producer, s.f.retailer])) },
        { what: "too few custodians", proof: (s) => claiming(s, lower([s.f.producer]), []) },
        { what: "too many custodians", proof: (s) => claiming(s, lower([s.f.producer]), lower([s.f.retailer, s.f.carrier])) },
        { what: "no custodians at all", proof: () => NO_PROOF },
      ];

      async function scene(f: LedgerFixture) {
        const A = await harvested(f);
        const harvestLink = (await f.driver.stateOf(A))!.link;
        await mined(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer }));
        const B = await harvested(f, "TY-002");
        return { A, B, harvestLink, state: (await f.driver.stateOf(A))! };
      }

      for (const { what, proof } of wrongProofs) {
        it(`refuses a proof with ${what}: record reverts, recordBatch skips it`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const { A, B, state, harvestLink } = await scene(f);
          const headBefore = await f.ledger.headOf(A);
          const options = { counterparty: f.carrier, proofs: [proof({ f, state, harvestLink })] };
          await expect(f.driver.record(f.producer, A, Shipment, options))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyProofMismatch")
            .withArgs(A);
          const bad = await f.driver.prepare(f.producer, A, Shipment, options);
          const good = await f.driver.prepare(f.producer, B, Shipment, { counterparty: f.carrier });
          const tx = f.driver.recordBatch([bad, good]);
          await expect(tx).to.emit(f.ledger, "EventRejected").withArgs(0, A, encodedError(f, "ProvenanceLedgerCustodyProofMismatch", [A]));
          await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(B, f.producer.address, Shipment, good.event.dataHash);
          expect(await f.ledger.headOf(A)).to.equal(headBefore);
        });
      }

      it("refuses an input's wrong proof, naming the input", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const { A, B, state } = await scene(f);
        const output = batchId("PK-1");
        const trueOfB = (await f.driver.stateOf(B))!;
        await expect(
          f.driver.record(f.producer, output, Processing, {
            inputs: [B, A],
            proofs: [trueOfB, { link: state.link, custody: { holders: state.custody.holders, pending: [] } }],
          }),
        )
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyProofMismatch")
          .withArgs(A);
        await expect(f.driver.record(f.producer, output, Processing, { inputs: [B, A] })).to.emit(f.ledger, "BatchDerived").withArgs(output, A);
      });

      it("refuses a proof with a dirty address word, without reverting recordBatch", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const { A, B } = await scene(f);
        const good = await f.driver.prepare(f.producer, B, Shipment, { counterparty: f.carrier });
        const bad = await f.driver.prepare(f.producer, A, Shipment, { counterparty: f.carrier });
        // the producer's word among bad's custodians (the last custodians but one), with high bits set
        const word = f.producer.address.slice(2).toLowerCase().padStart(64, "0");
        const dirty = `ff${word.slice(2)}`;
        const dirtyLast = (data: string) => {
          const at = data.lastIndexOf(word);
          expect(at).to.be.greaterThan(data.length - 64 * 3);
          return data.slice(0, at) + dirty + data.slice(at + 64);
        };
        const to = f.deployment.address;
        const single = dirtyLast(f.ledger.interface.encodeFunctionData("record", f.driver.recordArgs(bad)));
        await expect(f.relayer.sendTransaction({ to, data: single }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyProofMismatch")
          .withArgs(A);
        const batch = dirtyLast(f.ledger.interface.encodeFunctionData("recordBatch", f.driver.batchArgs([good, bad])));
        const tx = f.relayer.sendTransaction({ to, data: batch });
        await expect(tx).to.emit(f.ledger, "EventRejected").withArgs(1, A, encodedError(f, "ProvenanceLedgerCustodyProofMismatch", [A]));
        await expect(tx).to.emit(f.ledger, "EventRecorded").withArgs(B, f.producer.address, Shipment, good.event.dataHash);
        // the same call with the clean word records both
        await expect(f.driver.recordBatch([bad])).to.emit(f.ledger, "EventRecorded").withArgs(A, f.producer.address, Shipment, bad.event.dataHash);
      });

      it("record reverts when the proofs or custodians do not match what the event takes", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const { A } = await scene(f);
        const shipment = await f.driver.prepare(f.producer, A, Shipment, { counterparty: f.carrier });
        const [signed, inputs, proofs, custodians] = f.driver.recordArgs(shipment);
        await expect(f.driver.ledger.record(signed, inputs, [], []))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
          .withArgs(1, 0);
        await expect(f.driver.ledger.record(signed, inputs, [...proofs, ...proofs], [...custodians, ...custodians]))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
          .withArgs(1, 2);
        await expect(f.driver.ledger.record(signed, inputs, proofs, custodians.slice(1)))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
          .withArgs(2, 1);
        // a harvest takes no proof
        const harvest = await f.driver.prepare(f.producer, batchId("TY-NEW"), Harvest);
        await expect(f.driver.ledger.record(harvest.signed, [], proofs, custodians))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerProofCountMismatch")
          .withArgs(0, 1);
      });
    });

    describe("MAX_CUSTODIANS", function () {
      it(`lets a head commit to ${MAX_CUSTODIANS} custodians and no more`, async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        // the producer ships to the retailer and to 30 others in one transaction: 32 custodians
        const consignees = [f.retailer.address, ...Array.from({ length: MAX_CUSTODIANS - 2 }, () => Wallet.createRandom().address)];
        const shipments: PreparedEvent[] = [];
        for (const counterparty of consignees) {
          shipments.push(await f.driver.prepare(f.producer, A, Shipment, { counterparty, after: shipments.at(-1) ?? [] }));
        }
        await expect(f.driver.recordBatch(shipments)).not.to.emit(f.ledger, "EventRejected");
        expect(await f.ledger.headOf(A)).to.equal(shipments.at(-1)!.step.head);
        const custody = (await f.driver.stateOf(A))!.custody;
        expect(custody.holders.length + custody.pending.length).to.equal(MAX_CUSTODIANS);

        await expect(f.driver.record(f.producer, A, Shipment, { counterparty: Wallet.createRandom().address }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyTooWide")
          .withArgs(A);
        // naming one already awaited changes nothing, and a receipt moves it among the holders
        await expect(f.driver.record(f.producer, A, Shipment, { counterparty: f.retailer })).to.emit(f.ledger, "EventRecorded");
        await expect(f.driver.record(f.retailer, A, Receipt)).to.emit(f.ledger, "EventRecorded");
        await expect(f.driver.record(f.retailer, A, Sale)).to.emit(f.ledger, "EventRecorded");
        await expect(f.driver.record(f.retailer, A, Shipment, { counterparty: f.carrier }))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerCustodyTooWide")
          .withArgs(A);
      });
    });

    describe("recall", function () {
      it("is refused from a later holder, even one whose role may recall", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const A = await harvested(f);
        await f.driver.handOver(A, f.producer, f.processor);
        await expect(f.driver.record(f.processor, A, Recall))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotBatchCreator")
          .withArgs(A, f.processor.address);
        // nor may the producer recall the batch the processor made from its own
        const derived = batchId("PK-1");
        await mined(f.driver.record(f.processor, derived, Processing, { inputs: [A] }));
        await expect(f.driver.record(f.producer, derived, Recall))
          .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotBatchCreator")
          .withArgs(derived, f.producer.address);
      });

      for (const who of ["producer", "admin"] as const) {
        it(`is accepted from the ${who === "producer" ? "creator" : "admin"}, after the batch changed hands`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const A = await harvested(f);
          await f.driver.handOver(A, f.producer, f.processor);
          const recall = await f.driver.prepare(f[who], A, Recall);
          await expect(f.driver.recordPrepared(recall)).to.emit(f.ledger, "EventRecorded").withArgs(A, f[who].address, Recall, recall.event.dataHash);
          expect(await f.ledger.isRecalled(A)).to.equal(true);
          expect(await f.ledger.headOf(A)).to.equal(recall.step.head);
        });
      }
    });

    describe("correction", function () {
      // the batch went from the producer to the carrier, which shipped it to the retailer
      async function scene(f: LedgerFixture) {
        const A = await harvested(f);
        await f.driver.handOver(A, f.producer, f.carrier);
        await mined(f.driver.record(f.carrier, A, Shipment, { counterparty: f.retailer }));
        return A;
      }

      for (const [who, role] of [
        ["producer", "the creator"],
        ["carrier", "a later holder"],
        ["retailer", "the consignee awaited"],
        ["admin", "the admin, no custodian"],
      ] as const) {
        it(`is accepted from ${role}`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const A = await scene(f);
          const correction = await f.driver.prepare(f[who], A, Correction);
          await expect(f.driver.recordPrepared(correction))
            .to.emit(f.ledger, "EventRecorded")
            .withArgs(A, f[who].address, Correction, correction.event.dataHash);
          expect(await f.ledger.headOf(A)).to.equal(correction.step.head);
        });
      }

      for (const who of ["otherProducer", "processor"] as const) {
        it(`is refused from a stranger to the batch: the ${who}`, async function () {
          const f = await loadFixture(deployLedgerFixture);
          const A = await scene(f);
          await expect(f.driver.record(f[who], A, Correction))
            .to.be.revertedWithCustomError(f.ledger, "ProvenanceLedgerNotHolder")
            .withArgs(A, f[who].address);
        });
      }
    });

    describe("the TypeScript mirror", function () {
      it("computes every head the contract holds, event after event (nextHead, chainStep, replayBatch)", async function () {
        const f = await loadFixture(deployLedgerFixture);
        const [A, B, M] = [batchId("TY-001"), batchId("TY-002"), batchId("MIX-1", KIWI_GTIN)];
        const custodyOf = new Map<string, Custody>();
        const heads = new Map<string, string[]>();
        const journey: [Account, string, number, EventOptions?][] = [
          [f.producer, A, Harvest],
          [f.producer, B, Harvest],
          [f.producer, A, Shipment, { counterparty: f.carrier }],
          [f.carrier, A, Receipt],
          [f.carrier, A, Shipment, { counterparty: f.processor }],
          [f.producer, B, Shipment, { counterparty: f.processor }],
          [f.processor, A, Receipt],
          [f.processor, B, Receipt],
          [f.processor, A, Processing],
          [f.processor, M, Processing, { inputs: [A, B] }],
          [f.carrier, A, Correction],
          [f.processor, M, Shipment, { counterparty: f.retailer }],
          [f.processor, M, Shipment, { counterparty: f.carrier }],
          [f.retailer, M, Receipt],
          [f.retailer, M, Sale],
          [f.processor, M, Recall],
          [f.carrier, M, Correction],
          [f.admin, M, Correction],
        ];
        for (const [signer, batch, kind, options] of journey) {
          const prepared = await f.driver.prepare(signer, batch, kind, options);
          await mined(f.driver.recordPrepared(prepared));
          const step = chainStep(prepared.event, signer.address, custodyOf.get(batch));
          const head = await f.ledger.headOf(batch);
          expect(head, `head after ${kind} on ${batch}`).to.equal(step.head);
          expect(head).to.equal(nextHead(prepared.event, signer.address, step.custody));
          custodyOf.set(batch, step.custody);
          heads.set(batch, [...(heads.get(batch) ?? []), head]);
        }
        expect(custodyOf.get(M)).to.deep.equal({ holders: lower([f.processor, f.retailer]), pending: lower([f.carrier]) });
        for (const batch of [A, B, M]) {
          const logs = decodeLedgerLogs(await ethers.provider.getLogs(batchHistoryFilter(f.deployment.address, batch, 0)));
          const replayed = replayBatch(batch, logs);
          expect(replayed.map((c) => c.head)).to.deep.equal(heads.get(batch));
          expect(replayed.at(-1)!.custody).to.deep.equal(custodyOf.get(batch));
        }
      });
    });
  });
});

/** Any data hash (the one the driver made up). */
const anyHash = (value: unknown) => typeof value === "string" && /^0x[0-9a-f]{64}$/i.test(value);
