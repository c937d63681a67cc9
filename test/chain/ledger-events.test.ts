import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import { Log, ZeroAddress, getAddress, type TransactionReceipt } from "ethers";
import { batchId, deployLedgerFixture, MANGO_GTIN } from "../helpers/ledger-fixture";
import {
  batchHistoryFilter,
  decodeLedgerLog,
  decodeLedgerLogs,
  replayBatch,
  type LedgerLog,
} from "../../server/chain/ledger-events";
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

async function mined(response: Promise<{ wait(): Promise<TransactionReceipt | null> }>): Promise<TransactionReceipt> {
  const receipt = await (await response).wait();
  if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
  return receipt;
}

/** Where a receipt's i-th log sits, as the decoder reports it. */
function positionOf(receipt: TransactionReceipt, i: number) {
  return {
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    txHash: receipt.hash.toLowerCase(),
    logIndex: receipt.logs[i].index,
  };
}

/** The cooperative ships its batches to the packing house, which receives them: it may then process them. */
async function toPackingHouse(f: Awaited<ReturnType<typeof deployLedgerFixture>>, ...batches: string[]): Promise<void> {
  for (const batch of batches) await f.driver.handOver(batch, f.producer, f.processor);
}

describe("ledger events (server/chain/ledger-events.ts) on the Hardhat network", function () {
  it("decodes a recorded harvest with its signer, kind, data hash and place on chain", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const A = batchId("EV-A");
    const harvest = await f.driver.prepare(f.producer, A, Harvest, { detail: { lot: "EV-A" } });
    const receipt = await mined(f.driver.recordPrepared(harvest));

    expect(decodeLedgerLogs(receipt.logs, f.deployment.address)).to.deep.equal([
      {
        ...positionOf(receipt, 0),
        type: "EventRecorded",
        batchId: A.toLowerCase(),
        signer: getAddress(f.producer.address),
        kind: Harvest,
        dataHash: hashDetail({ lot: "EV-A" }),
      },
    ]);
  });

  it("decodes a recordBatch receipt: rejections with their call index and error, lineage, then the event", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const [A, B, C] = [batchId("EV-A"), batchId("EV-B"), batchId("EV-C")];
    await mined(f.driver.record(f.producer, A, Harvest));
    await mined(f.driver.record(f.producer, B, Harvest));
    await toPackingHouse(f, A, B);
    const stray = await f.driver.prepare(f.outsider, A, Shipment, { counterparty: f.carrier }); // no role: rejected
    const processing = await f.driver.prepare(f.processor, C, Processing, { inputs: [B, A] });
    const receipt = await mined(f.driver.recordBatch([stray, processing]));

    const logs = decodeLedgerLogs(receipt.logs, f.deployment.address);
    expect(logs.map((log) => log.type)).to.deep.equal(["EventRejected", "BatchDerived", "BatchDerived", "EventRecorded"]);
    const [rejected, ...rest] = logs;
    const reason = f.ledger.interface.encodeErrorResult("ProvenanceLedgerUnauthorizedSigner", [f.outsider.address, Shipment]);
    expect(rejected).to.deep.equal({ ...positionOf(receipt, 0), type: "EventRejected", index: 0, batchId: A.toLowerCase(), reason });
    expect(rest).to.deep.equal([
      { ...positionOf(receipt, 1), type: "BatchDerived", batchId: C.toLowerCase(), inputBatchId: B.toLowerCase() },
      { ...positionOf(receipt, 2), type: "BatchDerived", batchId: C.toLowerCase(), inputBatchId: A.toLowerCase() },
      {
        ...positionOf(receipt, 3),
        type: "EventRecorded",
        batchId: C.toLowerCase(),
        signer: getAddress(f.processor.address),
        kind: Processing,
        dataHash: processing.event.dataHash,
      },
    ]);
  });

  it("decodes an attestation and a revocation of the certification registry", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const ledger = f.ledger.connect(f.relayer);

    const attestation: Attestation = {
      scheme: ZHENPIN_SCHEME,
      certificateNo: "SZP-EV-1",
      subjectKind: SubjectKind.ProductLine,
      batchId: ZERO_HASH,
      producer: f.producer.address,
      gtin: BigInt(MANGO_GTIN),
      validFrom: 1_700_000_000n,
      validUntil: 1_900_000_000n,
      dataHash: hashDetail({ certificateNo: "SZP-EV-1" }),
    };
    const signature = await signAttestation(f.certifier, f.domain, attestation);
    const attested = await mined(ledger.attest(attestation, signature.r, signature.s, signature.v));
    const certificationId = certificationIdFor(f.certifier.address, ZHENPIN_SCHEME, "SZP-EV-1");
    const subject = ethers.keccak256(
      ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint64"], [f.producer.address, BigInt(MANGO_GTIN)]),
    );
    expect(decodeLedgerLogs(attested.logs, f.deployment.address)).to.deep.equal([
      {
        ...positionOf(attested, 0),
        type: "CertificationAttested",
        certificationId,
        certifier: getAddress(f.certifier.address),
        subject,
        subjectKind: SubjectKind.ProductLine,
        scheme: ZHENPIN_SCHEME.toLowerCase(),
        certificateNo: "SZP-EV-1",
        producer: getAddress(f.producer.address),
        gtin: BigInt(MANGO_GTIN),
        validFrom: 1_700_000_000n,
        validUntil: 1_900_000_000n,
        dataHash: attestation.dataHash,
      },
    ]);

    const revocation = await signRevocation(f.certifier, f.domain, certificationId, "failed a spot check");
    const revoked = await mined(ledger.revoke(certificationId, "failed a spot check", revocation.r, revocation.s, revocation.v));
    expect(decodeLedgerLogs(revoked.logs, f.deployment.address)).to.deep.equal([
      {
        ...positionOf(revoked, 0),
        type: "CertificationRevoked",
        certificationId,
        revokedBy: getAddress(f.certifier.address),
        reason: "failed a spot check",
      },
    ]);
  });

  it("leaves out logs it does not know and, given an address, logs of other contracts", async function () {
    const f = await loadFixture(deployLedgerFixture);
    // grantRole emits only AccessControl's RoleGranted, which is not one of the ledger's events.
    const granted = await mined(f.ledger.connect(f.admin).grantRole(await f.ledger.CARRIER_ROLE(), f.outsider.address));
    expect(granted.logs).to.have.length(1);
    expect(decodeLedgerLog(granted.logs[0])).to.equal(undefined);
    expect(decodeLedgerLogs(granted.logs)).to.deep.equal([]);

    const receipt = await mined(f.driver.record(f.producer, batchId("EV-A"), Harvest));
    const [ours] = receipt.logs;
    const elsewhere = new Log(
      {
        transactionHash: ours.transactionHash,
        blockHash: ours.blockHash,
        blockNumber: ours.blockNumber,
        removed: false,
        address: ethers.Wallet.createRandom().address,
        data: ours.data,
        topics: ours.topics,
        index: ours.index,
        transactionIndex: ours.transactionIndex,
      },
      ethers.provider,
    );
    expect(decodeLedgerLogs([elsewhere], f.deployment.address)).to.deep.equal([]);
    expect(decodeLedgerLogs([elsewhere], f.deployment.address.toLowerCase())).to.deep.equal([]);
    expect(decodeLedgerLogs([receipt.logs[0]], f.deployment.address.toLowerCase())).to.have.length(1);
    expect(decodeLedgerLogs([elsewhere])).to.deep.equal(decodeLedgerLogs([receipt.logs[0]]));
  });

  it("replays a batch's history into the signed events and the heads the contract holds", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const [A, B, C] = [batchId("EV-A"), batchId("EV-B"), batchId("EV-C")];
    await mined(f.driver.record(f.producer, A, Harvest));
    await mined(f.driver.record(f.producer, B, Harvest));
    await toPackingHouse(f, A, B);
    const prepared = [await f.driver.prepare(f.processor, C, Processing, { inputs: [A, B] })];
    const receipts = [await mined(f.driver.recordPrepared(prepared[0]))];
    const heads = [await f.ledger.headOf(C)];
    // Two more in one transaction: an in-place processing with an input, then a shipment over its head.
    const inPlace = await f.driver.prepare(f.processor, C, Processing, { inputs: [B] });
    const shipment = await f.driver.prepare(f.processor, C, Shipment, { after: inPlace, counterparty: f.carrier });
    prepared.push(inPlace, shipment);
    receipts.push(await mined(f.driver.recordBatch([inPlace, shipment])));
    heads.push(inPlace.step.head, await f.ledger.headOf(C));
    expect(heads[1]).to.not.equal(heads[2]);
    expect(heads[2]).to.equal(shipment.step.head);

    const raw = await ethers.provider.getLogs(batchHistoryFilter(f.deployment.address, C, f.deployment.deployBlock));
    expect(raw).to.have.length(7); // 2 + 1 BatchDerived, 1 BatchShipped, 3 EventRecorded; none of A's or B's
    const logs: LedgerLog[] = decodeLedgerLogs(raw, f.deployment.address);
    const chained = replayBatch(C, logs);

    expect(chained.map((c) => c.event)).to.deep.equal(
      prepared.map((p) => ({ ...p.event, batchId: C.toLowerCase(), inputs: p.event.inputs.map((i) => i.toLowerCase()) })),
    );
    expect(chained.map((c) => c.event.counterparty)).to.deep.equal([ZeroAddress, ZeroAddress, f.carrier.address]);
    expect(chained.map((c) => c.head)).to.deep.equal(heads);
    expect(chained.map((c) => c.link)).to.deep.equal(prepared.map((p) => p.step.link));
    const packingHouse = { holders: [f.processor.address.toLowerCase()], pending: [] };
    expect(chained.map((c) => c.custody)).to.deep.equal([
      packingHouse,
      packingHouse,
      { ...packingHouse, pending: [f.carrier.address.toLowerCase()] },
    ]);
    expect(chained.map((c) => c.signer)).to.deep.equal([f.processor.address, f.processor.address, f.processor.address]);
    expect(chained.map((c) => [c.txHash, c.blockNumber])).to.deep.equal([
      [receipts[0].hash.toLowerCase(), receipts[0].blockNumber],
      [receipts[1].hash.toLowerCase(), receipts[1].blockNumber],
      [receipts[1].hash.toLowerCase(), receipts[1].blockNumber],
    ]);
    expect(chained.map((c) => c.logIndex)).to.deep.equal([receipts[0].logs[2].index, receipts[1].logs[1].index, receipts[1].logs[3].index]);

    // Any order of the same logs, and logs of other batches beside them, replay the same.
    const others = decodeLedgerLogs(await ethers.provider.getLogs({ address: f.deployment.address, fromBlock: f.deployment.deployBlock }));
    expect(replayBatch(C.toUpperCase().replace("0X", "0x"), [...others].reverse())).to.deep.equal(chained);
    const historyOfA = replayBatch(A, others);
    expect(historyOfA.map((c) => [c.event.kind, c.signer])).to.deep.equal([
      [Harvest, f.producer.address],
      [Shipment, f.producer.address],
      [Receipt, f.processor.address],
    ]);
    expect(historyOfA.at(-1)!.head).to.equal(await f.ledger.headOf(A));
    expect(historyOfA.at(-1)!.custody).to.deep.equal({ holders: [f.producer.address, f.processor.address].map((a) => a.toLowerCase()), pending: [] });
    expect(replayBatch(batchId("NEVER"), others)).to.deep.equal([]);
  });

  it("replays a batch made in one transaction with its first event", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const M = batchId("EV-M");
    const harvest = await f.driver.prepare(f.producer, M, Harvest);
    const shipment = await f.driver.prepare(f.producer, M, Shipment, { after: harvest, counterparty: f.carrier });
    await mined(f.driver.recordBatch([harvest, shipment]));
    const raw = await ethers.provider.getLogs(batchHistoryFilter(f.deployment.address, M, f.deployment.deployBlock));
    const decoded = decodeLedgerLogs(raw);
    expect(decoded.map((log) => log.type)).to.deep.equal(["EventRecorded", "BatchShipped", "EventRecorded"]);
    expect(decoded[1]).to.include({ type: "BatchShipped", batchId: M.toLowerCase(), consignee: getAddress(f.carrier.address) });
    const chained = replayBatch(M, decoded);
    expect(chained.map((c) => c.event.prevHead)).to.deep.equal([ZERO_HASH, harvest.step.head]);
    expect(chained[1].head).to.equal(await f.ledger.headOf(M));
    expect(chained.map((c) => [c.event.kind, c.signer, c.event.counterparty])).to.deep.equal([
      [Harvest, f.producer.address, ZeroAddress],
      [Shipment, f.producer.address, f.carrier.address],
    ]);
  });
});
