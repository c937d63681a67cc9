import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { signEvent } from "../../../server/chain/typed-data";
import { type LedgerEvent } from "../../../server/domain/ledger-types";
import { ZERO_HASH } from "../../../server/domain/hashes";
import { createRelayer, type RelayerOptions } from "../../../server/workers/relayer";
import type { Db } from "../../../server/store/database";
import { ChainTxRepository } from "../../../server/store/chain-tx-repository";
import { OutboxRepository } from "../../../server/store/outbox-repository";
import {
  KIND,
  LEDGER_ARTIFACT,
  LEDGER_IFACE,
  OutboxWriter,
  TestChain,
  batch,
  expectOnChainExactlyOnce,
  openTestDb,
  supplyChain,
  tickUntilSettled,
} from "./relayer-helpers";

const RECORD_BATCH = LEDGER_IFACE.getFunction("recordBatch")!.selector;

describe("relayer", function () {
  let chain: TestChain;

  before(async function () {
    chain = await TestChain.start();
  });

  after(async function () {
    await chain?.stop();
  });

  async function setup(options: Partial<RelayerOptions> = {}) {
    const { db } = openTestDb(chain.dir);
    const wallet = await chain.fundedWallet();
    const logs: string[] = [];
    const relayer = createRelayer({
      db,
      wallet,
      ledger: { address: chain.deployment.address, abi: LEDGER_ARTIFACT.abi as never },
      fromBlock: chain.deployment.deployBlock,
      batchSize: 40,
      replaceAfterMs: 60_000,
      log: (message) => logs.push(message),
      ...options,
    });
    return {
      db,
      wallet,
      relayer,
      logs,
      writer: new OutboxWriter(db, chain.domain),
      txs: new ChainTxRepository(db),
      outbox: new OutboxRepository(db),
    };
  }

  it("confirms 300 events across many batches, each exactly once, in recordBatch transactions", async function () {
    const { db, wallet, relayer, writer, txs, outbox } = await setup({ batchSize: 40 });
    await supplyChain(writer, chain.orgs, "a", 60, 20);
    expect(outbox.countByStatus().pending).to.equal(300);

    await tickUntilSettled(relayer, db);

    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 300, failed: 0 });
    await expectOnChainExactlyOnce(chain, db);
    const sent = txs.all();
    expect(sent.length).to.be.within(8, 20); // 300 / 40 rounded up, plus a few cut short by batch order
    expect(sent.every((tx) => tx.status === "mined" && tx.data.startsWith(RECORD_BATCH))).to.equal(true);
    // Every event went in exactly one transaction: nothing was sent twice.
    expect(sent.flatMap((tx) => tx.eventIds).sort()).to.deep.equal(allIds(db).sort());
    expect(await chain.provider.getTransactionCount(wallet.address, "latest")).to.equal(sent.length);
  });

  it("fails one invalid event in the middle with the reason in words and confirms the rest", async function () {
    const { db, relayer, writer, txs, outbox } = await setup({ batchSize: 50 });
    const { producer, carrier, outsider } = chain.orgs;
    let bad: string | undefined;
    for (let i = 0; i < 10; i++) {
      await writer.add(producer, batch(`b${i}`), KIND.Harvest);
      if (i === 5) bad = (await writer.add(outsider, batch("b-outsider"), KIND.Harvest)).id;
      await writer.add(producer, batch(`b${i}`), KIND.Shipment, { counterparty: carrier });
    }

    await tickUntilSettled(relayer, db);

    const failed = outbox.byId(bad!)!;
    expect(failed.status).to.equal("failed");
    expect(failed.error).to.equal(
      `ProvenanceLedgerUnauthorizedSigner(${outsider.address}, 0): the signer does not hold a role for this kind of event`,
    );
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 20, failed: 1 });
    expect(txs.all()).to.have.length(1); // skipped inside the batch, not a reverted transaction
    expect(outbox.latestHead(batch("b-outsider"))).to.equal(undefined);
    await expectOnChainExactlyOnce(chain, db);
  });

  // In one transaction (the rejections come together), and two events per transaction (the
  // failure is settled before the stale events' own receipt is read).
  for (const batchSize of [50, 2]) {
    it(`re-signs a custodial event whose predecessor failed, and fails a self-signed one with the stale-head reason (batches of ${batchSize})`, async function () {
      const { producer, retailer, selfRetailer, outsider } = chain.orgs;
      const resigned: string[] = [];
      const { db, relayer, writer, outbox } = await setup({
        batchSize,
        // The gateway keeps the retailer's key, not the self-signing retailer's.
        resign: async (event, prevHead) => {
          if (event.signer !== retailer.address) return undefined;
          resigned.push(event.id);
          const again: LedgerEvent = {
            batchId: event.batchId,
            kind: event.kind,
            prevHead,
            dataHash: event.dataHash,
            inputs: event.inputs,
            counterparty: event.counterparty,
          };
          return signEvent(retailer, chain.domain, again);
        },
      });
      const custodial = batch(`r${batchSize}-custodial`);
      const selfSigned = batch(`r${batchSize}-self`);
      // Each batch is shipped to the counter; an outsider's event in between fails (it holds no
      // role), and the receipt and sale that extended it are stale. Without it they still hold
      // true: the shipment they follow is on chain.
      await writer.add(producer, selfSigned, KIND.Harvest);
      const shx = await writer.add(producer, selfSigned, KIND.Shipment, { counterparty: selfRetailer });
      const sx = await writer.add(outsider, selfSigned, KIND.Processing); // no role: fails
      const rx = await writer.add(selfRetailer, selfSigned, KIND.Receipt);
      const salex = await writer.add(selfRetailer, selfSigned, KIND.Sale);
      await writer.add(producer, custodial, KIND.Harvest);
      const shy = await writer.add(producer, custodial, KIND.Shipment, { counterparty: retailer });
      await writer.add(outsider, custodial, KIND.Processing);
      const ry = await writer.add(retailer, custodial, KIND.Receipt);
      const saley = await writer.add(retailer, custodial, KIND.Sale);

      await tickUntilSettled(relayer, db);

      for (const e of [rx, salex]) {
        const after = outbox.byId(e.id)!;
        expect(after.status, `self-signed event ${e.kind}`).to.equal("failed");
        expect(after.error).to.match(
          /^ProvenanceLedgerStaleHead\(0x[0-9a-f]{64}, 0x[0-9a-f]{64}, 0x[0-9a-f]{64}\): the event extends a head the batch does not have/,
        );
        expect(after.error)
          .to.contain(shx.head)
          .and.to.match(/the event it extended failed$/);
      }
      expect(outbox.byId(rx.id)!.error).to.contain(sx.head);
      expect(outbox.latestHead(selfSigned)).to.equal(shx.head);

      expect(resigned.sort()).to.deep.equal([ry.id, saley.id].sort());
      const ryAfter = outbox.byId(ry.id)!;
      const saleyAfter = outbox.byId(saley.id)!;
      expect([ryAfter.status, saleyAfter.status]).to.deep.equal(["confirmed", "confirmed"]);
      expect(ryAfter.prevHead).to.equal(shy.head);
      expect(saleyAfter.prevHead).to.equal(ryAfter.head);
      expect(outbox.latestHead(custodial)).to.equal(saleyAfter.head);
      expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 6, failed: 4 });
      await expectOnChainExactlyOnce(chain, db);
    });
  }

  it("confirms, not fails, an event the chain already has (another relayer recorded it)", async function () {
    const { db, relayer, writer, outbox, txs } = await setup();
    const { producer, carrier } = chain.orgs;
    const id = batch("f-elsewhere");
    const harvest: LedgerEvent = {
      batchId: id,
      kind: KIND.Harvest,
      prevHead: ZERO_HASH,
      dataHash: `0x${"ab".repeat(32)}`,
      inputs: [],
      counterparty: ZeroAddress,
    };
    const signed = await signEvent(producer, chain.domain, harvest);
    const other = await chain.ledger.connect(await chain.fundedWallet()).getFunction("record")(signed, [], [], []);
    const otherReceipt = await other.wait();
    const accepted = writer.insert(producer.address, harvest, signed);
    await writer.add(producer, id, KIND.Shipment, { counterparty: carrier });

    await tickUntilSettled(relayer, db);

    const confirmed = outbox.byId(accepted.id)!;
    expect(confirmed.status).to.equal("confirmed");
    expect(confirmed.txHash).to.equal(other.hash);
    expect(confirmed.blockNumber).to.equal(otherReceipt.blockNumber);
    expect(confirmed.txNonce).to.equal(null); // not one of ours
    expect(txs.all()[0].eventIds).to.include(accepted.id); // it was sent, and rejected as BatchExists
    expect(outbox.countByStatus().confirmed).to.equal(2);
    await expectOnChainExactlyOnce(chain, db);
  });

  it("isolates a malformed event that makes the whole batch revert, one event at a time", async function () {
    const { db, relayer, writer, outbox, txs } = await setup();
    const { producer } = chain.orgs;
    for (let i = 0; i < 3; i++) await writer.add(producer, batch(`g${i}`), KIND.Harvest);
    // Kind 9 is no EventKind: the ABI decoder reverts the whole call, and any batch holding it.
    const malformed: LedgerEvent = {
      batchId: batch("g-bad"),
      kind: 9,
      prevHead: ZERO_HASH,
      dataHash: `0x${"cd".repeat(32)}`,
      inputs: [],
      counterparty: ZeroAddress,
    };
    const bad = writer.insert(producer.address, malformed, await signEvent(producer, chain.domain, malformed));
    for (let i = 3; i < 5; i++) await writer.add(producer, batch(`g${i}`), KIND.Harvest);

    await tickUntilSettled(relayer, db);

    expect(outbox.byId(bad.id)!.status).to.equal("failed");
    expect(outbox.byId(bad.id)!.error).to.equal("the call reverted without a reason: a malformed call, or out of gas");
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 5, failed: 1 });
    // The batch of six is mined reverted (no dry run for batches); then each goes alone, and the
    // bad one fails at its own dry run without a transaction.
    expect(txs.all().map((tx) => tx.eventIds.length)).to.deep.equal([6, 1, 1, 1, 1, 1]);
    await expectOnChainExactlyOnce(chain, db);
  });

  it("replaces a stuck transaction with higher fees, and sends the events of a dropped one again", async function () {
    let now = Date.now(); // the relayer's clock: moved on by hand, not by waiting
    const { db, relayer, writer, outbox, txs } = await setup({ replaceAfterMs: 50, now: () => now });
    const { producer, carrier } = chain.orgs;
    await chain.provider.send("evm_setAutomine", [false]);
    try {
      for (let i = 0; i < 4; i++) {
        await writer.add(producer, batch(`e${i}`), KIND.Harvest);
        await writer.add(producer, batch(`e${i}`), KIND.Shipment, { counterparty: carrier });
      }
      expect((await relayer.tick()).sent).to.equal(1);
      const first = txs.all()[0];
      expect(first.status).to.equal("sent");

      // Not mined within replaceAfterMs: same nonce and call, fees up by at least 12.5%.
      now += 80;
      expect((await relayer.tick()).replaced).to.equal(1);
      const bumped = txs.byNonce(first.nonce)!;
      expect(bumped.hashes).to.deep.equal([first.hash, bumped.hash]);
      expect(bumped.data).to.equal(first.data);
      expect(bumped.maxFee >= (first.maxFee * 1125n) / 1000n).to.equal(true);
      expect(bumped.priorityFee >= (first.priorityFee * 1125n) / 1000n).to.equal(true);
      expect(await chain.provider.getTransaction(first.hash)).to.equal(null); // the pool replaced it
      expect((await chain.provider.getTransaction(bumped.hash))?.maxFeePerGas).to.equal(bumped.maxFee);

      // The node forgets it: nonce unused, so its events go again in a new transaction.
      await chain.provider.send("anvil_dropTransaction", [bumped.hash]);
      const report = await relayer.tick();
      expect(report).to.include({ dropped: 1, requeued: 8, sent: 1 });
      const resent = txs.byNonce(first.nonce)!;
      expect(resent.status).to.equal("sent");
      expect(resent.hashes).to.deep.equal([resent.hash]);
      expect(resent.maxFee >= (bumped.maxFee * 1125n) / 1000n).to.equal(true); // outbids any stale copy

      await chain.mine();
      await tickUntilSettled(relayer, db);
    } finally {
      await chain.provider.send("evm_setAutomine", [true]);
    }
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 8, failed: 0 });
    expect(txs.all().map((tx) => tx.status)).to.deep.equal(["mined"]);
    await expectOnChainExactlyOnce(chain, db);
  });
});

const allIds = (db: Db): string[] => (db.prepare(`SELECT id FROM outbox`).all() as { id: string }[]).map((r) => r.id);
