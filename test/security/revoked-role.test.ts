/**
 * A signer revoked on chain, as an attacker who still holds its API key meets it: once the
 * ledger's admin revokes an organisation's role directly on the chain (with any tool, not
 * through the gateway), its next write is refused at once with a 403 naming it — through the
 * custodial API and the self-signing routes alike — and nothing is signed or queued for the
 * relayer. The index is the truth once it has seen a role change: granted again on chain, the
 * organisation writes again.
 */
import { expect } from "chai";
import { Contract, Wallet } from "ethers";
import { ANVIL_DEV_KEY } from "../../server/chain/anvil";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { roleId } from "../../server/chain/roles";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; name: string; address: string; apiKey: string };

describe("security: an organisation revoked on chain is refused at once", function () {
  this.timeout(120_000);
  let h: Harness;
  let ledger: Contract;

  before(async function () {
    h = await startHarness();
    const chain = (await h.call("GET", "/api/v1/chain")).body as { contract: string };
    // The admin acting on the chain directly, as a block explorer or cast would.
    ledger = new Contract(chain.contract, loadLedgerArtifact().abi, new Wallet(ANVIL_DEV_KEY, h.provider));
  });
  after(async () => h?.stop());

  const outboxSize = () => (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
  const onChain = async (action: "grantRole" | "revokeRole", role: string, account: string) => {
    await (await ledger[action](roleId(role as "producer"), account)).wait();
    await h.gateway.indexer.tick(); // what the gateway's own indexer does every INDEXER_INTERVAL_MS
  };

  it("refuses a custodial write with 403 naming the organisation, before anything is signed or queued", async function () {
    const producer = (await h.org("田东芒果合作社", "producer")) as Org;
    const first = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("REVOKE-1") });
    expect(first.status, JSON.stringify(first.body)).to.equal(202);
    await h.settle();

    await onChain("revokeRole", "producer", producer.address);
    const before = outboxSize();
    const refused = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("REVOKE-2") });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(403);
    expect(refused.body.error.message).to.contain("田东芒果合作社").and.to.contain("revoked");
    expect(refused.body.error.fields[0].zh).to.contain("田东芒果合作社").and.to.contain("撤销");
    expect(outboxSize()).to.equal(before); // nothing signed, nothing for the relayer

    // An event on its existing batch is refused the same way.
    const onBatch = await h.call("POST", `/api/v1/batches/${first.body.batchId}/events`, {
      token: producer.apiKey,
      body: { type: "recall", reason: "抽检不合格", recalledAt: "2026-06-02T08:00:00+08:00" },
    });
    expect(onBatch.status, JSON.stringify(onBatch.body)).to.equal(403);
    expect(outboxSize()).to.equal(before);
  });

  it("refuses a revoked certifier's attestation and revocation, before anything is signed", async function () {
    const producer = (await h.org("百色芒果合作社", "producer")) as Org;
    const certifier = (await h.org("撤销后的认证机构", "certifier")) as Org;
    const { batchId } = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("REVOKE-C1") })).body;
    const attested = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-REVOKE-1") });
    expect(attested.status, JSON.stringify(attested.body)).to.equal(202);
    await h.settle();

    await onChain("revokeRole", "certifier", certifier.address);
    const queued = () => (h.db.prepare(`SELECT count(*) AS n FROM certification_outbox`).get() as { n: number }).n;
    const before = queued();
    const again = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-REVOKE-2") });
    expect(again.status, JSON.stringify(again.body)).to.equal(403);
    expect(again.body.error.message).to.contain("撤销后的认证机构").and.to.contain("revoked");
    const revoke = await h.call("POST", `/api/v1/certifications/${attested.body.certificationId}/revoke`, { token: certifier.apiKey, body: { reason: "test" } });
    expect(revoke.status, JSON.stringify(revoke.body)).to.equal(403);
    expect(queued()).to.equal(before);
  });

  it("refuses the self-signing routes of a revoked organisation", async function () {
    const key = Wallet.createRandom();
    const producer = (await h.org("紫金茶叶合作社", "producer", key.address)) as Org;
    const prepared = await h.call("POST", "/api/v1/signing-requests/batches", { token: producer.apiKey, body: payload.harvest("SELF-1") });
    expect(prepared.status, JSON.stringify(prepared.body)).to.equal(201);

    await onChain("revokeRole", "producer", key.address);
    const again = await h.call("POST", "/api/v1/signing-requests/batches", { token: producer.apiKey, body: payload.harvest("SELF-2") });
    expect(again.status, JSON.stringify(again.body)).to.equal(403);
    expect(again.body.error.message).to.contain("紫金茶叶合作社");

    // A request prepared before the revocation cannot be submitted after it either.
    const { requestId, domain, types, events } = prepared.body as { requestId: string; domain: any; types: any; events: Array<{ message: any }> };
    const signatures = await Promise.all(events.map(({ message }) => key.signTypedData(domain, types, message)));
    const before = outboxSize();
    const submitted = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures`, { token: producer.apiKey, body: { signatures } });
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(403);
    expect(outboxSize()).to.equal(before);
  });

  it("takes the chain's word once it has seen a role change: granted again on chain, the organisation writes again", async function () {
    const producer = (await h.org("乐业猕猴桃合作社", "producer")) as Org;
    await onChain("revokeRole", "producer", producer.address);
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("REGRANT-1") })).status).to.equal(403);
    await onChain("grantRole", "producer", producer.address);
    const accepted = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("REGRANT-1") });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
  });
});
