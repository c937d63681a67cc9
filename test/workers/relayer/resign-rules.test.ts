/**
 * An event whose predecessor failed on chain is signed again over the batch's real head only if
 * it still keeps the ledger's rules without that predecessor: a receipt whose shipment failed
 * fails too, in the rules' words, and a shipment that never depended on the failed event is
 * re-signed and confirmed. Through a whole gateway on Hardhat's in-process chain.
 */
import { expect } from "chai";
import { Contract, Wallet } from "ethers";
import { startHarness, type Harness } from "../../helpers/gateway-harness";
import * as payload from "../../../scripts/lib/payloads";
import { ANVIL_DEV_KEY } from "../../../server/chain/anvil";
import { loadLedgerArtifact } from "../../../server/chain/ledger-artifact";
import { roleId } from "../../../server/chain/roles";

type Org = { id: string; address: string; apiKey: string };

describe("relayer: re-signing under the ledger's rules", function () {
  let h: Harness;
  let producer: Org, carrier: Org, counter: Org;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("临时承运商", "carrier");
    counter = await h.org("福田区消费帮扶专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
  });

  async function accepted(batchId: string, org: Org, body: unknown): Promise<string> {
    const answer = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body.eventId;
  }

  it("fails a receipt whose shipment failed on chain, and re-signs what stands without it", async function () {
    const { batchId } = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("RS-1") })).body;
    // The carrier takes 300 kg over: the cooperative ships them to it, and it receives them.
    const kg = (amount: number) => ({ quantity: { amount, unit: "kg" } });
    await accepted(batchId, producer, payload.shipment(carrier.id, { ...kg(300), shippedAt: "2026-06-02T06:00:00+08:00" }));
    await accepted(batchId, carrier, { ...payload.receipt, location: "承运方冷链中转仓", receivedAt: "2026-06-02T08:00:00+08:00" });
    await h.settle();
    // All accepted while the chain still knows the carrier; its role is revoked before they are sent.
    const shipment = await accepted(batchId, carrier, payload.shipment(counter.id, { ...kg(200), shippedAt: "2026-06-02T10:00:00+08:00" }));
    const receipt = await accepted(batchId, counter, payload.receipt);
    const ownShipment = await accepted(batchId, producer, payload.shipment(counter.id, { ...kg(100), shippedAt: "2026-06-03T10:00:00+08:00" }));
    const { contract } = (await h.call("GET", "/api/v1/chain")).body;
    const admin = new Contract(contract, loadLedgerArtifact().abi, new Wallet(ANVIL_DEV_KEY, h.provider));
    await (await admin.revokeRole(roleId("carrier"), carrier.address)).wait();

    await h.settle();
    const status = async (id: string) => (await h.call("GET", `/api/v1/events/${id}`)).body;
    expect((await status(shipment)).status).to.equal("failed");
    const refused = await status(receipt);
    expect(refused.status).to.equal("failed");
    expect(refused.error).to.contain("breaks a rule of the ledger").and.to.contain("nothing of this batch was shipped to");
    // The producer's own shipment (it still holds the rest) never needed the carrier's: re-signed
    // over the real head, on chain.
    expect((await status(ownShipment)).status).to.equal("confirmed");
    const read = (await h.call("GET", `/api/v1/batches/${batchId}`)).body;
    expect(read.events.map((e: { type: string }) => e.type)).to.deep.equal(["harvest", "shipment", "receipt", "shipment"]);
    expect(read.findings).to.deep.equal([]);
  });
});
