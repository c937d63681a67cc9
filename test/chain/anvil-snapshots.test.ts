/**
 * The embedded chain's snapshots, against the real anvil binary: what a hard kill leaves behind
 * can always be loaded, a dump whose state ran ahead of its blocks is refused, and a file cut
 * short falls back to the snapshot before it.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { ANVIL_DEV_KEY, startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { previousSnapshotPath, snapshotProblem, usableSnapshot } from "../../server/chain/anvil-snapshots";
import { freePort } from "../../scripts/lib/processes";

describe("embedded chain snapshots (anvil)", function () {
  this.timeout(60_000);
  let dataDir: string;
  let stateFile: string;
  let anvil: AnvilHandle | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "anvil-snapshots-"));
    stateFile = path.join(dataDir, "chain.json");
  });
  afterEach(async () => {
    await anvil?.stop().catch(() => undefined);
    anvil = undefined;
  });

  const start = async () => {
    anvil = await startAnvil({ port: await freePort(), stateFile, stateInterval: 600 });
    return new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true });
  };
  /** Sends `count` transfers from the dev account, one after the other. */
  const send = async (provider: JsonRpcProvider, count: number) => {
    const wallet = new Wallet(ANVIL_DEV_KEY, provider);
    for (let i = 0; i < count; i++) await (await wallet.sendTransaction({ to: wallet.address, value: 1n })).wait();
    return wallet.address;
  };
  const killHard = async () => {
    anvil!.process.kill("SIGKILL");
    await new Promise((resolve) => anvil!.process.once("exit", resolve));
    anvil = undefined;
  };

  it("comes back after kill -9 with everything up to its last snapshot, blocks and receipts included", async function () {
    let provider = await start();
    const address = await send(provider, 3);
    expect(await anvil!.snapshot()).to.equal(true);
    await send(provider, 2); // after the snapshot: lost by the kill
    await killHard();

    provider = await start();
    expect(await provider.getTransactionCount(address, "latest")).to.equal(3);
    expect(await provider.getBlockNumber()).to.equal(3);
    const block = await provider.getBlock(3);
    expect(await provider.getTransactionReceipt(block!.transactions[0])).to.not.equal(null);
  });

  it("keeps what it had on a clean stop", async function () {
    let provider = await start();
    const address = await send(provider, 2);
    await anvil!.stop();
    anvil = undefined;
    provider = await start();
    expect(await provider.getTransactionCount(address, "latest")).to.equal(2);
  });

  it("refuses a dump whose state ran ahead of its blocks, naming the account", async function () {
    const provider = await start();
    const address = await send(provider, 2);
    expect(await anvil!.snapshot()).to.equal(true);
    const dump = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(snapshotProblem(JSON.stringify(dump))).to.equal(undefined);

    const key = Object.keys(dump.accounts).find((a) => a.toLowerCase() === address.toLowerCase())!;
    dump.accounts[key].nonce = Number(dump.accounts[key].nonce) + 1; // a transaction in the state, not in the blocks
    expect(snapshotProblem(JSON.stringify(dump))).to.match(new RegExp(`${address}.*has sent 3 .*hold 2`, "i"));
  });

  it("refuses a file cut short", function () {
    expect(snapshotProblem('{"accounts":{"0x00":{"nonce":')).to.match(/not complete JSON/);
  });

  it("starts from the snapshot before when the last one is cut short, and keeps the bad file aside", async function () {
    let provider = await start();
    const address = await send(provider, 1);
    expect(await anvil!.snapshot()).to.equal(true);
    await send(provider, 1);
    expect(await anvil!.snapshot()).to.equal(true);
    await killHard();
    expect(existsSync(previousSnapshotPath(stateFile))).to.equal(true);
    writeFileSync(stateFile, readFileSync(stateFile, "utf8").slice(0, 500)); // what an in-place write cut by a kill leaves

    provider = await start();
    expect(await provider.getTransactionCount(address, "latest")).to.equal(1);
    expect(readdirSync(dataDir).some((name) => name.startsWith("chain.json.unusable-"))).to.equal(true);
  });

  it("refuses to start an empty chain in place of an unusable one", function () {
    writeFileSync(stateFile, "{");
    expect(() => usableSnapshot(stateFile)).to.throw(/no usable state is left/);
  });

  it("starts a new chain when there is no state yet", function () {
    expect(usableSnapshot(stateFile)).to.deep.equal({ notes: [] });
  });
});
