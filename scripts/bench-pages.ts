/**
 * `npm run bench:pages`: how fast the gateway serves a batch's public provenance page, and
 * whether that holds as the index grows. The page is served under load (autocannon, in this
 * process) for BENCH_DURATION seconds, first with BENCH_SMALL_EVENTS events indexed in total,
 * then with BENCH_LARGE_EVENTS; requests/s, p50 and p99 latency of each run are printed, and a
 * JSON object of the figures as the last line. Target: p99 ≤ 25 ms at ≥ 2,000 requests/s.
 *
 * The gateway runs in its own process against an anvil this script starts, so the load
 * generator and the server do not share a thread (on a small machine they still share cores).
 * The page is one real batch with a full journey written through the HTTP API: two harvests,
 * each shipped to the carrier, which receives it and ships it on to the packing house, which
 * receives them and packs them together (a merge), 圳品 certification, the same way through the
 * carrier to the counter, receipt, sale. The other events are filled in
 * straight through the contract (see bench-pages-fill.ts).
 *
 * The gateway keeps a rendered page until something it depends on changes (server/web/
 * page-cache.ts), so a run without writes mostly measures kept pages; each run also prints the
 * time of one render against the grown index (the batch's unit page, which is never kept).
 *
 * Mixed load: after the large run, other batches are written through the HTTP API at
 * BENCH_WRITE_RATE events/s (shipments and receipts on BENCH_WRITE_BATCHES batches harvested
 * for it, custodial signing: the gateway signs each), while the page is served under the same
 * load as before. The page's p99 with and without the writes are printed side by side, and
 * whether the one with writes is within 1.5× of the one without (issue 16). The writes do not
 * touch the page's batch or its inputs, so the page stays kept: what remains is the write load's
 * share of the gateway's one event loop and of the machine's cores.
 *
 *   BENCH_PAGE_PATH   the page, with {batchId}, {gtin} and {lot} filled in ("/p/{batchId}")
 *   BENCH_SMALL_EVENTS, BENCH_LARGE_EVENTS (1,000 and 200,000), BENCH_DURATION (10 s),
 *   BENCH_CONNECTIONS (32), GATEWAY_NODE_ARGS (extra node arguments for the gateway)
 *   BENCH_WRITE_RATE (300 events/s; 0: no mixed run), BENCH_WRITE_BATCHES (300),
 *   BENCH_WRITE_CONCURRENCY (64 writes in flight at most)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Wallet } from "ethers";
import { startAnvil, type AnvilHandle } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway, type GatewayProcess } from "./lib/processes";
import * as payload from "./lib/payloads";
import { createFiller, type Filler } from "./bench-pages-fill";
import { createBenchOrgs, harvestBatches, journeyStep, keepAliveClient, type BenchOrgs, type Post } from "./lib/bench-journeys";

const PAGE_PATH = process.env.BENCH_PAGE_PATH ?? "/p/{batchId}";
const SMALL_EVENTS = Number(process.env.BENCH_SMALL_EVENTS ?? 1_000);
const LARGE_EVENTS = Number(process.env.BENCH_LARGE_EVENTS ?? 200_000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WRITE_RATE = Number(process.env.BENCH_WRITE_RATE ?? 300);
const WRITE_BATCHES = Number(process.env.BENCH_WRITE_BATCHES ?? 300);
const WRITE_CONCURRENCY = Number(process.env.BENCH_WRITE_CONCURRENCY ?? 64);
const WARMUP_S = 2;
const TARGET = { p99Ms: 25, requestsPerSec: 2_000 };
/** Issue 16: the page's p99 under writes at most this many times the p99 without. */
const MIXED_P99_RATIO = 1.5;

/** The lot of the benchmarked batch, and of the batch merged into it. */
const LOT = "BP2026-0601";
const INPUT_LOT = "BP2026-0601B";
/**
 * Events the journey puts in the index: two harvests, each handed over through the carrier to
 * the packing house (four events: shipment and receipt twice), the merge, the hand-over through
 * the carrier to the counter (four), sale.
 */
const JOURNEY_EVENTS = 16;

/** autocannon ships no type declarations: the parts of its programmatic API used here. */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
const autocannon: (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  warmup: { duration: number };
  requests?: Array<{ method: "GET"; path: string; onResponse: (status: number, body: string, context: unknown, headers: Record<string, string>) => void }>;
}) => Promise<AutocannonResult> = require("autocannon");

