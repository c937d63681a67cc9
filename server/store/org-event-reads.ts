/**
 * An organisation's own recent events as the gateway accepted them (the outbox), newest first,
 * with where each is on its way to the chain: what the console's "recent records" page shows.
 */
import { ZERO_HASH } from "../domain/hashes";
import type { Db } from "./database";
import type { OutboxStatus } from "./outbox-repository";
import { statementCache, type Sql } from "./statement-cache";
import { revealPrivateFields } from "../domain/private-fields";
import { PRIVATE_VALUES_JSON, privateValuesOf } from "./private-field-repository";

/**
 * SQL for the product name of the batch in column `batchColumn`, from the event that created it
 * (a harvest names its product, a split names its output's); bind @zero to ZERO_HASH.
 */
export const productNameOfBatch = (batchColumn: string) => `(
  SELECT coalesce(json_extract(hd.detail, '$.product.name'), json_extract(hd.detail, '$.output.product.name'))
  FROM outbox h JOIN event_details hd ON hd.data_hash = h.data_hash WHERE h.batch_id = ${batchColumn} AND h.prev_head = @zero AND h.status != 'failed'
  ORDER BY h.seq LIMIT 1)`;

export interface OrgEvent {
  eventId: string;
  batchId: string;
  kind: number;
  status: OutboxStatus;
  error: string | null;
  /** The event's detail as its organisation wrote it: as signed, with its private values (a sale's amount) in place of their commitments. */
  detail: Record<string, unknown>;
  product: string | null;
  acceptedAt: string;
}

interface Row {
  id: string;
  batch_id: string;
  kind: number;
  status: OutboxStatus;
  error: string | null;
  detail: string;
  private_values: string | null;
  product: string | null;
  created_at: string;
}

export class OrgEventReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** The organisation's latest `limit` events, newest first. */
  recent(orgId: string, limit: number): OrgEvent[] {
    const rows = this.sql(
      `SELECT o.id, o.batch_id, o.kind, o.status, o.error, d.detail, ${PRIVATE_VALUES_JSON("o.data_hash")} AS private_values, o.created_at,
              ${productNameOfBatch("o.batch_id")} AS product
       FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash WHERE o.org_id = @org ORDER BY o.seq DESC LIMIT @limit`,
    ).all({ org: orgId, limit, zero: ZERO_HASH }) as Row[];
    return rows.map((row) => ({
      eventId: row.id,
      batchId: row.batch_id,
      kind: row.kind,
      status: row.status,
      error: row.error,
      detail: revealPrivateFields(JSON.parse(row.detail) as Record<string, unknown>, privateValuesOf(row.private_values)),
      product: row.product,
      acceptedAt: row.created_at,
    }));
  }
}
