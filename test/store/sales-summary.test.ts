/**
 * The programme's kept purchase summaries (store/sales-summary.ts) equal the full scan they
 * replace (SalesReads.groupsByFullScan), over a real SQLite database holding what the gateway
 * keeps: sales on harvests, on split and merged batches and on packs of packs, amounts in
 * private_fields, corrections that void or supersede (the latest decides; one not yet on chain
 * or failed does not count), a sale whose detail this gateway lacks. They stay equal as sales
 * and corrections are added (in slices of any size), after a reorg rewinds the index, after the
 * index is emptied, and through kill -9 of a process summarising.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EventKind } from "../../server/domain/event-kinds";
import { ZERO_HASH } from "../../server/domain/hashes";
import { openDatabase, type Db } from "../../server/store/database";
import { IndexCursor } from "../../server/store/index-cursor";
import { IndexRepository } from "../../server/store/index-repository";
import { SalesReads, type SalesPeriod } from "../../server/store/sales-reads";
import { SalesSummary } from "../../server/store/sales-summary";
import { SERVER_BUILD_ENV } from "../../scripts/lib/server-build";

const LEDGER = "0x00000000000000000000000000000000000000aa";

interface SaleFacts {
  amountCny?: number;
  channel?: string;
  unit?: string;
  amount?: number;
  soldAt?: string;
}

/**
 * Writes ledger events into the tables the indexer and the gateway fill: each event in the send
 * queue (unless `onChainOnly`), and on chain (idx_events, at the next log; unless `offChain`).
 */
