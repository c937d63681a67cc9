/**
 * The embedded chain keeps its last blocks' transactions and logs only (keepBlocks: anvil's
 * --transaction-block-keeper, with --prune-history), against the real anvil binary: the older
 * blocks keep their headers, a snapshot says which blocks it no longer holds, and an index behind
 * the kept blocks stops and says so instead of skipping their events.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { startEmbeddedAnvil, type EmbeddedAnvilHandle } from "../../server/chain/anvil";
import { firstPrunedBlockAfter } from "../../server/chain/anvil-snapshots";
import { IpcProvider } from "../../server/chain/ipc-provider";
import { openDatabase } from "../../server/store/database";
import { createIndexer } from "../../server/workers/indexer";
import { freePort } from "../../scripts/lib/processes";

/** A contract whose every call emits one log of its calldata (LOG0). */
const LOGGER_INIT = "0x600b600c600039600b6000f3" + "366000600037366000a000";
const KEEP = 3;

describe("the embedded chain's kept history (anvil)", function () {
  this.timeout(60_000);
  let dataDir: string;
  let anvil: EmbeddedAnvilHandle;
  let provider: IpcProvider;
  let logger: string;
  let txBlocks: number[];

  before(async function () {
    dataDir = mkdtempSync(path.join(tmpdir(), "embedded-history-"));
    anvil = await startEmbeddedAnvil({
      ipcPath: path.join(dataDir, "anvil.ipc"),
      stateFile: path.join(dataDir, "chain.json"),
      stateInterval: 3600,
      isolation: "off",
      port: await freePort(),
      keepBlocks: KEEP,
    });
    provider = new IpcProvider(anvil.ipcPath, undefined, { cacheTimeout: -1 });
    // An account whose only transaction will be older than the kept blocks (as the admin's grants are).
    const early = Wallet.createRandom().connect(provider);
    await provider.send("anvil_setBalance", [early.address, "0x56bc75e2d63100000"]);
    await (await early.sendTransaction({ to: early.address, value: 1n })).wait();
    const wallet = Wallet.createRandom().connect(provider);
    await provider.send("anvil_setBalance", [wallet.address, "0x56bc75e2d63100000"]);
    const deployed = await (await wallet.sendTransaction({ data: LOGGER_INIT })).wait();
    logger = deployed!.contractAddress!;
    txBlocks = [deployed!.blockNumber];
    for (let i = 1; i <= 8; i++) {
      const receipt = await (await wallet.sendTransaction({ to: logger, data: `0x0${i}` })).wait();
      txBlocks.push(receipt!.blockNumber);
    }
  });

  after(async function () {
    provider?.destroy();
    await anvil?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the logs of its last blocks only, and keeps every block's header", async function () {
    const logs = await provider.getLogs({ address: logger, fromBlock: 0, toBlock: "latest" });
    expect(logs.map((log) => log.blockNumber)).to.deep.equal(txBlocks.slice(-KEEP));
    const first = await provider.getBlock(txBlocks[1]);
    expect(first?.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await provider.getTransactionReceipt((await provider.getBlock(txBlocks.at(-1)!))!.transactions[0])).to.not.equal(null);
  });

  it("saves a snapshot, checked though an account's transactions are no longer held, that says which blocks it no longer holds the transactions of", async function () {
    expect(await anvil.snapshot()).to.equal(true);
    const json = readFileSync(path.join(dataDir, "chain.json"), "utf8");
    expect(firstPrunedBlockAfter(json, 0)).to.equal(txBlocks[0] - 1); // the early account's transaction
    expect(firstPrunedBlockAfter(json, txBlocks[0] - 1)).to.equal(txBlocks[0]);
    expect(firstPrunedBlockAfter(json, txBlocks.at(-KEEP - 1)!)).to.equal(undefined);
    expect(anvil.saveFigures()?.bytes).to.be.above(0);
  });

  it("stops an index that is behind the kept blocks, naming them, rather than skip their events", async function () {
    const db = openDatabase(path.join(dataDir, "index.sqlite"));
    const messages: string[] = [];
    const indexer = createIndexer({
      db,
      provider,
      address: logger,
      deployBlock: txBlocks[0],
      confirmations: 0,
      historyFrom: (head) => head - KEEP + 1,
      log: (message) => messages.push(message),
    });
    await indexer.tick();
    const head = await provider.getBlockNumber();
    expect(indexer.status().cursor).to.equal(txBlocks[0] - 1);
    expect(indexer.status().historyGap).to.deep.equal({ from: txBlocks[0], keptFrom: head - KEEP + 1 });
    expect(messages.join("\n")).to.contain(`the index stops at block ${txBlocks[0] - 1}`);
    db.close();
  });
});
