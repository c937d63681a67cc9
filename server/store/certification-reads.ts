/**
 * What a certifier certified: its attestations as the gateway accepted them (the certification
 * outbox), each with its latest revocation and with what the chain's index says of it, so the
 * console can show a certificate's validity and where each write is on its way to the chain.
 */
import { ZERO_HASH } from "../domain/hashes";
import type { OutboxStatus } from "./certification-outbox-repository";
import type { Db } from "./database";
import { productNameOfBatch } from "./org-event-reads";
import { statementCache, type Sql } from "./statement-cache";

export type CertifiedSubject =
  | { kind: "batch"; batchId: string; product: string | null }
  | { kind: "productLine"; producer: { id: string; name: string; address: string }; gtin: string };

export interface CertifierCertification {
  /** The attestation's write (its id in the certification outbox). */
  writeId: string;
  certificationId: string;
  certificateNo: string;
  subject: CertifiedSubject;
  /** Unix seconds, as signed. */
  validFrom: number;
  validUntil: number;
  acceptedAt: string;
  write: { status: OutboxStatus; error: string | null };
  /** The latest revocation written for it through the gateway, if any. */
  revocation: { reason: string; status: OutboxStatus; error: string | null } | null;
  /** Revoked on chain (by this certifier or by an admin), as indexed. */
  revokedOnChain: { reason: string } | null;
}

interface Row {
  id: string;
  certification_id: string;
  batch_id: string | null;
  detail: string;
  status: OutboxStatus;
  error: string | null;
  created_at: string;
  valid_from: number;
  valid_until: number;
  product: string | null;
  revoke_reason: string | null;
  revoke_status: OutboxStatus | null;
  revoke_error: string | null;
  chain_revoked_by: string | null;
  chain_revoked_reason: string | null;
}

const VALID_FROM = `CAST(json_extract(a.payload, '$.attestation.validFrom') AS INTEGER)`;
const VALID_UNTIL = `CAST(json_extract(a.payload, '$.attestation.validUntil') AS INTEGER)`;

// The revocation joins only an attestation that did not fail: a failed one certified nothing.
const SELECT = `
  SELECT a.id, a.certification_id, a.batch_id, a.detail, a.status, a.error, a.created_at,
         ${VALID_FROM} AS valid_from, ${VALID_UNTIL} AS valid_until,
         CASE WHEN a.batch_id IS NULL THEN NULL ELSE ${productNameOfBatch("a.batch_id")} END AS product,
         json_extract(r.payload, '$.reason') AS revoke_reason, r.status AS revoke_status, r.error AS revoke_error,
         c.revoked_by AS chain_revoked_by, c.revoked_reason AS chain_revoked_reason
  FROM certification_outbox a
  LEFT JOIN certification_outbox r ON a.status != 'failed' AND r.seq = (
    SELECT max(seq) FROM certification_outbox WHERE certification_id = a.certification_id AND action = 'revoke')
  LEFT JOIN idx_certifications c ON a.status = 'confirmed' AND c.id = a.certification_id
  WHERE a.org_id = @org AND a.action = 'attest'`;

export class CertificationReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** The certifier's attestations, newest first. */
  byCertifier(orgId: string, page: { limit: number; offset: number }): { certifications: CertifierCertification[]; total: number } {
    const rows = this.sql(`${SELECT} ORDER BY a.seq DESC LIMIT @limit OFFSET @offset`).all({ org: orgId, zero: ZERO_HASH, ...page }) as Row[];
    const { total } = this.sql(`SELECT count(*) AS total FROM certification_outbox WHERE org_id = ? AND action = 'attest'`).get(orgId) as {
      total: number;
    };
    return { certifications: rows.map(toCertification), total };
  }

  /** The certifier's attestations (not failed) whose validity ends between `from` and `until` (unix seconds), soonest first. */
  endingBetween(orgId: string, from: number, until: number): CertifierCertification[] {
    return (
      this.sql(`${SELECT} AND a.status != 'failed' AND ${VALID_UNTIL} BETWEEN @from AND @until ORDER BY ${VALID_UNTIL}, a.seq`).all({
        org: orgId,
        zero: ZERO_HASH,
        from,
        until,
      }) as Row[]
    ).map(toCertification);
  }

  /** One of the certifier's certifications (its latest attestation that did not fail), by certification id. */
  ofCertifier(orgId: string, certificationId: string): CertifierCertification | undefined {
    const row = this.sql(`${SELECT} AND a.certification_id = @id AND a.status != 'failed' ORDER BY a.seq DESC LIMIT 1`).get({
      org: orgId,
      zero: ZERO_HASH,
      id: certificationId,
    }) as Row | undefined;
    return row && toCertification(row);
  }
}

function toCertification(row: Row): CertifierCertification {
  const detail = JSON.parse(row.detail) as { certificateNo: string; subject: Record<string, unknown> };
  const subject: CertifiedSubject =
    detail.subject.kind === "productLine"
      ? { kind: "productLine", producer: detail.subject.producer as { id: string; name: string; address: string }, gtin: String(detail.subject.gtin) }
      : { kind: "batch", batchId: row.batch_id ?? String(detail.subject.batchId), product: row.product };
  return {
    writeId: row.id,
    certificationId: row.certification_id,
    certificateNo: detail.certificateNo,
    subject,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    acceptedAt: row.created_at,
    write: { status: row.status, error: row.error },
    revocation: row.revoke_status ? { reason: row.revoke_reason ?? "", status: row.revoke_status, error: row.revoke_error } : null,
    revokedOnChain: row.chain_revoked_by ? { reason: row.chain_revoked_reason ?? "" } : null,
  };
}
