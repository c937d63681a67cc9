/**
 * The programme view's figures from the kept summaries (server/store/sales-summary.ts) over
 * BENCH_SALES (1,000,000) confirmed sales, against the full scan they replace. The sales are
 * written straight into a fresh SQLite database as the gateway keeps them (send queue, index,
 * amounts in private_fields), in one transaction: on BENCH_BATCHES (1,000) harvests of two
 * counties, a tenth of the sales on retail packs merged from two harvests, and one sale in 500
 * corrected (void or superseded with another amount). Prints:
 * - the time to bring the summaries up to date from nothing, per 10,000 sales and the longest
 *   slice of the worker's size (how long one holds the event loop);
 * - the figures for all months and for one month, and the CSV export: first run, then the
 *   median of nine (after the county table the CSV names counties from is loaded, once);
 * - the time to summarise 10,000 more sales with their corrections (the steady state);
 * - the full scan at the same size, once, and whether its groups equal the summary's.
 *
 *   npm run bench:programme               (BENCH_SALES=100000 npm run bench:programme for a short run)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { countyByCode } from "../server/domain/divisions";
import { batchIdFor } from "../server/domain/gs1";
import { openDatabase, type Db } from "../server/store/database";
import { SalesReads, type SalesGroup } from "../server/store/sales-reads";
import { SalesSummary } from "../server/store/sales-summary";
import { SUMMARY_SLICE } from "../server/workers/sales-summaries";
import { purchaseFigures } from "../server/console/programme/programme-figures";
import { purchasesCsv } from "../server/console/programme/programme-csv";
import { MANGO_GTIN, TEA_GTIN } from "./lib/payloads";

const SALES = Number(process.env.BENCH_SALES ?? 1_000_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 1_000);
const MORE_SALES = 10_000;
const ZERO = `0x${"0".repeat(64)}`;
const EVENTS_PER_BLOCK = 100;
const CHANNELS = ["counter", "store", "online", "832-platform"];

/** Writes ledger events straight into the tables the figures read: distinct hashes, chain order. */
function ledgerWriter(db: Db) {
  db.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('org', '专柜', 'retailer', '0x00000000000000000000000000000000000000aa', 1, '')`).run();
  const outbox = db.prepare(
    `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, r, s, v, status, block_number, created_at, updated_at)
     VALUES (?, ?, ?, 'org', '0xaa', ?, ?, ?, ?, '[]', '0x', '0x', 27, 'confirmed', ?, '', '')`,
  );
  const indexed = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
     VALUES (?, ?, ?, ?, ?, '0xaa', ?, ?, ?, '[]', ?, ?)`,
  );
  const lineage = db.prepare(`INSERT INTO idx_lineage (batch_id, input_batch_id, block_number, log_index) VALUES (?, ?, ?, ?)`);
  const privateValue = db.prepare(`INSERT INTO private_fields (data_hash, path, value_json, salt) VALUES (?, ?, ?, '0x')`);
  const heads = new Map<string, { head: string; position: number }>();
  let n = 0;
  const hash = (prefix: string) => `0x${prefix}${n.toString(16).padStart(63, "0")}`;
  return {
    event(batchId: string, kind: number, facts: Record<string, unknown>, inputs: string[] = []) {
      const before = heads.get(batchId) ?? { head: ZERO, position: -1 };
      const [block, logIndex] = [Math.floor(n / EVENTS_PER_BLOCK), n % EVENTS_PER_BLOCK];
      const [dataHash, head] = [hash("d"), hash("e")];
      const detail = JSON.stringify({ ...facts, batch: { id: batchId } });
      outbox.run(`e${n}`, batchId, kind, before.head, head, dataHash, detail, block);
      indexed.run(hash("f"), logIndex, batchId, before.position + 1, kind, dataHash, before.head, head, block, 1_780_000_000 + block);
      inputs.forEach((input, i) => lineage.run(batchId, input, block, logIndex + i));
      heads.set(batchId, { head, position: before.position + 1 });
      n++;
      return dataHash;
    },
    amount(dataHash: string, field: string, amountCny: number) {
      privateValue.run(dataHash, field, JSON.stringify(amountCny));
    },
  };
}

type Ledger = ReturnType<typeof ledgerWriter>;

/** `count` sales (and their corrections) over the harvests and packs; `from` numbers them on. */
function writeSales(db: Db, ledger: Ledger, harvests: string[], packs: string[], from: number, count: number) {
  db.transaction(() => {
    for (let k = from; k < from + count; k++) {
      // Month, batch, channel and unit vary independently of one another.
      const mix = Math.imul(k, 2654435761) >>> 0;
      const batchId = k % 10 === 0 && packs.length > 0 ? packs[mix % packs.length] : harvests[mix % harvests.length];
      const amountCny = ((k * 7919) % 100_000) / 100;
      const dataHash = ledger.event(batchId, 4, {
        type: "sale",
        quantity: { amount: 1 + (k % 5), unit: (mix >>> 4) % 3 === 0 ? "box" : "kg" },
        channel: CHANNELS[(mix >>> 8) % 4],
        soldAt: `2026-${String(1 + (k % 12)).padStart(2, "0")}-15T10:00:00+08:00`,
        committed: { amountCny: "0x" },
      });
      ledger.amount(dataHash, "amountCny", amountCny);
      if (k % 500 !== 499) continue;
      const declaration = k % 1000 === 999 ? "void" : "supersede";
      const correction = ledger.event(batchId, 6, {
        type: "correction",
        corrects: dataHash,
        declaration,
        ...(declaration === "supersede" && { replacement: { type: "sale", channel: "online", committed: { amountCny: "0x" } } }),
      });
      if (declaration === "supersede") ledger.amount(correction, "replacement.amountCny", amountCny / 2);
    }
  })();
}

