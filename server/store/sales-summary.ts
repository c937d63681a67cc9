/**
 * The programme's purchase figures kept up to date as sales are indexed, so that a read sums a
 * few hundred groups instead of every sale (the full scan, SalesReads.groupsByFullScan, stays
 * as the reference these must equal).
 *
 * - idx_sales_facts: each indexed sale as counted (month, origin county, product, channel,
 *   unit, quantity, amount in fen, void), read exactly as the full scan reads it
 *   (sales-summary-sql.ts).
 * - idx_sales_groups: the facts that are not void, summed by month, county, product, channel
 *   and unit, changed by deltas: a sale whose facts are (re)computed has its old contribution
 *   taken off and its new one added.
 * - idx_sales_cursor: the last indexed event summarised, in chain order. A slice reads the
 *   events after it; each sale among them gets its facts, and each correction among them has
 *   the sale it corrects computed again (the latest correction decides, as in the full scan).
 *   The rows and the cursor move in one transaction: a kill loses at most the slice in flight,
 *   and no sale is counted twice.
 * - Part of the index: triggers on idx_cursor (schema.ts) empty these tables when the index is
 *   emptied and note a rewind (a reorg), after which the facts above the rewind, or decided by
 *   a correction above it, are computed again from what the index holds.
 * - Programme-county membership is joined at read time: the list can be replaced.
 */
import { EventKind } from "../domain/event-kinds";
import type { Db } from "./database";
import { originOf, SALE_FACTS, SALE_OUTBOX_JOIN } from "./sales-summary-sql";
import { statementCache, type Sql } from "./statement-cache";

/** Indexed events read per slice by catchUpAll (the worker takes smaller ones). */
const EVENTS_PER_CALL = 5000;
/** Stands for "every log of the block": a cursor moved back to the end of a block. */
const END_OF_BLOCK = Number.MAX_SAFE_INTEGER;

interface Position {
  block: number;
  logIndex: number;
}

/** A group as the summary answers it: the full scan's columns. */
export interface SummaryGroupRow {
  month: string;
  county_code: string | null;
  county_name: string | null;
  product: string | null;
  channel: string;
  unit: string;
  programme_county: number;
  sales: number;
  quantity: number;
  amount_fen: number;
}

/** The positions (block, log) whose facts this slice computes again: a temporary table of the connection. */
const REFRESH = "temp.sales_refresh";

/** The facts of the sales at the positions in REFRESH, as idx_events and the outbox hold them now. */
const FACTS_SQL = `
WITH RECURSIVE
  target AS MATERIALIZED (
    SELECT e.block_number, e.log_index, e.batch_id, e.prev_head, e.data_hash, e.timestamp
    FROM ${REFRESH} r
    CROSS JOIN idx_events e ON e.block_number = r.block_number AND e.log_index = r.log_index
    WHERE +e.kind = ${EventKind.Sale}
  ),
  -- The latest correction on chain of each of these sales, with the block that holds it.
  -- (+t.data_hash: compared without affinity, so outbox_corrections' expression is searched.)
  correction AS (
    -- (bare columns come from the max() row: the latest correction's.)
    SELECT k.batch_id, k.detail ->> '$.corrects' AS corrects, k.detail ->> '$.declaration' AS declaration,
           k.detail -> '$.replacement' AS replacement, k.data_hash, x.block_number, max(k.seq) AS seq
    FROM target t
    CROSS JOIN outbox k ON k.kind = ${EventKind.Correction} AND k.batch_id = t.batch_id AND k.detail ->> '$.corrects' = +t.data_hash
    CROSS JOIN idx_events x ON x.batch_id = k.batch_id AND x.data_hash = k.data_hash
    WHERE k.status != 'failed'
    GROUP BY k.batch_id, k.detail ->> '$.corrects'
  ),
  sale AS MATERIALIZED (
    SELECT e.block_number, e.log_index, e.batch_id,${SALE_FACTS},
           coalesce(c.declaration, '') = 'void' AS void, c.block_number AS correction_block
    FROM target e
    CROSS ${SALE_OUTBOX_JOIN}
    LEFT JOIN correction c ON c.batch_id = e.batch_id AND c.corrects = e.data_hash
  ),${originOf("sale")}
INSERT INTO idx_sales_facts (block_number, log_index, batch_id, month, county_code, county_name, product, channel, unit,
                             quantity, amount_fen, void, correction_block)
SELECT s.block_number, s.log_index, s.batch_id, s.month, g.county_code, g.county_name, g.product, s.channel, s.unit,
       s.quantity, s.amount_fen, s.void, s.correction_block
FROM sale s LEFT JOIN origin g ON g.sold_batch = s.batch_id
WHERE true
ON CONFLICT DO NOTHING`;