function ledger(db: Db) {
  db.prepare(`INSERT INTO orgs (id, name, role, address, custodial, created_at) VALUES ('org', '专柜', 'retailer', '0x00000000000000000000000000000000000000aa', 1, '')`).run();
  db.prepare(`INSERT INTO idx_cursor (id, block_number, address, deploy_block) VALUES (1, 0, ?, 1)`).run(LEDGER);
  const heads = new Map<string, { head: string; position: number }>();
  let n = 0;
  let block = 1;
  let logIndex = 0;
  const hex = (prefix: string, k: number) => `0x${prefix}${k.toString(16).padStart(63, "0")}`;

  function event(batchId: string, kind: number, facts: Record<string, unknown>, options: { inputs?: string[]; offChain?: boolean; onChainOnly?: boolean; status?: string } = {}) {
    n++;
    const before = heads.get(batchId) ?? { head: ZERO_HASH, position: -1 };
    const [dataHash, head] = [hex("d", n), hex("e", n)];
    if (!options.onChainOnly) {
      db.prepare(
        `INSERT INTO outbox (id, batch_id, kind, org_id, signer, prev_head, head, data_hash, detail, inputs, r, s, v, status, created_at, updated_at)
         VALUES (?, ?, ?, 'org', '0xaa', ?, ?, ?, ?, '[]', '0x', '0x', 27, ?, '', '')`,
      ).run(`e${n}`, batchId, kind, before.head, head, dataHash, JSON.stringify({ ...facts, batch: { id: batchId } }), options.status ?? "confirmed");
    }
    const written = { batchId, dataHash, prevHead: before.head, head, position: before.position + 1, kind, inputs: options.inputs ?? [] };
    heads.set(batchId, { head, position: before.position + 1 });
    if (!options.offChain) index(written);
    return written;
  }

  /** Puts an event on chain: the next log of the current block. */
  function index(written: ReturnType<typeof event>) {
    const at = logIndex++;
    db.prepare(
      `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
       VALUES (?, ?, ?, ?, ?, '0xaa', ?, ?, ?, '[]', ?, ?)`,
    ).run(hex("f", block * 1000 + at), at, written.batchId, written.position, written.kind, written.dataHash, written.prevHead, written.head, block, 1_780_000_000 + block * 86_400);
    written.inputs.forEach((input, i) => db.prepare(`INSERT INTO idx_lineage (batch_id, input_batch_id, block_number, log_index) VALUES (?, ?, ?, ?)`).run(written.batchId, input, block, at + i));
    db.prepare(`UPDATE idx_cursor SET block_number = ? WHERE id = 1`).run(block);
  }

  const amount = (dataHash: string, field: string, amountCny: number | undefined) => {
    if (amountCny !== undefined) db.prepare(`INSERT INTO private_fields (data_hash, path, value_json, salt) VALUES (?, ?, ?, '0x')`).run(dataHash, field, JSON.stringify(amountCny));
  };

  return {
    /** Later events go into a new block. */
    nextBlock() {
      block++;
      logIndex = 0;
      return block;
    },
    /** Goes back to write the chain again from `to` + 1 (after a reorg). */
    rewindTo(to: number) {
      block = to + 1;
      logIndex = 0;
      for (const [batchId] of heads) {
        const last = db.prepare(`SELECT head, position FROM idx_events WHERE batch_id = ? ORDER BY position DESC LIMIT 1`).get(batchId) as { head: string; position: number } | undefined;
        if (last) heads.set(batchId, last);
        else heads.delete(batchId);
      }
    },
    harvest(batchId: string, county: { code: string; name: string }, product: string) {
      return event(batchId, EventKind.Harvest, { type: "harvest", product: { name: product }, origin: { countyCode: county.code, county: county.name }, quantity: { amount: 1000, unit: "kg" } });
    },
    /** A batch made from inputs (the first as signed decides the origin), with its own product name or none. */
    processing(batchId: string, inputs: string[], product?: string) {
      return event(batchId, EventKind.Processing, { type: "processing", ...(product && { output: { product: { name: product } } }) }, { inputs });
    },
    sale(batchId: string, facts: SaleFacts = {}, options: { offChain?: boolean; onChainOnly?: boolean } = {}) {
      const written = event(
        batchId,
        EventKind.Sale,
        {
          type: "sale",
          quantity: { amount: facts.amount ?? 2, unit: facts.unit ?? "kg" },
          channel: facts.channel ?? "counter",
          ...(facts.soldAt !== "none" && { soldAt: facts.soldAt ?? "2026-06-15T10:00:00+08:00" }),
          committed: { amountCny: "0x" },
        },
        options,
      );
      if (!options.onChainOnly) amount(written.dataHash, "amountCny", "amountCny" in facts ? facts.amountCny : 10.5);
      return written;
    },
    void(sale: { batchId: string; dataHash: string }, options: { offChain?: boolean; status?: string } = {}) {
      return event(sale.batchId, EventKind.Correction, { type: "correction", corrects: sale.dataHash, declaration: "void" }, options);
    },
    supersede(sale: { batchId: string; dataHash: string }, replacement: SaleFacts, options: { offChain?: boolean } = {}) {
      const { amountCny, amount: quantity, unit, ...rest } = replacement;
      const written = event(
        sale.batchId,
        EventKind.Correction,
        {
          type: "correction",
          corrects: sale.dataHash,
          declaration: "supersede",
          replacement: { type: "sale", ...rest, ...(quantity !== undefined && { quantity: { amount: quantity, unit: unit ?? "kg" } }), committed: { amountCny: "0x" } },
        },
        options,
      );
      amount(written.dataHash, "replacement.amountCny", amountCny);
      return written;
    },
    index,
  };
}

const TIANYANG = { code: "451003", name: "百色市田阳区" };
const LEYE = { code: "451028", name: "乐业县" };
const ZIJIN = { code: "441621", name: "紫金县" };
const batch = (name: string) => `0x${Buffer.from(name).toString("hex").padEnd(64, "0")}`;

