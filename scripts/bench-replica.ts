/**
 * `npm run bench:replica`: how long a new read gateway takes to catch up with a ledger of
 * BENCH_EVENTS events (100,000), details included, and how large the ledger is to copy.
 *
 * Setup (not measured): an anvil process, a writing gateway on it (its own process, keys, and
 * API_RATE_LIMIT / PUBLIC_RATE_LIMIT 0: the read gateway pages the writer's feed, and it is the
 * writer's limit that would throttle it), organisations, then the events written through the
 * HTTP API as fast as it takes them: BENCH_BATCHES harvests (a tenth of the events), then
 * shipment and receipt journeys on them (lib/bench-journeys.ts), BENCH_CONCURRENCY requests in
 * flight, until the writer has confirmed and indexed every one.
 *
 * Measured: a read gateway (RPC_URL, LEDGER_ADDRESS, LEDGER_DEPLOY_BLOCK, PEER_URLS = the writer;
 * no keys) from its spawn until its /readyz, polled every POLL_MS, shows indexedBlock at the
 * chain's head, details.missing 0 and every detail kept from the peer: when the chain was
 * indexed, when the last detail arrived.
 * Then the writer's feed as the read gateway pages it (NDJSON, 1,000 a page), bytes per detail,
 * and the ledger bundle `export` writes, bytes per detail.
 *
 * READER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the read gateway (the profile
 * is written when it stops); READER_LOG_LEVEL (info) prints its log at that level at the end.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { startAnvil, type AnvilHandle } from "../server/chain/anvil";
import { confirmedAfter, createBenchOrgs, harvestBatches, keepAliveClient, writeJourneys } from "./lib/bench-journeys";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway, type GatewayProcess } from "./lib/processes";

const ROOT = path.resolve(__dirname, "..");
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
/** Harvested batches: a tenth of the events, so that each batch has a harvest and nine shipments and receipts. */
const BATCHES = Number(process.env.BENCH_BATCHES ?? Math.max(1, Math.round(EVENTS / 10)));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const POLL_MS = 150;
/** The feed page the read gateway asks of its peers (PeerDetails' default). */
const FEED_PAGE = 1_000;
const CATCH_UP_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 60) * 60_000;
/** The writer's limits, off for the bench; said in the printout. */
const WRITER_LIMITS = { API_RATE_LIMIT: "0", PUBLIC_RATE_LIMIT: "0" };

