/**
 * One data folder, one gateway, and the gateway owns its embedded chain (issue 20: finding 1,
 * finding 2's restart half, one gateway per data folder), with real processes and kill -9:
 * - a gateway killed with SIGKILL comes up again on `npm start`, three times in a row, leaves no
 *   anvil of the folder behind and loses no block (anvil dumps its state as it stops); an anvil an earlier gateway left running is stopped at start
 *   (found by its pidfile, or by its command line), its newest blocks kept, and a process the
 *   pidfile names that is not the folder's anvil is left alone;
 * - a second gateway (or a reindex) on a folder a gateway runs on refuses, naming the first's
 *   PID, and the first keeps confirming writes;
 * - anvil killed under a running gateway is started again, and a write made afterwards is
 *   confirmed: counted from the chain's own EventRecorded logs;
 * - "confirmed" survives a kill -9 of anvil right after the answer (finding 3): the restarted
 *   chain still holds each confirmed transaction in its block, and the API never takes it back;
 * - a folder that holds events whose chain lost the ledger refuses to start instead of deploying
 *   a new one; a folder without events still may.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { anvilBinaryPath, startAnvil } from "../../server/chain/anvil";
import { writeAnvilPidfile } from "../../server/chain/anvil-leftover";
import { readDeployment } from "../../server/chain/deploy-ledger";
import { IpcProvider, ipcCall } from "../../server/chain/ipc-provider";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { serverCommand } from "../../scripts/lib/server-build";
import { recordedPerBatch } from "../../scripts/lib/recorded-on-chain";
import * as payload from "../../scripts/lib/payloads";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Live anvil processes whose command line names a file of `dataDir` (its socket, its state). */
function anvilsOf(dataDir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (/^\S+\s+\(.*\)\s+[ZX]/.test(readFileSync(`/proc/${name}/stat`, "utf8"))) continue; // exited, not yet reaped
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg.endsWith("anvil")) && args.some((arg) => arg.startsWith(`${dataDir}/`))) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

async function call(base: string, method: string, url: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

/** The admin token: made on first run by a gateway on the embedded chain, given to one on RPC_URL. */
function adminToken(dataDir: string): string {
  const file = path.join(dataDir, "admin-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : PROCESS_ADMIN_TOKEN;
}

async function producerKey(gateway: GatewayProcess, dataDir: string, name: string): Promise<string> {
  const org = await call(gateway.base, "POST", "/api/v1/orgs", adminToken(dataDir), { name, role: "producer" });
  expect(org.status, JSON.stringify(org.body)).to.equal(201);
  return org.body.apiKey;
}

/** A harvest the gateway answers as confirmed; returns its batch id. */
async function confirmedHarvest(gateway: GatewayProcess, key: string, lot: string): Promise<string> {
  const write = await call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest(lot));
  expect(write.status, JSON.stringify(write.body)).to.equal(202);
  expect(write.body.status).to.equal("confirmed");
  return write.body.batchId;
}

/** How many EventRecorded logs of the folder's ledger carry `batchId`, read from the embedded chain over its socket. */
async function recordedOnEmbeddedChain(dataDir: string, batchId: string): Promise<number> {
  const provider = new IpcProvider(path.join(dataDir, "anvil.ipc"), undefined, { cacheTimeout: -1 });
  try {
    const deployment = readDeployment(path.join(dataDir, "deployments", "31337.json"))!;
    return (await recordedPerBatch(provider, deployment.address, deployment.deployBlock)).get(batchId.toLowerCase()) ?? 0;
  } finally {
    provider.destroy();
  }
}

async function recordedOnRemoteChain(rpcUrl: string, dataDir: string, batchId: string): Promise<number> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
  try {
    const deployment = readDeployment(path.join(dataDir, "deployments", "31337.json"))!;
    return (await recordedPerBatch(provider, deployment.address, deployment.deployBlock)).get(batchId.toLowerCase()) ?? 0;
  } finally {
    provider.destroy();
  }
}

async function lastBlock(dataDir: string): Promise<{ number: number; hash: string }> {
  const block = await ipcCall<{ number: string; hash: string }>(path.join(dataDir, "anvil.ipc"), "eth_getBlockByNumber", ["latest", false]);
  return { number: Number(block.number), hash: block.hash };
}

async function blockHash(dataDir: string, number: number): Promise<string | undefined> {
  const block = await ipcCall<{ hash: string } | null>(path.join(dataDir, "anvil.ipc"), "eth_getBlockByNumber", [`0x${number.toString(16)}`, false]);
  return block?.hash;
}

