/**
 * The SQL that reads a confirmed sale's facts, shared by the full-scan query of the programme's
 * figures (sales-reads.ts, kept as the reference) and the summaries that keep them up to date
 * (sales-summary.ts): both must read a sale the same way. Every alias names a table of the query:
 * o the sale's outbox row, c the latest correction of it, e its indexed event.
 */
import { ZERO_HASH } from "../domain/hashes";
import { EventKind } from "../domain/event-kinds";

/**
 * The facts of a sale's detail. These expressions are exactly those of the partial index
 * outbox_sale_facts (as the eighth migration in schema.ts last made it), so SQLite reads them
 * from the index instead of parsing each sale's JSON: change both together.
 */
export const SOLD_MONTH = `strftime('%Y-%m', o.detail ->> '$.soldAt', '+8 hours')`;
export const CHANNEL = `o.detail ->> '$.channel'`;
export const UNIT = `o.detail ->> '$.quantity.unit'`;
export const QUANTITY = `o.detail ->> '$.quantity.amount'`;
/** A private amount, looked up by data hash and field in private_fields' primary key. */
export const privateAmount = (dataHash: string, path: string) =>
  `(SELECT CAST(p.value_json AS REAL) FROM private_fields p WHERE p.data_hash = ${dataHash} AND p.path = '${path}')`;
export const AMOUNT = privateAmount("o.data_hash", "amountCny");

/** The walk back through lineage gives up after this many steps (a pack of a pack of ...). */
const MAX_LINEAGE_DEPTH = 32;

/** The outbox event that created a batch (prev_head zero), as the index recorded it (c). */
const creationOf = (alias: string) =>
  `${alias}.batch_id = c.batch_id AND ${alias}.prev_head = '${ZERO_HASH}' AND ${alias}.data_hash = c.data_hash`;

/** A superseded sale's fact: the correction's replacement's, else the sale's own. */
const corrected = (own: string, path: string) => `coalesce(c.replacement ->> '${path}', ${own})`;

/** The columns of a sale as counted (e its event, o its outbox row, c its latest correction or NULLs). */
export const SALE_FACTS = `
           coalesce(strftime('%Y-%m', c.replacement ->> '$.soldAt', '+8 hours'), ${SOLD_MONTH},
                    strftime('%Y-%m', e.timestamp, 'unixepoch', '+8 hours')) AS month,
           ${corrected(CHANNEL, "$.channel")} AS channel,
           ${corrected(UNIT, "$.quantity.unit")} AS unit,
           ${corrected(QUANTITY, "$.quantity.amount")} AS quantity,
           CAST(round(CASE WHEN c.data_hash IS NULL THEN ${AMOUNT}
                           ELSE coalesce(${privateAmount("c.data_hash", "replacement.amountCny")}, ${AMOUNT}) END * 100) AS INTEGER) AS amount_fen`;

/** The outbox row of a sale event e: the detail the gateway signed. */
export const SALE_OUTBOX_JOIN = `JOIN outbox o ON o.kind = ${EventKind.Sale}
                 AND o.batch_id = e.batch_id AND o.prev_head = e.prev_head AND o.data_hash = e.data_hash`;

/**
 * CTEs walk and origin: each batch of `soldBatches` (a query naming batch_id) walked back to its
 * harvest, and origin (sold_batch, county_code, county_name, product). Needs WITH RECURSIVE.
 */
export const originOf = (soldBatches: string) => `
  -- Each sold batch walked back to its harvest: (sold batch, batch reached, product name seen).
  walk (sold_batch, batch_id, product, depth) AS (
    SELECT DISTINCT batch_id, batch_id, NULL, 0 FROM ${soldBatches}
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
  )`;