interface RunFigures {
  eventsIndexed: number;
  fillSeconds: number;
  firstRequestMs: number;
  /** One render of the page against the grown index: its unit page, never kept. */
  renderMs: number;
  /** Of the answers during warm-up and run, how many were kept pages (X-Page-Cache: hit). */
  keptShare: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU used during warm-up and run, in % of one core; undefined where /proc is missing. */
  cpuPercent?: CpuShare;
}

/** What a run needs: the filler, the gateway, its database, the page, the processes to watch. */
interface Stage {
  filler: Filler;
  base: string;
  db: Database.Database;
  url: string;
  /** A unit page of the batch: the same view rendered on every request (a scan is counted, so it is never kept). */
  unitUrl: string;
  pids: { gateway: number; anvil: number };
}

async function main(): Promise<void> {
  if (LARGE_EVENTS <= SMALL_EVENTS || SMALL_EVENTS < JOURNEY_EVENTS) {
    throw new Error(`need ${JOURNEY_EVENTS} ≤ BENCH_SMALL_EVENTS < BENCH_LARGE_EVENTS`);
  }
  const cleanup: (() => unknown)[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-pages-"));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let gateway: GatewayProcess | undefined;
  // Ctrl-C: stop the children and remove the temp dir before leaving.
  process.once("SIGINT", () => {
    console.error("interrupted: stopping the gateway and anvil, removing the data folder");
    void runCleanup(cleanup).finally(() => process.exit(130));
  });
  try {
    const anvil: AnvilHandle = await startAnvil({ port: await freePort(), stateFile: path.join(dataDir, "chain.json"), stateInterval: 600 });
    cleanup.push(() => anvil.stop());
    gateway = await spawnGateway({
      port: await freePort(),
      rpcUrl: anvil.rpcUrl,
      dataDir,
      env: {
        // All load comes from one loopback address: the per-address limit would answer 429.
        PUBLIC_RATE_LIMIT: "0",
        API_RATE_LIMIT: "0",
        VERIFY_RATE_LIMIT: "0",
        LOG_LEVEL: "warn",
        // The gateway's own defaults, so its background polling during the runs is as in production.
        RELAYER_INTERVAL_MS: "200",
        INDEXER_INTERVAL_MS: "200",
      },
      // e.g. GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a request's time goes
      nodeArgs: process.env.GATEWAY_NODE_ARGS?.split(" ").filter(Boolean),
    });
    cleanup.push(() => gateway!.stop());
    console.log(`gateway ${gateway.base} (own process), anvil ${anvil.rpcUrl}, data ${dataDir}`);
    console.log("rate limits: off (PUBLIC_RATE_LIMIT=0, API_RATE_LIMIT=0), as every request comes from one loopback address");

    const db = new Database(path.join(dataDir, "gateway.db"), { readonly: true });
    cleanup.push(() => db.close());
    const filler = await setUpFiller(gateway.base, anvil.rpcUrl, db);

    const batchId = await recordJourney(gateway.base);
    await waitUntilIndexed(gateway.base, db, JOURNEY_EVENTS);
    const pagePath = PAGE_PATH.replace("{batchId}", batchId).replace("{gtin}", payload.MANGO_GTIN).replace("{lot}", LOT);
    const url = `${gateway.base}${pagePath}`;
    await checkPage(url);
    console.log(`page: GET ${pagePath} (lot ${LOT}: 11 events with a merged input batch, 圳品 certified)`);
    console.log(`load: autocannon in this process, ${CONNECTIONS} connections, pipelining 1, ${WARMUP_S} s warm-up + ${DURATION_S} s per run\n`);

    const unitUrl = `${gateway.base}/01/${payload.MANGO_GTIN}/10/${LOT}/21/BENCH1`;
    const stage: Stage = { filler, base: gateway.base, db, url, unitUrl, pids: { gateway: gateway.child.pid!, anvil: anvil.process.pid! } };
    const small = await fillAndRun("small", stage, SMALL_EVENTS);
    const large = await fillAndRun("large", stage, LARGE_EVENTS);
    const mixed = WRITE_RATE > 0 ? await mixedRun(stage, large) : undefined;

    const ratio = round(large.p99Ms / small.p99Ms, 2);
    console.log(`\np99 large/small: ${ratio}`);
    for (const [name, run] of [["small", small], ["large", large]] as const) {
      const clean = run.non2xx + run.errors + run.timeouts === 0;
      const met = clean && run.p99Ms <= TARGET.p99Ms && run.requestsPerSec >= TARGET.requestsPerSec;
      console.log(`target (p99 ≤ ${TARGET.p99Ms} ms at ≥ ${TARGET.requestsPerSec} req/s), ${name}: ${met ? "met" : "missed"}${clean ? "" : " (requests failed)"}`);
    }
    console.log(
      JSON.stringify({
        path: PAGE_PATH,
        connections: CONNECTIONS,
        durationSeconds: DURATION_S,
        small,
        large,
        p99RatioLargeToSmall: ratio,
        ...(mixed && { mixed }),
      }),
    );
  } catch (error) {
    if (gateway) console.error(`gateway output:\n${gateway.output().slice(-4_000)}`);
    throw error;
  } finally {
    await runCleanup(cleanup);
  }
}

/** Runs the cleanup steps once, newest first; a failing step does not stop the others. */
async function runCleanup(steps: (() => unknown)[]): Promise<void> {
  while (steps.length) {
    try {
      await steps.pop()!();
    } catch (error) {
      console.error("cleanup:", error);
    }
  }
}

/** Fills the index to `total` events, then serves the page under load. */
async function fillAndRun(name: string, stage: Stage, total: number): Promise<RunFigures> {
  const fill = await stage.filler.fillTo(total);
  await waitUntilIndexed(stage.base, stage.db, total);
  console.log(`${name}: filled ${fill.added.toLocaleString("en")} events in ${fill.seconds.toFixed(1)} s (${Math.round(fill.added / fill.seconds)} events/s, through the contract)`);
  // The fill's batches are not the page's: its kept copy (if still under a minute old) survives
  // them. The render against the grown index is timed on the unit page, which is never kept.
  const firstRequestMs = await timeRequest(stage.url);
  const renderMs = await timeRequest(stage.unitUrl);
  console.log(`${name}: first request after the fill ${firstRequestMs} ms; one render against the grown index (unit page) ${renderMs} ms`);
  const figures = await loadPage(name, stage);
  return { eventsIndexed: indexedEvents(stage.db), fillSeconds: round(fill.seconds, 1), firstRequestMs, renderMs, ...figures };
}

/** Serves the page under load for the warm-up and BENCH_DURATION; prints and returns the figures. */
async function loadPage(name: string, stage: Stage): Promise<Omit<RunFigures, "eventsIndexed" | "fillSeconds" | "firstRequestMs" | "renderMs">> {
  const answers = { kept: 0, all: 0 };
  const cpuBefore = cpuSnapshot(stage.pids);
  const result = await autocannon({
    url: stage.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: DURATION_S,
    warmup: { duration: WARMUP_S },
    requests: [
      {
        method: "GET",
        path: new URL(stage.url).pathname + new URL(stage.url).search, // autocannon's requests do not take the url's path
        onResponse: (_status, _body, _context, headers) => {
          answers.all++;
          // autocannon keeps the header names as the server spelled them
          if (Object.entries(headers).some(([name, value]) => name.toLowerCase() === "x-page-cache" && value === "hit")) answers.kept++;
        },
      },
    ],
  });
  const cpu = cpuShare(cpuBefore, cpuSnapshot(stage.pids));
  const figures = {
    keptShare: answers.all === 0 ? 0 : round(answers.kept / answers.all, 4),
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuPercent: cpu,
  };
  const statuses = Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}×${count}`).join(" ");
  console.log(
    `${name}: ${indexedEvents(stage.db).toLocaleString("en")} events indexed  ${figures.requestsPerSec} req/s  ` +
      `p50 ${figures.p50Ms} ms  p99 ${figures.p99Ms} ms  max ${figures.maxMs} ms  kept pages ${round(100 * figures.keptShare, 2)}%  ` +
      `errors: ${figures.non2xx} non-2xx, ${figures.errors} connection errors, ${figures.timeouts} timeouts  (status ${statuses})`,
  );
  if (cpu) {
    // The figures depend on who else used the cores: the load generator shares them, and so
    // does anything else the machine runs.
    console.log(
      `${name}: CPU during warm-up and run, % of one core (${availableParallelism()} cores): gateway ${cpu.gateway}, ` +
        `load generator ${cpu.loadGenerator}, anvil ${cpu.anvil}, other processes ${cpu.other}`,
    );
  }
  return figures;
}

interface MixedFigures {
  /** Writes asked for, and what the gateway took during the page run (warm-up included). */
  writeRatePerSec: number;
  acceptedPerSec: number;
  confirmedPerSec: number;
  indexedPerSec: number;
  writeFailures: number;
  withoutWrites: RunFigures;
  withWrites: Awaited<ReturnType<typeof loadPage>>;
  p99Ratio: number;
  withinTarget: boolean;
}

/**
 * The large index's page under writes to other batches through the HTTP API: BENCH_WRITE_RATE
 * events/s while the page is loaded as in the runs before; printed beside the large run.
 */
async function mixedRun(stage: Stage, withoutWrites: RunFigures): Promise<MixedFigures> {
  const post = keepAliveClient(stage.base, WRITE_CONCURRENCY);
  const orgs = await createBenchOrgs(post, ADMIN);
  const indexedBefore = indexedEvents(stage.db);
  const { batchIds } = await harvestBatches(post, orgs, WRITE_BATCHES, WRITE_CONCURRENCY, "BPW-");
  await waitUntilIndexed(stage.base, stage.db, indexedBefore + WRITE_BATCHES);
  console.log(`\nmixed: ${WRITE_BATCHES} other batches harvested through the API; writing shipments and receipts on them at ${WRITE_RATE} events/s (HTTP API, custodial signing) while the page is loaded`);

  const writes = pacedJourneys(post, orgs, batchIds, WRITE_RATE, WRITE_CONCURRENCY);
  await sleep(1_000); // the write load reaches its pace before the page's warm-up starts
  const before = { at: performance.now(), accepted: writes.accepted(), confirmed: confirmedEvents(stage.db), indexed: indexedEvents(stage.db) };
  const withWrites = await loadPage("mixed", stage);
  const seconds = (performance.now() - before.at) / 1000;
  const rate = (now: number, then: number) => Math.round((now - then) / seconds);
  const figures = {
    acceptedPerSec: rate(writes.accepted(), before.accepted),
    confirmedPerSec: rate(confirmedEvents(stage.db), before.confirmed),
    indexedPerSec: rate(indexedEvents(stage.db), before.indexed),
  };
  await writes.stop();
  const p99Ratio = round(withWrites.p99Ms / withoutWrites.p99Ms, 2);
  const clean = withWrites.non2xx + withWrites.errors + withWrites.timeouts === 0 && writes.failures() === 0;
  const withinTarget = clean && figures.acceptedPerSec >= WRITE_RATE * 0.95 && p99Ratio <= MIXED_P99_RATIO;
  console.log(
    `mixed: writes during the page run: ${figures.acceptedPerSec} accepted/s, ${figures.confirmedPerSec} confirmed/s, ` +
      `${figures.indexedPerSec} indexed/s (asked ${WRITE_RATE}/s), ${writes.failures()} failed${writes.lastError() ? ` (last: ${writes.lastError()})` : ""}`,
  );
  console.log(`\npage under load          without writes   with writes (${WRITE_RATE} events/s)`);
  const row = (label: string, a: string | number, b: string | number) => console.log(`${label.padEnd(25)}${String(a).padEnd(17)}${b}`);
  row("requests/s", withoutWrites.requestsPerSec, withWrites.requestsPerSec);
  row("p50 (ms)", withoutWrites.p50Ms, withWrites.p50Ms);
  row("p99 (ms)", withoutWrites.p99Ms, withWrites.p99Ms);
  row("kept pages", `${round(100 * withoutWrites.keptShare, 2)}%`, `${round(100 * withWrites.keptShare, 2)}%`);
  if (withoutWrites.cpuPercent && withWrites.cpuPercent) row("gateway CPU (% of a core)", withoutWrites.cpuPercent.gateway, withWrites.cpuPercent.gateway);
  console.log(
    `target (p99 with writes ≤ ${MIXED_P99_RATIO}× without, writes at ≥ ${WRITE_RATE}/s): ${withinTarget ? "met" : "missed"} ` +
      `(p99 ratio ${p99Ratio}${figures.acceptedPerSec < WRITE_RATE * 0.95 ? `; the gateway took ${figures.acceptedPerSec} writes/s` : ""}${clean ? "" : "; requests failed"})`,
  );
  return { writeRatePerSec: WRITE_RATE, ...figures, writeFailures: writes.failures(), withoutWrites, withWrites, p99Ratio, withinTarget };
}

/**
 * Journey events (lib/bench-journeys.ts) on `batchIds` at `rate` a second: each batch's next
 * event once its last was accepted, at most `concurrency` in flight. When the gateway falls
 * behind, the pace is not made up later in a burst: what it could not take is simply not sent.
 */
function pacedJourneys(post: Post, orgs: BenchOrgs, batchIds: readonly string[], rate: number, concurrency: number) {
  const idle = [...batchIds];
  const steps = new Map(batchIds.map((id) => [id, 0]));
  const inFlight = new Set<Promise<unknown>>();
  let accepted = 0;
  let failures = 0;
  let lastError: string | undefined;
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    sent = Math.max(sent, due - concurrency); // no burst to catch up
    while (sent < due && inFlight.size < concurrency && idle.length > 0) {
      sent++;
      const batchId = idle.shift()!;
      const step = steps.get(batchId)!;
      const { token, body } = journeyStep(orgs, step);
      const write: Promise<unknown> = post(`/api/v1/batches/${batchId}/events`, token, body).then(
        () => {
          accepted++;
          steps.set(batchId, step + 1);
          idle.push(batchId);
        },
        (error: Error) => {
          failures++; // the batch is left out from now on: its next step would be refused too
          lastError = error.message.slice(0, 300);
        },
      );
      inFlight.add(write);
      void write.finally(() => inFlight.delete(write));
    }
  }, 5);
  return {
    accepted: () => accepted,
    failures: () => failures,
    lastError: () => lastError,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

function confirmedEvents(db: Database.Database): number {
  return (db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'confirmed'`).get() as { n: number }).n;
}