/** What to undo on the way out, last first; run once, whether the bench ends, fails or is interrupted. */
const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (error) {
        console.error(`clean-up: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the gateways and anvil, removing the temporary folder`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  if (!(EVENTS > BATCHES && BATCHES >= 1)) throw new Error(`BENCH_EVENTS (${EVENTS}) must exceed BENCH_BATCHES (${BATCHES}), which must be at least 1`);
  const journeyEvents = EVENTS - BATCHES;
  const root = mkdtempSync(path.join(tmpdir(), "bench-replica-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  };

  console.log(
    `bench:replica  ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown"}), node ${process.version}\n` +
      `N = ${EVENTS} events: ${BATCHES} harvests + ${journeyEvents} shipments/receipts, written with ${CONCURRENCY} requests in flight\n` +
      `writer: API_RATE_LIMIT=0 and PUBLIC_RATE_LIMIT=0 for the bench (the read gateway pages the writer's feed; the default 600 a minute would throttle it)`,
  );

  // Setup: anvil, the writer, the events.
  const anvil: AnvilHandle = await startAnvil({ port: await freePort() });
  cleanups.push(() => anvil.stop());
  const writerDir = folder("writer");
  const writer = await spawnGateway({
    port: await freePort(),
    rpcUrl: anvil.rpcUrl,
    dataDir: writerDir,
    env: { ...WRITER_LIMITS, RELAYER_BATCH_SIZE: process.env.RELAYER_BATCH_SIZE ?? "400", RELAYER_INTERVAL_MS: "20", INDEXER_INTERVAL_MS: "100" },
  });
  cleanups.push(() => writer.stop());
  const db = new Database(path.join(writerDir, "gateway.db"), { readonly: true });
  cleanups.push(() => {
    db.close();
  });

  const post = keepAliveClient(writer.base, CONCURRENCY);
  const orgs = await createBenchOrgs(post, ADMIN);
  const writeStarted = performance.now();
  const harvests = await harvestBatches(post, orgs, BATCHES, CONCURRENCY, "BR-");
  const journeys = await writeJourneys(post, orgs, harvests.batchIds, journeyEvents, CONCURRENCY);
  const accepted = (performance.now() - writeStarted) / 1000;
  const confirmed = await confirmedAfter(db, EVENTS, writeStarted, 60 * 60_000);
  const head = await blockNumber(anvil.rpcUrl);
  await until(`the writer to index block ${head} and ${EVENTS} events`, 10 * 60_000, async () => {
    const ready = await readyz(writer.base);
    const indexed = (db.prepare(`SELECT count(*) AS n FROM idx_events`).get() as { n: number }).n;
    return ready.indexedBlock >= head && indexed >= EVENTS;
  });
  const setupSeconds = (performance.now() - writeStarted) / 1000;
  /** The data hashes the chain holds: the details the read gateway must get. */
  const onChain = (db.prepare(`SELECT (SELECT count(*) FROM idx_events) + (SELECT count(*) FROM idx_certifications) AS n`).get() as { n: number }).n;
  console.log(
    `setup: ${EVENTS} events written in ${fixed(accepted)} s (${Math.round(EVENTS / accepted)}/s accepted; harvests ${fixed(harvests.seconds)} s, ` +
      `journeys ${fixed(journeys.seconds)} s), confirmed after ${fixed(confirmed)} s, indexed by the writer after ${fixed(setupSeconds)} s; chain head block ${head}`,
  );
  const ledger = (await (await fetch(`${writer.base}/api/v1/chain`)).json()) as { chainId: number; contract: string; deployBlock: number };

  // Measured: the read gateway's catch-up.
  const readerDir = folder("reader");
  const loadAtSpawn = loadavg()[0];
  const spawned = performance.now();
  const reader = await spawnGateway({
    port: await freePort(),
    rpcUrl: anvil.rpcUrl,
    dataDir: readerDir,
    // info: the detail sync and the indexer say what went wrong (a peer's page not fetched…) at info.
    env: { API_RATE_LIMIT: "0", PUBLIC_RATE_LIMIT: "0", LOG_LEVEL: process.env.READER_LOG_LEVEL ?? "info" },
    nodeArgs: process.env.READER_NODE_ARGS?.split(" ").filter(Boolean),
    read: { ledger: ledger.contract, deployBlock: ledger.deployBlock, peers: [writer.base] },
  });
  let readerStopped = false;
  const stopReader = async () => {
    if (readerStopped) return;
    readerStopped = true;
    await reader.stop();
  };
  cleanups.push(stopReader);
  const healthy = seconds(spawned);
  const readerDb = new Database(path.join(readerDir, "gateway.db"), { readonly: true });
  cleanups.push(() => {
    if (readerDb.open) readerDb.close();
  });
  const catchUp = await watchCatchUp(reader, readerDb, head, onChain, spawned);
  const loadAtEnd = loadavg()[0];
  readerDb.close();
  await stopReader();
  if (process.env.READER_LOG_LEVEL) console.error(reader.output());
  const warnings = logNotes(reader.output());

  // The copies' sizes, with nothing else running.
  const feed = await readFeed(writer.base);
  const bundle = await exportBundle(writer.base, path.join(folder("bundle"), "ledger-bundle.ndjson"));

  const perSecond = Math.round(EVENTS / catchUp.done);
  console.log(
    [
      "",
      `read gateway catch-up on ${EVENTS} events (from its spawn until /readyz shows indexedBlock ≥ ${head}, details.missing = 0 and keptFromPeers = ${onChain}; polled every ${POLL_MS} ms;` +
        ` load average ${loadAtSpawn.toFixed(1)} at its spawn, ${loadAtEnd.toFixed(1)} at the end, on ${cpus().length} cores):`,
      `  answering /healthz       ${fixed(healthy).padStart(8)} s  (node and ts-node starting, the database opened)`,
      `  chain indexed            ${fixed(catchUp.indexed).padStart(8)} s  (${fixed(catchUp.indexed - healthy)} s after /healthz)`,
      `  last detail stored       ${fixed(catchUp.stored).padStart(8)} s  (in its database, sampled every second)`,
      `  last detail arrived      ${fixed(catchUp.done).padStart(8)} s  (on /readyz, which counts at the end of a sync pass: ${fixed(catchUp.done - catchUp.indexed)} s after the chain was indexed)`,
      `  events per second        ${String(perSecond).padStart(8)}  (${Math.round(EVENTS / (catchUp.done - healthy))} from /healthz on)`,
      `  details kept from peers  ${String(catchUp.kept).padStart(8)}  (refused ${catchUp.refused})`,
      `  longest /readyz answer   ${fixed(catchUp.longestWait).padStart(8)} s  (the read gateway's event loop held up${catchUp.failedPolls ? `; ${catchUp.failedPolls} polls failed and were asked again` : ""})`,
      `  notes in its log         ${String(warnings.count).padStart(8)}${warnings.count ? `  (${warnings.sample.join("; ")})` : ""}`,
      "",
      `ledger bundle (export --json): ${bundle.details} details, ${bundle.bytes} bytes, ${bundle.bytesPerDetail} bytes per detail (${fixed(bundle.seconds)} s)`,
      `feed (NDJSON, ${FEED_PAGE} a page, as the read gateway pages it): ${feed.items} details in ${feed.pages} pages, ${feed.bytes} bytes, ` +
        `${Math.round(feed.bytes / feed.items)} bytes per detail (${fixed(feed.seconds)} s, ${Math.round(feed.items / feed.seconds)} details/s)`,
    ].join("\n"),
  );
  console.log(
    JSON.stringify({
      cores: cpus().length,
      events: EVENTS,
      harvests: BATCHES,
      chainHead: head,
      loadAverage: round(loadAtSpawn),
      healthySeconds: round(healthy),
      indexedSeconds: round(catchUp.indexed),
      detailsStoredSeconds: round(catchUp.stored),
      detailsSeconds: round(catchUp.done),
      eventsPerSecond: perSecond,
      longestReadyzSeconds: round(catchUp.longestWait),
      readerLogNotes: warnings.count,
      bundleBytesPerDetail: bundle.bytesPerDetail,
      feedBytesPerDetail: Math.round(feed.bytes / feed.items),
      writerApiRateLimit: 0,
    }),
  );
}

interface Ready {
  ready: boolean;
  indexedBlock: number;
  chainBlock: number | null;
  details?: { missing: number | null; refused: number; keptFromPeers: number };
}

/**
 * Polls the read gateway's /readyz until it has indexed `head` and holds all `details`; when each
 * was first seen, in seconds from `spawned`. details.missing is the count after the detail sync's
 * last pass, which reads 0 when a pass ran before the index found anything, so "all details" is
 * missing 0 with keptFromPeers at `details` too. Progress every few seconds on stderr.
 */
async function watchCatchUp(reader: GatewayProcess, readerDb: Database.Database, head: number, details: number, spawned: number) {
  let indexed: number | undefined;
  /** When the read gateway's own database first held every detail (sampled every second). */
  let stored: number | undefined;
  const storedNow = readerDb.prepare(`SELECT count(*) AS n FROM event_details`);
  const indexedNow = readerDb.prepare(`SELECT count(*) AS n FROM idx_events`);
  let storedCount = 0;
  let lastSample = -1;
  let lastNote = 0;
  let longestWait = 0;
  let failedPolls = 0;
  const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const asked = performance.now();
    let ready: Ready;
    try {
      ready = await readyz(reader.base);
    } catch (error) {
      // A gateway whose event loop is held up can drop the connection: ask again, unless it died.
      if (reader.child.exitCode !== null || reader.child.signalCode !== null) throw new Error(`the read gateway exited:\n${reader.output().slice(-4_000)}`);
      failedPolls++;
      console.error(`  ${fixed(seconds(spawned)).padStart(7)} s: /readyz failed (${error instanceof Error ? error.message : String(error)}); asking again`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      continue;
    }
    longestWait = Math.max(longestWait, seconds(asked));
    const now = seconds(spawned);
    const sync = ready.details;
    if (indexed === undefined && ready.indexedBlock >= head) indexed = now;
    if (stored === undefined && now - lastSample >= 1) {
      lastSample = now;
      storedCount = (storedNow.get() as { n: number }).n;
      if (storedCount >= details) stored = now;
    }
    if (indexed !== undefined && sync?.missing === 0 && sync.keptFromPeers >= details) {
      return { indexed, stored: stored ?? now, done: now, kept: sync.keptFromPeers, refused: sync.refused, longestWait, failedPolls };
    }
    if (now - lastNote >= 5) {
      lastNote = now;
      const events = (indexedNow.get() as { n: number }).n;
      console.error(
        `  ${fixed(now).padStart(7)} s: indexed block ${ready.indexedBlock}/${head} (${events} events), details stored ${storedCount}; /readyz details.missing ${sync?.missing ?? "?"}, keptFromPeers ${sync?.keptFromPeers ?? 0}`,
      );
    }
    if (performance.now() > deadline) {
      throw new Error(`the read gateway had not caught up within ${CATCH_UP_TIMEOUT_MS / 60_000} minutes: ${JSON.stringify(ready)}\n${reader.output().slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** GET /readyz (200 or 503) on a connection of its own: a kept-alive one may be closed under it. */
function readyz(base: string): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/readyz`, { agent: false, timeout: 120_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (response.statusCode !== 200 && response.statusCode !== 503) reject(new Error(`${base}/readyz: ${response.statusCode} ${text}`));
        else {
          try {
            resolve(JSON.parse(text) as Ready);
          } catch (error) {
            reject(error);
          }
        }
      });
    });
    request.on("timeout", () => request.destroy(new Error("no answer within 120 s")));
    request.on("error", reject);
  });
}

/**
 * What a gateway's log (pino JSON) says went wrong: warnings and worse, and its workers' notes
 * (the detail sync's and the indexer's, at info) other than the routine "kept …" of each pass.
 * How many, and the commonest kinds (numbers, hashes and URL queries left out).
 */
function logNotes(output: string): { count: number; sample: string[] } {
  const kinds = new Map<string, number>();
  let count = 0;
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; component?: string; msg?: string };
      const message = String(entry.msg ?? "");
      const workerNote = (entry.component === "detail sync" || entry.component === "indexer") && !message.startsWith("kept ");
      if ((entry.level ?? 0) < 40 && !workerNote) continue;
      count++;
      const kind = `${entry.component ? `${entry.component}: ` : ""}${message.replace(/0x[0-9a-f]+|\?\S*|\d+/gi, "…")}`.slice(0, 160);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  const sample = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([kind, n]) => `${n}× ${kind}`);
  return { count, sample };
}

