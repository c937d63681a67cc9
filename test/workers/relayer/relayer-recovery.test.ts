import { expect } from "chai";
import { JsonRpcProvider, Wallet, hexlify, randomBytes } from "ethers";
import { createRelayer, type RelayerOptions } from "../../../server/workers/relayer";
import { openDatabase, type Db } from "../../../server/store/database";
import { ChainTxRepository } from "../../../server/store/chain-tx-repository";
import { OutboxRepository } from "../../../server/store/outbox-repository";
import {
  KIND,
  LEDGER_ARTIFACT,
  OutboxWriter,
  TestChain,
  batch,
  expectOnChainExactlyOnce,
  openTestDb,
  supplyChain,
  tickUntilSettled,
} from "./relayer-helpers";

/**
 * A provider whose process "dies" when the relayer broadcasts: the promise never settles, so
 * nothing the relayer would do next happens, exactly as after a kill -9.
 */
class CrashingProvider extends JsonRpcProvider {
  crash: "no" | "before-broadcast" | "after-broadcast" = "no";
  crashed = false;

  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  }

  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (method === "eth_sendRawTransaction" && this.crash !== "no") {
      if (this.crash === "after-broadcast") await super.send(method, params);
      this.crashed = true;
      return new Promise(() => {});
    }
    return super.send(method, params);
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function relayerOn(chain: TestChain, db: Db, wallet: Wallet, logs: string[] = [], options: Partial<RelayerOptions> = {}) {
  return createRelayer({
    db,
    wallet,
    ledger: { address: chain.deployment.address, abi: LEDGER_ARTIFACT.abi as never },
    fromBlock: chain.deployment.deployBlock,
    batchSize: 15,
    maxInFlight: 2,
    replaceAfterMs: 60_000,
    log: (message) => logs.push(message),
    ...options,
  });
}

/** Every nonce the account used is one of our transactions, mined: no gap, nothing foreign. */
async function expectNoncesWithoutGaps(chain: TestChain, db: Db, address: string): Promise<void> {
  const mined = new ChainTxRepository(db).all().filter((tx) => tx.status === "mined");
  const chainNonce = await chain.provider.getTransactionCount(address, "latest");
  expect(mined.map((tx) => tx.nonce)).to.deep.equal([...Array(chainNonce).keys()]);
  for (const tx of mined)
    expect(await chain.provider.getTransactionReceipt(tx.hash), `receipt of nonce ${tx.nonce}`).to.not.equal(null);
}

