/**
 * anvil's dump on exit (server/chain/anvil-exit-dump.ts), which keeps the blocks after the last
 * snapshot when the gateway dies: taken as the chain's state only when complete and newer than
 * the last snapshot; a dump cut short is set aside, an older one dropped.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { adoptExitDump, exitDumpPath } from "../../server/chain/anvil-exit-dump";

/** A state dump as anvil writes it, reduced to what the snapshot check reads. */
const state = (best: number) => JSON.stringify({ accounts: {}, best_block_number: best, transactions: [], blocks: [] });

describe("anvil's dump on exit", function () {
  let dir: string;
  let stateFile: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "exit-dump-"));
    stateFile = path.join(dir, "chain.json");
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("becomes the chain's state when newer than the last snapshot, which becomes the one before", function () {
    writeFileSync(stateFile, state(10));
    writeFileSync(exitDumpPath(stateFile), state(14));
    expect(adoptExitDump(stateFile)).to.contain("block 14").and.to.contain("block 10");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).best_block_number).to.equal(14);
    expect(JSON.parse(readFileSync(`${stateFile}.previous`, "utf8")).best_block_number).to.equal(10);
    expect(existsSync(exitDumpPath(stateFile))).to.equal(false);
  });

  it("is dropped when the last snapshot holds as many blocks", function () {
    writeFileSync(stateFile, state(10));
    writeFileSync(exitDumpPath(stateFile), state(10));
    expect(adoptExitDump(stateFile)).to.equal(undefined);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).best_block_number).to.equal(10);
    expect(existsSync(exitDumpPath(stateFile))).to.equal(false);
  });

  it("is set aside, never loaded, when anvil was killed while writing it", function () {
    writeFileSync(stateFile, state(10));
    writeFileSync(exitDumpPath(stateFile), state(14).slice(0, 30));
    expect(adoptExitDump(stateFile)).to.contain("cannot be used");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).best_block_number).to.equal(10);
    expect(readdirSync(dir).filter((name) => name.startsWith("chain.json.exit.unusable-"))).to.have.length(1);
  });

  it("is the chain's state when there was no snapshot yet", function () {
    writeFileSync(exitDumpPath(stateFile), state(3));
    expect(adoptExitDump(stateFile)).to.contain("block 3");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).best_block_number).to.equal(3);
    expect(existsSync(`${stateFile}.previous`)).to.equal(false);
  });
});
