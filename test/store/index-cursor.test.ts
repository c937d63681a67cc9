/** IndexCursor: the index's cursor, read back after the indexer has followed the story. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { IndexCursor } from "../../server/store/index-cursor";
import { indexedStoryDb } from "../workers/indexer/story";

/** The story, indexed. */
async function indexedStory() {
  const { f, db } = await indexedStoryDb();
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
