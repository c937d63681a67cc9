/**
 * Read-only queries the API needs across the gateway's tables: the detail and ids of accepted
 * events, certifications as the chain shows them, and the batch list with its off-chain filters.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";
import { ZERO_HASH } from "../domain/hashes";

export class AcceptedEventReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  detail(batchId: string, dataHash: string): string | undefined {
    return this.accepted(batchId, dataHash)?.detail;
  }

  eventId(batchId: string, dataHash: string): string | undefined {
    return this.accepted(batchId, dataHash)?.id;
  }

  /** The gateway's id and the detail of an accepted event, by batch and data hash. */
  accepted(batchId: string, dataHash: string): { id: string; detail: string } | undefined {
    return this.sql(
      `SELECT o.id, d.detail FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash
       WHERE o.batch_id = ? AND o.data_hash = ? AND o.status != 'failed' ORDER BY o.seq LIMIT 1`,
    ).get(batchId, dataHash) as { id: string; detail: string } | undefined;
  }

  /** The detail kept under a data hash (an event's or an attestation's), whoever wrote it. */
  detailByHash(dataHash: string): string | undefined {
    return (this.sql(`SELECT detail FROM event_details WHERE data_hash = ?`).get(dataHash) as { detail: string } | undefined)?.detail;
  }

  unconfirmed(batchId: string): { eventId: string; kind: number; status: string; detail: string }[] {
    return this.sql(
        `SELECT o.id AS eventId, o.kind, o.status, d.detail FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash
         WHERE o.batch_id = ? AND o.status IN ('pending', 'submitted') ORDER BY o.seq`,
    ).all(batchId) as { eventId: string; kind: number; status: string; detail: string }[];
  }

  /** The address that created the batch, by the gateway's own records. */
  creator(batchId: string): string | undefined {
    const row = this.sql(`SELECT signer FROM outbox WHERE batch_id = ? AND prev_head = ? AND status != 'failed' ORDER BY seq LIMIT 1`)
      .get(batchId, ZERO_HASH) as { signer: string } | undefined;
    return row?.signer;
  }
}

export class ChainCertificationReads {
  constructor(private readonly db: Db) {}

  onChain(certificationId: string): { certifier: string; revoked: boolean } | undefined {
    const row = this.db
      .prepare(`SELECT certifier, revoked_by FROM idx_certifications WHERE id = ?`)
      .get(certificationId) as { certifier: string; revoked_by: string | null } | undefined;
    return row && { certifier: row.certifier, revoked: row.revoked_by !== null };
  }
}

export interface BatchListFilter {
  gtin?: string;
  countyCode?: string;
  /** The producing organisation's address. */
  creator?: string;
  limit: number;
  offset: number;
}

export interface BatchListItem {
  batchId: string;
  gtin: string;
  lot: string;
  creator: string;
  createdAt: string;
  recalled: boolean;
  eventCount: number;
  product: string | null;
  countyCode: string | null;
  county: string | null;
}

/** Batches on chain, newest first; product and origin come from the creating event's detail. */
export class BatchListReads {
  constructor(private readonly db: Db) {}

  list(filter: BatchListFilter): { batches: BatchListItem[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit, offset: filter.offset, zero: ZERO_HASH };
    if (filter.gtin !== undefined) {
      where.push("b.gtin = @gtin");
      params.gtin = filter.gtin;
    }
    if (filter.creator !== undefined) {
      where.push("b.creator = @creator");
      params.creator = filter.creator;
    }
    if (filter.countyCode !== undefined) {
      where.push("json_extract(d.detail, '$.origin.countyCode') = @countyCode");
      params.countyCode = filter.countyCode;
    }
    const from = `FROM idx_batches b
      LEFT JOIN outbox o ON o.batch_id = b.batch_id AND o.prev_head = @zero AND o.status != 'failed'
      LEFT JOIN event_details d ON d.data_hash = o.data_hash
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`;
    const rows = this.db
      .prepare(
        `SELECT b.batch_id, b.gtin, b.lot, b.creator, b.created_at, b.recalled, b.event_count,
                coalesce(json_extract(d.detail, '$.product.name'), json_extract(d.detail, '$.output.product.name')) AS product,
                json_extract(d.detail, '$.origin.countyCode') AS county_code,
                json_extract(d.detail, '$.origin.county') AS county
         ${from} ORDER BY b.created_block DESC, b.batch_id LIMIT @limit OFFSET @offset`,
      )
      .all(params) as Record<string, string | number | null>[];
    const { total } = this.db.prepare(`SELECT count(*) AS total ${from}`).get(params) as { total: number };
    return {
      total,
      batches: rows.map((row) => ({
        batchId: row.batch_id as string,
        gtin: row.gtin as string,
        lot: row.lot as string,
        creator: row.creator as string,
        createdAt: new Date(Number(row.created_at) * 1000).toISOString(),
        recalled: row.recalled === 1,
        eventCount: row.event_count as number,
        product: row.product as string | null,
        countyCode: row.county_code as string | null,
        county: row.county as string | null,
      })),
    };
  }
}
