/**
 * The relayer proves the custody each event extends (server/workers/relayer/custody-proofs.ts):
 * from an earlier event of the same transaction, from an event still in the pool in an earlier
 * transaction, and, for a batch another relayer moved, from the chain's logs. An event whose
 * custody nobody can prove fails with the reason in words, and the rest go on.
 */
import { expect } from "chai";
import { hexlify, randomBytes, ZeroAddress } from "ethers";
import type { CustodyProof } from "../../../server/chain/ledger-calls";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../../../server/chain/ledger-events";
import { chainStep, signEvent } from "../../../server/chain/typed-data";
import { custodyOfCreator } from "../../../server/domain/custody";
import { hashDetail, ZERO_HASH } from "../../../server/domain/hashes";
import type { LedgerEvent } from "../../../server/domain/ledger-types";
import { ChainTxRepository, type ChainTx } from "../../../server/store/chain-tx-repository";
import { IndexRepository } from "../../../server/store/index-repository";
import { OutboxRepository, type OutboxEvent } from "../../../server/store/outbox-repository";
import { createRelayer, type RelayerOptions } from "../../../server/workers/relayer";
import { proofArgs } from "../../helpers/ledger-fixture";
import {
  KIND,
  LEDGER_ARTIFACT,
  LEDGER_IFACE,
  OutboxWriter,
  TestChain,
  batch,
  expectOnChainExactlyOnce,
  openTestDb,
  tickUntilSettled,
} from "./relayer-helpers";

const UNPROVEN = "the custody this event extends cannot be proven: its batch's head is not one the gateway or the chain knows";

/** The custody proofs a recordBatch transaction carried, by event id (its own batch's, then each input's). */
function proofsSent(tx: ChainTx, outbox: OutboxRepository): Map<string, CustodyProof[]> {
  const call = LEDGER_IFACE.decodeFunctionData("recordBatch", tx.data);
  const custodians = (call.custodians as string[]).map((address) => address.toLowerCase());
  const proofs = (call.proofs as { link: string; holders: bigint; pending: bigint }[]).map((proof) => {
    const holders = custodians.splice(0, Number(proof.holders));
    return { link: proof.link, custody: { holders, pending: custodians.splice(0, Number(proof.pending)) } };
  });
  const byEvent = new Map<string, CustodyProof[]>();
  for (const id of tx.eventIds) {
    const event = outbox.byId(id)!;
    byEvent.set(id, proofs.splice(0, (event.prevHead === ZERO_HASH ? 0 : 1) + event.inputs.length));
  }
  expect(proofs, "proofs left over").to.deep.equal([]);
  return byEvent;
}

/** The proof of the state an accepted event leaves its batch in. */
const proofAfter = (event: OutboxEvent): CustodyProof => ({ link: event.link, custody: event.custody });

