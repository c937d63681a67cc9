/**
 * A batch and every batch it was made from, directly or not, in one query over the index's
 * lineage: what a batch's page depends on (server/web/page-cache.ts), however deep.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface AncestryMember {
  batchId: string;
  /** The creator and GTIN, which name the product line its certificates may cover; null while not indexed. */
  creator: string | null;
  gtin: string | null;
}

export class AncestryReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** The batch and its ancestors, at most `limit` of them; undefined when there are more. */
  familyOf(batchId: string, limit: number): AncestryMember[] | undefined {
    const rows = this.sql(
      `WITH RECURSIVE family(batch_id) AS (
         SELECT ?
         UNION
         SELECT l.input_batch_id FROM idx_lineage l JOIN family f ON l.batch_id = f.batch_id
       )
       SELECT f.batch_id AS batchId, b.creator, b.gtin FROM family f LEFT JOIN idx_batches b ON b.batch_id = f.batch_id
       LIMIT ?`,
    ).all(batchId.toLowerCase(), limit + 1) as AncestryMember[];
    return rows.length > limit ? undefined : rows;
  }
}
