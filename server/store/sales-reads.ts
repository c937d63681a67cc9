/**
 * Purchases for the programme office: the ledger's sale events summed in SQL by month, origin
 * county, product, channel and unit. One query reads the sales from two narrow indexes and
 * returns only the sums, never the events themselves.
 *
 * - Only sales confirmed on chain count: a sale is an indexed event (idx_events, kind sale).
 *   Its detail (amount, channel, time) is the outbox event with the same batch, previous head
 *   and data hash: the very event the gateway signed. A sale on chain whose detail this
 *   gateway does not hold cannot be counted.
 * - The month is the sale's soldAt in China Standard Time (the block's time if soldAt cannot be
 *   read): a purchase counts in the month it was made, not the month it reached the chain.
 * - The origin county is the harvest's origin. A batch made by processing (a split's output, a
 *   retail pack) is followed back through idx_lineage, at each step to its FIRST input as
 *   signed (by block, then log order), until a harvested batch: a pack merged from batches of
 *   several origins counts for the origin of its first input.
 * - The product is the nearest name on that way back: a processing output's own product name
 *   if it gave one, else the name of the product harvested.
 * - Amounts are summed in fen (each sale rounded to the fen), so totals are exact. A sale's
 *   public detail holds only a salted commitment to its amount: the amount comes from this
 *   gateway's private_fields, by the sale's data hash (a corrected sale's, by the correction's).
 * - A sale that a correction on chain declared void is not counted; one it superseded counts
 *   with the corrected facts (the latest correction of it decides).
 */
import { ZERO_HASH } from "../domain/hashes";
import { EventKind } from "../domain/event-kinds";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

/** Months as "YYYY-MM", both ends included; an absent end is open. */
export interface SalesPeriod {
  fromMonth?: string;
  toMonth?: string;
}

/** The confirmed sales of one month, origin county, product, channel and unit. */
export interface SalesGroup {
  month: string;
  /** GB/T 2260 code of the origin county; null when no harvest was found for the batch. */
  countyCode: string | null;
  /** The county as a harvest of it named it. */
  countyName: string | null;
  /** The county is on the programme's list (programme_counties). */
  programmeCounty: boolean;
  product: string | null;
  channel: string;
  unit: string;
  sales: number;
  quantity: number;
  amountFen: number;
}

/**
 * The facts of a sale's detail. These expressions are exactly those of the partial index
 * outbox_sale_facts (as the eighth migration in schema.ts last made it), so SQLite reads them
 * from the index instead of parsing each sale's JSON: change both together.
 */
const SOLD_MONTH = `strftime('%Y-%m', o.detail ->> '$.soldAt', '+8 hours')`;
const CHANNEL = `o.detail ->> '$.channel'`;
const UNIT = `o.detail ->> '$.quantity.unit'`;
const QUANTITY = `o.detail ->> '$.quantity.amount'`;
/** A private amount, looked up by data hash and field in private_fields' primary key. */
const privateAmount = (dataHash: string, path: string) =>
  `(SELECT CAST(p.value_json AS REAL) FROM private_fields p WHERE p.data_hash = ${dataHash} AND p.path = '${path}')`;
const AMOUNT = privateAmount("o.data_hash", "amountCny");

/** The walk back through lineage gives up after this many steps (a pack of a pack of ...). */
const MAX_LINEAGE_DEPTH = 32;

/** The outbox event that created a batch (prev_head zero), as the index recorded it (c). */
const creationOf = (alias: string) =>
  `${alias}.batch_id = c.batch_id AND ${alias}.prev_head = '${ZERO_HASH}' AND ${alias}.data_hash = c.data_hash`;

/** A superseded sale's fact: the correction's replacement's, else the sale's own. */
const corrected = (own: string, path: string) => `coalesce(c.replacement ->> '${path}', ${own})`;

