/** The indexer's chunk span: small at first, doubling while chunks are light, shrinking when one is heavy. */
import { expect } from "chai";
import { nextSpan } from "../../../server/workers/indexer/indexer";

describe("indexer: the span of a chunk adapts to how many logs the chain holds", function () {
  it("doubles while chunks are light, up to the configured chunk size", function () {
    expect(nextSpan(32, 10, 2_000)).to.equal(64);
    expect(nextSpan(1_500, 0, 2_000)).to.equal(2_000);
  });

  it("shrinks in proportion when a chunk held too many logs, never below one block", function () {
    expect(nextSpan(642, 300_000, 2_000)).to.equal(8);
    expect(nextSpan(1, 50_000, 2_000)).to.equal(1);
  });

  it("keeps a span whose chunks hold about the right number of logs", function () {
    expect(nextSpan(100, 3_000, 2_000)).to.equal(100);
  });
});
