/**
 * A 圳品 attestation accepted while the harvest it certifies is still in the outbox waits for
 * the harvest to reach the chain; it never fails as "unknown batch" for being sent first.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../../helpers/gateway-harness";
import * as payload from "../../../scripts/lib/payloads";

describe("certification sender and the relayer's order", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    h = await startHarness(); // no loops: the test drives each tick
  });

  after(async function () {
    await h?.stop();
  });

  const status = async (eventId: string) => (await h.call("GET", `/api/v1/events/${eventId}`)).body.status;

  it("keeps an attestation pending until its batch is on chain, then confirms it", async function () {
    const producer = await h.org("乐业猕猴桃合作社", "producer");
    const certifier = await h.org("深圳市标准技术研究院", "certifier");
    const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("LY-ORDER") });
    const cert = await h.call("POST", `/api/v1/batches/${harvest.body.batchId}/certifications`, {
      token: certifier.apiKey,
      body: payload.certification("ZP-ORDER-1"),
    });
    expect(cert.status).to.equal(202);

    await h.gateway.certificationSender.tick(); // before the relayer sent the harvest
    expect(await status(cert.body.eventId)).to.equal("pending");

    await h.gateway.relayer.tick();
    await h.gateway.certificationSender.tick();
    expect(await status(cert.body.eventId)).to.be.oneOf(["submitted", "confirmed"]);
    await h.settle();
    expect(await status(cert.body.eventId)).to.equal("confirmed");
    expect((await h.call("GET", `/api/v1/batches/${harvest.body.batchId}`)).body.certification.status).to.equal("valid");
  });

  it("still fails an attestation of a batch nobody is creating, with the reason", async function () {
    const certifier = await h.org("另一认证机构", "certifier");
    const producer = await h.org("空批次合作社", "producer");
    const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("LY-GONE") });
    const cert = await h.call("POST", `/api/v1/batches/${harvest.body.batchId}/certifications`, {
      token: certifier.apiKey,
      body: payload.certification("ZP-ORDER-2"),
    });
    // The harvest fails for good (here: marked failed by hand, as the relayer does for a refusal).
    h.db.prepare(`UPDATE outbox SET status = 'failed', error = 'refused' WHERE batch_id = ?`).run(harvest.body.batchId);
    await h.gateway.certificationSender.tick();
    const answer = (await h.call("GET", `/api/v1/events/${cert.body.eventId}`)).body;
    expect(answer.status).to.equal("failed");
    expect(answer.error).to.match(/UnknownBatch/);
  });
});
