/**
 * The relayer and the indexer on the gateway's chain thread (server/workers/chain-thread), over a
 * real anvil and a real SQLite file: what the gateway's thread sees of them is what it saw when
 * they ran beside it. Events written through the API are confirmed and indexed by the thread's
 * own connection, a kept page is rendered afresh once those writes land (PRAGMA data_version),
 * the workers' state (index cursor, chain head, relayer health) reaches /readyz's inputs, a
 * failed tick is the caller's error, and stop() ends the thread.
 */
import { expect } from "chai";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { freePort } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";
import { startHarness, type Harness } from "../helpers/gateway-harness";

type Org = { id: string; address: string; apiKey: string };

describe("the chain thread (relayer and indexer off the HTTP thread)", function () {
  this.timeout(120_000);
  let anvil: AnvilHandle;
  let h: Harness;
  let producer: Org;
  let retailer: Org;

  async function ok(path: string, org: Org, body: unknown): Promise<any> {
    const answer = await h.call("POST", path, { token: org.apiKey, body });
    if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async function page(batchId: string) {
    const response = await fetch(`${h.base}/p/${batchId}`);
    expect(response.status).to.equal(200);
    return { cache: response.headers.get("x-page-cache"), text: await response.text() };
  }

  before(async function () {
    anvil = await startAnvil({ port: await freePort() });
    h = await startHarness({ rpcUrl: anvil.rpcUrl, chainThread: true });
    producer = await h.org("田阳芒果专业合作社", "producer");
    retailer = await h.org("福田区消费帮扶专柜", "retailer");
  });

  after(async function () {
    await h?.stop();
    await anvil?.stop();
  });

  it("confirms and indexes what the API accepted, and a kept page is rendered afresh once the thread's writes land", async function () {
    const { batchId } = await ok("/api/v1/batches", producer, payload.harvest("CT-1"));
    await h.settle();
    const kept = await page(batchId);
    expect(kept.text).not.to.contain(`class="pending"`);
    expect((await page(batchId)).cache).to.equal("hit");

    await ok(`/api/v1/batches/${batchId}/events`, producer, payload.shipment(retailer.id));
    const pending = await page(batchId);
    expect(pending.cache).to.equal("miss"); // this thread's own write (the send queue)
    expect(pending.text).to.contain(`class="pending"`);
    expect((await page(batchId)).cache).to.equal("hit");

    await h.settle(); // relayer and indexer ticks, each run on the thread
    const counts = h.gateway.outbox.countByStatus();
    expect(counts.pending + counts.submitted + counts.failed).to.equal(0);
    expect(counts.confirmed).to.equal(2);
    const indexed = h.db.prepare(`SELECT count(*) AS n FROM idx_events WHERE batch_id = ?`).get(batchId.toLowerCase()) as { n: number };
    expect(indexed.n).to.equal(2);

    const confirmed = await page(batchId);
    expect(confirmed.cache).to.equal("miss"); // written by the thread's connection, not this one
    expect(confirmed.text).not.to.contain(`class="pending"`);
    expect(confirmed.text.split(`data-kind="shipment"`).length - 1).to.equal(1);
  });

  it("answers tick() with the thread's report, and mirrors the index and the relayer's health", async function () {
    const report = await h.gateway.relayer.tick();
    expect(report).to.include.keys("sent", "confirmed", "failed", "requeued");
    const result = await h.gateway.indexer.tick();
    const head = Number(await h.provider.send("eth_blockNumber", []));
    expect(result.to).to.equal(head);
    const status = h.gateway.indexer.status();
    expect(status.cursor).to.equal(head);
    expect(status.chainHead).to.equal(head);
    expect(status.caughtUp).to.equal(true);
    expect(h.gateway.relayer.health().consecutiveFailures).to.equal(0);
  });

  it("rejects a tick the thread could not do with its error, and counts it in the relayer's health", async function () {
    await anvil.stop();
    let error: Error | undefined;
    await h.gateway.relayer.tick().catch((e: Error) => (error = e));
    expect(error?.message).to.match(/\S/);
    const health = h.gateway.relayer.health();
    expect(health.consecutiveFailures).to.equal(1);
    expect(health.lastError).to.equal(error!.message);
  });
});