function fill(db: Db, ledger: Ledger): { harvests: string[]; packs: string[] } {
  const harvests: string[] = [];
  const packs: string[] = [];
  db.transaction(() => {
    for (let b = 0; b < BATCHES; b++) {
      const batchId = batchIdFor(MANGO_GTIN, `SUM-${b}`);
      ledger.event(batchId, 0, {
        type: "harvest",
        product: { name: b % 2 ? "田阳香芒" : "乐业猕猴桃", gtin: MANGO_GTIN },
        origin: { countyCode: b % 2 ? "451003" : "451028", county: b % 2 ? "百色市田阳区" : "乐业县" },
        quantity: { amount: 100_000, unit: "kg" },
      });
      harvests.push(batchId);
    }
    // Retail packs merged from two harvests: they count for their first input's county.
    for (let p = 0; p < BATCHES / 10; p++) {
      const batchId = batchIdFor(TEA_GTIN, `PACK-${p}`);
      const inputs = [harvests[(2 * p + 1) % harvests.length], harvests[(2 * p) % harvests.length]];
      ledger.event(batchId, 1, { type: "processing", output: { product: { name: "扶贫礼盒" } } }, inputs);
      packs.push(batchId);
    }
  })();
  writeSales(db, ledger, harvests, packs, 0, SALES);
  return { harvests, packs };
}

/** Milliseconds `work` takes. */
function timed<T>(work: () => T): { ms: number; value: T } {
  const started = process.hrtime.bigint();
  const value = work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** The first run and the median of nine more, in milliseconds. */
function firstAndMedian(work: () => unknown): { firstMs: number; medianMs: number } {
  const first = timed(work).ms;
  const runs = Array.from({ length: 9 }, () => timed(work).ms).sort((a, b) => a - b);
  return { firstMs: round(first), medianMs: round(runs[4]) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const salesIn = (groups: SalesGroup[]) => groups.reduce((sum, g) => sum + g.sales, 0);

function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-summaries-"));
  const db = openDatabase(path.join(dir, "gateway.db"));
  const ledger = ledgerWriter(db);
  const filled = timed(() => fill(db, ledger));
  db.exec("ANALYZE");
  console.log(`filled ${SALES} sales on ${BATCHES} harvests and ${BATCHES / 10} packs in ${Math.round(filled.ms / 1000)} s`);

  // From nothing, in the worker's slices: the total, and the longest slice.
  const summary = new SalesSummary(db);
  let longestSliceMs = 0;
  const caughtUp = timed(() => {
    for (;;) {
      const slice = timed(() => summary.catchUp(SUMMARY_SLICE));
      if (slice.value === 0) break;
      longestSliceMs = Math.max(longestSliceMs, slice.ms);
    }
  });
  const fromNothing = { totalMs: Math.round(caughtUp.ms), per10kSalesMs: round((caughtUp.ms / SALES) * 10_000), slice: SUMMARY_SLICE, longestSliceMs: round(longestSliceMs) };
  console.log(`summaries from nothing: ${fromNothing.totalMs} ms (${fromNothing.per10kSalesMs} ms per 10,000 sales; slices of ${SUMMARY_SLICE} events, the longest ${fromNothing.longestSliceMs} ms)`);

  // Loaded once per process, by the first page or harvest check that names a county: not the figures' cost.
  const countyTable = timed(() => countyByCode("451003"));
  console.log(`the GB/T 2260 county table, loaded once per process: ${round(countyTable.ms)} ms`);
  const reads = new SalesReads(db);
  const oneMonth = { fromMonth: "2026-06", toMonth: "2026-06" };
  const allMonths = firstAndMedian(() => purchaseFigures(reads.groups()));
  const month = firstAndMedian(() => purchaseFigures(reads.groups(oneMonth)));
  const csv = firstAndMedian(() => purchasesCsv(reads.groups(), "zh"));
  const groups = reads.groups();
  console.log(`figures, all months (${salesIn(groups)} sales in ${groups.length} groups): first ${allMonths.firstMs} ms, median ${allMonths.medianMs} ms`);
  console.log(`figures, one month: first ${month.firstMs} ms, median ${month.medianMs} ms`);
  console.log(`CSV export (${purchasesCsv(groups, "zh").length} characters): first ${csv.firstMs} ms, median ${csv.medianMs} ms`);

  // The steady state: 10,000 sales more (with their corrections), then summarised.
  writeSales(db, ledger, filled.value.harvests, filled.value.packs, SALES, MORE_SALES);
  const more = timed(() => summary.catchUpAll());
  console.log(`${MORE_SALES} sales more summarised in ${round(more.ms)} ms`);

  const fullScan = timed(() => reads.groupsByFullScan());
  const equal = JSON.stringify(fullScan.value) === JSON.stringify(reads.groups());
  console.log(`full scan (the reference): ${Math.round(fullScan.ms)} ms for ${salesIn(fullScan.value)} sales; its groups equal the summary's: ${equal}`);
  console.log(
    JSON.stringify({ sales: SALES, fromNothing, countyTableMs: round(countyTable.ms), figuresAllMonths: allMonths, figuresOneMonth: month, csv, moreSalesMs: round(more.ms), fullScanMs: Math.round(fullScan.ms), equal }),
  );
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (!equal) process.exitCode = 1;
}

main();
