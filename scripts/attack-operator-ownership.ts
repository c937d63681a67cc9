/**
 * Who owns a data folder and its embedded chain, measured as an operator meets it (issue 20:
 * finding 1, finding 2's restart half, "one data folder must have one gateway"):
 *
 *   node -r ts-node/register/transpile-only scripts/attack-operator-ownership.ts
 *
 * Prints:
 * - restarts after kill -9 of the gateway: how many of 3 `npm start`s on the same data folder come
 *   up, and how many anvil processes of that folder are left running after each;
 * - a second gateway on a data folder a first one runs on (embedded chain, and RPC_URL): whether it
 *   comes up beside the first or refuses (and whether it names the first's PID), and whether the
 *   first still confirms a write afterwards;
 * - anvil killed (kill -9) under a running gateway: whether, and after how long, a write made
 *   afterwards is confirmed, counted from the chain's own EventRecorded logs;
 * - a data folder holding a confirmed event whose chain lost its state (chain.json deleted): whether
 *   `npm start` refuses or deploys a new ledger, and then how many EventRecorded logs the chain
 *   holds for that event's batch.
 * Give section numbers (e.g. `… 1 4`) to run only those.
 * Uses only what every version has (gateway processes, the API, /proc), so it runs on old code too.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, type JsonRpcApiProvider } from "ethers";
import { startAnvil } from "../server/chain/anvil";
import { IpcProvider } from "../server/chain/ipc-provider";
import { readDeployment } from "../server/chain/deploy-ledger";
import { loadLedgerArtifact } from "../server/chain/ledger-artifact";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "./lib/processes";
import * as payload from "./lib/payloads";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes whose command line names `dataDir` (anvil of that folder: its socket and state file are in it). */
function processesNaming(dataDir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (cmdline.some((arg) => arg.startsWith(dataDir)) && cmdline.some((arg) => arg.endsWith("anvil"))) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function call(base: string, method: string, url: string, token?: string, body?: unknown) {
  try {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(70_000),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}

async function producer(base: string, name: string): Promise<string> {
  const org = await call(base, "POST", "/api/v1/orgs", readToken(base), { name, role: "producer" });
  if (org.status !== 201) throw new Error(`creating ${name}: ${org.status} ${JSON.stringify(org.body)}`);
  return org.body.apiKey;
}

const tokens = new Map<string, string>();
const readToken = (base: string) => tokens.get(base) ?? PROCESS_ADMIN_TOKEN;
/** A gateway on the embedded chain makes its admin token on first run; one on RPC_URL is given PROCESS_ADMIN_TOKEN. */
const remember = (gateway: GatewayProcess, dataDir: string) => {
  const file = path.join(dataDir, "admin-token");
  if (existsSync(file)) tokens.set(gateway.base, readFileSync(file, "utf8").trim());
};

/** The EventRecorded logs of the folder's ledger that carry `batchId`, read from the chain itself. */
async function onChain(provider: JsonRpcApiProvider, dataDir: string, batchId: string): Promise<number> {
  const deployment = readDeployment(path.join(dataDir, "deployments", `${Number((await provider.getNetwork()).chainId)}.json`))!;
  const ledger = new Contract(deployment.address, loadLedgerArtifact().abi, provider);
  const logs = await ledger.queryFilter(ledger.filters.EventRecorded(batchId), deployment.deployBlock);
  return logs.length;
}

/** What the gateway said as it exited: the last line of its output (index.ts prints the error last). */
function lastLine(error: unknown): string {
  const lines = (error as Error).message.split("\n").filter((line) => line.trim() !== "");
  return (lines.at(-1) ?? "").slice(0, 300);
}

async function restartsAfterKill(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "operator-restart-"));
  const port = await freePort();
  const chainPort = await freePort();
  let gateway: GatewayProcess | undefined = await spawnGateway({ port, chainPort, dataDir });
  remember(gateway, dataDir);
  const key = await producer(gateway.base, "restart-coop");
  let cameUp = 0;
  for (let round = 1; round <= 3; round++) {
    if (gateway) {
      const write = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest(`RESTART-${round}`));
      console.log(`  round ${round}: a write before the kill: ${write.status} ${write.body.status ?? ""}`);
      await gateway.kill();
    }
    console.log(`  round ${round}: after kill -9 of the gateway, anvil processes of the folder: ${processesNaming(dataDir).length}`);
    try {
      gateway = await spawnGateway({ port, chainPort, dataDir });
      cameUp++;
      console.log(`  round ${round}: npm start came up; anvil processes of the folder: ${processesNaming(dataDir).length}`);
    } catch (error) {
      gateway = undefined;
      console.log(`  round ${round}: npm start did not come up: ${lastLine(error)}`);
    }
  }
  console.log(`restarts after kill -9 that came up: ${cameUp} of 3`);
  await gateway?.stop();
  for (const pid of processesNaming(dataDir)) process.kill(pid, "SIGKILL"); // the leftovers this script made
  rmSync(dataDir, { recursive: true, force: true });
}

