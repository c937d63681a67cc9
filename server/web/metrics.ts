/**
 * The figures an operator watches, in the Prometheus text format (prom-client): the send queue's
 * backlog and its oldest wait, how long events take from acceptance to confirmation, the index
 * and the chain's head, whether the chain answers, the embedded chain's restarts, the workers'
 * failed ticks, a read gateway's missing and refused details, and the HTTP requests by kind of
 * route and status. Figures are read from their sources when scraped; nothing here keeps a
 * timer. The process's own figures (memory, event loop lag) are added by the entry point.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ChainAnswer } from "../services/operations/chain-probe";
import type { ChainProcessState } from "../services/operations/readiness";
import type { QueueBacklog } from "../store/send-queue-figures";

export interface MetricSources {
  /** The send queue (absent on a read gateway, which sends nothing). */
  queue?: { backlog(): QueueBacklog; newlyConfirmed(): number[] };
  indexedBlock(): number;
  /** The last final block, given the head (chain/finality.ts): where the index and "confirmed" stop. */
  finalBlock(head: number): number;
  chain(): Promise<ChainAnswer>;
  /** Failed ticks since start. */
  relayerFailures?(): number;
  indexerFailures(): number;
  /** The embedded chain's process (absent on a remote chain). */
  chainProcess?(): ChainProcessState;
  /** A read gateway's details (absent without peers). */
  detailSync?(): { missing: number | null; refused: number; kept: number };
  /** Whether /readyz would answer 200. */
  ready(): Promise<boolean>;
}

export interface GatewayMetrics {
  registry: Registry;
  /** One answered HTTP request. */
  countRequest(method: string, path: string, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; text: string }>;
}

/** A counter that follows a count kept elsewhere (it only ever grows). */
function follow(counter: Counter, read: () => number | undefined): () => void {
  let seen = 0;
  return () => {
    const now = read();
    if (now !== undefined && now > seen) {
      counter.inc(now - seen);
      seen = now;
    }
  };
}

