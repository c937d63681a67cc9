/**
 * A lost gateway.db, measured as an operator meets it (issue 20, finding 5):
 *
 *   node -r ts-node/register/transpile-only scripts/attack-operator-backup.ts      (BACKUP_EVENTS=300 harvests)
 *
 * One gateway process on an anvil: four organisations with API keys and custodial keys, a console
 * member, a journey with a private sale amount, and BACKUP_EVENTS harvests. Then, on two copies of
 * its data folder with gateway.db deleted:
 * - before: what README offered, `npm run reindex` (no bundle, no peers);
 * - after: `provenance backup` taken while harvests stream in, then `provenance restore`;
 * and for each, the gateway started again: how many batch pages and batch reads equal the
 * originals, how many pages name an unregistered organisation, how many /verify answer ok, how
 * many API keys still authenticate, whether the member logs in and the counter reads its own sale
 * amount, and whether the farm's custodial key still signs. Also the backup's time and size, the
 * database copy's time, the restore's time, and the writes taken while the backup ran (with their
 * latencies). Counts of each batch's events come from the chain's own logs.
 * The "before" half runs on any version; "after" reports the CLI's refusal where it has no backup.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "./lib/processes";
import { recordedPerBatch } from "./lib/recorded-on-chain";
import { harvest, harvestedBatchId, receipt, sale, shipment } from "./lib/payloads";

const ROOT = path.resolve(__dirname, "..");
const MASTER_SECRET = "process-test-master-secret-0123456789abcdef";
const PASSWORD = "correct horse battery";
const EVENTS = Number(process.env.BACKUP_EVENTS ?? 300);
const DATABASE_FILES = ["gateway.db", "gateway.db-wal", "gateway.db-shm"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(base: string, method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a page
  }
  return { status: response.status, body, text };
}

function run(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

const visibleText = (page: string) => page.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

async function settled(base: string, provider: JsonRpcProvider): Promise<void> {
  const target = await provider.getBlockNumber();
  for (;;) {
    const ready = await call(base, "GET", "/readyz").catch(() => undefined);
    if (ready?.status === 200 && ready.body.indexedBlock >= target) return;
    await sleep(200);
  }
}

/** Writes every harvest in `lots`, `concurrency` at a time; answers each one's latency. */
async function harvests(base: string, key: string, lots: string[], concurrency = 8): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < lots.length) {
        const lot = lots[next++];
        const started = Date.now();
        const answer = await call(base, "POST", "/api/v1/batches", { token: key, body: harvest(lot), headers: { "idempotency-key": lot } });
        if (answer.status !== 202) throw new Error(`harvest ${lot}: ${answer.status} ${answer.text}`);
        latencies.push(Date.now() - started);
      }
    }),
  );
  return latencies;
}

interface Originals {
  pages: Map<string, string>;
  reads: Map<string, unknown>;
}

async function originalsOf(base: string, batches: string[]): Promise<Originals> {
  const pages = new Map<string, string>();
  const reads = new Map<string, unknown>();
  for (const batchId of batches) {
    pages.set(batchId, visibleText((await call(base, "GET", `/p/${batchId}`)).text));
    reads.set(batchId, (await call(base, "GET", `/api/v1/batches/${batchId}`)).body);
  }
  return { pages, reads };
}