/** A history with every way a sale can count, or not. */
function firstHistory(db: Db) {
  const l = ledger(db);
  const [mango, kiwi, tea, tea2, gift, half1, half2, box] = ["mango", "kiwi", "tea", "tea2", "gift", "half1", "half2", "box"].map(batch);
  l.harvest(mango, TIANYANG, "田阳香芒");
  l.harvest(kiwi, LEYE, "乐业猕猴桃");
  l.harvest(tea, { code: ZIJIN.code, name: "河源市紫金县" }, "紫金绿茶");
  l.harvest(tea2, ZIJIN, "紫金绿茶");
  l.nextBlock();
  l.processing(gift, [kiwi, mango], "礼盒"); // merged: counts for kiwi's county, as 礼盒
  l.processing(half1, [tea]); // split, no name of its own: the tea's
  l.processing(half2, [tea], "紫金绿茶（半斤）");
  l.nextBlock();
  l.processing(box, [half2]); // a pack of a pack: back to the tea's county
  const early = {
    mango1: l.sale(mango, { amountCny: 20.05, channel: "counter" }),
    mango2: l.sale(mango, { amountCny: 30, channel: "online", amount: 1.5 }),
    mango3: l.sale(mango, { amountCny: 7.25, channel: "counter", soldAt: "2026-07-01T01:00:00+08:00" }),
    late: l.sale(mango, { amountCny: 5, soldAt: "2026-06-30T17:00:00Z" }), // July in China
    noDate: l.sale(mango, { amountCny: 1, soldAt: "none" }), // the block's month
    kiwi: l.sale(kiwi, { amountCny: 99.9, channel: "store", unit: "box", amount: 3 }),
  };
  l.nextBlock();
  const sales = {
    ...early,
    gift1: l.sale(gift, { amountCny: 300, channel: "832-platform", unit: "box", amount: 1 }),
    gift2: l.sale(gift, { amountCny: 150.5, channel: "832-platform", unit: "box", amount: 1 }),
    half1: l.sale(half1, { amountCny: 12 }),
    box: l.sale(box, { amountCny: 8.8, soldAt: "2026-07-03T10:00:00+08:00" }),
    noAmount: l.sale(tea, { amountCny: undefined }),
    tea2: l.sale(tea2, { amountCny: 3 }),
    foreign: l.sale(tea, { amountCny: 40 }, { onChainOnly: true }), // this gateway does not hold its detail
    pending: l.sale(mango, { amountCny: 44 }, { offChain: true }), // accepted, not on chain yet
  };
  l.nextBlock();
  l.void(sales.mango1);
  l.supersede(sales.mango2, { amountCny: 25, channel: "store", soldAt: "2026-08-02T10:00:00+08:00" });
  l.supersede(sales.kiwi, { amount: 4, unit: "box" }); // no amount restated: the sale's own
  l.void(sales.gift2, { offChain: true }); // not on chain: does not count yet
  l.void(sales.half1, { status: "failed" });
  return { l, sales, batches: { mango, kiwi, tea, gift, half1, half2, box } };
}

const PERIODS: SalesPeriod[] = [{}, { fromMonth: "2026-06", toMonth: "2026-06" }, { fromMonth: "2026-07" }, { toMonth: "2026-06" }];

/** The summary's answer for each period equals the full scan's. */
function expectEqualToFullScan(db: Db) {
  const reads = new SalesReads(db);
  for (const period of PERIODS) expect(reads.groups(period), JSON.stringify(period)).to.deep.equal(reads.groupsByFullScan(period));
  return reads.groups();
}

