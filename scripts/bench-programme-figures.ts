/**
 * How long the full scan of the programme's purchase figures (SalesReads.groupsByFullScan, the
 * reference the kept summaries must equal; bench:programme times those) takes over 50,000
 * confirmed sales: BENCH_SALES (50,000) sales on BENCH_BATCHES (500) harvested batches, written
 * straight into a fresh SQLite database as the gateway keeps them (send queue, index, details,
 * and, where the schema has it, the amounts in private_fields with the public detail holding
 * commitments). Prints the first run, the median and fastest of nine more (the fastest is the
 * least disturbed by other work on the machine), and the query plan.
 *
 *   node -r ts-node/register/transpile-only scripts/bench-programme-figures.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalize } from "../server/domain/canonical-json";
import { batchIdFor } from "../server/domain/gs1";
import { openDatabase } from "../server/store/database";
import { SalesReads } from "../server/store/sales-reads";
import { MANGO_GTIN } from "./lib/payloads";

const SALES = Number(process.env.BENCH_SALES ?? 50_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 500);
const ZERO = `0x${"0".repeat(64)}`;
const hex = () => `0x${randomBytes(32).toString("hex")}`;

function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-figures-"));
  const db = openDatabase(path.join(dir, "gateway.db"));
  const committed = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'private_fields'`).get() !== undefined;
  db.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('org', '专柜', 'retailer', '0x00000000000000000000000000000000000000aa', 1, '')`).run();
  const outbox = db.prepare(
    `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, r, s, v, status, block_number, created_at, updated_at)
     VALUES (?, ?, ?, 'org', '0xaa', ?, ?, ?, ?, '[]', '0x', '0x', 27, 'confirmed', ?, '', '')`,
  );
  const indexed = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
     VALUES (?, 0, ?, ?, ?, '0xaa', ?, ?, ?, '[]', ?, ?)`,
  );
  const details = db.prepare(`INSERT INTO event_details (data_hash, detail, created_at) VALUES (?, ?, '')`);
  const privateValue = committed ? db.prepare(`INSERT INTO private_fields (data_hash, path, value_json, salt) VALUES (?, 'amountCny', ?, ?)`) : undefined;
  let block = 0;
  const event = (batchId: string, kind: number, position: number, prevHead: string, facts: Record<string, unknown>) => {
    const text = canonicalize({ ...facts, batch: { id: batchId }, recordedAt: new Date(1_780_000_000_000 + block * 1000).toISOString() });
    const dataHash = keccak256(toUtf8Bytes(text));
    const head = hex();
    block++;
    outbox.run(`e${block}`, batchId, kind, prevHead, head, dataHash, text, block);
    indexed.run(hex(), batchId, position, kind, dataHash, prevHead, head, block, 1_780_000_000 + block);
    details.run(dataHash, text);
    return { head, dataHash };
  };
  db.transaction(() => {
    const perBatch = Math.ceil(SALES / BATCHES);
    let sales = 0;
    for (let b = 0; b < BATCHES; b++) {
      const batchId = batchIdFor(MANGO_GTIN, `FIG-${b}`);
      let { head } = event(batchId, 0, 0, ZERO, {
        type: "harvest",
        product: { name: b % 2 ? "田阳香芒" : "乐业猕猴桃", gtin: MANGO_GTIN },
        origin: { countyCode: b % 2 ? "451003" : "451028", county: b % 2 ? "田阳区" : "乐业县" },
        quantity: { amount: 100_000, unit: "kg" },
      });
      for (let k = 0; k < perBatch && sales < SALES; k++, sales++) {
        const amountCny = Math.round(Math.random() * 100_000) / 100;
        const sale: Record<string, unknown> = {
          type: "sale",
          quantity: { amount: 1 + (k % 5), unit: "kg" },
          channel: ["counter", "store", "online", "832-platform"][k % 4],
          soldAt: `2026-${String(1 + (k % 12)).padStart(2, "0")}-15T10:00:00+08:00`,
        };
        const salt = hex();
        if (committed) sale.committed = { amountCny: keccak256(toUtf8Bytes(canonicalize({ salt, value: amountCny }))) };
        else sale.amountCny = amountCny;
        const written = event(batchId, 4, k + 1, head, sale);
        privateValue?.run(written.dataHash, JSON.stringify(amountCny), salt);
        head = written.head;
      }
    }
  })();
  db.exec("ANALYZE");

  const reads = new SalesReads(db);
  const time = () => {
    const started = process.hrtime.bigint();
    const groups = reads.groupsByFullScan();
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, groups };
  };
  const first = time();
  const runs = Array.from({ length: 9 }, () => time().ms).sort((a, b) => a - b);
  const sales = first.groups.reduce((sum, g) => sum + g.sales, 0);
  const figures = { amountsIn: committed ? "private_fields" : "public detail", sales, groups: first.groups.length, firstMs: Math.round(first.ms), medianMs: Math.round(runs[4]), fastestMs: Math.round(runs[0]) };
  console.log(`${sales} sales (amounts in the ${figures.amountsIn}): first run ${figures.firstMs} ms, then median ${figures.medianMs} ms and fastest ${figures.fastestMs} ms of nine`);
  console.log(reads.plan().join("\n"));
  console.log(JSON.stringify(figures));
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

main();