export function createMetrics(sources: MetricSources): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];

  const queue = new Gauge({
    name: "provenance_send_queue_events",
    help: "Events in the send queue by status (pending: accepted, not yet sent; submitted: in a transaction not yet confirmed; failed: refused by the ledger)",
    labelNames: ["status"],
    registers,
  });
  const oldest = new Gauge({
    name: "provenance_send_queue_oldest_wait_seconds",
    help: "How long the oldest pending or submitted event has waited since it was accepted (0 when none waits)",
    registers,
  });
  const relayLag = new Histogram({
    name: "provenance_relay_lag_seconds",
    help: "From a write's acceptance (202) to its confirmation on chain",
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const indexBlock = new Gauge({ name: "provenance_index_block", help: "The last block the index holds", registers });
  const chainHead = new Gauge({ name: "provenance_chain_head_block", help: "The chain's latest block at its last answer", registers });
  const indexLag = new Gauge({
    name: "provenance_index_lag_blocks",
    help: "Blocks the index is behind the chain's last final block (the head less the confirmations, or the embedded chain's saved state)",
    registers,
  });
  const unfinal = new Gauge({
    name: "provenance_chain_unfinal_blocks",
    help: "Blocks above the last final one: mined, not yet confirmed (waiting for confirmations, or for the embedded chain's next state save)",
    registers,
  });
  const reachable = new Gauge({ name: "provenance_chain_reachable", help: "1 when the chain answered eth_blockNumber within its deadline lately, else 0", registers });
  const relayerFailures = new Counter({ name: "provenance_relayer_tick_failures_total", help: "Relayer ticks that failed", registers });
  const indexerFailures = new Counter({ name: "provenance_indexer_tick_failures_total", help: "Indexer ticks that failed", registers });
  const followRelayer = follow(relayerFailures, () => sources.relayerFailures?.());
  const followIndexer = follow(indexerFailures, () => sources.indexerFailures());
  const ready = new Gauge({ name: "provenance_ready", help: "1 when /readyz answers 200, else 0", registers });

  const followers: Array<() => void> = [followRelayer, followIndexer];
  if (sources.chainProcess) {
    const read = sources.chainProcess;
    const up = new Gauge({ name: "provenance_embedded_chain_up", help: "1 while the embedded chain's process (anvil) runs", registers });
    const restarts = new Counter({ name: "provenance_embedded_chain_restarts_total", help: "Times the gateway restarted its embedded chain", registers });
    const followRestarts = follow(restarts, () => read().restarts);
    const stateBytes = new Gauge({ name: "provenance_embedded_chain_state_bytes", help: "The embedded chain's state file (chain.json), in bytes", registers });
    const saveSeconds = new Gauge({ name: "provenance_embedded_chain_last_save_seconds", help: "How long the embedded chain's last state save took", registers });
    followers.push(() => {
      const status = read();
      up.set(status.up ? 1 : 0);
      followRestarts();
      if (status.stateBytes !== undefined) stateBytes.set(status.stateBytes);
      if (status.lastSaveMs !== undefined) saveSeconds.set(status.lastSaveMs / 1000);
    });
  }
  if (sources.detailSync) {
    const read = sources.detailSync;
    const missing = new Gauge({ name: "provenance_detail_sync_missing", help: "Details the chain holds hashes of that this read gateway lacks", registers });
    const refused = new Counter({ name: "provenance_detail_sync_refused_total", help: "Details from peers refused since start (their hash is not the chain's)", registers });
    const kept = new Counter({ name: "provenance_detail_sync_kept_total", help: "Details from peers kept since start", registers });
    const followRefused = follow(refused, () => read().refused);
    const followKept = follow(kept, () => read().kept);
    followers.push(() => {
      const status = read();
      if (status.missing !== null) missing.set(status.missing);
      followRefused();
      followKept();
    });
  }

  const requests = new Counter({
    name: "provenance_http_requests_total",
    help: "HTTP requests answered, by kind of route (api_write, api_read, page, photo, console, system) and status",
    labelNames: ["route", "status"],
    registers,
  });
  const durations = new Histogram({
    name: "provenance_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by kind of route",
    labelNames: ["route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  /** Reads every source once per scrape. */
  const refresh = async () => {
    const [chain, isReady] = await Promise.all([sources.chain(), sources.ready()]);
    const indexed = sources.indexedBlock();
    indexBlock.set(indexed);
    reachable.set(chain.reachable ? 1 : 0);
    ready.set(isReady ? 1 : 0);
    if (chain.head !== undefined) {
      chainHead.set(chain.head);
      const final = sources.finalBlock(chain.head);
      indexLag.set(Math.max(0, final - indexed));
      unfinal.set(Math.max(0, chain.head - final));
    }
    if (sources.queue) {
      const backlog = sources.queue.backlog();
      for (const status of ["pending", "submitted", "failed"] as const) queue.set({ status }, backlog[status]);
      oldest.set(backlog.oldestUnsettledAt === undefined ? 0 : Math.max(0, (Date.now() - backlog.oldestUnsettledAt) / 1000));
      for (const seconds of sources.queue.newlyConfirmed()) relayLag.observe(seconds);
    }
    for (const update of followers) update();
  };

  return {
    registry,
    countRequest(method, path, status, seconds) {
      const route = routeClass(method, path);
      requests.inc({ route, status: String(status) });
      durations.observe({ route }, seconds);
    },
    async render() {
      await refresh();
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const SYSTEM = new Set(["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/api/v1/chain"]);

/** The kind of route a request went to: few enough values to be a label. */
export function routeClass(method: string, path: string): string {
  if (SYSTEM.has(path)) return "system";
  if (path.startsWith("/api/")) return READS.has(method) ? "api_read" : "api_write";
  if (/^\/(console|programme)(\/|$)/.test(path)) return "console";
  if (path.startsWith("/photos/")) return "photo";
  return "page";
}

/** Who may read /metrics: a client on this machine (loopback), or one with the admin token. */
export function mayReadMetrics(remoteAddress: string | undefined, hasAdminToken: boolean): boolean {
  if (hasAdminToken) return true;
  return remoteAddress !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(remoteAddress);
}
