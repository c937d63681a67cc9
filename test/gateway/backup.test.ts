/**
 * Backups as an operator takes them: `provenance backup` while a gateway process takes writes,
 * then gateway.db lost (or the whole data folder), `provenance restore`, the gateway started
 * again. Every page, batch read, API key (with the private values it alone may read), custodial
 * key and console login must be as before, every write acknowledged before the backup began
 * must be back, and the chain — counted from its own EventRecorded logs — must hold each write
 * once. A backup with one byte changed, a folder in use, another ledger's folder and a missing
 * master secret are refused before anything is written.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, type EventLog, type Provider } from "ethers";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { IpcProvider } from "../../server/chain/ipc-provider";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { serverCommand } from "../../scripts/lib/server-build";
import { certification, harvest, harvestedBatchId, packing, receipt, sale, shipment } from "../../scripts/lib/payloads";
import { ConsoleClient } from "../helpers/console-client";

const ROOT = path.resolve(__dirname, "../..");
/** The master secret spawnGateway gives a gateway on an external chain. */
const MASTER_SECRET = "process-test-master-secret-0123456789abcdef";
const PASSWORD = "correct horse battery";
const LOT = "BACKUP-2026-01";
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

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/** The CLI as an operator runs it: its own process, its exit code and what it printed. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; json: any }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serverCommand("server/cli.ts"), ...args, "--json"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (status) => {
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ status, stdout, stderr, json });
    });
  });
}

/** What a shopper reads on a page: its words without the markup. */
function visibleText(page: string): string {
  return page
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The folder's files with their sizes and times: what "nothing was written" compares. */
function listing(dir: string): string[] {
  const entries: string[] = [`. ${statSync(dir).mtimeMs}`];
  const visit = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const full = path.join(folder, name);
      const stat = statSync(full);
      entries.push(`${path.relative(dir, full)} ${stat.isDirectory() ? "dir" : stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) visit(full);
    }
  };
  visit(dir);
  return entries;
}

/** Each batch's EventRecorded logs, counted from the chain itself. */
async function recordedOnChain(provider: Provider, ledgerAddress: string, fromBlock: number): Promise<Map<string, number>> {
  const ledger = new Contract(ledgerAddress, loadLedgerArtifact().abi, provider);
  const counts = new Map<string, number>();
  for (const log of await ledger.queryFilter(ledger.filters.EventRecorded(), fromBlock)) {
    const batchId = (log as EventLog).args.batchId as string;
    counts.set(batchId, (counts.get(batchId) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every event is confirmed and the index has reached the chain's head. */
async function settled(base: string, eventIds: string[], head: () => Promise<number>): Promise<void> {
  for (const id of eventIds) {
    await until(`event ${id} to be confirmed`, async () => ((await call(base, "GET", `/api/v1/events/${id}`)).body.status === "confirmed" ? true : undefined));
  }
  const target = await head();
  await until(`${base} to index block ${target}`, async () => {
    const ready = await call(base, "GET", "/readyz");
    return ready.status === 200 && ready.body.indexedBlock >= target ? true : undefined;
  });
}

describe("backup and restore of a data folder (real gateway processes, real anvil)", function () {
  this.timeout(600_000);
  const folders: string[] = [];
  const folder = (name: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
    folders.push(dir);
    return dir;
  };

  after(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  describe("a gateway on an external chain: gateway.db deleted, then restored", function () {
    let anvil: AnvilHandle;
    let gateway: GatewayProcess;
    let dataDir: string;
    let port: number;
    let provider: JsonRpcProvider;
    let ledger: { chainId: number; contract: string; deployBlock: number };
    let backupFile: string;
    let orgs: Record<"farm" | "packer" | "counter" | "certifier", { id: string; apiKey: string }>;
    const journey = harvestedBatchId(LOT);
    const journeyEvents: string[] = [];
    const loaded: Array<{ lot: string; batchId: string; eventId: string; ackedAt: number }> = [];
    /** When the backup's copy of gateway.db began (its header's createdAt). */
    let copiedAt: number;
    const head = async () => provider.getBlockNumber();
    const start = async () => {
      gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env: { PUBLIC_RATE_LIMIT: "0", API_RATE_LIMIT: "0" } });
    };
    /** What a batch shows: the public read, the page, and the read with each organisation's key. */
    const views = async (batchId: string) => ({
      api: (await call(gateway.base, "GET", `/api/v1/batches/${batchId}`)).body,
      page: visibleText((await call(gateway.base, "GET", `/p/${batchId}`)).text),
      byKey: Object.fromEntries(
        await Promise.all(Object.entries(orgs).map(async ([name, org]) => [name, (await call(gateway.base, "GET", `/api/v1/batches/${batchId}`, { token: org.apiKey })).body])),
      ),
    });

    before(async function () {
      dataDir = folder("backup-gateway");
      port = await freePort();
      anvil = await startAnvil({ port: await freePort() });
      provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
      await start();
      const org = async (name: string, role: string) => {
        const created = await call(gateway.base, "POST", "/api/v1/orgs", { token: PROCESS_ADMIN_TOKEN, body: { name, role } });
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        return created.body as { id: string; apiKey: string };
      };
      orgs = {
        farm: await org("田阳芒果专业合作社", "producer"),
        packer: await org("百色农产品分拣中心", "processor"),
        counter: await org("福田区消费帮扶专柜", "retailer"),
        certifier: await org("深圳市圳品认证中心", "certifier"),
      };
      const member = await call(gateway.base, "POST", `/api/v1/orgs/${orgs.farm.id}/members`, { token: PROCESS_ADMIN_TOKEN, body: { username: "tianyang.admin", password: PASSWORD } });
      expect(member.status, JSON.stringify(member.body)).to.equal(201);
      const write = async (key: string, url: string, body: unknown) => {
        const answer = await call(gateway.base, "POST", `${url}?wait=confirmed`, { token: key, body });
        expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 201, 202]);
        journeyEvents.push(answer.body.eventId);
      };
      const events = `/api/v1/batches/${journey}/events`;
      await write(orgs.farm.apiKey, "/api/v1/batches", harvest(LOT));
      await write(orgs.certifier.apiKey, `/api/v1/batches/${journey}/certifications`, certification("ZP-BACKUP-0001"));
      await write(orgs.farm.apiKey, events, shipment(orgs.packer.id, { shippedAt: "2026-06-01T10:00:00+08:00", to: "百色分拣中心" }));
      await write(orgs.packer.apiKey, events, { ...receipt, location: "百色分拣中心", receivedAt: "2026-06-01T14:00:00+08:00" });
      await write(orgs.packer.apiKey, events, packing);
      await write(orgs.packer.apiKey, events, shipment(orgs.counter.id));
      await write(orgs.counter.apiKey, events, receipt);
      await write(orgs.counter.apiKey, events, sale);
      ledger = (await call(gateway.base, "GET", "/api/v1/chain")).body;
    });

    after(async () => {
      await gateway?.stop().catch(() => undefined);
      provider?.destroy();
      await anvil?.stop();
    });

    it("backs up while the gateway takes writes: one 0600 file naming the ledger, with no secret and no private value in the clear", async function () {
      // Harvests stream in, one after another, before, during and after the backup.
      let stop = false;
      const load = (async () => {
        for (let i = 0; !stop; i++) {
          const lot = `BK-LOAD-${String(i).padStart(4, "0")}`;
          const answer = await call(gateway.base, "POST", "/api/v1/batches", { token: orgs.farm.apiKey, body: harvest(lot), headers: { "idempotency-key": lot } });
          expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
          loaded.push({ lot, batchId: answer.body.batchId, eventId: answer.body.eventId, ackedAt: Date.now() });
          await sleep(40);
        }
      })();
      await until("some writes before the backup", async () => (loaded.length >= 5 ? true : undefined));
      backupFile = path.join(folder("backups"), "gateway.pvbak");
      const made = await cli(["backup", "--out", backupFile, "--data-dir", dataDir], { MASTER_SECRET });
      await sleep(200);
      stop = true;
      await load;
      expect(made.status, made.stderr).to.equal(0);
      copiedAt = Date.parse(made.json.createdAt);
      expect(loaded.filter((w) => w.ackedAt < copiedAt).length, "writes before the copy").to.be.greaterThan(5);
      expect(loaded.filter((w) => w.ackedAt > copiedAt).length, "writes while the copy was taken and after").to.be.greaterThan(0);
      expect(made.json).to.include({ file: backupFile, chainId: ledger.chainId, ledger: ledger.contract, deployBlock: ledger.deployBlock });
      expect(made.json.lastIndexedBlock).to.be.a("number").at.least(ledger.deployBlock);
      expect(made.json.events).to.be.at.least(journeyEvents.length - 1 + loaded.filter((w) => w.ackedAt < copiedAt).length);
      expect(made.json.files.map((f: any) => f.path)).to.include.members(["gateway.db", "deployments/31337.json"]);
      expect(statSync(backupFile).mode & 0o777).to.equal(0o600);
      expect(readdirSync(path.dirname(backupFile))).to.deep.equal(["gateway.pvbak"]); // no temporary file left
      expect(readdirSync(dataDir).filter((name) => name.startsWith(".backup-"))).to.deep.equal([]);

      const bytes = readFileSync(backupFile);
      const header = JSON.parse(bytes.toString("utf8").split("\n")[1]);
      expect(header).to.include({ type: "provenance-backup", chainId: ledger.chainId, ledger: ledger.contract, lastIndexedBlock: made.json.lastIndexedBlock });
      expect(header.createdAt).to.be.a("string");
      for (const clear of [MASTER_SECRET, orgs.farm.apiKey, "田阳芒果专业合作社", "SQLite format 3", "1580.5", "tianyang.admin"]) {
        expect(bytes.includes(Buffer.from(clear)), `"${clear}" in the clear`).to.equal(false);
      }
    });

    it("after gateway.db is deleted, restore brings back every page, batch read, API key with its private fields, custodial key and login", async function () {
      await settled(gateway.base, [...journeyEvents, ...loaded.map((w) => w.eventId)], head);
      const batches = [journey, ...loaded.map((w) => w.batchId)];
      const before = new Map<string, Awaited<ReturnType<typeof views>>>();
      for (const batchId of batches) before.set(batchId, await views(batchId));
      const saleBefore = before.get(journey)!.byKey.counter.events.find((e: any) => e.type === "sale");
      expect(saleBefore.detail).to.deep.include({ amountCny: 1580.5 }); // the counter reads its own amount

      await gateway.stop();
      for (const file of DATABASE_FILES) rmSync(path.join(dataDir, file), { force: true });

      // One byte changed in the middle of the backup: refused, and the folder is as it was.
      const tampered = path.join(path.dirname(backupFile), "tampered.pvbak");
      const changed = readFileSync(backupFile);
      changed[Math.floor(changed.length / 2)] ^= 0x01;
      writeFileSync(tampered, changed);
      const untouched = listing(dataDir);
      const refused = await cli(["restore", tampered, "--data-dir", dataDir], { MASTER_SECRET });
      expect(refused.status, refused.stderr).to.equal(1);
      expect(refused.json.error.code).to.equal("damaged_backup");
      expect(refused.stderr).to.contain("nothing was restored");
      expect(listing(dataDir)).to.deep.equal(untouched);
      expect(existsSync(path.join(dataDir, "gateway.db"))).to.equal(false);

      const restored = await cli(["restore", backupFile, "--data-dir", dataDir], { MASTER_SECRET });
      expect(restored.status, restored.stderr).to.equal(0);
      expect(restored.json).to.include({ ledger: ledger.contract, chainId: ledger.chainId });
      expect(restored.json.restored.map((f: any) => f.path)).to.include("gateway.db");
      expect(statSync(path.join(dataDir, "gateway.db")).mode & 0o777).to.equal(0o600);

      await start();
      const beforeBackup = loaded.filter((w) => w.ackedAt < copiedAt);
      await settled(gateway.base, [...journeyEvents, ...beforeBackup.map((w) => w.eventId)], head);
      // Every batch the restored database holds shows exactly what it showed; every write acknowledged
      // before the backup began is among them.
      const held = new Set<string>();
      for (const batchId of batches) {
        const after = await views(batchId);
        const known = after.api.events?.length > 0 && after.api.events.every((e: any) => e.detail);
        if (!known) continue;
        held.add(batchId);
        expect(after.api, `the read of ${batchId}`).to.deep.equal(before.get(batchId)!.api);
        expect(after.page, `the page of ${batchId}`).to.equal(before.get(batchId)!.page);
        expect(after.byKey, `the reads of ${batchId} with each API key`).to.deep.equal(before.get(batchId)!.byKey);
      }
      for (const write of beforeBackup) expect(held.has(write.batchId), `${write.lot}, acknowledged before the copy`).to.equal(true);
      expect(held.has(journey)).to.equal(true);

      // Each API key still authenticates: the counter reads its own sale amount, the proof of it too.
      const saleAfter = (await call(gateway.base, "GET", `/api/v1/batches/${journey}`, { token: orgs.counter.apiKey })).body.events.find((e: any) => e.type === "sale");
      expect(saleAfter.detail).to.deep.include({ amountCny: 1580.5 });
      const proof = await call(gateway.base, "GET", `/api/v1/events/${saleAfter.eventId}/private`, { token: orgs.counter.apiKey });
      expect(proof.status, JSON.stringify(proof.body)).to.equal(200);
      expect(proof.body.fields[0]).to.deep.include({ field: "amountCny", value: 1580.5 });
      // The custodial keys open with the master secret: the farm signs a new harvest, and it is confirmed.
      const fresh = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", { token: orgs.farm.apiKey, body: harvest("BACKUP-2026-02") });
      expect(fresh.status, JSON.stringify(fresh.body)).to.be.oneOf([200, 201, 202]);
      expect((await call(gateway.base, "GET", `/api/v1/events/${fresh.body.eventId}`)).body.status).to.equal("confirmed");
      // The console member logs in with the same password.
      expect((await new ConsoleClient(gateway.base).login("tianyang.admin", PASSWORD)).status).to.equal(303);

      // Counted from the chain: every write once, whichever gateway sent it.
      await settled(gateway.base, [fresh.body.eventId], head);
      const counts = await recordedOnChain(provider, ledger.contract, ledger.deployBlock);
      expect(counts.get(journey)).to.equal(journeyEvents.length - 1); // the certification is the registry's, not an event
      for (const write of loaded) expect(counts.get(write.batchId), write.lot).to.equal(1);
      expect(counts.get(harvestedBatchId("BACKUP-2026-02"))).to.equal(1);
    });

    it("refuses to restore into a folder a gateway uses, naming the process", async function () {
      const refused = await cli(["restore", backupFile, "--data-dir", dataDir], { MASTER_SECRET });
      expect(refused.status, refused.stderr).to.equal(1);
      expect(refused.json.error.code).to.equal("in_use");
      expect(refused.stderr).to.contain(`process ${gateway.child.pid}`);
    });
  });

  describe("a gateway with the embedded chain: the whole data folder lost, the master secret kept apart", function () {
    let gateway: GatewayProcess;
    let dataDir: string;
    let port: number;
    let chainPort: number;

    after(async () => {
      await gateway?.stop().catch(() => undefined);
    });

    it("restores keys, deployment, chain snapshot and database: the same ledger, pages and key; the chain holds the event once", async function () {
      dataDir = folder("backup-embedded");
      port = await freePort();
      chainPort = await freePort();
      gateway = await spawnGateway({ port, chainPort, dataDir });
      const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
      const farm = (await call(gateway.base, "POST", "/api/v1/orgs", { token: adminToken, body: { name: "乐业猕猴桃合作社", role: "producer" } })).body;
      const lot = "BACKUP-EMB-01";
      const written = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", { token: farm.apiKey, body: harvest(lot) });
      expect(written.status, JSON.stringify(written.body)).to.be.oneOf([200, 201, 202]);
      const batchId = harvestedBatchId(lot);
      const chainBefore = (await call(gateway.base, "GET", "/api/v1/chain")).body;
      await until("the write to be indexed", async () => ((await call(gateway.base, "GET", `/api/v1/batches/${batchId}`)).status === 200 ? true : undefined));
      const pageBefore = visibleText((await call(gateway.base, "GET", `/p/${batchId}`)).text);
      const apiBefore = (await call(gateway.base, "GET", `/api/v1/batches/${batchId}`, { token: farm.apiKey })).body;

      const keptApart = path.join(folder("secret"), "master-secret");
      copyFileSync(path.join(dataDir, "master-secret"), keptApart);
      const backupFile = path.join(folder("backups"), "embedded.pvbak");
      const made = await cli(["backup", "--out", backupFile], { DATA_DIR: dataDir });
      expect(made.status, made.stderr).to.equal(0);
      expect(made.json.files.map((f: any) => f.path)).to.include.members(["gateway.db", "chain.json", "keys/admin.json", "keys/relayer.json", "deployments/31337.json", "admin-token"]);
      expect(made.json.files.map((f: any) => f.path)).not.to.include("master-secret");
      expect(made.json.chainSnapshotBlock).to.be.a("number");
      const secret = readFileSync(keptApart, "utf8").trim();
      expect(readFileSync(backupFile).includes(Buffer.from(secret))).to.equal(false);

      const inUse = await cli(["restore", backupFile], { DATA_DIR: dataDir });
      expect(inUse.status, inUse.stderr).to.equal(1);
      expect(inUse.json.error.code).to.equal("in_use");
      expect(inUse.stderr).to.contain("anvil.ipc");

      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
      const noSecret = await cli(["restore", backupFile], { DATA_DIR: dataDir });
      expect(noSecret.status, noSecret.stderr).to.equal(1);
      expect(noSecret.json.error.code).to.equal("no_master_secret");
      expect(existsSync(dataDir)).to.equal(false);

      const restored = await cli(["restore", backupFile, "--master-secret-file", keptApart], { DATA_DIR: dataDir });
      expect(restored.status, restored.stderr).to.equal(0);
      expect(restored.json.wroteMasterSecret).to.equal(true);
      expect(readdirSync(dataDir).sort()).to.deep.equal(["admin-token", "chain.json", "deployments", "gateway.db", "keys", "master-secret"]);

      gateway = await spawnGateway({ port, chainPort, dataDir });
      expect((await call(gateway.base, "GET", "/api/v1/chain")).body).to.deep.equal(chainBefore);
      const chain = new IpcProvider(path.join(dataDir, "anvil.ipc"), undefined, { cacheTimeout: -1 });
      try {
        await settled(gateway.base, [written.body.eventId], () => chain.getBlockNumber());
        expect(visibleText((await call(gateway.base, "GET", `/p/${batchId}`)).text)).to.equal(pageBefore);
        expect((await call(gateway.base, "GET", `/api/v1/batches/${batchId}`, { token: farm.apiKey })).body).to.deep.equal(apiBefore);
        // Whether or not the snapshot in the backup held the harvest, the chain holds it once now.
        expect((await recordedOnChain(chain, chainBefore.contract, chainBefore.deployBlock)).get(batchId)).to.equal(1);
      } finally {
        chain.destroy();
      }
      expect((await call(gateway.base, "POST", "/api/v1/orgs", { token: adminToken, body: { name: "巴马香猪合作社", role: "producer" } })).status).to.equal(201);
    });

    it("refuses a backup of another ledger than the folder's, unless --force, which sets the folder's files aside", async function () {
      await gateway.stop();
      const other = folder("other-ledger");
      const otherGateway = await spawnGateway({ port: await freePort(), chainPort: await freePort(), dataDir: other });
      const otherLedger = (await call(otherGateway.base, "GET", "/api/v1/chain")).body.contract;
      const otherBackup = path.join(folder("backups"), "other.pvbak");
      const made = await cli(["backup", "--out", otherBackup], { DATA_DIR: other });
      await otherGateway.stop();
      expect(made.status, made.stderr).to.equal(0);
      const env = { DATA_DIR: dataDir, MASTER_SECRET: readFileSync(path.join(other, "master-secret"), "utf8").trim() };

      const untouched = listing(dataDir);
      const refused = await cli(["restore", otherBackup], env);
      expect(refused.status, refused.stderr).to.equal(1);
      expect(refused.json.error.code).to.equal("other_ledger");
      expect(refused.stderr).to.contain(otherLedger);
      expect(listing(dataDir)).to.deep.equal(untouched);

      const forced = await cli(["restore", otherBackup, "--force"], env);
      expect(forced.status, forced.stderr).to.equal(0);
      expect(readdirSync(forced.json.setAside)).to.include.members(["gateway.db", "chain.json", "keys", "deployments", "admin-token"]);
      expect(JSON.parse(readFileSync(path.join(dataDir, "deployments", "31337.json"), "utf8")).address).to.equal(otherLedger);
    });
  });
});