const GROUPS_SQL = `
WITH RECURSIVE
  -- The latest correction on chain of each corrected event (corrections are few).
  correction AS (
    -- (k.data_hash is the latest correction's: SQLite takes bare columns from the max() row.)
    SELECT k.batch_id, k.detail ->> '$.corrects' AS corrects, k.detail ->> '$.declaration' AS declaration,
           k.detail -> '$.replacement' AS replacement, k.data_hash, max(k.seq) AS seq
    FROM outbox k
    WHERE k.kind = ${EventKind.Correction} AND k.status != 'failed'
      AND EXISTS (SELECT 1 FROM idx_events x WHERE x.batch_id = k.batch_id AND x.data_hash = k.data_hash)
    GROUP BY k.batch_id, k.detail ->> '$.corrects'
  ),
  sale AS (
    SELECT e.batch_id,
           coalesce(strftime('%Y-%m', c.replacement ->> '$.soldAt', '+8 hours'), ${SOLD_MONTH},
                    strftime('%Y-%m', e.timestamp, 'unixepoch', '+8 hours')) AS month,
           ${corrected(CHANNEL, "$.channel")} AS channel,
           ${corrected(UNIT, "$.quantity.unit")} AS unit,
           ${corrected(QUANTITY, "$.quantity.amount")} AS quantity,
           CAST(round(CASE WHEN c.data_hash IS NULL THEN ${AMOUNT}
                           ELSE coalesce(${privateAmount("c.data_hash", "replacement.amountCny")}, ${AMOUNT}) END * 100) AS INTEGER) AS amount_fen
    FROM idx_events e
    JOIN outbox o ON o.kind = ${EventKind.Sale}
                 AND o.batch_id = e.batch_id AND o.prev_head = e.prev_head AND o.data_hash = e.data_hash
    LEFT JOIN correction c ON c.batch_id = e.batch_id AND c.corrects = e.data_hash
    WHERE e.kind = ${EventKind.Sale} AND coalesce(c.declaration, '') != 'void'
  ),
  in_period AS MATERIALIZED (
    SELECT * FROM sale WHERE month BETWEEN @fromMonth AND @toMonth
  ),
  -- Each sold batch walked back to its harvest: (sold batch, batch reached, product name seen).
  walk (sold_batch, batch_id, product, depth) AS (
    SELECT DISTINCT batch_id, batch_id, NULL, 0 FROM in_period
    UNION ALL
    SELECT w.sold_batch,
           (SELECT l.input_batch_id FROM idx_lineage l WHERE l.batch_id = w.batch_id
            ORDER BY l.block_number, l.log_index LIMIT 1),
           coalesce(w.product, o.detail ->> '$.output.product.name'),
           w.depth + 1
    FROM walk w
    JOIN idx_events c ON c.batch_id = w.batch_id AND c.position = 0 AND c.kind != ${EventKind.Harvest}
    LEFT JOIN outbox o ON ${creationOf("o")}
    WHERE w.depth < ${MAX_LINEAGE_DEPTH}
  ),
  origin AS (
    SELECT w.sold_batch,
           h.detail ->> '$.origin.countyCode' AS county_code,
           h.detail ->> '$.origin.county' AS county_name,
           coalesce(w.product, h.detail ->> '$.product.name') AS product
    -- CROSS JOIN keeps this order: each harvest is looked up by its batch, never scanned for.
    FROM walk w
    CROSS JOIN idx_events c ON c.batch_id = w.batch_id AND c.position = 0 AND c.kind = ${EventKind.Harvest}
    CROSS JOIN outbox h ON ${creationOf("h")}
  )
SELECT s.month, g.county_code, min(g.county_name) AS county_name, g.product, s.channel, s.unit,
       p.code IS NOT NULL AS programme_county,
       count(*) AS sales, total(s.quantity) AS quantity, sum(s.amount_fen) AS amount_fen
FROM in_period s
LEFT JOIN origin g ON g.sold_batch = s.batch_id
LEFT JOIN programme_counties p ON p.code = g.county_code
GROUP BY s.month, g.county_code, g.product, s.channel, s.unit
ORDER BY s.month, g.county_code, g.product, s.channel, s.unit`;

interface GroupRow {
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

export class SalesReads {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Confirmed sales in the period, grouped; ordered by month, county, product, channel, unit. */
  groups(period: SalesPeriod = {}): SalesGroup[] {
    const rows = this.sql(GROUPS_SQL).all(this.parameters(period)) as GroupRow[];
    return rows.map((row) => ({
      month: row.month,
      countyCode: row.county_code,
      countyName: row.county_name,
      programmeCounty: row.programme_county === 1,
      product: row.product,
      channel: row.channel,
      unit: row.unit,
      sales: row.sales,
      quantity: row.quantity,
      amountFen: row.amount_fen,
    }));
  }

  /** SQLite's plan for the figures (EXPLAIN QUERY PLAN), one step a line: to check the indexes are used. */
  plan(): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${GROUPS_SQL}`).all(this.parameters({})) as { detail: string }[]).map((step) => step.detail);
  }

  private parameters(period: SalesPeriod) {
    return { fromMonth: period.fromMonth ?? "0000-00", toMonth: period.toMonth ?? "9999-99" };
  }
}