describe("relayer recovery", function () {
  let chain: TestChain;
  const providers: JsonRpcProvider[] = [];

  afterEach(function () {
    for (const provider of providers.splice(0)) provider.destroy();
  });

  after(async function () {
    await chain?.stop();
  });

  it("converges exactly once after crashes just before and just after a broadcast", async function () {
    chain = await TestChain.start();
    const { db: db1, file } = openTestDb(chain.dir);
    const writer = new OutboxWriter(db1, chain.domain);
    // Half the events now and half after the first confirmation, so the first instance still
    // has events to broadcast when it is made to crash, however many ticks confirming took.
    await supplyChain(writer, chain.orgs, "c", 12, 4);
    const key = (await chain.fundedWallet()).privateKey;

    // First instance: confirms some, then dies right after handing a transaction to the node.
    const p1 = new CrashingProvider(chain.anvil.rpcUrl);
    providers.push(p1);
    const first = relayerOn(chain, db1, new Wallet(key, p1));
    // Ticks until some are confirmed: a mined transaction is confirmed once its block is final,
    // which on a busy machine can take more than the second tick.
    await waitFor(async () => {
      await first.tick();
      return new OutboxRepository(db1).countByStatus().confirmed > 0;
    }, "a first confirmation");
    expect(new OutboxRepository(db1).countByStatus().confirmed).to.be.greaterThan(0);
    await supplyChain(writer, chain.orgs, "c2", 12, 4);
    p1.crash = "after-broadcast";
    void first.tick();
    await waitFor(() => p1.crashed, "the first crash");
    const broadcastUnrecorded = new ChainTxRepository(db1).withStatus("sent").at(-1)!;
    // On chain (anvil mines it just after answering), while the database still says 'sent'.
    await waitFor(async () => (await chain.provider.getTransactionReceipt(broadcastUnrecorded.hash)) !== null, "its receipt");

    // Second instance over the same file: settles that one, then dies after recording a
    // transaction but before broadcasting it.
    const db2 = openDatabase(file);
    const p2 = new CrashingProvider(chain.anvil.rpcUrl);
    providers.push(p2);
    const second = relayerOn(chain, db2, new Wallet(key, p2));
    p2.crash = "before-broadcast";
    void second.tick();
    await waitFor(() => p2.crashed, "the second crash");
    expect(new OutboxRepository(db2).byId(broadcastUnrecorded.eventIds[0])!.status).to.equal("confirmed");
    const recordedUnsent = new ChainTxRepository(db2).withStatus("sent").at(-1)!;
    expect(await chain.provider.getTransaction(recordedUnsent.hash)).to.equal(null);

    // Third instance: finishes; the never-broadcast nonce is reused, nothing is sent twice.
    const db3 = openDatabase(file);
    const wallet3 = new Wallet(key, chain.provider);
    const logs: string[] = [];
    await tickUntilSettled(relayerOn(chain, db3, wallet3, logs), db3);

    expect(new OutboxRepository(db3).countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 120, failed: 0 });
    expect(logs.join("\n")).to.contain(`nonce ${recordedUnsent.nonce} is unused`);
    await expectOnChainExactlyOnce(chain, db3);
    await expectNoncesWithoutGaps(chain, db3, wallet3.address);
    for (const db of [db1, db2, db3]) db.close();
  });

  it("sends again the events of blocks the chain lost (anvil killed -9 and restarted from its state file)", async function () {
    await chain?.stop();
    chain = await TestChain.start({ stateInterval: 3600 });
    const { db } = openTestDb(chain.dir);
    const writer = new OutboxWriter(db, chain.domain);
    const outbox = new OutboxRepository(db);
    const wallet = new Wallet(hexlify(randomBytes(32)), chain.provider);
    await chain.provider.send("anvil_setBalance", [wallet.address, "0x56bc75e2d63100000"]);
    const logs: string[] = [];
    const relayer = relayerOn(chain, db, wallet, logs);

    // Kept: recorded, then anvil stops cleanly and writes its state file.
    await supplyChain(writer, chain.orgs, "d1", 10, 5);
    await tickUntilSettled(relayer, db);
    const kept = new Map(outbox.ofBatch(batch("d1H0")).map((e) => [e.id, e.txHash]));
    await chain.restart("SIGTERM");
    const savedNonce = await chain.provider.getTransactionCount(wallet.address, "latest");

    // Lost: recorded and confirmed, but anvil is killed before its state interval writes them.
    await supplyChain(writer, chain.orgs, "d2", 11, 3);
    for (const lot of ["d1H5", "d1H6", "d1H7"]) await writer.add(chain.orgs.producer, batch(lot), KIND.Recall);
    await tickUntilSettled(relayer, db);
    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 111, failed: 0 });
    const lostTx = outbox.ofBatch(batch("d1H5")).at(-1)!.txHash!;
    await chain.restart("SIGKILL");
    expect(await chain.provider.getTransactionCount(wallet.address, "latest")).to.equal(savedNonce);
    expect(await chain.provider.getTransactionReceipt(lostTx)).to.equal(null);

    // The running relayer notices on its next tick and sends the lost events again.
    relayer.start(20);
    try {
      await waitFor(
        () => logs.some((line) => line.includes("is behind what we saw mined")) && outbox.countByStatus().confirmed === 111,
        "the lost events to be confirmed again",
      );
    } finally {
      await relayer.stop();
    }

    expect(outbox.countByStatus()).to.deep.equal({ pending: 0, submitted: 0, confirmed: 111, failed: 0 });
    await expectOnChainExactlyOnce(chain, db);
    await expectNoncesWithoutGaps(chain, db, wallet.address);
    expect(await chain.ledger.isRecalled(batch("d1H5"))).to.equal(true);
    for (const [id, txHash] of kept) expect(outbox.byId(id)!.txHash, "an event the chain kept").to.equal(txHash);
  });
});