describe("SalesSummary (store/sales-summary.ts): the programme's figures kept as sales are indexed", function () {
  let db: Db;

  beforeEach(function () {
    db = openDatabase(":memory:");
    db.prepare(`DELETE FROM programme_counties`).run(); // the list the schema starts with: ours instead
    db.prepare(`INSERT INTO programme_counties (code, name, added_at) VALUES (?, ?, '2026-01-01T00:00:00Z'), (?, ?, '2026-01-01T00:00:00Z')`).run(TIANYANG.code, TIANYANG.name, LEYE.code, LEYE.name);
  });

  afterEach(function () {
    db.close();
  });

  it("equals the full scan, and again as more sales and corrections are indexed", function () {
    const { l, sales, batches } = firstHistory(db);
    const groups = expectEqualToFullScan(db);
    // The history is what it means to be: the void and the failed or pending corrections, the origins.
    const june = groups.filter((g) => g.month === "2026-06");
    expect(june.map((g) => [g.countyCode, g.countyName, g.programmeCounty, g.product, g.channel, g.unit, g.sales, g.quantity, g.amountFen])).to.deep.equal([
      // half1 (its void failed), the sale without an amount, tea2's (the county's least name)
      [ZIJIN.code, "河源市紫金县", false, "紫金绿茶", "counter", "kg", 3, 6, 1500],
      [TIANYANG.code, TIANYANG.name, true, "田阳香芒", "counter", "kg", 1, 2, 100], // dated by its block
      [LEYE.code, LEYE.name, true, "乐业猕猴桃", "store", "box", 1, 4, 9990], // superseded: 4 boxes, its own amount
      [LEYE.code, LEYE.name, true, "礼盒", "832-platform", "box", 2, 2, 45050], // merged: its first input's county
    ]);
    expect(groups.map((g) => [g.month, g.product, g.sales])).to.deep.include.members([
      ["2026-07", "田阳香芒", 2],
      ["2026-07", "紫金绿茶（半斤）", 1],
      ["2026-08", "田阳香芒", 1],
    ]);
    expect(groups.reduce((sum, g) => sum + g.sales, 0)).to.equal(11);

    // More: sales, a correction of an old sale, the pending sale and the pending void reach the chain, a correction of a correction's sale again.
    l.nextBlock();
    l.index(sales.pending);
    l.index(l.void(sales.gift2, { offChain: true }));
    l.sale(batches.box, { amountCny: 3.3, channel: "online" });
    l.sale(batches.kiwi, { amountCny: 9 });
    l.supersede(sales.mango3, { channel: "832-platform", amountCny: 70 });
    l.nextBlock();
    l.void(sales.mango2); // the latest correction decides: superseded, then void
    l.supersede(sales.mango1, { amountCny: 1 }); // void, then superseded: counts again
    expectEqualToFullScan(db);
  });

  it("gives the same figures whatever the slices, and writes nothing when it is up to date", function () {
    firstHistory(db);
    const summary = new SalesSummary(db);
    while (summary.catchUp(1) > 0) {
      // one event a slice
    }
    expect(summary.backlog()).to.equal(0);
    const changes = db.prepare(`SELECT total_changes()`).pluck();
    const before = changes.get();
    expect(summary.catchUp(1)).to.equal(0);
    expect(changes.get()).to.equal(before);
    const reads = new SalesReads(db);
    expect(reads.groups()).to.deep.equal(reads.groupsByFullScan());
  });

  it("follows the programme's county list as it is replaced, without summing again", function () {
    firstHistory(db);
    const reads = new SalesReads(db);
    const programme = () => [...new Set(reads.groups().filter((g) => g.programmeCounty).map((g) => g.countyCode))].sort();
    expect(programme()).to.deep.equal([TIANYANG.code, LEYE.code].sort());
    db.prepare(`DELETE FROM programme_counties WHERE code = ?`).run(LEYE.code);
    db.prepare(`INSERT INTO programme_counties (code, name, added_at) VALUES (?, ?, '2026-01-01T00:00:00Z')`).run(ZIJIN.code, ZIJIN.name);
    expect(programme()).to.deep.equal([ZIJIN.code, TIANYANG.code].sort());
    expect(reads.groups()).to.deep.equal(reads.groupsByFullScan());
  });

  it("undoes what a reorg took back: sales above the rewind, and corrections above it of sales below", function () {
    const { l, sales, batches } = firstHistory(db);
    expectEqualToFullScan(db);
    const rewindBlock = l.nextBlock() - 1;
    l.supersede(sales.gift1, { amountCny: 1000 }); // a correction above the rewind of a sale below it
    l.sale(batches.mango, { amountCny: 77 });
    expectEqualToFullScan(db);

    new IndexRepository(db).rewindTo(rewindBlock);
    l.rewindTo(rewindBlock);
    expect(db.prepare(`SELECT rewound_to FROM idx_sales_cursor`).pluck().get()).to.equal(rewindBlock);
    expectEqualToFullScan(db);
    expect(db.prepare(`SELECT count(*) FROM idx_sales_facts WHERE correction_block > ?`).pluck().get(rewindBlock)).to.equal(0);
    // The chain goes on another way.
    l.sale(batches.kiwi, { amountCny: 5, channel: "online" });
    l.void(sales.kiwi);
    expectEqualToFullScan(db);
  });

  it("is emptied with the index, and filled again as the index is", function () {
    firstHistory(db);
    const groups = expectEqualToFullScan(db);
    const events = db.prepare(`SELECT * FROM idx_events ORDER BY block_number, log_index`).all() as Array<Record<string, unknown>>;
    const lineage = db.prepare(`SELECT * FROM idx_lineage`).all() as Array<Record<string, unknown>>;
    new IndexCursor(db).clear();
    for (const table of ["idx_sales_facts", "idx_sales_groups", "idx_sales_cursor"]) expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).to.equal(0);
    expect(new SalesReads(db).groups()).to.deep.equal([]);

    new IndexCursor(db).useLedger(LEDGER, 1);
    const insert = (table: string, row: Record<string, unknown>) =>
      db.prepare(`INSERT INTO ${table} (${Object.keys(row).join(", ")}) VALUES (${Object.keys(row).map((k) => `@${k}`).join(", ")})`).run(row);
    for (const row of lineage) insert("idx_lineage", row);
    for (const row of events) insert("idx_events", row);
    expect(expectEqualToFullScan(db)).to.deep.equal(groups);
  });

  describe("through kill -9 of a process summarising", function () {
    this.timeout(120_000);
    let dir: string;

    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("counts every sale once when summarising resumes", async function () {
      dir = mkdtempSync(path.join(tmpdir(), "sales-summary-"));
      const file = path.join(dir, "gateway.db");
      db.close();
      db = openDatabase(file);
      db.transaction(() => {
        const { l, batches } = firstHistory(db);
        // Enough events that the process is killed part way.
        for (let k = 0; k < 3000; k++) {
          if (k % 100 === 0) l.nextBlock();
          const written = l.sale([batches.mango, batches.gift, batches.box, batches.half1][k % 4], { amountCny: k / 100, channel: ["counter", "online"][k % 2], amount: 1 + (k % 3) });
          if (k % 97 === 0) l.void(written);
          if (k % 89 === 0) l.supersede(written, { amountCny: 1, channel: "store" });
        }
      })();
      db.close();

      const slices = await summariseUntilKilled(file, 20);
      expect(slices).to.be.at.least(20);
      db = openDatabase(file);
      const summary = new SalesSummary(db);
      expect(summary.backlog(), "killed before the end").to.be.greaterThan(0);
      expect(summary.backlog()).to.be.lessThan(db.prepare(`SELECT count(*) FROM idx_events`).pluck().get() as number);
      const groups = expectEqualToFullScan(db);
      expect(groups.reduce((sum, g) => sum + g.sales, 0)).to.be.greaterThan(2800);
    });
  });
});