interface CpuShare {
  gateway: number;
  loadGenerator: number;
  anvil: number;
  other: number;
}

/** CPU seconds used so far: by the whole machine, the gateway, anvil and this process. */
function cpuSnapshot(pids: Stage["pids"]) {
  const machine = cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0) / 1000;
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    machine,
    self: (self.user + self.system) / 1e6,
    gateway: processCpuSeconds(pids.gateway),
    anvil: processCpuSeconds(pids.anvil),
  };
}

function cpuShare(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): CpuShare | undefined {
  if (before.gateway === undefined || after.gateway === undefined || before.anvil === undefined || after.anvil === undefined) return undefined;
  const seconds = (after.at - before.at) / 1000;
  const percent = (cpuSeconds: number) => Math.max(0, Math.round((100 * cpuSeconds) / seconds));
  const gateway = after.gateway - before.gateway;
  const anvil = after.anvil - before.anvil;
  const self = after.self - before.self;
  return {
    gateway: percent(gateway),
    loadGenerator: percent(self),
    anvil: percent(anvil),
    other: percent(after.machine - before.machine - gateway - anvil - self),
  };
}

/** A process's user + system CPU seconds from /proc (Linux); undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The fill's two organisations register their own addresses (the gateway grants their roles on
 * chain) and sign for themselves.
 */