async function measure(base: string, batches: string[], originals: Originals, orgs: Record<string, { apiKey: string }>, journey: string) {
  let pagesEqual = 0;
  let readsEqual = 0;
  let unregistered = 0;
  let verifyOk = 0;
  for (const batchId of batches) {
    const page = visibleText((await call(base, "GET", `/p/${batchId}`)).text);
    if (page === originals.pages.get(batchId)) pagesEqual++;
    if (page.includes("签名者未在本平台登记") || page.includes("an unregistered organisation")) unregistered++;
    if (JSON.stringify((await call(base, "GET", `/api/v1/batches/${batchId}`)).body) === JSON.stringify(originals.reads.get(batchId))) readsEqual++;
    if ((await call(base, "GET", `/api/v1/batches/${batchId}/verify`)).body?.ok === true) verifyOk++;
  }
  // An empty harvest: 400 names its fields once the key is known, 401 when it is not; nothing is recorded.
  let keysAuthenticate = 0;
  for (const org of Object.values(orgs)) if ((await call(base, "POST", "/api/v1/batches", { token: org.apiKey, body: {} })).status === 400) keysAuthenticate++;
  const counterRead = await call(base, "GET", `/api/v1/batches/${journey}`, { token: orgs.counter.apiKey });
  const saleAmount = counterRead.body?.events?.find((e: any) => e.type === "sale")?.detail?.amountCny ?? null;
  const login = await loginStatus(base, "tianyang.admin", PASSWORD);
  const signed = await call(base, "POST", "/api/v1/batches?wait=confirmed", { token: orgs.farm.apiKey, body: harvest(`AFTER-${Date.now()}`) });
  return {
    pagesEqual: `${pagesEqual} of ${batches.length}`,
    readsEqual: `${readsEqual} of ${batches.length}`,
    pagesNamingAnUnregisteredSigner: unregistered,
    verifyOk: `${verifyOk} of ${batches.length}`,
    apiKeysAuthenticating: `${keysAuthenticate} of ${Object.keys(orgs).length}`,
    counterReadsItsSaleAmount: saleAmount,
    memberLogin: login,
    custodialKeySigns: signed.status === 202 || signed.status === 200 ? "yes" : `no (${signed.status})`,
  };
}

