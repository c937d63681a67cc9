/**
 * Finding 4 of issue 20, measured as an operator meets it: SIGTERM to a gateway under a
 * kept-alive write load, and how long it takes to exit while its clients go on writing.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-operator-stop.ts [runs=5] [clients=16]
 *   ROOT=/path/to/another/checkout node -r ts-node/register/transpile-only scripts/attack-operator-stop.ts
 *
 * Each run: an anvil of its own, the gateway of ROOT (this tree by default) on it, 5 s of writes
 * from `clients` kept-alive connections, then SIGTERM while the clients keep writing. It prints
 * how long the gateway took to exit, the writes it accepted after the signal, the refusals (503,
 * with Retry-After or not) and the connection errors; then it starts the same gateway again on
 * the same data folder and counts, from the chain's own EventRecorded logs, that every write
 * answered 2xx is on chain exactly once. Uses only what every version has (the gateway process,
 * its public API), so it runs on old code too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort } from "./lib/processes";
import { keepAliveWrites, type WriteOutcome } from "./lib/keep-alive-writes";
import { recordedPerBatch } from "./lib/recorded-on-chain";

const ROOT = path.resolve(process.env.ROOT ?? path.join(__dirname, ".."));
const RUNS = Number(process.argv[2] ?? 5);
const CLIENTS = Number(process.argv[3] ?? 16);
const LOAD_MS = 5_000;
/** How long the script waits for an exit before it gives up with SIGKILL. */
const GIVE_UP_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway of ROOT, as `npm start` runs it, on an external chain. */
async function startGateway(port: number, rpcUrl: string, dataDir: string): Promise<{ child: ChildProcess; exited: Promise<number>; base: string }> {
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
      LOG_LEVEL: "warn",
      PUBLIC_RATE_LIMIT: "0",
      API_RATE_LIMIT: "0",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number>((resolve) => child.once("exit", () => resolve(Date.now())));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error("the gateway exited at start");
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { child, exited, base };
    if (i > 600) throw new Error("the gateway did not start within 60 s");
    await sleep(100);
  }
}

async function oneRun(run: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-stop-"));
  // anvil's state apart from the data folder, which the gateway walks at start to tighten its modes.
  const chainDir = mkdtempSync(path.join(tmpdir(), "attack-stop-chain-"));
  const anvil = await startAnvil({ port: await freePort(), stateFile: path.join(chainDir, "chain.json"), stateInterval: 1 });
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
  const port = await freePort();
  try {
    let gateway = await startGateway(port, anvil.rpcUrl, dataDir);
    const org = await fetch(`${gateway.base}/api/v1/orgs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${PROCESS_ADMIN_TOKEN}` },
      body: JSON.stringify({ name: "田阳芒果专业合作社", role: "producer" }),
    }).then((r) => r.json() as Promise<{ apiKey: string }>);
    const { contract, deployBlock } = (await fetch(`${gateway.base}/api/v1/chain`).then((r) => r.json())) as { contract: string; deployBlock: number };

    const load = keepAliveWrites({ base: gateway.base, apiKey: org.apiKey, clients: CLIENTS, lotPrefix: `S${run}` });
    await sleep(LOAD_MS);
    const signalAt = Date.now();
    gateway.child.kill("SIGTERM");
    const exitedAt = await Promise.race([gateway.exited, sleep(GIVE_UP_MS).then(() => undefined)]);
    if (exitedAt === undefined) gateway.child.kill("SIGKILL");
    await load.stop();

    const outcomes = load.outcomes;
    const ok = (o: WriteOutcome) => typeof o.status === "number" && o.status >= 200 && o.status < 300;
    const before = outcomes.filter((o) => o.sentAt < signalAt);
    const after = outcomes.filter((o) => o.sentAt >= signalAt);
    const accepted = outcomes.filter(ok);
    const refused = after.filter((o) => o.status === 503);

    // The same gateway again: what it accepted and had not sent goes out now.
    gateway = await startGateway(port, anvil.rpcUrl, dataDir);
    let counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      counts = await recordedPerBatch(provider, contract, deployBlock);
      if (accepted.every((o) => counts.has(o.batchId))) break;
      await sleep(100);
    }
    gateway.child.kill("SIGTERM");
    await gateway.exited;

    const lost = accepted.filter((o) => !counts.has(o.batchId)).length;
    const twice = accepted.filter((o) => (counts.get(o.batchId) ?? 0) > 1).length;
    const errors = after.filter((o) => typeof o.status !== "number").length;
    console.log(
      [
        `run ${run}: exit ${exitedAt === undefined ? `none within ${GIVE_UP_MS / 1000} s (killed)` : `${((exitedAt - signalAt) / 1000).toFixed(1)} s`} after SIGTERM`,
        `accepted ${before.filter(ok).length} before the signal, ${after.filter(ok).length} after it`,
        `503 after it: ${refused.length} (${refused.filter((o) => o.retryAfter !== undefined).length} with Retry-After)`,
        `connection errors after it: ${errors}`,
        `on chain: ${accepted.length - lost} of ${accepted.length} accepted, lost ${lost}, recorded twice ${twice}`,
      ].join(" · "),
    );
    return { stopMs: exitedAt === undefined ? Infinity : exitedAt - signalAt, acceptedAfter: after.filter(ok).length, lost, twice };
  } finally {
    provider.destroy();
    await anvil.stop();
    for (const dir of [dataDir, chainDir]) rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`gateway of ${ROOT}; ${RUNS} runs of ${CLIENTS} kept-alive clients writing for ${LOAD_MS / 1000} s, then SIGTERM`);
  const results = [];
  for (let run = 1; run <= RUNS; run++) results.push(await oneRun(run));
  const stops = results.map((r) => r.stopMs).sort((a, b) => a - b);
  const time = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : `none within ${GIVE_UP_MS / 1000} s`);
  console.log(
    `stop time: median ${time(stops[Math.floor(stops.length / 2)])}, worst ${time(stops.at(-1)!)}; ` +
      `writes accepted after SIGTERM: ${results.reduce((n, r) => n + r.acceptedAfter, 0)}; ` +
      `accepted writes lost: ${results.reduce((n, r) => n + r.lost, 0)}, recorded twice: ${results.reduce((n, r) => n + r.twice, 0)}`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