async function setUpFiller(base: string, rpcUrl: string, db: Database.Database): Promise<Filler> {
  const chain = (await call(base, "GET", "/api/v1/chain")) as { chainId: number; contract: string };
  const producer = Wallet.createRandom();
  const carrier = Wallet.createRandom();
  await call(base, "POST", "/api/v1/orgs", ADMIN, { name: "填充生产合作社", role: "producer", address: producer.address });
  await call(base, "POST", "/api/v1/orgs", ADMIN, { name: "填充物流", role: "carrier", address: carrier.address });
  return createFiller({ rpcUrl, ledgerAddress: chain.contract, chainId: chain.chainId, producer, carrier, db });
}

/**
 * The benchmarked batch's journey through the HTTP API, each write confirmed on chain before
 * the next: two harvests, each shipped to the carrier, which receives it and ships it on to the
 * packing house, which receives it; packing that merges the second into the first, 圳品
 * certification, the same hand-over through the carrier to the counter, sale. Returns the batch id.
 */
async function recordJourney(base: string): Promise<string> {
  const org = async (name: string, role: string) => (await call(base, "POST", "/api/v1/orgs", ADMIN, { name, role })) as { id: string; apiKey: string };
  const producer = await org("田阳芒果专业合作社", "producer");
  const processor = await org("田阳分拣中心", "processor");
  const certifier = (await org("深圳市圳品评价中心", "certifier")).apiKey;
  const carrier = await org("百色冷链物流", "carrier");
  const retailer = await org("福田区消费扶贫专柜", "retailer");

  const confirmed = "?wait=confirmed";
  const eventsOf = (id: string) => `/api/v1/batches/${id}/events${confirmed}`;
  /** `from`, a holder, ships the batch to the carrier, which receives it and ships it on to `to`, which receives it. */
  const handOver = async (id: string, from: typeof producer, to: typeof producer, options: Parameters<typeof payload.viaCarrier>[2]) => {
    const who = { holder: from, carrier, consignee: to };
    for (const [leg, body] of payload.viaCarrier(carrier.id, to.id, options)) await call(base, "POST", eventsOf(id), who[leg].apiKey, body);
  };
  const { batchId } = (await call(base, "POST", `/api/v1/batches${confirmed}`, producer.apiKey, payload.harvest(LOT))) as { batchId: string };
  const { batchId: inputId } = (await call(base, "POST", `/api/v1/batches${confirmed}`, producer.apiKey, payload.harvest(INPUT_LOT))) as { batchId: string };
  for (const id of [batchId, inputId]) {
    await handOver(id, producer, processor, { at: "2026-06-01T12:00:00+08:00", shipment: { to: "田阳分拣中心" }, receipt: { location: "田阳分拣中心" } });
  }
  await call(base, "POST", eventsOf(batchId), processor.apiKey, { ...payload.packing, inputs: [inputId] });
  const certification = (await call(base, "POST", `/api/v1/batches/${batchId}/certifications`, certifier, payload.certification("SZP-2026-0601"))) as {
    eventId: string;
  };
  await waitConfirmed(base, certification.eventId);
  await handOver(batchId, processor, retailer, {});
  await call(base, "POST", eventsOf(batchId), retailer.apiKey, payload.sale);
  return batchId;
}

