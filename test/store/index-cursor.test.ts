/** IndexCursor: the index's cursor, read back after the indexer has followed the story. */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import { deployLedgerFixture } from "../helpers/ledger-fixture";
import { openDatabase } from "../../server/store/database";
import { IndexCursor } from "../../server/store/index-cursor";
import { createIndexer } from "../../server/workers/indexer";
import { recordStory } from "../workers/indexer/story";

/** The story, indexed. */
async function indexedStory() {
  const f = await loadFixture(deployLedgerFixture);
  await recordStory(f);
  const db = openDatabase(":memory:");
  const indexer = createIndexer({
    db,
    provider: ethers.provider,
    address: f.deployment.address,
    deployBlock: f.deployment.deployBlock,
    confirmations: 0,
  });
  await indexer.tick();
  return { f, cursor: new IndexCursor(db) };
}

describe("IndexCursor", function () {
  it("getCursor says which ledger the index follows and how far", async function () {
    const { f, cursor } = await indexedStory();
    expect(cursor.getCursor()).to.deep.equal({
      blockNumber: await ethers.provider.getBlockNumber(),
      address: f.deployment.address,
      deployBlock: f.deployment.deployBlock,
    });
  });
});
