/**
 * API reads have a rate limit per client address (issue 19: "API reads (including verify, which
 * reads the chain) not rate limited, 380 req/s from one client"), verifications a stricter one:
 * past it, 429 with Retry-After. Writes, which need an organisation's key, and the health checks
 * are not counted. (API_RATE_LIMIT and VERIFY_RATE_LIMIT; set low here.)
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { harvest, harvestedBatchId } from "../../scripts/lib/payloads";

describe("security: API reads are rate limited per client address", function () {
  this.timeout(120_000);
  let h: Harness;
  let producer: { id: string; apiKey: string };

  before(async function () {
    h = await startHarness({ limits: { apiReadsPerMinute: 8, verifiesPerMinute: 2 } });
    producer = await h.org("田阳芒果专业合作社", "producer");
    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("RATE-1") })).status).to.equal(202);
    await h.settle();
  });

  after(async function () {
    await h?.stop();
  });

  it("answers 429 with Retry-After past the verifications' limit, then past the reads' limit; writes and health checks go on", async function () {
    const batch = `/api/v1/batches/${harvestedBatchId("RATE-1")}`;
    const statuses = async (path: string, times: number) => {
      const answers = [];
      for (let i = 0; i < times; i++) answers.push(await h.call("GET", path));
      return answers;
    };
    const verifies = await statuses(`${batch}/verify`, 3);
    expect(verifies.map((a) => a.status)).to.deep.equal([200, 200, 429]);
    expect(Number(verifies[2].headers.get("retry-after"))).to.be.within(1, 60);
    expect(verifies[2].body.error.code).to.equal("rate_limited");

    // Three reads counted so far (the refused verification too): five more, then 429.
    const reads = await statuses(batch, 6);
    expect(reads.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200, 429]);
    expect(Number(reads[5].headers.get("retry-after"))).to.be.within(1, 60);

    expect((await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: harvest("RATE-2") })).status).to.equal(202);
    expect((await h.call("GET", "/healthz")).status).to.equal(200);
  });
});