/** Adds (@sign 1) or takes off (@sign -1) the counted facts at the positions in REFRESH. */
const DELTA_SQL = `
INSERT INTO idx_sales_groups (group_key, month, county_code, county_name, product, channel, unit, sales, quantity, amount_fen, amounts)
SELECT json_array(f.month, f.county_code, f.county_name, f.product, f.channel, f.unit),
       f.month, f.county_code, f.county_name, f.product, f.channel, f.unit,
       @sign * count(*), @sign * total(f.quantity), @sign * coalesce(sum(f.amount_fen), 0), @sign * count(f.amount_fen)
FROM ${REFRESH} r
CROSS JOIN idx_sales_facts f ON f.block_number = r.block_number AND f.log_index = r.log_index
WHERE f.void = 0
GROUP BY 1
ON CONFLICT (group_key) DO UPDATE SET
  sales = sales + excluded.sales, quantity = quantity + excluded.quantity,
  amount_fen = amount_fen + excluded.amount_fen, amounts = amounts + excluded.amounts`;

/** The groups of a period (the full scan's answer, from the summary). */
const GROUPS_SQL = `
SELECT g.month, g.county_code, min(g.county_name) AS county_name, g.product, g.channel, g.unit,
       p.code IS NOT NULL AS programme_county,
       sum(g.sales) AS sales, total(g.quantity) AS quantity,
       CASE WHEN sum(g.amounts) > 0 THEN sum(g.amount_fen) END AS amount_fen
FROM idx_sales_groups g
LEFT JOIN programme_counties p ON p.code = g.county_code
WHERE g.month BETWEEN @fromMonth AND @toMonth
GROUP BY g.month, g.county_code, g.product, g.channel, g.unit
ORDER BY g.month, g.county_code, g.product, g.channel, g.unit`;