/** Runs a process that summarises `file` in slices of 7 events, and kills it (SIGKILL) after `slices` of them. */
function summariseUntilKilled(file: string, slices: number): Promise<number> {
  const build = process.env[SERVER_BUILD_ENV];
  const built = build && existsSync(path.join(build, "server/store/sales-summary.js"));
  const root = path.resolve(__dirname, "../..");
  const from = (module: string) => JSON.stringify(built ? path.join(build!, `${module}.js`) : path.join(root, `${module}.ts`));
  const code = `
    const { openDatabase } = require(${from("server/store/database")});
    const { SalesSummary } = require(${from("server/store/sales-summary")});
    const summary = new SalesSummary(openDatabase(${JSON.stringify(file)}));
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      if (summary.catchUp(7) === 0) { process.stdout.write("done\\n"); break; }
      process.stdout.write("slice\\n");
      Atomics.wait(pause, 0, 0, 2); // the worker's pause between slices, shortened
    }`;
  const child = spawn(process.execPath, [...(built ? [] : ["-r", "ts-node/register/transpile-only"]), "-e", code], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      if (text.includes("done")) reject(new Error("the process summarised everything before it could be killed"));
      seen += text.split("slice").length - 1;
      if (seen >= slices) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve(seen) : reject(new Error(`the process ended by itself (${signal ?? _code})`))));
  });
}
