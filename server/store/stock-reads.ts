/**
 * The batches an organisation may hold: those it created, received, or that were shipped to it,
 * newest first, from the send queue (every write through this gateway). Which of them it still
 * holds, and how much, is the ledger's rules' answer (services/custody-stock.ts).
 */
import type { Db } from "./database";
import { EventKind } from "../domain/event-kinds";
import { ZERO_HASH } from "../domain/hashes";
import type { OutboxStatus } from "./outbox-repository";
import { statementCache, type Sql } from "./statement-cache";

export class StockReads {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
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

  /**
   * Shipments naming the organisation as their consignee (accepted, not failed), newest first, at
   * most `limit`: what may be on its way to it. Which are still unreceived is the rules' answer.
   * Read through outbox_by_consignee (the expression and the kind must stay the index's).
   */
  shipmentsTo(orgId: string, limit: number): ShipmentTo[] {
    const rows = this.sql(SHIPMENTS_TO_SQL).all({ org: orgId, limit }) as ShipmentRow[];
    return rows.map((row) => ({
      eventId: row.id,
      batchId: row.batch_id,
      dataHash: row.data_hash,
      status: row.status,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
      shipper: row.shipper,
      acceptedAt: row.created_at,
    }));
  }

  /** SQLite's plan for shipmentsTo (EXPLAIN QUERY PLAN), one step a line: to check its index is used. */
  shipmentsToPlan(): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${SHIPMENTS_TO_SQL}`).all({ org: "", limit: 1 }) as { detail: string }[]).map((step) => step.detail);
  }
}

const SHIPMENTS_TO_SQL = `SELECT o.id, o.batch_id, o.data_hash, o.status, o.detail, o.created_at, s.name AS shipper
  FROM outbox o JOIN orgs s ON s.id = o.org_id
  WHERE o.kind = ${EventKind.Shipment} AND (o.detail ->> '$.consignee.id') = @org AND o.status != 'failed'
  ORDER BY o.seq DESC LIMIT @limit`;

export interface ShipmentTo {
  eventId: string;
  batchId: string;
  /** What the ledger's rules name the shipment by (a transit's ref). */
  dataHash: string;
  status: OutboxStatus;
  /** The shipment's public detail (a field its shipper kept private holds its commitment). */
  detail: Record<string, unknown>;
  /** The shipping organisation's name. */
  shipper: string;
  acceptedAt: string;
}

interface ShipmentRow {
  id: string;
  batch_id: string;
  data_hash: string;
  status: OutboxStatus;
  detail: string;
  created_at: string;
  shipper: string;
}