/** Starts a gateway that must refuse; returns what it said. */
async function refusal(options: Parameters<typeof spawnGateway>[0]): Promise<string> {
  try {
    const gateway = await spawnGateway(options);
    await gateway.stop();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the gateway started, but it should have refused");
}

describe("the gateway owns its data folder and its embedded chain", function () {
  this.timeout(600_000);
  const folders: string[] = [];
  const gateways: GatewayProcess[] = [];
  const strays: ChildProcess[] = [];
  const folder = (name: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `ownership-${name}-`));
    folders.push(dir);
    return dir;
  };
  const start = async (options: Parameters<typeof spawnGateway>[0]) => {
    const gateway = await spawnGateway(options);
    gateways.push(gateway);
    return gateway;
  };

  after(async function () {
    for (const gateway of gateways) await gateway.kill().catch(() => undefined);
    for (const stray of strays) stray.kill("SIGKILL");
    for (const dir of folders) {
      for (const pid of anvilsOf(dir)) process.kill(pid, "SIGKILL"); // what a failing run may leave
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("comes up again after kill -9 of the gateway, three times in a row, with no anvil of the folder left behind and no block lost", async function () {
    const dataDir = folder("restart");
    const port = await freePort();
    const chainPort = await freePort();
    let gateway = await start({ port, chainPort, dataDir });
    const key = await producerKey(gateway, dataDir, "田阳芒果合作社");
    for (let round = 1; round <= 3; round++) {
      const batchId = await confirmedHarvest(gateway, key, `OWN-RESTART-${round}`);
      expect(await recordedOnEmbeddedChain(dataDir, batchId)).to.equal(1);
      const last = await lastBlock(dataDir); // perhaps newer than the last snapshot
      await gateway.kill();

      gateway = await start({ port, chainPort, dataDir });
      // anvil stopped with the gateway and dumped its state, which this start loaded.
      expect((await blockHash(dataDir, last.number)), `round ${round}: block ${last.number} after the restart`).to.equal(last.hash);
      expect(gateway.output()).to.contain(`took over the data folder's lock from process`);
      const anvils = anvilsOf(dataDir);
      expect(anvils, `round ${round}: the folder's anvil processes`).to.have.length(1);
      expect(parentOf(anvils[0]), `round ${round}: the anvil running belongs to the new gateway`).to.equal(gateway.child.pid);
    }
    const batchId = await confirmedHarvest(gateway, key, "OWN-RESTART-4");
    expect(await recordedOnEmbeddedChain(dataDir, batchId)).to.equal(1);
  });

  it("stops an anvil an earlier gateway left running, keeps its newest blocks, and leaves alone a process that is not the folder's anvil", async function () {
    const dataDir = folder("leftover");
    const port = await freePort();
    const chainPort = await freePort();
    const first = await start({ port, chainPort, dataDir });
    const key = await producerKey(first, dataDir, "乐业猕猴桃合作社");
    await confirmedHarvest(first, key, "OWN-LEFTOVER-1");
    await first.stop();

    const ipcPath = path.join(dataDir, "anvil.ipc");
    const leftover = async () => {
      // An anvil as an earlier version's gateway started it, left running by a kill -9.
      const args = ["--accounts", "0", "--ipc", ipcPath, "--load-state", path.join(dataDir, "chain.json"), "--port", String(await freePort()), "--silent"];
      const child = spawn(anvilBinaryPath(), args, { stdio: "ignore", detached: true });
      strays.push(child);
      for (let i = 0; i < 200; i++) {
        if (await ipcCall(ipcPath, "eth_chainId", [], 500).then(() => true, () => false)) break;
        await sleep(100);
      }
      await ipcCall(ipcPath, "anvil_mine", ["0x5"]); // blocks the last snapshot does not hold
      return { child, block: Number(await ipcCall<string>(ipcPath, "eth_blockNumber")) };
    };

    // Named by the folder's pidfile, as a gateway on a system without setpriv leaves it.
    const named = await leftover();
    writeAnvilPidfile(path.join(dataDir, "anvil.pid"), named.child.pid!, ipcPath);
    let gateway = await start({ port, chainPort, dataDir });
    expect(named.child.exitCode ?? named.child.signalCode, "the leftover anvil was stopped").not.to.equal(null);
    expect(gateway.output()).to.contain(`stopped the anvil (pid ${named.child.pid})`);
    expect(Number(await ipcCall<string>(ipcPath, "eth_blockNumber"))).to.be.at.least(named.block);
    await gateway.stop();

    // An older version's leftover, with no pidfile, while the pidfile names an unrelated process.
    const unnamed = await leftover();
    const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
    strays.push(stranger);
    writeAnvilPidfile(path.join(dataDir, "anvil.pid"), stranger.pid!, ipcPath);
    gateway = await start({ port, chainPort, dataDir });
    expect(unnamed.child.exitCode ?? unnamed.child.signalCode, "the leftover anvil was stopped").not.to.equal(null);
    expect(stranger.exitCode ?? stranger.signalCode, "the stranger the pidfile named is left alone").to.equal(null);
    expect(gateway.output()).to.contain(`names process ${stranger.pid}, which is not this data folder's anvil`);
    expect(Number(await ipcCall<string>(ipcPath, "eth_blockNumber"))).to.be.at.least(unnamed.block);
    expect(anvilsOf(dataDir)).to.have.length(1);
    const batchId = await confirmedHarvest(gateway, key, "OWN-LEFTOVER-2");
    expect(await recordedOnEmbeddedChain(dataDir, batchId)).to.equal(1);
  });

  it("refuses a second gateway and a reindex on a folder a gateway runs on, naming its PID; the first keeps working", async function () {
    for (const kind of ["embedded", "RPC_URL"] as const) {
      const dataDir = folder(`second-${kind}`);
      const chain = kind === "RPC_URL" ? await startAnvil({ port: await freePort() }) : undefined;
      try {
        const first = await start({ port: await freePort(), chainPort: await freePort(), rpcUrl: chain?.rpcUrl, dataDir });
        const key = await producerKey(first, dataDir, `${kind} 合作社`);

        const said = await refusal({ port: await freePort(), chainPort: await freePort(), rpcUrl: chain?.rpcUrl, dataDir });
        expect(said, kind).to.contain(`in use by process ${first.child.pid}`);
        const reindex = await runReindex(dataDir, chain?.rpcUrl);
        expect(reindex.code, kind).to.equal(1);
        expect(reindex.output, kind).to.contain(`in use by process ${first.child.pid}`);

        const batchId = await confirmedHarvest(first, key, `OWN-SECOND-${kind}`);
        const recorded =
          kind === "embedded"
            ? await recordedOnEmbeddedChain(dataDir, batchId)
            : await recordedOnRemoteChain(chain!.rpcUrl, dataDir, batchId);
        expect(recorded, kind).to.equal(1);
        await first.stop();
        expect(existsSync(path.join(dataDir, "gateway.lock")), "a clean stop frees the folder").to.equal(false);
      } finally {
        await chain?.stop();
      }
    }
  });

  it("starts anvil again when it is killed, and confirms a write made afterwards", async function () {
    const dataDir = folder("anvil-kill");
    const gateway = await start({ port: await freePort(), chainPort: await freePort(), dataDir });
    const key = await producerKey(gateway, dataDir, "巴马香猪合作社");
    await confirmedHarvest(gateway, key, "OWN-ANVIL-0"); // confirmed: in the chain's snapshot, so the kill keeps it

    const [killed] = anvilsOf(dataDir);
    process.kill(killed, "SIGKILL");
    // Made while anvil is down: kept in SQLite (202), sent once the chain is back.
    const write = await call(gateway.base, "POST", "/api/v1/batches", key, payload.harvest("OWN-ANVIL-1"));
    expect(write.status, JSON.stringify(write.body)).to.equal(202);
    let status = write.body.status as string;
    for (let i = 0; i < 1_800 && status !== "confirmed" && status !== "failed"; i++) {
      await sleep(100);
      status = (await call(gateway.base, "GET", `/api/v1/events/${write.body.eventId}`)).body.status;
    }
    expect(status, `the write made after anvil was killed:\n${gateway.output()}`).to.equal("confirmed");
    const confirmed: string = write.body.batchId;
    expect(await recordedOnEmbeddedChain(dataDir, confirmed!)).to.equal(1);
    const [restarted] = anvilsOf(dataDir);
    expect(restarted).not.to.equal(killed);
    expect(parentOf(restarted)).to.equal(gateway.child.pid);
    expect(gateway.output()).to.contain("the embedded chain stopped");
    expect(gateway.output()).to.contain("the embedded chain is running again");
    // What the supervisor tells /readyz (GatewayOptions.chainProcess).
    const ready = await call(gateway.base, "GET", "/readyz");
    expect(ready.body.embeddedChain).to.deep.include({ up: true, restarts: 1 });
    expect(ready.body.embeddedChain.lastExit).to.contain(`anvil (pid ${killed}) exited on SIGKILL`);
  });

  it("answers confirmed only for what anvil has saved: a kill -9 of anvil right after each confirmed answer takes nothing back", async function () {
    const dataDir = folder("durable");
    const gateway = await start({ port: await freePort(), chainPort: await freePort(), dataDir });
    const key = await producerKey(gateway, dataDir, "凤山核桃合作社");
    const ipcPath = path.join(dataDir, "anvil.ipc");
    for (let round = 1; round <= 3; round++) {
      const writes = await Promise.all(
        [1, 2, 3].map((i) => call(gateway.base, "POST", "/api/v1/batches?wait=confirmed", key, payload.harvest(`OWN-DURABLE-${round}-${i}`))),
      );
      for (const write of writes) expect(write.body.status, JSON.stringify(write.body)).to.equal("confirmed");
      const [killed] = anvilsOf(dataDir);
      process.kill(killed, "SIGKILL"); // at once: anvil's own periodic dump is not waited for

      let restarted: number | undefined;
      for (let i = 0; i < 300 && restarted === undefined; i++) {
        await sleep(100);
        const [pid] = anvilsOf(dataDir);
        if (pid !== undefined && pid !== killed && (await ipcCall(ipcPath, "eth_chainId", [], 500).then(() => true, () => false))) restarted = pid;
      }
      expect(restarted, `round ${round}: anvil started again
${gateway.output()}`).to.not.equal(undefined);
      for (const write of writes) {
        const [event] = write.body.events as { eventId: string; transactionHash: string; blockNumber: number }[];
        const receipt = await ipcCall<{ blockNumber: string } | null>(ipcPath, "eth_getTransactionReceipt", [event.transactionHash]);
        expect(receipt && Number(receipt.blockNumber), `round ${round}: the confirmed transaction ${event.transactionHash} after the restart`).to.equal(
          event.blockNumber,
        );
        expect(await recordedOnEmbeddedChain(dataDir, write.body.batchId)).to.equal(1);
        const now = await call(gateway.base, "GET", `/api/v1/events/${event.eventId}`);
        expect(now.body).to.deep.include({ status: "confirmed", transactionHash: event.transactionHash, blockNumber: event.blockNumber });
      }
    }
  });

  it("refuses to deploy a new ledger over a folder that holds events of one its chain lost; an empty folder redeploys", async function () {
    const dataDir = folder("lost-ledger");
    const port = await freePort();
    const chainPort = await freePort();
    let gateway = await start({ port, chainPort, dataDir });
    const key = await producerKey(gateway, dataDir, "紫金绿茶合作社");
    await confirmedHarvest(gateway, key, "OWN-LOST-1");
    await gateway.stop();
    const recorded = readDeployment(path.join(dataDir, "deployments", "31337.json"))!;
    for (const file of ["chain.json", "chain.json.previous"]) unlinkSync(path.join(dataDir, file)); // the chain's state is lost

    const said = await refusal({ port, chainPort, dataDir });
    expect(said).to.contain(recorded.address);
    expect(said).to.contain("holds 1 event(s)");
    expect(said).to.contain("Restore the chain's state");
    expect(readDeployment(path.join(dataDir, "deployments", "31337.json"))!.address).to.equal(recorded.address);

    const empty = folder("lost-empty");
    gateway = await start({ port, chainPort, dataDir: empty });
    const first = readDeployment(path.join(empty, "deployments", "31337.json"))!;
    await gateway.stop();
    for (const file of ["chain.json", "chain.json.previous"]) if (existsSync(path.join(empty, file))) unlinkSync(path.join(empty, file));
    gateway = await start({ port, chainPort, dataDir: empty }); // deploys anew (same admin and nonce: the same address)
    expect((await call(gateway.base, "GET", "/api/v1/chain")).body.contract).to.equal(first.address);
    const provider = new IpcProvider(path.join(empty, "anvil.ipc"), undefined, { cacheTimeout: -1 });
    expect(await provider.getCode(first.address)).not.to.equal("0x");
    provider.destroy();
    await gateway.stop();
  });
});

/** `npm run reindex` on `dataDir` (the embedded chain unless `rpcUrl`): its exit code and output. */
function runReindex(dataDir: string, rpcUrl?: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, serverCommand("server/reindex.ts"), {
    cwd: path.resolve(__dirname, "../.."),
    env: {
      PATH: process.env.PATH ?? "",
      DATA_DIR: dataDir,
      ...(rpcUrl && { RPC_URL: rpcUrl, ADMIN_KEY: "0x" + "11".repeat(32), RELAYER_KEY: "0x" + "22".repeat(32), ADMIN_TOKEN: PROCESS_ADMIN_TOKEN }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout.on("data", (chunk) => chunks.push(chunk.toString()));
  child.stderr.on("data", (chunk) => chunks.push(chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output: chunks.join("") })));
}