export class SalesSummary {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS sales_refresh (
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, PRIMARY KEY (block_number, log_index)) WITHOUT ROWID`);
    this.sql = statementCache(db);
  }

  /**
   * Summarises up to `limit` indexed events after the cursor, first redoing what a rewind of
   * the index undid, in one transaction; answers how many events and redone sales it read
   * (0: nothing was left to summarise; with no rewind to redo, nothing was written either).
   */
  catchUp(limit = EVENTS_PER_CALL): number {
    return this.db.transaction(() => {
      const state = this.sql(`SELECT block_number AS block, log_index AS logIndex, rewound_to AS rewoundTo FROM idx_sales_cursor WHERE id = 1`).get() as
        | (Position & { rewoundTo: number | null })
        | undefined;
      let cursor: Position = state ?? { block: -1, logIndex: -1 };
      const events = this.sql(
        `SELECT block_number AS block, log_index AS logIndex FROM idx_events
         WHERE (block_number, log_index) > (@block, @logIndex) ORDER BY block_number, log_index LIMIT @limit`,
      );
      let positions = events.all({ ...cursor, limit }) as Position[];
      const rewoundTo = state?.rewoundTo ?? null;
      if (rewoundTo === null && positions.length === 0) return 0;

      this.sql(`DELETE FROM ${REFRESH}`).run();
      let redone = 0;
      if (rewoundTo !== null) {
        // Facts of sales the rewind removed, or decided by a correction it removed: computed again.
        redone = this.sql(
          `INSERT INTO ${REFRESH} (block_number, log_index)
           SELECT block_number, log_index FROM idx_sales_facts WHERE block_number > @rewoundTo
           UNION SELECT block_number, log_index FROM idx_sales_facts WHERE correction_block > @rewoundTo`,
        ).run({ rewoundTo }).changes;
        if (cursor.block > rewoundTo) {
          cursor = { block: rewoundTo, logIndex: END_OF_BLOCK };
          positions = events.all({ ...cursor, limit }) as Position[];
        }
      }
      const last = positions.length > 0 ? positions[positions.length - 1] : cursor;
      const range = { from: cursor.block, fromLog: cursor.logIndex, to: last.block, toLog: last.logIndex };
      // The sales in the slice, and the sales its corrections correct.
      this.sql(
        `INSERT OR IGNORE INTO ${REFRESH} (block_number, log_index)
         SELECT block_number, log_index FROM idx_events
         WHERE (block_number, log_index) > (@from, @fromLog) AND (block_number, log_index) <= (@to, @toLog)
           AND +kind = ${EventKind.Sale}`,
      ).run(range);
      this.sql(
        `INSERT OR IGNORE INTO ${REFRESH} (block_number, log_index)
         SELECT s.block_number, s.log_index
         FROM idx_events k
         CROSS JOIN outbox o ON o.kind = ${EventKind.Correction} AND o.batch_id = k.batch_id AND o.data_hash = k.data_hash
         CROSS JOIN idx_events s ON s.batch_id = k.batch_id AND s.data_hash = o.detail ->> '$.corrects' AND +s.kind = ${EventKind.Sale}
         WHERE (k.block_number, k.log_index) > (@from, @fromLog) AND (k.block_number, k.log_index) <= (@to, @toLog)
           AND +k.kind = ${EventKind.Correction}`,
      ).run(range);

      this.sql(DELTA_SQL).run({ sign: -1 });
      this.sql(`DELETE FROM idx_sales_facts WHERE (block_number, log_index) IN (SELECT block_number, log_index FROM ${REFRESH})`).run();
      this.sql(FACTS_SQL).run();
      this.sql(DELTA_SQL).run({ sign: 1 });
      this.sql(`DELETE FROM idx_sales_groups WHERE sales = 0`).run();
      this.sql(`DELETE FROM ${REFRESH}`).run();
      this.sql(
        `INSERT INTO idx_sales_cursor (id, block_number, log_index, rewound_to) VALUES (1, @block, @logIndex, NULL)
         ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, log_index = excluded.log_index, rewound_to = NULL`,
      ).run(last);
      return positions.length + redone;
    })();
  }

  /** Catches up completely (a read answers from everything indexed). */
  catchUpAll(): void {
    while (this.catchUp() > 0) {
      // each call summarises up to EVENTS_PER_CALL events
    }
  }

  /** Indexed events not summarised yet (the worker's backlog). */
  backlog(): number {
    const cursor = (this.sql(`SELECT block_number AS block, log_index AS logIndex FROM idx_sales_cursor WHERE id = 1`).get() as Position | undefined) ?? {
      block: -1,
      logIndex: -1,
    };
    return this.sql(`SELECT count(*) FROM idx_events WHERE (block_number, log_index) > (@block, @logIndex)`).pluck().get(cursor) as number;
  }

  /** The summarised groups of months fromMonth..toMonth ("YYYY-MM", both included), in the full scan's order. */
  groups(fromMonth: string, toMonth: string): SummaryGroupRow[] {
    return this.sql(GROUPS_SQL).all({ fromMonth, toMonth }) as SummaryGroupRow[];
  }
}