async function secondGateway(kind: "embedded" | "RPC_URL"): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "operator-second-"));
  const anvil = kind === "RPC_URL" ? await startAnvil({ port: await freePort() }) : undefined;
  const first = await spawnGateway({ port: await freePort(), chainPort: await freePort(), rpcUrl: anvil?.rpcUrl, dataDir });
  remember(first, dataDir);
  const key = await producer(first.base, "first-coop");
  let second: GatewayProcess | undefined;
  try {
    second = await spawnGateway({ port: await freePort(), chainPort: await freePort(), rpcUrl: anvil?.rpcUrl, dataDir });
    const ledgers = [await call(first.base, "GET", "/api/v1/chain"), await call(second.base, "GET", "/api/v1/chain")].map((r) => r.body.contract);
    console.log(`second gateway on one folder (${kind}): came up beside the first (ledgers ${ledgers[0] === ledgers[1] ? "the same" : "different: a new deployment"})`);
  } catch (error) {
    const message = (error as Error).message;
    console.log(
      `second gateway on one folder (${kind}): refused${message.includes(String(first.child.pid)) ? `, naming the first's PID ${first.child.pid}` : " without naming the first's PID"}: ${lastLine(error)}`,
    );
  }
  const write = await call(first.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest("SECOND-1"));
  console.log(`  the first gateway afterwards: a write answered ${write.status} ${write.body.status ?? JSON.stringify(write.body).slice(0, 120)}`);
  await second?.stop();
  await first.stop();
  await anvil?.stop();
  for (const pid of processesNaming(dataDir)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}

async function anvilKilled(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "operator-anvil-"));
  const gateway = await spawnGateway({ port: await freePort(), chainPort: await freePort(), dataDir });
  remember(gateway, dataDir);
  const key = await producer(gateway.base, "anvil-coop");
  const before = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest("ANVIL-0"));
  console.log(`  a write before the kill: ${before.status} ${before.body.status}`);
  await sleep(6_000); // one state snapshot (every 5 s) holds it
  const victims = processesNaming(dataDir);
  for (const pid of victims) process.kill(pid, "SIGKILL");
  const killedAt = Date.now();
  console.log(`  killed anvil (pid ${victims.join(", ")})`);
  await sleep(300);
  const ready = await call(gateway.base, "GET", "/readyz");
  console.log(`  /readyz right after: ${ready.status} ${JSON.stringify(ready.body)}`);

  let confirmedAfter: number | undefined;
  let batchId: string | undefined;
  for (let attempt = 0; Date.now() - killedAt < 90_000; attempt++) {
    const write = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest(`ANVIL-${attempt + 1}`));
    if (write.status === 202 && write.body.status === "confirmed") {
      confirmedAfter = Date.now() - killedAt;
      batchId = write.body.batchId;
      break;
    }
    await sleep(1_000);
  }
  if (confirmedAfter === undefined || !batchId) {
    console.log(`anvil killed → recovered: never (no write confirmed within 90 s; anvil processes of the folder: ${processesNaming(dataDir).length})`);
  } else {
    const provider = new IpcProvider(path.join(dataDir, "anvil.ipc"), undefined, { cacheTimeout: -1 });
    const logs = await onChain(provider, dataDir, batchId);
    provider.destroy();
    console.log(`anvil killed → recovered: a write confirmed ${(confirmedAfter / 1000).toFixed(1)} s after the kill; its EventRecorded logs on chain: ${logs}`);
  }
  await gateway.stop();
  for (const pid of processesNaming(dataDir)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}

async function lostLedger(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "operator-lost-"));
  const options = { port: await freePort(), chainPort: await freePort(), dataDir };
  let gateway = await spawnGateway(options);
  remember(gateway, dataDir);
  const key = await producer(gateway.base, "lost-coop");
  const write = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest("LOST-1"));
  console.log(`  a write: ${write.status} ${write.body.status}`);
  await gateway.stop();
  for (const name of readdirSync(dataDir)) if (name.startsWith("chain.json")) rmSync(path.join(dataDir, name));
  try {
    gateway = await spawnGateway(options);
    remember(gateway, dataDir);
    const provider = new IpcProvider(path.join(dataDir, "anvil.ipc"), undefined, { cacheTimeout: -1 });
    const logs = await onChain(provider, dataDir, write.body.batchId);
    provider.destroy();
    console.log(`chain lost the ledger, folder holds 1 event: came up with a new deployment; the event's EventRecorded logs on chain: ${logs}`);
    await gateway.stop();
  } catch (error) {
    console.log(`chain lost the ledger, folder holds 1 event: refused: ${lastLine(error)}`);
  }
  rmSync(dataDir, { recursive: true, force: true });
}

const SECTIONS: Record<string, [string, () => Promise<void>]> = {
  "1": ["kill -9 of the gateway, then npm start on the same data folder, 3 times", restartsAfterKill],
  "2": ["a second gateway on a data folder a first one runs on", async () => {
    await secondGateway("embedded");
    await secondGateway("RPC_URL");
  }],
  "3": ["kill -9 of the embedded anvil under a running gateway", anvilKilled],
  "4": ["a data folder with events whose chain lost its state", lostLedger],
};

async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  for (const [number, [title, run]] of Object.entries(SECTIONS)) {
    if (chosen.length > 0 && !chosen.includes(number)) continue;
    console.log(`${number}. ${title}`);
    await run();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
