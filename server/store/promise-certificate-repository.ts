/**
 * 承诺达标合格证 as the gateway keeps them (server/domain/promise-certificate.ts): the certificates
 * issued, what each receiver collected, and the organisations' contact details their
 * certificates print. Certificates are this gateway's own records, like unit serials: not on
 * chain, not rebuilt from it.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";
import type { OrgContact, PromiseCertificateContent, SignedPromiseCertificate } from "../domain/promise-certificate";

export interface StoredPromiseCertificate extends SignedPromiseCertificate {
  batchId: string;
  orgId: string;
  certificateNo: string;
  issuedOn: string;
  issuedAt: string;
  /** Issued by a processing's write (a merge's or split's output), not asked for. */
  automatic: boolean;
}

export interface CollectedCertificate extends StoredPromiseCertificate {
  collectedAt: string;
  /** The receipt that collected it. */
  receiptEventId: string;
}

interface Row {
  id: string;
  batch_id: string;
  org_id: string;
  certificate_no: string;
  issued_on: string;
  issued_at: string;
  content: string;
  signer: string;
  signature: string;
  automatic: number;
  collected_at?: string;
  event_id?: string;
}

const toCertificate = (row: Row): StoredPromiseCertificate => ({
  id: row.id,
  batchId: row.batch_id,
  orgId: row.org_id,
  certificateNo: row.certificate_no,
  issuedOn: row.issued_on,
  issuedAt: row.issued_at,
  content: JSON.parse(row.content) as PromiseCertificateContent,
  canonical: row.content,
  signer: row.signer,
  signature: row.signature,
  automatic: row.automatic === 1,
});

const COLUMNS = `c.id, c.batch_id, c.org_id, c.certificate_no, c.issued_on, c.issued_at, c.content, c.signer, c.signature, c.automatic`;

export class PromiseCertificateRepository {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  insert(certificate: StoredPromiseCertificate, contentKey: string): void {
    this.sql(
      `INSERT INTO promise_certificates (id, content_key, batch_id, org_id, certificate_no, issued_on, issued_at, content, signer, signature, automatic)
       VALUES (@id, @contentKey, @batchId, @orgId, @certificateNo, @issuedOn, @issuedAt, @canonical, @signer, @signature, @automatic)`,
    ).run({
      id: certificate.id,
      contentKey,
      batchId: certificate.batchId,
      orgId: certificate.orgId,
      certificateNo: certificate.certificateNo,
      issuedOn: certificate.issuedOn,
      issuedAt: certificate.issuedAt,
      canonical: certificate.canonical,
      signer: certificate.signer,
      signature: certificate.signature,
      automatic: certificate.automatic ? 1 : 0,
    });
  }

  byId(id: string): StoredPromiseCertificate | undefined {
    const row = this.sql(`SELECT ${COLUMNS} FROM promise_certificates c WHERE c.id = ?`).get(id.toLowerCase()) as Row | undefined;
    return row && toCertificate(row);
  }

  /** The certificate of this batch with this content (but for its number), if it was issued. */
  byContent(batchId: string, contentKey: string): StoredPromiseCertificate | undefined {
    const row = this.sql(`SELECT ${COLUMNS} FROM promise_certificates c WHERE c.batch_id = ? AND c.content_key = ?`).get(batchId.toLowerCase(), contentKey) as Row | undefined;
    return row && toCertificate(row);
  }

  /** The batch's current certificate: the latest issued for it. */
  currentOf(batchId: string): StoredPromiseCertificate | undefined {
    const row = this.sql(`SELECT ${COLUMNS} FROM promise_certificates c WHERE c.batch_id = ? ORDER BY c.seq DESC LIMIT 1`).get(batchId.toLowerCase()) as Row | undefined;
    return row && toCertificate(row);
  }

  /** How many certificates this gateway issued on a China date (the next number follows). */
  countOn(issuedOn: string): number {
    return this.sql(`SELECT count(*) FROM promise_certificates WHERE issued_on = ?`).pluck().get(issuedOn) as number;
  }

  /** What an organisation issued since a moment (ISO), newest first. */
  issuedBy(orgId: string, sinceIso: string, limit: number, offset: number): { certificates: StoredPromiseCertificate[]; total: number } {
    const rows = this.sql(
      `SELECT ${COLUMNS} FROM promise_certificates c WHERE c.org_id = ? AND c.issued_at >= ? ORDER BY c.issued_at DESC, c.seq DESC LIMIT ? OFFSET ?`,
    ).all(orgId, sinceIso, limit, offset) as Row[];
    const total = this.sql(`SELECT count(*) FROM promise_certificates WHERE org_id = ? AND issued_at >= ?`).pluck().get(orgId, sinceIso) as number;
    return { certificates: rows.map(toCertificate), total };
  }

  /** Records that an organisation collected a certificate with a receipt; once per certificate. */
  collect(certificateId: string, orgId: string, batchId: string, receiptEventId: string, at: string): void {
    this.sql(
      `INSERT INTO promise_certificate_collections (certificate_id, org_id, batch_id, event_id, collected_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ).run(certificateId, orgId, batchId.toLowerCase(), receiptEventId, at);
  }

  /** What an organisation collected since a moment (ISO), newest first. */
  collectedBy(orgId: string, sinceIso: string, limit: number, offset: number): { certificates: CollectedCertificate[]; total: number } {
    const rows = this.sql(
      `SELECT ${COLUMNS}, k.collected_at, k.event_id FROM promise_certificate_collections k JOIN promise_certificates c ON c.id = k.certificate_id
       WHERE k.org_id = ? AND k.collected_at >= ? ORDER BY k.collected_at DESC, c.seq DESC LIMIT ? OFFSET ?`,
    ).all(orgId, sinceIso, limit, offset) as Row[];
    const total = this.sql(`SELECT count(*) FROM promise_certificate_collections WHERE org_id = ? AND collected_at >= ?`).pluck().get(orgId, sinceIso) as number;
    return { certificates: rows.map((row) => ({ ...toCertificate(row), collectedAt: row.collected_at!, receiptEventId: row.event_id! })), total };
  }

  /** An organisation's contact details, where it (or the admin) set them. */
  contactOf(orgId: string): OrgContact | undefined {
    const text = this.sql(`SELECT contact FROM orgs WHERE id = ?`).pluck().get(orgId) as string | null | undefined;
    return text ? (JSON.parse(text) as OrgContact) : undefined;
  }

  /** Sets an organisation's contact details; false when there is no such organisation. */
  setContact(orgId: string, contact: OrgContact): boolean {
    return this.sql(`UPDATE orgs SET contact = ? WHERE id = ?`).run(JSON.stringify(contact), orgId).changes === 1;
  }
}
