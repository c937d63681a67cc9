/**
 * A stop under load, on real processes: SIGTERM to a gateway process while sixteen kept-alive
 * clients write as fast as it answers. It refuses writes at once (503 with Retry-After, nothing
 * kept), still serves reads, closes every connection after its answer, and exits while the
 * clients are still writing; every write it answered 2xx is on chain afterwards, exactly once,
 * counted from the chain's own EventRecorded logs.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { keepAliveWrites, type WriteLoad } from "../../scripts/lib/keep-alive-writes";
import { recordedPerBatch } from "../../scripts/lib/recorded-on-chain";
import * as payload from "../../scripts/lib/payloads";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A request whose first line and Host header are sent before the stop and the rest after it: its
 * connection is busy, not idle, when the stop begins. The connection first answers a /healthz,
 * so that it is surely accepted and kept alive by then.
 */
async function begunRequest(port: number, firstLine: string): Promise<{ finish(rest: string): Promise<string> }> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await until("the connection's first answer", () => (received.includes('{"ok":true}') ? true : undefined));
  received = "";
  socket.write(`${firstLine}\r\nHost: 127.0.0.1\r\n`);
  return {
    async finish(rest) {
      socket.write(rest);
      await closed; // each answer during a stop closes its connection
      return received;
    },
  };
}

/** Whether nothing listens on the port any more. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe("a stop under load (SIGTERM while kept-alive clients write)", function () {
  this.timeout(300_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "stop-test-"));
  // anvil's state apart from the data folder, which the gateway walks at start to tighten its modes.
  const chainDir = mkdtempSync(path.join(tmpdir(), "stop-test-chain-"));
  let anvil: AnvilHandle;
  let gateway: GatewayProcess | undefined;
  let load: WriteLoad | undefined;

  before(async function () {
    anvil = await startAnvil({ port: await freePort(), stateFile: path.join(chainDir, "chain.json"), stateInterval: 1 });
  });

  after(async function () {
    await load?.stop();
    await gateway?.stop().catch(() => undefined);
    await anvil.stop().catch(() => undefined);
    for (const dir of [dataDir, chainDir]) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses writes at once, serves reads, exits while its clients still write, and keeps every write it accepted", async function () {
    const port = await freePort();
    // Headers may take 30 s: the begun requests wait for the stop.
    const env = { API_RATE_LIMIT: "0", HTTP_HEADERS_TIMEOUT_MS: "30000" };
    gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env });
    const org = (await (
      await fetch(`${gateway.base}/api/v1/orgs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${PROCESS_ADMIN_TOKEN}` },
        body: JSON.stringify({ name: "田阳芒果专业合作社", role: "producer" }),
      })
    ).json()) as { apiKey: string };
    const chain = (await (await fetch(`${gateway.base}/api/v1/chain`)).json()) as { contract: string; deployBlock: number };

    load = keepAliveWrites({ base: gateway.base, apiKey: org.apiKey, clients: 16, lotPrefix: "STOP" });
    await until("the load to be under way", () => (load!.outcomes.filter((o) => o.status === 202).length >= 100 ? true : undefined));
    const write = await begunRequest(port, "POST /api/v1/batches HTTP/1.1");
    const read = await begunRequest(port, "GET /api/v1/chain HTTP/1.1");
    await sleep(100); // both first lines are in before the signal

    const exited = new Promise<void>((resolve) => gateway!.child.once("exit", () => resolve()));
    gateway.child.kill("SIGTERM");
    // The port refuses new connections once the stop has begun.
    await until("the gateway to stop listening", async () => ((await refusesConnections(port)) ? true : undefined));
    const stopSeenAt = Date.now();

    const body = JSON.stringify(payload.harvest("STOP-REFUSED"));
    const refused = await write.finish(
      `Content-Type: application/json\r\nAuthorization: Bearer ${org.apiKey}\r\nIdempotency-Key: STOP-REFUSED\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(refused).to.match(/^HTTP\/1\.1 503 /);
    expect(refused).to.match(/\r\nRetry-After: \d+\r\n/i);
    expect(refused).to.match(/\r\nConnection: close\r\n/i);
    expect(refused).to.contain('"code":"stopping"');
    const served = await read.finish("\r\n");
    expect(served).to.match(/^HTTP\/1\.1 200 /);
    expect(served).to.match(/\r\nConnection: close\r\n/i);
    expect(served).to.contain(chain.contract);

    // The clients go on writing all along: the gateway must not wait for them to stop.
    const exitedWhileWriting = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
    await load.stop();
    expect(exitedWhileWriting, "the gateway exited while its clients kept writing").to.equal(true);

    const accepted = load.outcomes.filter((o) => o.status === 202);
    const lateAnswers = load.outcomes.filter((o) => o.sentAt > stopSeenAt);
    expect(lateAnswers.filter((o) => o.status === 202), "writes sent after the stop began and accepted").to.deep.equal([]);
    for (const late of lateAnswers.filter((o) => o.status === 503)) expect(late.retryAfter).to.match(/^\d+$/);

    // Started again on the same data folder, the gateway sends what it accepted and had not sent.
    gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir });
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
    try {
      const counts = await until("every accepted write on chain", async () => {
        const recorded = await recordedPerBatch(provider, chain.contract, chain.deployBlock);
        return accepted.every((o) => recorded.has(o.batchId)) ? recorded : undefined;
      });
      expect(accepted.filter((o) => counts.get(o.batchId) !== 1).map((o) => o.lot), "accepted writes not recorded exactly once").to.deep.equal([]);
      expect(counts.has(payload.harvestedBatchId("STOP-REFUSED")), "the refused write is not on chain").to.equal(false);
      expect(accepted.length).to.be.at.least(100);
    } finally {
      provider.destroy();
    }
  });
});
