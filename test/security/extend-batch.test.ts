/**
 * Finding 2 of issue 19 as the rival would try it, against a real gateway process on a real
 * anvil: a producer writes on another cooperative's batch — a note that it is contaminated, then
 * a split of it into a lot of its own — through the API, through a self-signed relay, and with
 * its own key straight to the contract. Every way is refused, the last by the contract itself.
 */
import { expect } from "chai";
import { startTarget, type Target } from "../../scripts/lib/attack-target";
import { tryToExtend } from "../../scripts/attack-extend-batch";

describe("security: who may extend a batch (a rival producer)", function () {
  this.timeout(180_000);
  let target: Target;

  before(async function () {
    target = await startTarget();
  });
  after(async () => target?.stop());

  it("refuses the rival through the API, the self-signed relay and the contract, and leaves the victim's batch as it was", async function () {
    const outcome = await tryToExtend(target);
    expect(outcome["API: processing note on the victim's batch"]).to.match(/^refused 409: .*has not received this batch/);
    expect(outcome["API: split the victim's 500 kg into the rival's own lot"]).to.match(/^refused 409: .*竞争对手合作社.*has not received this batch/);
    expect(outcome["self-signed relay through the gateway"]).to.match(/^refused 409/);
    expect(outcome["own key straight to the contract"]).to.equal("reverted: ProvenanceLedgerNotHolder");
    expect(outcome["victim's page shows the note"]).to.equal("false");
    expect(outcome["rival's lot exists with the victim's history"]).to.equal("false");
  });
});
