/**
 * The batches an organisation may hold: those it created, received, or that were shipped to it,
 * newest first, from the send queue (every write through this gateway). Which of them it still
 * holds, and how much, is the ledger's rules' answer (services/custody-stock.ts).
 */
import type { Db } from "./database";
import { EventKind } from "../domain/event-kinds";
import { ZERO_HASH } from "../domain/hashes";
import { statementCache, type Sql } from "./statement-cache";

export class StockReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Batch ids the organisation created, received or was sent, newest first, at most `limit`. */
  candidates(orgId: string, limit: number): string[] {
    return this.sql(
      `SELECT batch_id FROM (
         SELECT batch_id, seq FROM outbox
         WHERE org_id = @org AND status != 'failed'
           AND (kind = ${EventKind.Receipt} OR (prev_head = @zero AND kind IN (${EventKind.Harvest}, ${EventKind.Processing})))
         UNION ALL
         SELECT batch_id, seq FROM outbox
         WHERE kind = ${EventKind.Shipment} AND (detail ->> '$.consignee.id') = @org AND status != 'failed')
       GROUP BY batch_id ORDER BY max(seq) DESC LIMIT @limit`,
    )
      .pluck()
      .all({ org: orgId, zero: ZERO_HASH, limit }) as string[];
  }
}