/** The writer's whole feed, page by page as PeerDetails asks for it: bytes, items, pages, seconds. */
async function readFeed(base: string) {
  const started = performance.now();
  let after: string | undefined;
  let bytes = 0;
  let items = 0;
  let pages = 0;
  for (;;) {
    const response = await fetch(`${base}/api/v1/details?format=ndjson&limit=${FEED_PAGE}${after ? `&after=${after}` : ""}`);
    if (!response.ok) throw new Error(`the writer's feed: ${response.status} ${await response.text()}`);
    const body = Buffer.from(await response.arrayBuffer());
    const lines = body.toString("utf8").split("\n").filter(Boolean).length;
    pages++;
    bytes += body.length;
    items += lines;
    after = response.headers.get("x-next-cursor") ?? undefined;
    if (lines < FEED_PAGE || !after) break;
  }
  return { bytes, items, pages, seconds: seconds(started) };
}

/** `provenance export --out FILE --url <writer> --json`, as a user runs it. */
async function exportBundle(writerBase: string, file: string) {
  const started = performance.now();
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "server/cli.ts", "export", "--out", file, "--url", writerBase, "--json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`export exited ${code}: ${Buffer.concat(stderr).toString("utf8").slice(-2_000)}`);
  const result = JSON.parse(Buffer.concat(stdout).toString("utf8")) as { details: number; bytes: number; bytesPerDetail: number };
  return { ...result, seconds: seconds(started) };
}

async function blockNumber(rpcUrl: string): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  return Number(((await response.json()) as { result: string }).result);
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const seconds = (since: number) => (performance.now() - since) / 1000;
const fixed = (value: number) => value.toFixed(1);
const round = (value: number) => Math.round(value * 10) / 10;

main()
  .then(() => cleanUp())
  .catch(async (error) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  });
