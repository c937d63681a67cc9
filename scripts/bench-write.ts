/**
 * `npm run bench:write`: writes through the HTTP API into the embedded anvil and measures how
 * fast the gateway accepts events, how fast they are confirmed on chain, and the gas per event
 * as the relayer batched them. The gateway runs in its own process as `npm start` runs it (its
 * embedded chain, its own keys, JSON-RPC over the chain's Unix socket) and this script is its
 * client, so the two do not share a core.
 *
 * Setup (not measured): organisations, and BATCHES harvested batches. Measured: EVENTS shipment
 * and receipt events spread over those batches, CONCURRENCY requests in flight. On each batch
 * they are a journey the ledger's rules and the chain's custody accept, one write after the
 * other, each by a holder or the consignee: the cooperative ships the batch to counter A, which
 * receives it; A, now a holder, ships it to counter B, which receives it; B ships it back to A,
 * and so on, each an hour after the one before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { IpcProvider } from "../server/chain/ipc-provider";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";
import * as payload from "./lib/payloads";

const BATCHES = Number(process.env.BENCH_BATCHES ?? 1_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
/** The first measured shipment, the day after the harvest (payloads.ts). */
const JOURNEY_START = Date.parse("2026-06-02T06:00:00+08:00");

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-write-"));
  const gateway = await spawnGateway({
    port: await freePort(),
    chainPort: await freePort(),
    dataDir,
    env: {
      ADMIN_TOKEN: ADMIN,
      ANVIL_STATE_INTERVAL: "60",
      RELAYER_BATCH_SIZE: process.env.RELAYER_BATCH_SIZE ?? "400",
      RELAYER_INTERVAL_MS: "20",
      INDEXER_INTERVAL_MS: "100",
      LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? "warn",
    },
    // e.g. GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway
    nodeArgs: process.env.GATEWAY_NODE_ARGS?.split(" ").filter(Boolean),
  });
  const db = new Database(path.join(dataDir, "gateway.db"), { readonly: true });
  try {
    const post = client(gateway.base);
    const producer = await post("/api/v1/orgs", ADMIN, { name: "bench producer", role: "producer" });
    const counters = [
      await post("/api/v1/orgs", ADMIN, { name: "bench counter A", role: "retailer" }),
      await post("/api/v1/orgs", ADMIN, { name: "bench counter B", role: "retailer" }),
    ];

    const harvests = await run(BATCHES, CONCURRENCY, (i) => post("/api/v1/batches", producer.apiKey, payload.harvest(`BW-${i}`)));
    const batchIds = harvests.answers.map((a) => a.batchId as string);
    const harvestConfirmed = await confirmed(db, BATCHES, harvests.started);
    report("harvest (setup)", BATCHES, harvests.seconds, harvestConfirmed);

    const firstEventSeq = (db.prepare(`SELECT max(seq) AS s FROM outbox`).get() as { s: number }).s;
    // Batch j takes events j, j + BATCHES, j + 2·BATCHES, … of the EVENTS, in order.
    const eventsOf = (j: number) => Math.floor(EVENTS / BATCHES) + (j < EVENTS % BATCHES ? 1 : 0);
    const events = await run(BATCHES, CONCURRENCY, async (j) => {
      const url = `/api/v1/batches/${batchIds[j]}/events`;
      for (let step = 0; step < eventsOf(j); step++) {
        // Shipment k (step 2k) goes to counter A when k is even, B when odd, from whoever received the one before.
        const leg = Math.floor(step / 2);
        const to = counters[leg % 2];
        const holder = leg === 0 ? producer : counters[(leg - 1) % 2];
        const at = new Date(JOURNEY_START + step * 3_600_000).toISOString();
        if (step % 2 === 0) await post(url, holder.apiKey, payload.shipment(to.id, { shippedAt: at }));
        else await post(url, to.apiKey, { ...payload.receipt, receivedAt: at });
      }
      return {};
    });
    const eventsConfirmed = await confirmed(db, BATCHES + EVENTS, events.started);
    report("shipment/receipt", EVENTS, events.seconds, eventsConfirmed);

    const gas = await gasPerEvent(db, path.join(dataDir, "anvil.ipc"), firstEventSeq);
    console.log(`\nrelayer: ${gas.transactions} transactions, ${gas.events} events, ${gas.perEvent} gas per event`);
    const failed = (db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'failed'`).get() as { n: number }).n;
    if (failed) throw new Error(`${failed} events failed`);
    console.log(
      JSON.stringify({
        acceptedEventsPerSecond: Math.round(EVENTS / events.seconds),
        confirmedEventsPerSecond: Math.round(EVENTS / eventsConfirmed),
        gasPerEvent: gas.perEvent,
        events: EVENTS,
        concurrency: CONCURRENCY,
        transactions: gas.transactions,
      }),
    );
  } finally {
    if (process.env.GATEWAY_LOG_LEVEL) console.error(gateway.output());
    db.close();
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A keep-alive HTTP/1.1 client on node:http: it costs the shared CPU less than fetch, so the
 * figures measure the gateway rather than the load generator.
 */
function client(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(base);
  return (url: string, token: string, body: unknown) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const request = http.request(
        {
          agent,
          hostname,
          port,
          path: url,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": data.length, authorization: `Bearer ${token}` },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("end", () => {
            const answer = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            if ((response.statusCode ?? 500) >= 300) reject(new Error(`${url}: ${response.statusCode} ${JSON.stringify(answer)}`));
            else resolve(answer);
          });
        },
      );
      request.on("error", reject);
      request.end(data);
    });
}

/** Runs `count` tasks with `concurrency` in flight; how long until all were acknowledged. */
async function run(count: number, concurrency: number, request: (i: number) => Promise<Record<string, unknown>>) {
  const answers: Record<string, unknown>[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        answers[i] = await request(i);
      }
    }),
  );
  return { answers, started, seconds: (performance.now() - started) / 1000 };
}

/** Seconds from `started` until `total` outbox events are confirmed. */
async function confirmed(db: Database.Database, total: number, started: number): Promise<number> {
  const count = db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'confirmed'`);
  const deadline = Date.now() + 600_000;
  while ((count.get() as { n: number }).n < total) {
    if (Date.now() > deadline) throw new Error("events were not confirmed within 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (performance.now() - started) / 1000;
}

/** Gas of the relayer's transactions that carried the measured events, per event. */
async function gasPerEvent(db: Database.Database, chainSocket: string, afterSeq: number) {
  const provider = new IpcProvider(chainSocket, undefined, { cacheTimeout: -1 });
  const hashes = db
    .prepare(`SELECT DISTINCT tx_hash AS hash FROM outbox WHERE seq > ? AND status = 'confirmed'`)
    .all(afterSeq) as { hash: string }[];
  let gas = 0n;
  let events = 0;
  for (const { hash } of hashes) {
    const receipt = await provider.getTransactionReceipt(hash);
    gas += receipt!.gasUsed;
    events += (db.prepare(`SELECT count(*) AS n FROM outbox WHERE tx_hash = ?`).get(hash) as { n: number }).n;
  }
  provider.destroy();
  return { transactions: hashes.length, events, perEvent: Math.round(Number(gas) / events) };
}

function report(phase: string, count: number, acceptedSeconds: number, confirmedSeconds: number): void {
  console.log(
    `${phase.padEnd(18)} ${String(count).padStart(6)} events  accepted ${Math.round(count / acceptedSeconds)
      .toString()
      .padStart(6)}/s  confirmed ${Math.round(count / confirmedSeconds).toString().padStart(6)}/s`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
