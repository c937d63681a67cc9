/** Certification writes (attest, revoke) from acceptance to the chain. */
import type { Db } from "./database";

export type CertificationAction = "attest" | "revoke";
export type OutboxStatus = "pending" | "submitted" | "confirmed" | "failed";

export interface CertificationWrite {
  id: string;
  action: CertificationAction;
  orgId: string;
  certificationId: string;
  batchId: string | null;
  payload: unknown;
  detail: string;
  status: OutboxStatus;
  error: string | null;
  txHash: string | null;
  blockNumber: number | null;
}

interface Row {
  id: string;
  action: CertificationAction;
  org_id: string;
  certification_id: string;
  batch_id: string | null;
  payload: string;
  detail: string;
  status: OutboxStatus;
  error: string | null;
  tx_hash: string | null;
  block_number: number | null;
}

const toWrite = (row: Row): CertificationWrite => ({
  id: row.id,
  action: row.action,
  orgId: row.org_id,
  certificationId: row.certification_id,
  batchId: row.batch_id,
  payload: JSON.parse(row.payload),
  detail: row.detail,
  status: row.status,
  error: row.error,
  txHash: row.tx_hash,
  blockNumber: row.block_number,
});

export class CertificationOutboxRepository {
  constructor(private readonly db: Db) {}

  insert(write: Omit<CertificationWrite, "status" | "error" | "txHash" | "blockNumber">): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO certification_outbox
           (id, action, org_id, certification_id, batch_id, payload, detail, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(write.id, write.action, write.orgId, write.certificationId, write.batchId, JSON.stringify(write.payload), write.detail, now, now);
  }

  byId(id: string): CertificationWrite | undefined {
    const row = this.db.prepare(`SELECT * FROM certification_outbox WHERE id = ?`).get(id) as Row | undefined;
    return row && toWrite(row);
  }

  /** The non-failed writes about one certification, oldest first. */
  forCertification(certificationId: string): CertificationWrite[] {
    return (
      this.db
        .prepare(`SELECT * FROM certification_outbox WHERE certification_id = ? AND status != 'failed' ORDER BY seq`)
        .all(certificationId) as Row[]
    ).map(toWrite);
  }

  /** Writes not yet settled, in the order they were accepted. */
  unsettled(limit: number): CertificationWrite[] {
    return (
      this.db
        .prepare(`SELECT * FROM certification_outbox WHERE status IN ('pending', 'submitted') ORDER BY seq LIMIT ?`)
        .all(limit) as Row[]
    ).map(toWrite);
  }

  /** Writes the outbox believes are on chain, in order. */
  confirmed(): CertificationWrite[] {
    return (this.db.prepare(`SELECT * FROM certification_outbox WHERE status = 'confirmed' ORDER BY seq`).all() as Row[]).map(toWrite);
  }

  setStatus(id: string, status: OutboxStatus, fields: { error?: string; txHash?: string; blockNumber?: number } = {}): void {
    this.db
      .prepare(
        `UPDATE certification_outbox
         SET status = ?, error = ?, tx_hash = coalesce(?, tx_hash), block_number = coalesce(?, block_number), updated_at = ?
         WHERE id = ?`,
      )
      .run(status, fields.error ?? null, fields.txHash ?? null, fields.blockNumber ?? null, new Date().toISOString(), id);
  }
}
