/**
 * `npm start` as a newcomer runs it: the embedded anvil, a first-run deployment, admin token and
 * master secret; state kept across a restart; SIGTERM stops anvil too.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";

async function post(base: string, url: string, token: string, body: unknown) {
  const response = await fetch(`${base}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: "POST", body: "{}", signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

describe("npm start (embedded chain)", function () {
  this.timeout(180_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "start-test-"));
  let gateway: GatewayProcess | undefined;

  after(async function () {
    await gateway?.stop().catch(() => undefined);
  });

  it("starts anvil, deploys once, keeps state across a restart and stops anvil on SIGTERM", async function () {
    const port = await freePort();
    const chainPort = await freePort();
    gateway = await spawnGateway({ port, chainPort, dataDir });

    const tokenFile = path.join(dataDir, "admin-token");
    expect(statSync(tokenFile).mode & 0o777).to.equal(0o600);
    expect(statSync(path.join(dataDir, "master-secret")).mode & 0o777).to.equal(0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(gateway.output()).to.contain(token); // printed on first run
    const chain = (await (await fetch(`${gateway.base}/api/v1/chain`)).json()) as { contract: string };

    const producer = await post(gateway.base, "/api/v1/orgs", token, { name: "田阳芒果合作社", role: "producer" });
    expect(producer.status).to.equal(201);
    const harvest = await post(gateway.base, "/api/v1/batches?wait=confirmed", producer.body.apiKey, payload.harvest("START-1"));
    expect(harvest.status).to.equal(202);
    expect(harvest.body.status).to.equal("confirmed");

    await gateway.stop();
    expect(await answers(`http://127.0.0.1:${chainPort}`)).to.equal(false);

    gateway = await spawnGateway({ port, chainPort, dataDir });
    expect(gateway.output()).not.to.contain(token); // shown once only
    const again = (await (await fetch(`${gateway.base}/api/v1/chain`)).json()) as { contract: string };
    expect(again.contract).to.equal(chain.contract);
    for (let i = 0; i < 50 && (await fetch(`${gateway.base}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const batch = await fetch(`${gateway.base}/api/v1/batches/${harvest.body.batchId}`);
    expect(batch.status).to.equal(200);
    expect(((await batch.json()) as { events: unknown[] }).events).to.have.length(1);
  });
});
