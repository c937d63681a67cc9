/**
 * The embedded chain's socket provider against the real anvil binary with its pruned history:
 * a call on "latest" that races a newly mined block is answered, not failed. Without the retry a
 * fifth or so of such calls failed with anvil's "BlockOutOfRangeError" (the demo's
 * `POST /api/v1/orgs answered 500` under a busy CI machine).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedAnvil, type EmbeddedAnvilHandle } from "../../server/chain/anvil";
import { IpcProvider, isPrunedLatestRace } from "../../server/chain/ipc-provider";
import { freePort } from "../../scripts/lib/processes";

const SOMEONE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const RACE = { id: 1, error: { code: -32602, message: "BlockOutOfRangeError: block height is 9 but requested was 8" } };

describe("the embedded chain's socket provider", function () {
  this.timeout(60_000);

  describe("calls on a state anvil pruned while they ran", function () {
    let dataDir: string;
    let anvil: EmbeddedAnvilHandle;
    let provider: IpcProvider;

    before(async function () {
      dataDir = mkdtempSync(path.join(tmpdir(), "ipc-provider-"));
      anvil = await startEmbeddedAnvil({
        ipcPath: path.join(dataDir, "anvil.ipc"),
        stateFile: path.join(dataDir, "chain.json"),
        stateInterval: 3600,
        isolation: "off",
        port: await freePort(),
        keepBlocks: 128,
      });
      provider = new IpcProvider(anvil.ipcPath, undefined, { cacheTimeout: -1 });
    });

    after(async function () {
      provider?.destroy();
      await anvil?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("answers every eth_call on latest while blocks are mined as fast as anvil can", async function () {
      let mining = true;
      let mined = 0;
      const miner = (async () => {
        while (mining) {
          await provider.send("evm_mine", []);
          mined++;
        }
      })();
      const failures: string[] = [];
      let calls = 0;
      const caller = async () => {
        while (calls < 600) {
          calls++;
          await provider.send("eth_call", [{ to: SOMEONE, data: "0x" }, "latest"]).catch((error: Error) => failures.push(error.message));
        }
      };
      await Promise.all([caller(), caller(), caller(), caller()]);
      mining = false;
      await miner;
      expect(mined, "blocks mined during the calls").to.be.greaterThan(50);
      expect(failures, "failed calls").to.deep.equal([]);
    });
  });

  describe("which failures are the race", function () {
    const call = (block?: unknown) => ({ jsonrpc: "2.0" as const, id: 1, method: "eth_call", params: block === undefined ? [{ to: SOMEONE }] : [{ to: SOMEONE }, block] });

    it("a call on latest, pending or no block that anvil found out of range", function () {
      expect(isPrunedLatestRace(call("latest"), RACE)).to.equal(true);
      expect(isPrunedLatestRace(call("pending"), RACE)).to.equal(true);
      expect(isPrunedLatestRace(call(), RACE)).to.equal(true);
      expect(isPrunedLatestRace({ ...call(), method: "eth_estimateGas", params: [{ to: SOMEONE }] }, RACE)).to.equal(true);
    });

    it("not a call at an explicit block, another method, another error or an answer", function () {
      expect(isPrunedLatestRace(call("0x8"), RACE)).to.equal(false);
      expect(isPrunedLatestRace({ ...call("latest"), method: "eth_getLogs" }, RACE)).to.equal(false);
      expect(isPrunedLatestRace(call("latest"), { ...RACE, error: { code: 3, message: "execution reverted" } })).to.equal(false);
      expect(isPrunedLatestRace(call("latest"), { id: 1, result: "0x" })).to.equal(false);
    });
  });
});