/** Polls a write until it is confirmed: the certification routes have no ?wait=confirmed. */
async function waitConfirmed(base: string, eventId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status, error } = (await call(base, "GET", `/api/v1/events/${eventId}`)) as { status: string; error?: string };
    if (status === "confirmed") return;
    if (status === "failed") throw new Error(`write ${eventId} failed: ${error}`);
    if (Date.now() > deadline) throw new Error(`write ${eventId} not confirmed within 60 s (${status})`);
    await sleep(50);
  }
}

/** Waits until /readyz answers ready and the index holds at least `events` events. */
async function waitUntilIndexed(base: string, db: Database.Database, events: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!((await fetch(`${base}/readyz`)).ok && indexedEvents(db) >= events)) {
    if (Date.now() > deadline) throw new Error(`not indexed within 10 minutes: ${indexedEvents(db)} of ${events} events`);
    await sleep(50);
  }
}

function indexedEvents(db: Database.Database): number {
  return (db.prepare(`SELECT count(*) AS n FROM idx_events`).get() as { n: number }).n;
}

/** The page must answer 200 with HTML (JSON for an /api/ path) before it is worth loading. */
async function checkPage(url: string): Promise<void> {
  const response = await fetch(url);
  const type = response.headers.get("content-type") ?? "";
  const expected = new URL(url).pathname.startsWith("/api/") ? "application/json" : "text/html";
  const body = await response.text();
  if (response.status !== 200 || !type.startsWith(expected)) {
    throw new Error(
      `GET ${url} answered ${response.status} ${type || "(no content-type)"}, not 200 ${expected}: ` +
        `is the page route there yet? (BENCH_PAGE_PATH=/api/v1/batches/{batchId} benchmarks the JSON read instead)\n${body.slice(0, 300)}`,
    );
  }
  if (!body.includes(LOT)) console.warn(`warning: the page does not mention the lot ${LOT}; is it the right batch?`);
}

/** Milliseconds one GET of `url` takes, body included; it must answer 200. */
async function timeRequest(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return round(performance.now() - started, 1);
}

/** One JSON request; anything but 2xx throws with the answer. */
async function call(base: string, method: "GET" | "POST", url: string, token?: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  const answer = JSON.parse(text);
  // Under ?wait=confirmed a write answers 2xx even when the chain refused it: check its status.
  if (url.includes("wait=confirmed") && !answer.events.every((e: { status: string }) => e.status === "confirmed")) {
    throw new Error(`${method} ${url}: not confirmed: ${text}`);
  }
  return answer;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Exit once cleaned up: the load generator's and the filler's keep-alive handles would hold the
// process open after the figures are printed.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
