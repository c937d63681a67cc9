/**
 * `npm run bench:write`: writes through the HTTP API into the embedded anvil and measures how
 * fast the gateway accepts events, how fast they are confirmed on chain, and the gas per event
 * as the relayer batched them. The gateway runs in its own process as `npm start` runs it (its
 * embedded chain, its own keys, JSON-RPC over the chain's Unix socket) and this script is its
 * client, so the two do not share a core.
 *
 * Setup (not measured): organisations, and BATCHES harvested batches. Measured: EVENTS shipment
 * and receipt events spread over those batches, CONCURRENCY requests in flight: on each batch a
 * journey the ledger's rules and the chain's custody accept (lib/bench-journeys.ts). Printed for
 * each phase: accepted/s, confirmed/s, the acceptance latency (request to 202) at p50 and p99,
 * and the CPU (in cores) and resident memory of the gateway and of its anvil over the phase.
 *
 *   BENCH_EVENTS (10,000), BENCH_BATCHES (1,000), BENCH_CONCURRENCY (64), RELAYER_BATCH_SIZE (400),
 *   GATEWAY_NODE_ARGS (extra node arguments for the gateway, e.g. to profile it)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { IpcProvider } from "../server/chain/ipc-provider";
import { confirmedAfter, createBenchOrgs, harvestBatches, keepAliveClient, writeJourneys, type Post } from "./lib/bench-journeys";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";
import { CpuMeter, memoryMb } from "./lib/process-usage";

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
      RELAYER_BATCH_SIZE: process.env.RELAYER_BATCH_SIZE ?? "400",
      RELAYER_INTERVAL_MS: "20",
      INDEXER_INTERVAL_MS: "100",
      LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? "warn",
      // CHAIN_THREAD=on: the relayer and the indexer on their own thread (README, How the gateway keeps its promises)
      CHAIN_THREAD: process.env.CHAIN_THREAD ?? "off",
    },
    // e.g. GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway
    nodeArgs: process.env.GATEWAY_NODE_ARGS?.split(" ").filter(Boolean),
  });
  const db = new Database(path.join(dataDir, "gateway.db"), { readonly: true });
  try {
    const latencies: number[] = [];
    const post = timed(keepAliveClient(gateway.base, CONCURRENCY), latencies);
    const orgs = await createBenchOrgs(post, ADMIN);
    const anvilPid = (JSON.parse(readFileSync(path.join(dataDir, "anvil.pid"), "utf8")) as { pid: number }).pid;
    const usage = () => new Usage(gateway.child.pid!, anvilPid);

    latencies.length = 0;
    let used = usage();
    const harvests = await harvestBatches(post, orgs, BATCHES, CONCURRENCY, "BW-");
    const harvestConfirmed = await confirmedAfter(db, BATCHES, harvests.started);
    const harvestFigures = report("harvest (setup)", BATCHES, harvests.seconds, harvestConfirmed, latencies, used.figures());

    latencies.length = 0;
    used = usage();
    const firstEventSeq = (db.prepare(`SELECT max(seq) AS s FROM outbox`).get() as { s: number }).s;
    const events = await writeJourneys(post, orgs, harvests.batchIds, EVENTS, CONCURRENCY);
    const eventsConfirmed = await confirmedAfter(db, BATCHES + EVENTS, events.started);
    const eventFigures = report("shipment/receipt", EVENTS, events.seconds, eventsConfirmed, latencies, used.figures());

    const gas = await gasPerEvent(db, path.join(dataDir, "anvil.ipc"), firstEventSeq);
    console.log(`\nrelayer: ${gas.transactions} transactions, ${gas.events} events, ${gas.perEvent} gas per event`);
    const failed = (db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'failed'`).get() as { n: number }).n;
    if (failed) throw new Error(`${failed} events failed`);
    console.log(
      JSON.stringify({
        acceptedEventsPerSecond: Math.round(EVENTS / events.seconds),
        confirmedEventsPerSecond: Math.round(EVENTS / eventsConfirmed),
        events: eventFigures,
        harvests: harvestFigures,
        gasPerEvent: gas.perEvent,
        eventCount: EVENTS,
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

/** A client that notes each request's time to its answer, in ms. */
function timed(post: Post, latencies: number[]): Post {
  return async (url, token, body) => {
    const started = performance.now();
    const answer = await post(url, token, body);
    latencies.push(performance.now() - started);
    return answer;
  };
}

/** CPU and memory of the gateway and its anvil from when it is made. */
class Usage {
  private readonly gatewayCpu: CpuMeter;
  private readonly anvilCpu: CpuMeter;

  constructor(
    private readonly gatewayPid: number,
    private readonly anvilPid: number,
  ) {
    this.gatewayCpu = new CpuMeter(gatewayPid);
    this.anvilCpu = new CpuMeter(anvilPid);
  }

  figures() {
    return {
      gateway: { cores: round2(this.gatewayCpu.cores()), ...memoryMb(this.gatewayPid) },
      anvil: { cores: round2(this.anvilCpu.cores()), ...memoryMb(this.anvilPid) },
    };
  }
}

function report(
  phase: string,
  count: number,
  acceptedSeconds: number,
  confirmedSeconds: number,
  latencies: number[],
  usage: ReturnType<Usage["figures"]>,
) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  const figures = {
    acceptedPerSecond: Math.round(count / acceptedSeconds),
    confirmedPerSecond: Math.round(count / confirmedSeconds),
    acceptP50Ms: at(0.5),
    acceptP99Ms: at(0.99),
    ...usage,
  };
  console.log(
    `${phase.padEnd(18)} ${String(count).padStart(6)} events  accepted ${String(figures.acceptedPerSecond).padStart(6)}/s` +
      `  confirmed ${String(figures.confirmedPerSecond).padStart(6)}/s  accept p50 ${figures.acceptP50Ms} ms, p99 ${figures.acceptP99Ms} ms` +
      `  gateway ${usage.gateway.cores} cores, RSS ${usage.gateway.rssMb} MB (peak ${usage.gateway.peakMb})` +
      `  anvil ${usage.anvil.cores} cores, RSS ${usage.anvil.rssMb} MB`,
  );
  return figures;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