async function loginStatus(base: string, username: string, password: string): Promise<number> {
  const form = await fetch(`${base}/console/login`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const answer = await fetch(`${base}/console/login`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ _csrf: csrf, username, password }) });
  await answer.text();
  return answer.status;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "attack-backup-"));
  const dataDir = path.join(work, "data");
  const anvil = await startAnvil({ port: await freePort() });
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
  const port = await freePort();
  const env = { PUBLIC_RATE_LIMIT: "0", API_RATE_LIMIT: "0", VERIFY_RATE_LIMIT: "0" };
  let gateway: GatewayProcess = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env });
  const org = async (name: string, role: string) => (await call(gateway.base, "POST", "/api/v1/orgs", { token: PROCESS_ADMIN_TOKEN, body: { name, role } })).body as { id: string; apiKey: string };
  const orgs = { farm: await org("田阳芒果专业合作社", "producer"), packer: await org("百色农产品分拣中心", "processor"), counter: await org("福田区消费帮扶专柜", "retailer") };
  await call(gateway.base, "POST", `/api/v1/orgs/${orgs.farm.id}/members`, { token: PROCESS_ADMIN_TOKEN, body: { username: "tianyang.admin", password: PASSWORD } });
  const journey = harvestedBatchId("ATTACK-BACKUP-01");
  const write = (key: string, url: string, body: unknown) => call(gateway.base, "POST", `${url}?wait=confirmed`, { token: key, body });
  await write(orgs.farm.apiKey, "/api/v1/batches", harvest("ATTACK-BACKUP-01"));
  await write(orgs.farm.apiKey, `/api/v1/batches/${journey}/events`, shipment(orgs.counter.id));
  await write(orgs.counter.apiKey, `/api/v1/batches/${journey}/events`, receipt);
  await write(orgs.counter.apiKey, `/api/v1/batches/${journey}/events`, sale);
  const lots = Array.from({ length: EVENTS }, (_, i) => `AB-${String(i).padStart(6, "0")}`);
  const loadStarted = Date.now();
  const quiet = await harvests(gateway.base, orgs.farm.apiKey, lots);
  console.log(`recorded ${EVENTS} harvests in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s (slowest write ${Math.max(...quiet)} ms)`);
  await settled(gateway.base, provider);
  const batches = [journey, ...lots.map((lot) => harvestedBatchId(lot))];
  const originals = await originalsOf(gateway.base, batches);
  const ledger = (await call(gateway.base, "GET", "/api/v1/chain")).body as { contract: string; deployBlock: number };
  await gateway.stop();

  // Before: the lost gateway.db rebuilt by reindex, as README said.
  const rebuilt = path.join(work, "rebuilt");
  cpSync(dataDir, rebuilt, { recursive: true });
  for (const file of DATABASE_FILES) rmSync(path.join(rebuilt, file), { force: true });
  const chainEnv = { DATA_DIR: rebuilt, RPC_URL: anvil.rpcUrl, ADMIN_KEY: ANVIL_DEV_KEY, RELAYER_KEY: ANVIL_RELAYER_KEY, MASTER_SECRET, ADMIN_TOKEN: PROCESS_ADMIN_TOKEN };
  const reindex = await run(["server/reindex.ts"], chainEnv);
  if (reindex.status !== 0) throw new Error(`reindex failed: ${reindex.stderr}`);
  gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir: rebuilt, env });
  await settled(gateway.base, provider);
  const before = { reindexMs: reindex.ms, ...(await measure(gateway.base, batches, originals, orgs, journey)) };
  await gateway.stop();

  // After: a backup taken while harvests stream in, gateway.db deleted, restored.
  gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env });
  await harvests(gateway.base, orgs.farm.apiKey, ["WARM-UP"], 1); // the first write after a start opens the farm's key (scrypt)
  const backupFile = path.join(work, "gateway.pvbak");
  let streaming = true;
  const during: number[] = [];
  const stream = (async () => {
    for (let i = 0; streaming; i++) during.push(...(await harvests(gateway.base, orgs.farm.apiKey, [`DURING-${i}`], 1)));
  })();
  const backup = await run(["server/cli.ts", "backup", "--out", backupFile, "--json"], { DATA_DIR: dataDir, MASTER_SECRET });
  streaming = false;
  await stream;
  await settled(gateway.base, provider);
  await gateway.stop();
  let after: Record<string, unknown>;
  if (backup.status !== 0) {
    after = { backup: `refused (exit ${backup.status}): ${backup.stderr.split("\n")[0]}` };
  } else {
    const made = JSON.parse(backup.stdout);
    for (const file of DATABASE_FILES) rmSync(path.join(dataDir, file), { force: true });
    const restore = await run(["server/cli.ts", "restore", backupFile, "--json"], { DATA_DIR: dataDir, MASTER_SECRET });
    if (restore.status !== 0) throw new Error(`restore failed: ${restore.stderr}`);
    gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env });
    await settled(gateway.base, provider);
    after = {
      backupFileBytes: made.bytes,
      databaseCopyBytes: made.files.find((file: { path: string }) => file.path === "gateway.db")?.size,
      backupMs: made.totalMs,
      databaseCopyMs: made.databaseCopyMs,
      backupCommandMs: backup.ms,
      writesWhileTheBackupRan: during.length,
      writeLatencyWhileTheBackupRanMs: { p50: percentile(during, 0.5), p99: percentile(during, 0.99), max: Math.max(...during) },
      restoreCommandMs: restore.ms,
      ...(await measure(gateway.base, batches, originals, orgs, journey)),
    };
    await gateway.stop();
  }
  const counts = await recordedPerBatch(provider, ledger.contract, ledger.deployBlock);
  const harvestsTwice = [...counts].filter(([batchId, n]) => batchId !== journey.toLowerCase() && n !== 1).length;
  const chain = { batches: counts.size, journeyEvents: counts.get(journey.toLowerCase()), harvestBatchesNotRecordedExactlyOnce: harvestsTwice };
  console.log(JSON.stringify({ events: EVENTS, before, after, chain }, null, 2));
  provider.destroy();
  await anvil.stop();
  rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
