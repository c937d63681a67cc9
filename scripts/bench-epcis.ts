/**
 * `npm run bench:epcis`: what EPCIS costs at BENCH_EPCIS_EVENTS (100,000) events: projecting the
 * index into EPCIS events (events per second, the database's size for it), and the simple event
 * query on the result (a page by bizStep, a lot by MATCH_epcClass, a time window, every page of
 * perPage 500), with the projector and the store the gateway runs.
 *
 * Setup (not measured): a fresh gateway database (every migration) in a temporary folder, filled
 * directly with an index as the indexer leaves it: harvests, each followed by a shipment, a
 * receipt and a sale (a fifth of the events each), a block of 200 events every 2 seconds, every
 * detail in the form the planner writes it (canonical JSON, its keccak256 the data hash).
 *
 * Prints the figures and, as its last line, one JSON object of them.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalize } from "../server/domain/canonical-json";
import { batchIdFor } from "../server/domain/gs1";
import { openDatabase } from "../server/store/database";
import { EpcisEventStore } from "../server/store/epcis-events";
import { EpcisProjector } from "../server/services/epcis/epcis-projector";
import { parseEpcisQuery } from "../server/services/epcis/query-params";
import { PROJECTION_SLICE } from "../server/workers/epcis-projection";

const EVENTS = Number(process.env.BENCH_EPCIS_EVENTS ?? 100_000);
const GTIN = "06901234567892";
const PER_BLOCK = 200;
const BASE = "https://trace.example.cn";
const producer = { id: "3d7f2c1a-0b1e-4c55-9a51-0c2a1d7e9b01", name: "田阳芒果专业合作社", role: "producer", address: "0x59D7e484F9a9485b6dBd73a128f1a37aA46Ca348" };
const retailer = { id: "8a1c9e3b-2f4d-4e77-8b62-1d3b2e8f0c02", name: "福田区消费帮扶专柜", role: "retailer", address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" };

function detailOf(kind: number, lot: string, batchId: string, at: string): object {
  const common = { v: 2, recordedAt: at, batch: { id: batchId, gtin: GTIN, lot } };
  switch (kind) {
    case 0:
      return { ...common, org: producer, type: "harvest", product: { name: "田阳香芒", gtin: GTIN, variety: "台农一号" }, lot, origin: { countyCode: "451003", county: "百色市田阳区", base: "田阳芒果供深基地" }, quantity: { amount: 1200, unit: "kg" }, harvestedAt: at };
    case 2:
      return { ...common, org: producer, type: "shipment", consignee: retailer, quantity: { amount: 1200, unit: "kg" }, from: "百色市田阳区", to: "深圳市福田区", shippedAt: at };
    case 3:
      return { ...common, org: retailer, type: "receipt", location: "福田区消费帮扶专柜", quantity: { amount: 1200, unit: "kg" }, receivedAt: at };
    default:
      return { ...common, org: retailer, type: "sale", quantity: { amount: 20, unit: "kg" }, amountCny: { commitment: keccak256(toUtf8Bytes(lot)) }, channel: "counter", soldAt: at };
  }
}

function fill(db: ReturnType<typeof openDatabase>): void {
  const insertEvent = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?)`,
  );
  const insertDetail = db.prepare(`INSERT INTO event_details (data_hash, detail, created_at) VALUES (?, ?, ?)`);
  const kinds = [0, 2, 3, 4];
  const start = Date.parse("2026-06-01T00:00:00+08:00") / 1000;
  db.transaction(() => {
    for (let i = 0; i < EVENTS; i++) {
      const batch = Math.floor(i / kinds.length);
      const kind = kinds[i % kinds.length];
      const lot = `B${batch}`;
      const batchId = batchIdFor(GTIN, lot);
      const block = 1 + Math.floor(i / PER_BLOCK);
      const time = start + block * 2;
      const detail = canonicalize(detailOf(kind, lot, batchId, new Date(time * 1000).toISOString()));
      const hash = keccak256(toUtf8Bytes(detail));
      insertDetail.run(hash, detail, new Date(time * 1000).toISOString());
      const tx = keccak256(toUtf8Bytes(`tx${block}`));
      insertEvent.run(tx, i % PER_BLOCK, batchId, i % kinds.length, kind, kind < 3 ? producer.address : retailer.address, hash, hash, hash, block, time);
    }
  })();
}

function timed<T>(work: () => T): { ms: number; result: T } {
  const started = process.hrtime.bigint();
  const result = work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-epcis-"));
  try {
    const file = path.join(dir, "gateway.db");
    const db = openDatabase(file);
    fill(db);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const before = statSync(file).size;
    const store = new EpcisEventStore(db);
    const projector = new EpcisProjector(store, { publicBaseUrl: BASE, chainId: 31337, contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });

    // Projection, in the background worker's slices.
    const slices: number[] = [];
    const projection = timed(() => {
      for (;;) {
        const slice = timed(() => projector.catchUp(PROJECTION_SLICE));
        if (slice.result === 0) break;
        slices.push(slice.ms);
      }
    });
    db.pragma("wal_checkpoint(TRUNCATE)");
    const after = statSync(file).size;
    const projected = store.lastSeq();

    // Queries, as GET /epcis/events runs them (its own catch-up included, with nothing left to do).
    const query = (params: Record<string, string>, after = 0) => {
      projector.catchUp(500);
      const { filter, perPage } = parseEpcisQuery(params);
      return store.query(filter, after, perPage + 1);
    };
    const runs = (params: Record<string, string>, n = 200) => {
      const ms: number[] = [];
      let found = 0;
      for (let i = 0; i < n; i++) {
        const run = timed(() => query(params));
        ms.push(run.ms);
        found = run.result.length;
      }
      return { p50: percentile(ms, 50), p99: percentile(ms, 99), found };
    };
    const lot = `${BASE}/01/${GTIN}/10/B${Math.floor(EVENTS / 8)}`;
    const figures = {
      events: EVENTS,
      projected,
      projectionSeconds: projection.ms / 1000,
      projectedPerSecond: Math.round(projected / (projection.ms / 1000)),
      sliceMsP50: percentile(slices, 50),
      sliceMsMax: Math.max(...slices),
      projectionBytes: after - before,
      projectionBytesPerEvent: Math.round((after - before) / projected),
      pageByBizStep: runs({ EQ_bizStep: "shipping" }),
      lotByEpcClass: runs({ MATCH_epcClass: lot }),
      timeWindow: runs({ GE_eventTime: "2026-06-01T00:05:00+08:00", LT_eventTime: "2026-06-01T00:06:00+08:00" }),
      everyPage: (() => {
        const all = timed(() => {
          let seq = 0;
          let count = 0;
          for (;;) {
            const page = query({ perPage: "500" }, seq);
            count += Math.min(page.length, 500);
            if (page.length <= 500) break;
            seq = page[499].seq;
          }
          return count;
        });
        return { events: all.result, seconds: all.ms / 1000 };
      })(),
    };
    db.close();
    console.log(`EPCIS at ${EVENTS.toLocaleString("en")} events (machine: ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(1)})`);
    console.log(`  projection: ${figures.projected} events in ${figures.projectionSeconds.toFixed(1)} s, ${figures.projectedPerSecond} events/s; a slice of ${PROJECTION_SLICE}: p50 ${figures.sliceMsP50.toFixed(1)} ms, max ${figures.sliceMsMax.toFixed(1)} ms`);
    console.log(`  its size: ${(figures.projectionBytes / 1e6).toFixed(1)} MB, ${figures.projectionBytesPerEvent} bytes per event`);
    for (const [name, run] of [
      ["EQ_bizStep=shipping, first page of 30", figures.pageByBizStep],
      ["MATCH_epcClass one lot", figures.lotByEpcClass],
      ["GE/LT_eventTime one minute, first page", figures.timeWindow],
    ] as const) {
      console.log(`  ${name}: p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms (${run.found} events)`);
    }
    console.log(`  every page of 500: ${figures.everyPage.events} events in ${figures.everyPage.seconds.toFixed(2)} s`);
    console.log(JSON.stringify(figures));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
