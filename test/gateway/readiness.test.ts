/**
 * Readiness and metrics as an operator meets them, on real processes: a gateway process on an
 * anvil the test runs itself. /metrics answers the figures an operator watches in the Prometheus
 * text format; when anvil is killed with SIGKILL, /readyz answers 503 naming the chain (and
 * /metrics says the chain is unreachable) while /healthz, a liveness check, stays 200; once an
 * anvil answers again on the same port and state, /readyz is 200 again.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The samples of a Prometheus text exposition, by name with its labels as written (`name{a="b"}`), and each family's TYPE. */
function parseMetrics(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const type = line.match(/^# TYPE (\S+) (\S+)$/);
    if (type) types.set(type[1], type[2]);
    if (line === "" || line.startsWith("#")) continue;
    const sample = line.match(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/);
    if (!sample) throw new Error(`not a sample line of the text format: ${line}`);
    samples.set(sample[1], Number(sample[2]));
  }
  return { samples, types };
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** Asks until `check` answers something, or fails after `limitMs` naming what it waited for. */
async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

describe("readiness and metrics of a gateway process (kill -9 of its chain)", function () {
  this.timeout(300_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "readiness-test-"));
  // anvil's state apart from the data folder, which the gateway walks at start to tighten its modes.
  const chainDir = mkdtempSync(path.join(tmpdir(), "readiness-test-chain-"));
  const stateFile = path.join(chainDir, "chain.json");
  let chainPort: number;
  let anvil: AnvilHandle | undefined;
  let gateway: GatewayProcess;

  const metrics = async () => {
    const response = await fetch(`${gateway.base}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await response.text());
  };

  before(async function () {
    chainPort = await freePort();
    anvil = await startAnvil({ port: chainPort, stateFile, stateInterval: 1 });
    gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env: { API_RATE_LIMIT: "0" } });
  });

  after(async function () {
    await gateway?.stop().catch(() => undefined);
    await anvil?.stop().catch(() => undefined);
    for (const dir of [dataDir, chainDir]) rmSync(dir, { recursive: true, force: true });
  });

  it("answers /metrics in the Prometheus text format with the send queue, the index, the chain, the workers and the requests", async function () {
    const org = await json(`${gateway.base}/api/v1/orgs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${PROCESS_ADMIN_TOKEN}` },
      body: JSON.stringify({ name: "田阳芒果专业合作社", role: "producer" }),
    });
    for (const lot of ["READY-1", "READY-2", "READY-3"]) {
      const write = await json(`${gateway.base}/api/v1/batches?wait=confirmed`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.body.apiKey}` },
        body: JSON.stringify(payload.harvest(lot)),
      });
      expect(write.body.status, lot).to.equal("confirmed");
    }
    const head = Number((await json(anvil!.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) })).body.result);
    const ready = await until("the index to reach the chain's head", async () => {
      const answer = await json(`${gateway.base}/readyz`);
      return answer.status === 200 && answer.body.indexedBlock >= head ? answer.body : undefined;
    });
    expect(ready).to.include({ ready: true }).and.to.have.property("reasons").that.deep.equals([]);
    expect(ready.sendQueue).to.deep.include({ pending: 0, submitted: 0, failed: 0 });

    const { samples, types } = await metrics();
    const value = (name: string) => {
      expect(samples.has(name), `${name} in /metrics`).to.equal(true);
      return samples.get(name)!;
    };
    for (const status of ["pending", "submitted", "failed"]) expect(value(`provenance_send_queue_events{status="${status}"}`)).to.equal(0);
    expect(value("provenance_send_queue_oldest_wait_seconds")).to.equal(0);
    expect(value("provenance_index_block")).to.be.at.least(head);
    expect(value("provenance_chain_head_block")).to.be.at.least(head);
    expect(value("provenance_index_lag_blocks")).to.equal(0);
    expect(value("provenance_chain_reachable")).to.equal(1);
    expect(value("provenance_ready")).to.equal(1);
    // Each of the three writes, from its 202 to its confirmation.
    expect(value("provenance_relay_lag_seconds_count")).to.equal(3);
    expect(value("provenance_relayer_tick_failures_total")).to.equal(0);
    expect(value("provenance_indexer_tick_failures_total")).to.equal(0);
    expect(value('provenance_http_requests_total{route="api_write",status="202"}')).to.equal(3);
    expect(value('provenance_http_requests_total{route="system",status="200"}')).to.be.greaterThan(0);
    expect(value('provenance_http_request_duration_seconds_count{route="api_write"}')).to.be.at.least(3);
    expect(value("process_resident_memory_bytes")).to.be.greaterThan(0);
    expect(types.get("provenance_send_queue_events")).to.equal("gauge");
    expect(types.get("provenance_relay_lag_seconds")).to.equal("histogram");
    expect(types.get("provenance_relayer_tick_failures_total")).to.equal("counter");
    expect(types.get("provenance_http_requests_total")).to.equal("counter");
  });

  it("answers /readyz 503 naming the chain once anvil is killed, keeps /healthz 200, and is ready again once the chain answers", async function () {
    // The deployment and the writes are in anvil's state file before it is killed (a snapshot is
    // taken only while the chain moves, so this waits for the one that holds the head).
    const answer = await fetch(anvil!.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
    });
    const head = Number(((await answer.json()) as { result: string }).result);
    await until("anvil's state file to hold the chain's head", async () => (anvil!.savedBlock() >= head ? true : undefined));
    const exited = new Promise((resolve) => anvil!.process.once("exit", resolve));
    anvil!.process.kill("SIGKILL");
    await exited;
    anvil = undefined;

    const down = await until("/readyz to answer 503", async () => {
      const answer = await json(`${gateway.base}/readyz`);
      return answer.status === 503 ? answer.body : undefined;
    });
    expect(down.ready).to.equal(false);
    const chain = down.reasons.find((reason: { code: string }) => reason.code === "chain_unreachable");
    expect(chain, JSON.stringify(down.reasons)).to.not.equal(undefined);
    expect(chain.message).to.match(/the chain has not answered/);
    expect(down.chain.reachable).to.equal(false);
    expect((await fetch(`${gateway.base}/healthz`)).status).to.equal(200);

    const { samples } = await metrics();
    expect(samples.get("provenance_chain_reachable")).to.equal(0);
    expect(samples.get("provenance_ready")).to.equal(0);
    await until("the workers' failed ticks in /metrics", async () => {
      const { samples: now } = await metrics();
      return now.get("provenance_relayer_tick_failures_total")! > 0 && now.get("provenance_indexer_tick_failures_total")! > 0 ? true : undefined;
    });

    anvil = await startAnvil({ port: chainPort, stateFile, stateInterval: 1 });
    const back = await until("/readyz to answer 200 again", async () => {
      const answer = await json(`${gateway.base}/readyz`);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(back.reasons).to.deep.equal([]);
    expect(back.chain.reachable).to.equal(true);
  });
});
