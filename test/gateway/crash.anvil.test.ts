/**
 * Crash safety, end to end: 300 writes stream into a gateway process while the test kills the
 * gateway and its anvil with SIGKILL at random points, several times, and restarts them. anvil
 * comes back from its last state snapshot, so it may have lost its newest blocks. In the end
 * every acknowledged write is on chain exactly once and the index equals a rebuild from the chain.
 */
import { expect } from "chai";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Contract, JsonRpcProvider } from "ethers";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { readDeployment } from "../../server/chain/deploy-ledger";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { rebuildIndex } from "../../server/workers/indexer";
import { openDatabase } from "../../server/store/database";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";

const WRITES = 300;

/** A seeded generator, so that a failing run can be replayed with the same chaos. */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("gateway crash safety (kill -9 of the gateway and of anvil)", function () {
  this.timeout(600_000);
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "crash-test-"));
  const stateFile = path.join(dataDir, "chain.json");
  let chainPort: number;
  let port: number;
  let anvil: AnvilHandle | undefined;
  let gateway: GatewayProcess | undefined;

  const startChain = async () => {
    anvil = await startAnvil({ port: chainPort, stateFile, stateInterval: 1 });
  };
  const startGateway = async () => {
    gateway = await spawnGateway({ port, rpcUrl: `http://127.0.0.1:${chainPort}`, dataDir });
  };
  /** Waits until anvil's state file holds every block mined so far, so that what is on chain now survives a kill. */
  const snapshotTaken = async () => {
    const provider = new JsonRpcProvider(anvil!.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true });
    const head = await provider.getBlockNumber();
    provider.destroy();
    while (anvil!.savedBlock() < head) await sleep(100);
  };

  /** POSTs until the gateway acknowledges (a client retrying with its Idempotency-Key). */
  async function acknowledged(url: string, token: string, body: unknown, key: string): Promise<{ eventId: string; batchId: string }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${url}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": key },
          body: JSON.stringify(body),
        });
        const answer = (await response.json()) as { eventId: string; batchId: string };
        if (response.status === 202 || response.status === 201) return answer;
        throw new Error(`write ${key} refused: ${response.status} ${JSON.stringify(answer)}`);
      } catch (error) {
        if ((error as Error).message.startsWith("write ")) throw error;
        if (attempt > 600) throw error;
        await sleep(100); // the gateway is down: retry
      }
    }
  }

  before(async function () {
    chainPort = await freePort();
    port = await freePort();
    await startChain();
    await startGateway();
    await snapshotTaken(); // the deployment survives the first kill of anvil
  });

  after(async function () {
    await gateway?.kill().catch(() => undefined);
    await anvil?.stop().catch(() => undefined);
  });

  it(`records each of ${WRITES} acknowledged writes exactly once (seed ${seed})`, async function () {
    const next = random(seed);
    const createOrg = (name: string, role: string) =>
      acknowledged("/api/v1/orgs", ADMIN, { name, role }, `org-${name}`) as unknown as Promise<{ apiKey: string }>;
    const producer = await createOrg("crash-producer", "producer");
    const carrier = (await createOrg("crash-carrier", "carrier")) as unknown as { id: string; apiKey: string };
    await snapshotTaken(); // roles survive too

    const acked: { eventId: string; batchId: string }[] = [];
    const chaosAt = new Set([40, 100, 160, 220, 270].map((n) => n + Math.floor(next() * 20)));
    const harvested: string[] = [];
    let shipped: string | undefined;
    let chaos = Promise.resolve();
    for (let i = 0; i < WRITES; i++) {
      // Every third write moves a batch: the cooperative ships its latest harvest to the carrier,
      // and the next time the carrier receives it.
      const moves = i % 3 === 2;
      let answer: { eventId: string; batchId: string };
      if (!moves) {
        answer = await acknowledged("/api/v1/batches", producer.apiKey, payload.harvest(`CR-${i}`), `w-${i}`);
        harvested.push(answer.batchId);
      } else if (shipped === undefined) {
        shipped = harvested.at(-1)!;
        answer = await acknowledged(`/api/v1/batches/${shipped}/events`, producer.apiKey, payload.shipment(carrier.id), `w-${i}`);
      } else {
        answer = await acknowledged(`/api/v1/batches/${shipped}/events`, carrier.apiKey, payload.receipt, `w-${i}`);
        shipped = undefined;
      }
      acked.push(answer);
      if (chaosAt.has(i)) {
        await chaos;
        const victim = ["gateway", "anvil", "both"][Math.floor(next() * 3)];
        chaos = (async () => {
          if (victim !== "anvil") await gateway!.kill();
          if (victim !== "gateway") {
            anvil!.process.kill("SIGKILL");
            await new Promise((resolve) => anvil!.process.once("exit", resolve));
          }
          await sleep(Math.floor(next() * 500));
          if (victim !== "gateway") await startChain();
          if (victim !== "anvil") await startGateway();
        })();
      }
    }
    await chaos;

    // Wait for every acknowledged event to be confirmed and indexed.
    const db = new Database(path.join(dataDir, "gateway.db"), { readonly: true });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const open = db.prepare(`SELECT count(*) AS n FROM outbox WHERE status != 'confirmed'`).get() as { n: number };
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (open.n === 0 && ready) break;
      if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(db.prepare(`SELECT status, error, count(*) AS n FROM outbox GROUP BY status, error`).all())}\n${gateway!.output()}`);
      await sleep(200);
    }
    await sleep(500); // one more indexer pass over the last block
    await gateway!.stop();
    db.close();

    // Every acknowledged write is recorded on chain exactly once: the contract logs each event once.
    const provider = new JsonRpcProvider(`http://127.0.0.1:${chainPort}`, undefined, { cacheTimeout: -1 });
    const deployment = readDeployment(path.join(dataDir, "deployments", "31337.json"))!;
    const ledger = new Contract(deployment.address, loadLedgerArtifact().abi, provider);
    const logs = await ledger.queryFilter(ledger.filters.EventRecorded(), deployment.deployBlock);
    const gatewayDb = openDatabase(path.join(dataDir, "gateway.db"));
    const outbox = gatewayDb.prepare(`SELECT id, batch_id, data_hash, status FROM outbox`).all() as {
      id: string;
      batch_id: string;
      data_hash: string;
      status: string;
    }[];
    expect(outbox).to.have.length(WRITES);
    expect(new Set(acked.map((a) => a.eventId)).size).to.equal(WRITES);
    for (const a of acked) expect(outbox.find((row) => row.id === a.eventId)?.status).to.equal("confirmed");
    const onChain = logs.map((log) => {
      const { batchId, dataHash } = (log as unknown as { args: { batchId: string; dataHash: string } }).args;
      return `${batchId}:${dataHash}`;
    });
    expect(onChain).to.have.length(WRITES);
    expect(new Set(onChain)).to.deep.equal(new Set(outbox.map((row) => `${row.batch_id}:${row.data_hash}`)));
    for (const batchId of harvested.slice(-5)) {
      const indexed = gatewayDb.prepare(`SELECT head FROM idx_batches WHERE batch_id = ?`).get(batchId) as { head: string };
      expect(indexed.head).to.equal(await ledger.headOf(batchId));
    }

    // The index the gateway kept through all of it equals one rebuilt from the chain.
    const dump = (d: ReturnType<typeof openDatabase>) => ({
      batches: d.prepare(`SELECT * FROM idx_batches ORDER BY batch_id`).all(),
      events: d.prepare(`SELECT batch_id, position, kind, signer, data_hash, prev_head, head, inputs FROM idx_events ORDER BY batch_id, position`).all(),
    });
    const kept = dump(gatewayDb);
    gatewayDb.close();
    const copy = path.join(dataDir, "rebuilt.db");
    copyFileSync(path.join(dataDir, "gateway.db"), copy);
    const rebuiltDb = openDatabase(copy);
    await rebuildIndex(rebuiltDb, provider, deployment.address, deployment.deployBlock);
    expect(dump(rebuiltDb)).to.deep.equal(kept);
    rebuiltDb.close();
    provider.destroy();
  });
});
