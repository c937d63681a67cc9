/**
 * Finding 2 of issue 20, measured as an operator meets it: a gateway whose chain dies. anvil is
 * killed with SIGKILL under the gateway of ROOT (this tree by default), and /readyz and /healthz
 * are polled every 100 ms, as a load balancer or a service manager would.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-operator-readiness.ts
 *   ROOT=/path/to/another/checkout node -r ts-node/register/transpile-only scripts/attack-operator-readiness.ts
 *
 * Prints how long after the kill /readyz first answered 503 (and why), what /healthz answered
 * meanwhile, and, once an anvil answers again on the same port and state, how long /readyz took
 * to answer 200; and what /metrics answers. Uses only what every version has (the gateway
 * process, its public API), so it runs on old code too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil, type AnvilHandle } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort } from "./lib/processes";
import * as payload from "./lib/payloads";

const ROOT = path.resolve(process.env.ROOT ?? path.join(__dirname, ".."));
const WATCH_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startGateway(port: number, rpcUrl: string, dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "server/index.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      RPC_URL: rpcUrl,
      ADMIN_KEY: ANVIL_DEV_KEY,
      RELAYER_KEY: ANVIL_RELAYER_KEY,
      ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
      MASTER_SECRET: "process-test-master-secret-0123456789abcdef",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error("the gateway exited at start");
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { child, base };
    if (i > 600) throw new Error("the gateway did not start within 60 s");
    await sleep(100);
  }
}

async function status(url: string): Promise<{ status: number | string; body: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: (error as Error).name, body: "" };
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-readiness-"));
  const chainDir = mkdtempSync(path.join(tmpdir(), "attack-readiness-chain-"));
  const stateFile = path.join(chainDir, "chain.json");
  const chainPort = await freePort();
  let anvil: AnvilHandle = await startAnvil({ port: chainPort, stateFile, stateInterval: 1 });
  const gateway = await startGateway(await freePort(), anvil.rpcUrl, dataDir);
  try {
    console.log(`gateway of ${ROOT}, on anvil ${anvil.rpcUrl}`);
    const org = (await fetch(`${gateway.base}/api/v1/orgs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${PROCESS_ADMIN_TOKEN}` },
      body: JSON.stringify({ name: "田阳芒果专业合作社", role: "producer" }),
    }).then((r) => r.json())) as { apiKey: string };
    for (const lot of ["RDY-1", "RDY-2"]) {
      await fetch(`${gateway.base}/api/v1/batches?wait=confirmed`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.apiKey}` },
        body: JSON.stringify(payload.harvest(lot)),
      });
    }
    while ((await status(`${gateway.base}/readyz`)).status !== 200) await sleep(100);
    const before = existsSync(stateFile) ? statSync(stateFile).mtimeMs : 0;
    while (!existsSync(stateFile) || statSync(stateFile).mtimeMs === before) await sleep(100);

    const killedAt = Date.now();
    anvil.process.kill("SIGKILL");
    let notReady: { afterMs: number; body: string } | undefined;
    const healthz = new Map<string, number>();
    let polls = 0;
    while (Date.now() - killedAt < WATCH_MS) {
      polls++;
      const ready = await status(`${gateway.base}/readyz`);
      const health = await status(`${gateway.base}/healthz`);
      healthz.set(String(health.status), (healthz.get(String(health.status)) ?? 0) + 1);
      if (ready.status === 503 && !notReady) notReady = { afterMs: Date.now() - killedAt, body: ready.body };
      if (notReady && Date.now() - killedAt > notReady.afterMs + 2_000) break; // /healthz watched a little longer
      await sleep(100);
    }
    console.log(
      notReady
        ? `/readyz after anvil's kill -9: 503 after ${(notReady.afterMs / 1000).toFixed(1)} s: ${notReady.body}`
        : `/readyz after anvil's kill -9: 200 for all ${WATCH_MS / 1000} s watched`,
    );
    console.log(`/healthz meanwhile (${polls} polls): ${[...healthz].map(([s, n]) => `${s} × ${n}`).join(", ")}`);
    const metrics = await status(`${gateway.base}/metrics`);
    const reachable = metrics.body.match(/^provenance_chain_reachable (\S+)$/m)?.[1];
    console.log(`/metrics while the chain is down: ${metrics.status}${reachable !== undefined ? `, provenance_chain_reachable ${reachable}` : ""}`);

    const restartedAt = Date.now();
    anvil = await startAnvil({ port: chainPort, stateFile, stateInterval: 1 });
    let readyAgain: number | undefined;
    while (Date.now() - restartedAt < WATCH_MS) {
      if ((await status(`${gateway.base}/readyz`)).status === 200) {
        readyAgain = Date.now() - restartedAt;
        break;
      }
      await sleep(100);
    }
    console.log(
      readyAgain === undefined ? `/readyz once anvil answers again: not 200 within ${WATCH_MS / 1000} s` : `/readyz once anvil answers again: 200 after ${(readyAgain / 1000).toFixed(1)} s`,
    );
  } finally {
    gateway.child.kill("SIGTERM");
    await new Promise((resolve) => gateway.child.once("exit", resolve));
    await anvil.stop().catch(() => undefined);
    for (const dir of [dataDir, chainDir]) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
