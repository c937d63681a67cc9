/**
 * "Confirmed" only in final blocks (chain/finality.ts): an event mined above the last final block
 * stays submitted with its block, is confirmed once that block is final, and goes again when its
 * block is lost first (anvil killed before its state file held the block). Real anvil, real
 * SQLite, the real relayer.
 */
import { expect } from "chai";
import { savedStateFinality } from "../../../server/chain/finality";
import { createRelayer } from "../../../server/workers/relayer";
import { OutboxRepository } from "../../../server/store/outbox-repository";
import { KIND, LEDGER_ARTIFACT, OutboxWriter, TestChain, batch, expectOnChainExactlyOnce, openTestDb } from "./relayer-helpers";

describe("relayer: confirmed only in final blocks", function () {
  this.timeout(60_000);
  let chain: TestChain;

  beforeEach(async function () {
    chain = await TestChain.start(); // a state file, saved only when the test says
    expect(await chain.anvil.snapshot()).to.equal(true); // the deployment is final
  });

  afterEach(async function () {
    await chain?.stop();
  });

  async function setup(finalBlock: (head: number) => number) {
    const { db } = openTestDb(chain.dir);
    const relayer = createRelayer({
      db,
      wallet: await chain.fundedWallet(),
      ledger: { address: chain.deployment.address, abi: LEDGER_ARTIFACT.abi as never },
      fromBlock: chain.deployment.deployBlock,
      batchSize: 10,
      replaceAfterMs: 60_000,
      finalBlock,
    });
    // The funding above is a block of its own: final before any event is sent.
    expect(await chain.anvil.snapshot()).to.equal(true);
    return { db, relayer, writer: new OutboxWriter(db, chain.domain), outbox: new OutboxRepository(db) };
  }

  async function tickUntil(relayer: { tick(): Promise<unknown> }, done: () => boolean, each: () => Promise<unknown> = async () => {}) {
    for (let ticks = 0; ticks < 40 && !done(); ticks++) {
      await relayer.tick();
      await each();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(done()).to.equal(true);
  }

  it("keeps a mined event submitted, with its block, until that block is final; then confirms it", async function () {
    let finalUpTo = Number.NEGATIVE_INFINITY;
    const { relayer, writer, outbox } = await setup((head) => Math.min(head, finalUpTo));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await writer.add(chain.orgs.producer, batch(`final-${i}`), KIND.Harvest)).id);

    await tickUntil(relayer, () => ids.every((id) => outbox.byId(id)!.blockNumber !== null));
    for (const id of ids) expect(outbox.byId(id)!.status).to.equal("submitted");
    expect(outbox.countByStatus().confirmed).to.equal(0);

    finalUpTo = await chain.provider.getBlockNumber();
    await relayer.tick();
    for (const id of ids) expect(outbox.byId(id)!.status).to.equal("confirmed");
  });

  it("never calls confirmed an event whose block anvil lost in a kill -9: it goes again and is confirmed once saved", async function () {
    // The embedded chain's rule: final once the state file holds the block.
    const { db, relayer, writer, outbox } = await setup((head) => savedStateFinality(chain.anvil, 0).finalBlock(head));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await writer.add(chain.orgs.producer, batch(`lost-${i}`), KIND.Harvest)).id);
    await tickUntil(relayer, () => ids.every((id) => outbox.byId(id)!.blockNumber !== null));
    expect(outbox.countByStatus().confirmed).to.equal(0); // mined, not saved: not confirmed
    const minedBlocks = ids.map((id) => outbox.byId(id)!.blockNumber!);
    const firstTxs = ids.map((id) => outbox.byId(id)!.txHash);

    await chain.restart("SIGKILL"); // anvil comes back from the last save, without those blocks
    expect(await chain.provider.getBlockNumber()).to.be.below(Math.min(...minedBlocks));

    // Each tick may save the state (as the gateway's snapshot loop does): only then is anything final.
    await tickUntil(
      relayer,
      () => outbox.countByStatus().confirmed === ids.length,
      () => chain.anvil.snapshot(),
    );
    // Confirmed by the transactions that went again, not by the lost ones.
    for (const [i, id] of ids.entries()) expect(outbox.byId(id)!.txHash).to.not.equal(firstTxs[i]);
    await expectOnChainExactlyOnce(chain, db);
  });
});