describe("relayer: custody proofs", function () {
  let chain: TestChain;

  before(async function () {
    chain = await TestChain.start();
  });

  after(async function () {
    await chain?.stop();
  });

  async function setup(options: Partial<RelayerOptions> = {}) {
    const { db } = openTestDb(chain.dir);
    const logs: string[] = [];
    const relayer = createRelayer({
      db,
      wallet: await chain.fundedWallet(),
      ledger: { address: chain.deployment.address, abi: LEDGER_ARTIFACT.abi as never },
      fromBlock: chain.deployment.deployBlock,
      batchSize: 40,
      replaceAfterMs: 60_000,
      log: (message) => logs.push(message),
      ...options,
    });
    return { db, relayer, logs, writer: new OutboxWriter(db, chain.domain), txs: new ChainTxRepository(db), outbox: new OutboxRepository(db) };
  }

  it("proves an event, and an input, from their predecessors in the same transaction", async function () {
    const { db, relayer, writer, txs, outbox } = await setup();
    const { producer, processor } = chain.orgs;
    const harvest = batch("cp-same-H");
    const pack = batch("cp-same-P");
    const harvested = await writer.add(producer, harvest, KIND.Harvest);
    const shipped = await writer.add(producer, harvest, KIND.Shipment, { counterparty: processor });
    const received = await writer.add(processor, harvest, KIND.Receipt);
    const packed = await writer.add(processor, pack, KIND.Processing, { inputs: [harvest] });

    await tickUntilSettled(relayer, db);

    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 4, failed: 0 });
    expect(txs.all()).to.have.length(1);
    const proofs = proofsSent(txs.all()[0], outbox);
    expect(proofs.get(harvested.id)).to.deep.equal([]);
    expect(proofs.get(shipped.id)).to.deep.equal([proofAfter(harvested)]);
    expect(proofs.get(received.id)).to.deep.equal([
      { link: shipped.link, custody: { holders: [producer.address.toLowerCase()], pending: [processor.address.toLowerCase()] } },
    ]);
    // The pack creates its batch: only its input's proof, the custody the receipt left.
    expect(proofs.get(packed.id)).to.deep.equal([
      { link: received.link, custody: { holders: [producer, processor].map((o) => o.address.toLowerCase()), pending: [] } },
    ]);
    await expectOnChainExactlyOnce(chain, db);
  });

  it("proves an input whose latest event is still in the pool, in an earlier transaction", async function () {
    const { db, relayer, writer, txs, outbox } = await setup({ batchSize: 3, maxInFlight: 4 });
    const { producer, processor } = chain.orgs;
    const harvest = batch("cp-pool-H");
    const pack = batch("cp-pool-P");
    await chain.provider.send("evm_setAutomine", [false]);
    try {
      await writer.add(producer, harvest, KIND.Harvest);
      await writer.add(producer, harvest, KIND.Shipment, { counterparty: processor });
      const received = await writer.add(processor, harvest, KIND.Receipt);
      expect((await relayer.tick()).sent).to.equal(1);

      // Two events, so that the transaction goes without a dry run against the latest block.
      const packed = await writer.add(processor, pack, KIND.Processing, { inputs: [harvest] });
      await writer.add(producer, batch("cp-pool-other"), KIND.Harvest);
      expect((await relayer.tick()).sent).to.equal(1);

      // The chain does not have the harvest yet: the proof came from the send queue.
      expect(await chain.ledger.headOf(harvest)).to.equal(ZERO_HASH);
      expect(outbox.byId(received.id)!.status).to.equal("submitted");
      const [first, second] = txs.all();
      expect(first.eventIds).to.include(received.id);
      expect(second.eventIds).to.include(packed.id);
      expect(proofsSent(second, outbox).get(packed.id)).to.deep.equal([proofAfter(received)]);

      await chain.mine();
      await tickUntilSettled(relayer, db);
    } finally {
      await chain.provider.send("evm_setAutomine", [true]);
    }
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 5, failed: 0 });
    expect(txs.all().map((tx) => tx.status)).to.deep.equal(["mined", "mined"]);
    await expectOnChainExactlyOnce(chain, db);
  });

  it("proves a batch whose last event another relayer recorded from the chain's logs", async function () {
    const { db, relayer, writer, txs, outbox } = await setup();
    const { producer, retailer } = chain.orgs;
    const id = batch("cp-elsewhere");
    // Another gateway's relayer records the harvest and the shipment to the counter.
    const other = chain.ledger.connect(await chain.fundedWallet());
    const harvest: LedgerEvent = {
      batchId: id,
      kind: KIND.Harvest,
      prevHead: ZERO_HASH,
      dataHash: hashDetail({ elsewhere: "harvest" }),
      inputs: [],
      counterparty: ZeroAddress,
    };
    const harvested = chainStep(harvest, producer.address, undefined);
    await (await other.getFunction("record")(await signEvent(producer, chain.domain, harvest), [], [], [])).wait();
    const shipment: LedgerEvent = {
      batchId: id,
      kind: KIND.Shipment,
      prevHead: harvested.head,
      dataHash: hashDetail({ elsewhere: "shipment" }),
      inputs: [],
      counterparty: retailer.address,
    };
    const shipped = chainStep(shipment, producer.address, harvested.custody);
    const [structs, custodians] = proofArgs([harvested]);
    await (await other.getFunction("record")(await signEvent(producer, chain.domain, shipment), [], structs, custodians)).wait();
    expect(String(await chain.ledger.headOf(id)).toLowerCase()).to.equal(shipped.head);

    // The counter's receipt comes through this gateway, which never saw the batch.
    const receipt: LedgerEvent = {
      batchId: id,
      kind: KIND.Receipt,
      prevHead: shipped.head,
      dataHash: hashDetail({ here: "receipt" }),
      inputs: [],
      counterparty: ZeroAddress,
    };
    const accepted = writer.insert(retailer.address, receipt, await signEvent(retailer, chain.domain, receipt), "{}", shipped.custody);
    expect(new IndexRepository(db).batchState(id)).to.equal(undefined);
    expect(outbox.ofBatch(id)).to.have.length(1);

    await tickUntilSettled(relayer, db);

    expect(outbox.byId(accepted.id)!.status).to.equal("confirmed");
    const logs = await chain.provider.getLogs({ ...batchHistoryFilter(chain.deployment.address, id, 0), toBlock: "latest" });
    const replayed = replayBatch(id, decodeLedgerLogs(logs));
    expect(replayed.map((e) => e.event.kind)).to.deep.equal([KIND.Harvest, KIND.Shipment, KIND.Receipt]);
    expect(proofsSent(txs.all()[0], outbox).get(accepted.id)).to.deep.equal([{ link: replayed[1].link, custody: replayed[1].custody }]);
    expect(replayed[2].custody).to.deep.equal({ holders: [producer, retailer].map((o) => o.address.toLowerCase()), pending: [] });
    expect(String(await chain.ledger.headOf(id)).toLowerCase()).to.equal(accepted.head.toLowerCase());
  });

  it("fails an event whose custody cannot be proven, with the reason in words, and sends the rest", async function () {
    const { db, relayer, writer, txs, outbox, logs } = await setup();
    const { producer, processor, retailer } = chain.orgs;
    const before = await writer.add(producer, batch("cp-unproven-1"), KIND.Harvest);
    // A shipment over a head no event of the send queue, the index or the chain has.
    const ghost: LedgerEvent = {
      batchId: batch("cp-unproven-ghost"),
      kind: KIND.Shipment,
      prevHead: hexlify(randomBytes(32)),
      dataHash: hashDetail({ ghost: true }),
      inputs: [],
      counterparty: retailer.address,
    };
    const unproven = writer.insert(producer.address, ghost, await signEvent(producer, chain.domain, ghost), "{}", custodyOfCreator(producer.address));
    // A pack of a batch nobody harvested.
    const orphanPack = await writer.add(processor, batch("cp-unproven-P"), KIND.Processing, { inputs: [batch("cp-never-harvested")] });
    const after = await writer.add(producer, batch("cp-unproven-2"), KIND.Harvest);

    await tickUntilSettled(relayer, db);

    const failed = outbox.byId(unproven.id)!;
    expect(failed.status).to.equal("failed");
    expect(failed.error).to.equal(UNPROVEN);
    expect(logs).to.include(`event ${unproven.id} failed: ${UNPROVEN}`);
    expect(outbox.byId(orphanPack.id)!.status).to.equal("failed");
    expect(outbox.byId(orphanPack.id)!.error).to.equal(`the custody of input batch ${batch("cp-never-harvested")} cannot be proven: neither the gateway nor the chain knows the batch`);
    // Nothing was sent for them; the others went together.
    expect(txs.all().map((tx) => tx.eventIds)).to.deep.equal([[before.id, after.id]]);
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 2, failed: 2 });
    await expectOnChainExactlyOnce(chain, db);
  });
});
