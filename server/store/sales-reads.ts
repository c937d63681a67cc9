/**
 * Purchases for the programme office: the ledger's sale events summed by month, origin county,
 * product, channel and unit. groups() answers from the summaries kept as sales are indexed
 * (sales-summary.ts), brought up to date first; groupsByFullScan() sums every sale in one
 * query, from two narrow indexes: the reference the summaries must equal (tests, benchmark).
 * How a sale counts, in both:
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
import { EventKind } from "../domain/event-kinds";
import type { Db } from "./database";
import { SalesSummary, type SummaryGroupRow } from "./sales-summary";
import { originOf, SALE_FACTS, SALE_OUTBOX_JOIN } from "./sales-summary-sql";
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
    SELECT e.batch_id,${SALE_FACTS}
    FROM idx_events e
    ${SALE_OUTBOX_JOIN}
    LEFT JOIN correction c ON c.batch_id = e.batch_id AND c.corrects = e.data_hash
    WHERE e.kind = ${EventKind.Sale} AND coalesce(c.declaration, '') != 'void'
  ),
  in_period AS MATERIALIZED (
    SELECT * FROM sale WHERE month BETWEEN @fromMonth AND @toMonth
  ),${originOf("in_period")}
SELECT s.month, g.county_code, min(g.county_name) AS county_name, g.product, s.channel, s.unit,
       p.code IS NOT NULL AS programme_county,
       count(*) AS sales, total(s.quantity) AS quantity, sum(s.amount_fen) AS amount_fen
FROM in_period s
LEFT JOIN origin g ON g.sold_batch = s.batch_id
LEFT JOIN programme_counties p ON p.code = g.county_code
GROUP BY s.month, g.county_code, g.product, s.channel, s.unit
ORDER BY s.month, g.county_code, g.product, s.channel, s.unit`;

export class SalesReads {
  private readonly sql: Sql;
  private readonly summary: SalesSummary;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
    this.summary = new SalesSummary(db);
  }

  /**
   * Confirmed sales in the period, grouped; ordered by month, county, product, channel, unit.
   * From the summaries, after summarising what was indexed since (the worker keeps that short).
   */
  groups(period: SalesPeriod = {}): SalesGroup[] {
    this.summary.catchUpAll();
    const { fromMonth, toMonth } = this.parameters(period);
    return this.summary.groups(fromMonth, toMonth).map(salesGroup);
  }

  /** The same by summing every sale: the reference for the summaries (tests and the benchmark only). */
  groupsByFullScan(period: SalesPeriod = {}): SalesGroup[] {
    return (this.sql(GROUPS_SQL).all(this.parameters(period)) as SummaryGroupRow[]).map(salesGroup);
  }

  /** SQLite's plan for the full scan (EXPLAIN QUERY PLAN), one step a line: to check the indexes are used. */
  plan(): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${GROUPS_SQL}`).all(this.parameters({})) as { detail: string }[]).map((step) => step.detail);
  }

  private parameters(period: SalesPeriod) {
    return { fromMonth: period.fromMonth ?? "0000-00", toMonth: period.toMonth ?? "9999-99" };
  }
}

function salesGroup(row: SummaryGroupRow): SalesGroup {
  return {
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
  };
}
