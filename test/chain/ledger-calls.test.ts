import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { artifacts, ethers } from "hardhat";
import { Interface, ZeroAddress, type TransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { batchId, deployLedgerFixture, type LedgerFixture, type PreparedEvent } from "../helpers/ledger-fixture";
import {
  decodeCertification,
  decodeHasRole,
  decodeHeadOf,
  encodeAttest,
  encodeCertification,
  encodeGrantRole,
  encodeHasRole,
  encodeHeadOf,
  encodeRecord,
  encodeRecordBatch,
  encodeRevoke,
  decodeLedgerVersion,
  encodeLedgerVersion,
  LEDGER_CALLS_ABI,
  proofCount,
  type ProvenEvent,
} from "../../server/chain/ledger-calls";
import { decodeLedgerLogs } from "../../server/chain/ledger-events";
import {
  certificationIdFor,
  signAttestation,
  signRevocation,
  ZHENPIN_SCHEME,
  type Attestation,
} from "../../server/chain/typed-data";
import { EventKind, SubjectKind } from "../../server/domain/event-kinds";
import { hashDetail, ZERO_HASH } from "../../server/domain/hashes";

const { Harvest, Processing, Shipment, Receipt } = EventKind;

/** A prepared event as the relayer holds it: the event, its signature and its custody proofs, side by side. */
const provenOf = (p: PreparedEvent): ProvenEvent => ({ ...p.event, r: p.signed.r, s: p.signed.s, v: p.signed.v, proofs: p.proofs });

/** Sends raw calldata to the ledger from `from`, as the senders do; resolves to the mined receipt. */
async function send(f: LedgerFixture, from: HardhatEthersSigner, data: string): Promise<TransactionReceipt> {
  const receipt = await (await from.sendTransaction({ to: f.deployment.address, data })).wait();
  if (!receipt || receipt.status !== 1) throw new Error("the transaction reverted");
  return receipt;
}

const read = (f: LedgerFixture, data: string) => ethers.provider.call({ to: f.deployment.address, data });

describe("ledger calls (server/chain/ledger-calls.ts) on the Hardhat network", function () {
  it("knows the functions exactly as the compiled contract declares them", async function () {
    const compiled = new Interface((await artifacts.readArtifact("ProvenanceLedger")).abi);
    const ours = new Interface(LEDGER_CALLS_ABI);
    const names: string[] = [];
    ours.forEachFunction((fn) => {
      names.push(fn.name);
      expect(fn.format("full")).to.equal(compiled.getFunction(fn.name)!.format("full"));
    });
    expect(names).to.have.members(["record", "recordBatch", "attest", "revoke", "grantRole", "hasRole", "headOf", "ledgerVersion", "certification"]);
  });

  it("reads the ledger's version with ledgerVersion: 2", async function () {
    const f = await loadFixture(deployLedgerFixture);
    expect(decodeLedgerVersion(await read(f, encodeLedgerVersion()))).to.equal(2n);
  });

  it("counts the proofs an event takes: its own batch's unless it creates it, then one per input", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const A = batchId("CALL-A");
    const harvest = await f.driver.prepare(f.producer, A, Harvest);
    await send(f, f.relayer, encodeRecord(provenOf(harvest)));
    const split = await f.driver.prepare(f.producer, batchId("CALL-B"), Processing, { inputs: [A] });
    const inPlace = await f.driver.prepare(f.producer, A, Processing, { inputs: [batchId("CALL-C")] });
    const shipment = await f.driver.prepare(f.producer, A, Shipment, { counterparty: f.carrier });
    expect([harvest, split, inPlace, shipment].map((p) => proofCount(p.event))).to.deep.equal([0, 1, 2, 1]);
    expect([harvest, split, inPlace, shipment].map((p) => p.proofs.length)).to.deep.equal([0, 1, 2, 1]);
  });

  it("records one event with record, moving the batch's head as signed", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const A = batchId("CALL-A");
    const harvest = await f.driver.prepare(f.producer, A, Harvest);
    const data = encodeRecord(provenOf(harvest));
    expect(data).to.equal(f.ledger.interface.encodeFunctionData("record", [harvest.signed, [], [], []]));

    const receipt = await send(f, f.relayer, data);
    expect(await f.ledger.headOf(A)).to.equal(harvest.step.head);
    expect(decodeLedgerLogs(receipt.logs, f.deployment.address).map((log) => log.type)).to.deep.equal(["EventRecorded"]);

    // a shipment carries its consignee and the proof of the batch's custody
    const shipment = await f.driver.prepare(f.producer, A, Shipment, { counterparty: f.carrier });
    const shipped = encodeRecord(provenOf(shipment));
    expect(shipped).to.equal(
      f.ledger.interface.encodeFunctionData("record", [
        shipment.signed,
        [],
        [{ link: harvest.step.link, holders: 1, pending: 0 }],
        [f.producer.address],
      ]),
    );
    const logs = decodeLedgerLogs((await send(f, f.relayer, shipped)).logs, f.deployment.address);
    expect(logs.map((log) => log.type)).to.deep.equal(["BatchShipped", "EventRecorded"]);
    expect(await f.ledger.headOf(A)).to.equal(shipment.step.head);
  });

  it("records events with recordBatch, each with its own inputs out of the concatenated array", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const [A, B, C, D] = [batchId("CALL-A"), batchId("CALL-B"), batchId("CALL-C"), batchId("CALL-D")];
    await send(f, f.relayer, encodeRecord(provenOf(await f.driver.prepare(f.producer, A, Harvest))));
    await send(f, f.relayer, encodeRecord(provenOf(await f.driver.prepare(f.producer, B, Harvest))));
    // The cooperative ships both to the packing house, which receives them before it processes them.
    for (const batch of [A, B]) {
      await send(f, f.relayer, encodeRecord(provenOf(await f.driver.prepare(f.producer, batch, Shipment, { counterparty: f.processor }))));
      await send(f, f.relayer, encodeRecord(provenOf(await f.driver.prepare(f.processor, batch, Receipt))));
    }
    const fromBoth = await f.driver.prepare(f.processor, C, Processing, { inputs: [A, B] });
    const shipment = await f.driver.prepare(f.processor, A, Shipment, { counterparty: f.carrier });
    const fromOne = await f.driver.prepare(f.processor, D, Processing, { inputs: [B] });
    const events = [fromBoth, shipment, fromOne].map(provenOf);

    const data = encodeRecordBatch(events);
    const args = f.driver.batchArgs([fromBoth, shipment, fromOne]);
    expect(data).to.equal(f.ledger.interface.encodeFunctionData("recordBatch", args));
    const [signed, inputs, proofs, custodians] = args;
    expect(signed).to.deep.equal([fromBoth.signed, shipment.signed, fromOne.signed]);
    expect(inputs).to.deep.equal([A, B, B]);
    // A's and B's custody for the merge, A's for the shipment, B's for the split: each the cooperative, then the packing house
    expect(proofs.map((p) => [p.holders, p.pending])).to.deep.equal([[2, 0], [2, 0], [2, 0], [2, 0]]);
    expect(custodians).to.deep.equal(Array(4).fill([f.producer.address, f.processor.address].map((a) => a.toLowerCase())).flat());
    const simulated = await ethers.provider.call({ from: f.relayer.address, to: f.deployment.address, data });
    expect(f.ledger.interface.decodeFunctionResult("recordBatch", simulated)[0]).to.equal(3n);

    const receipt = await send(f, f.relayer, data);
    const logs = decodeLedgerLogs(receipt.logs, f.deployment.address);
    expect(logs.filter((log) => log.type === "EventRejected")).to.deep.equal([]);
    expect(logs.flatMap((log) => (log.type === "BatchDerived" ? [[log.batchId, log.inputBatchId]] : []))).to.deep.equal(
      [[C, A], [C, B], [D, B]].map((pair) => pair.map((id) => id.toLowerCase())),
    );
    expect(await f.ledger.headOf(C)).to.equal(fromBoth.step.head);
    expect(await f.ledger.headOf(A)).to.equal(shipment.step.head);
    expect(await f.ledger.headOf(D)).to.equal(fromOne.step.head);
  });

  it("reads a batch's head with headOf: zero before its first event, the chain's after", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const A = batchId("CALL-A");
    expect(decodeHeadOf(await read(f, encodeHeadOf(A)))).to.equal(ZERO_HASH);
    await f.driver.record(f.producer, A, Harvest);
    const head = decodeHeadOf(await read(f, encodeHeadOf(A)));
    expect(head).to.not.equal(ZERO_HASH);
    expect(head).to.equal(await f.ledger.headOf(A));
  });

  it("attests and revokes a certification, and reads it back with certification", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const A = batchId("CALL-A");
    await f.driver.record(f.producer, A, Harvest);
    const attestation: Attestation = {
      scheme: ZHENPIN_SCHEME,
      certificateNo: "SZP-CALL-1",
      subjectKind: SubjectKind.Batch,
      batchId: A,
      producer: ZeroAddress,
      gtin: 0n,
      validFrom: 1_700_000_000n,
      validUntil: 1_900_000_000n,
      dataHash: hashDetail({ certificateNo: "SZP-CALL-1" }),
    };
    const certificationId = certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, "SZP-CALL-1");
    const absent = decodeCertification(await read(f, encodeCertification(certificationId)));
    expect(absent.certifier).to.equal(ZeroAddress);

    const attested = await send(f, f.relayer, encodeAttest(attestation, await signAttestation(f.certifier, f.domain, attestation)));
    expect(decodeLedgerLogs(attested.logs).map((log) => log.type)).to.deep.equal(["CertificationAttested"]);
    expect(decodeCertification(await read(f, encodeCertification(certificationId)))).to.deep.equal({
      certifier: f.certifier.address,
      validFrom: 1_700_000_000n,
      validUntil: 1_900_000_000n,
      subjectKind: SubjectKind.Batch,
      revoked: false,
      subject: A.toLowerCase(),
    });

    const reason = "failed a spot check";
    const revocation = await signRevocation(f.certifier, f.domain, certificationId, reason);
    const revoked = await send(f, f.relayer, encodeRevoke(certificationId, reason, revocation));
    const [log] = decodeLedgerLogs(revoked.logs);
    expect(log).to.include({ type: "CertificationRevoked", certificationId, reason });
    expect(decodeCertification(await read(f, encodeCertification(certificationId))).revoked).to.equal(true);
  });

  it("grants a role from the admin account and reads it with hasRole", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const hasRole = async (role: "carrier" | "producer" | "admin", account: string) =>
      decodeHasRole(await read(f, encodeHasRole(role, account)));
    expect(await hasRole("carrier", f.outsider.address)).to.equal(false);
    expect(await hasRole("producer", f.producer.address)).to.equal(true);
    expect(await hasRole("admin", f.admin.address)).to.equal(true);

    await send(f, f.admin, encodeGrantRole("carrier", f.outsider.address));
    expect(await hasRole("carrier", f.outsider.address)).to.equal(true);
    expect(await f.ledger.hasRole(await f.ledger.CARRIER_ROLE(), f.outsider.address)).to.equal(true);
    expect(await hasRole("producer", f.outsider.address)).to.equal(false);
  });
});
