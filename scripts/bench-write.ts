/**
 * `npm run bench:write`: writes through the HTTP API into the embedded anvil and measures how
 * fast the gateway accepts events, how fast they are confirmed on chain, and the gas per event
 * as the relayer batched them. The gateway runs in its own process as `npm start` runs it (its
 * embedded chain, its own keys, JSON-RPC over the chain's Unix socket) and this script is its
 * client, so the two do not share a core.
 *
 * Setup (not measured): organisations, and BATCHES harvested batches. Measured: EVENTS shipment
 * and receipt events spread over those batches, CONCURRENCY requests in flight: on each batch a
 * journey the ledger's rules and the chain's custody accept (lib/bench-journeys.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { IpcProvider } from "../server/chain/ipc-provider";
import { confirmedAfter, createBenchOrgs, harvestBatches, keepAliveClient, writeJourneys } from "./lib/bench-journeys";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";

const BATCHES = Number(process.env.BENCH_BATCHES ?? 1_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

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
    const post = keepAliveClient(gateway.base, CONCURRENCY);
    const orgs = await createBenchOrgs(post, ADMIN);

    const harvests = await harvestBatches(post, orgs, BATCHES, CONCURRENCY, "BW-");
    const harvestConfirmed = await confirmedAfter(db, BATCHES, harvests.started);
    report("harvest (setup)", BATCHES, harvests.seconds, harvestConfirmed);

    const firstEventSeq = (db.prepare(`SELECT max(seq) AS s FROM outbox`).get() as { s: number }).s;
    const events = await writeJourneys(post, orgs, harvests.batchIds, EVENTS, CONCURRENCY);
    const eventsConfirmed = await confirmedAfter(db, BATCHES + EVENTS, events.started);
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
