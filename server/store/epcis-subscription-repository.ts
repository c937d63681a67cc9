/**
 * EPCIS query subscriptions (table epcis_subscriptions): each organisation's standing simple
 * event queries, where their results go, and the delivery state — the last seq of the EPCIS
 * projection the receiver acknowledged, and the failures since, with the time of the next try.
 * The state lives here, not in memory, so that a restart (or a kill) goes on where it was.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface SubscriptionRow {
  id: string;
  orgId: string;
  queryName: string;
  dest: string;
  tokenSealed: string;
  /** The simple event query's parameters, as strings. */
  query: Record<string, string>;
  /** ms; null: the events projected after the subscription was made. */
  initialRecordTime: number | null;
  createdAt: string;
  deliveredSeq: number;
  lastNotifiedAt: string | null;
  failures: number;
  /** ms; 0: due now. */
  nextAttemptAt: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

const COLUMNS = `id, org_id AS orgId, query_name AS queryName, dest, token_sealed AS tokenSealed, query,
  initial_record_time AS initialRecordTime, created_at AS createdAt, delivered_seq AS deliveredSeq,
  last_notified_at AS lastNotifiedAt, failures, next_attempt_at AS nextAttemptAt, last_error AS lastError,
  last_error_at AS lastErrorAt`;

type StoredRow = Omit<SubscriptionRow, "query"> & { query: string };

const toRow = (row: StoredRow | undefined): SubscriptionRow | undefined => row && { ...row, query: JSON.parse(row.query) as Record<string, string> };

export class EpcisSubscriptionRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /**
   * Stores a new subscription unless its organisation already has `maxPerOrg`; `deliveredFrom`
   * is asked within the same transaction (the seq the deliveries start after). Answers whether it was stored.
   */
  create(
    row: Omit<SubscriptionRow, "deliveredSeq" | "lastNotifiedAt" | "failures" | "nextAttemptAt" | "lastError" | "lastErrorAt">,
    maxPerOrg: number,
    deliveredFrom: () => number,
  ): boolean {
    return this.db.transaction(() => {
      if (this.countOf(row.orgId) >= maxPerOrg) return false;
      this.sql(
        `INSERT INTO epcis_subscriptions (id, org_id, query_name, dest, token_sealed, query, initial_record_time, created_at, delivered_seq)
         VALUES (@id, @orgId, @queryName, @dest, @tokenSealed, @query, @initialRecordTime, @createdAt, @deliveredSeq)`,
      ).run({ ...row, query: JSON.stringify(row.query), deliveredSeq: deliveredFrom() });
      return true;
    })();
  }

  countOf(orgId: string): number {
    return this.sql(`SELECT count(*) FROM epcis_subscriptions WHERE org_id = ?`).pluck().get(orgId) as number;
  }

  /** An organisation's subscriptions, oldest first. */
  ofOrg(orgId: string): SubscriptionRow[] {
    return (this.sql(`SELECT ${COLUMNS} FROM epcis_subscriptions WHERE org_id = ? ORDER BY created_at, id`).all(orgId) as StoredRow[]).map((r) => toRow(r)!);
  }

  /** One of an organisation's subscriptions (another's is not found). */
  get(orgId: string, id: string): SubscriptionRow | undefined {
    return toRow(this.sql(`SELECT ${COLUMNS} FROM epcis_subscriptions WHERE id = ? AND org_id = ?`).get(id, orgId) as StoredRow | undefined);
  }

  byId(id: string): SubscriptionRow | undefined {
    return toRow(this.sql(`SELECT ${COLUMNS} FROM epcis_subscriptions WHERE id = ?`).get(id) as StoredRow | undefined);
  }

  /** Deletes one of an organisation's subscriptions; answers whether there was one. */
  delete(orgId: string, id: string): boolean {
    return this.sql(`DELETE FROM epcis_subscriptions WHERE id = ? AND org_id = ?`).run(id, orgId).changes > 0;
  }

  /** The subscriptions whose next try is due at `now` (ms), the longest waiting first. */
  due(now: number, limit: number): SubscriptionRow[] {
    return (
      this.sql(`SELECT ${COLUMNS} FROM epcis_subscriptions WHERE next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?`).all(now, limit) as StoredRow[]
    ).map((r) => toRow(r)!);
  }

  /** The receiver acknowledged everything up to `seq`: the cursor moves (never back) and the failures are over. */
  delivered(id: string, seq: number, at: string): void {
    this.sql(
      `UPDATE epcis_subscriptions SET delivered_seq = max(delivered_seq, @seq), last_notified_at = @at, failures = 0, next_attempt_at = 0
       WHERE id = @id`,
    ).run({ id, seq, at });
  }

  /** Nothing up to `seq` matches the subscription's query: the cursor moves past it without a delivery. */
  passedOver(id: string, seq: number): void {
    this.sql(`UPDATE epcis_subscriptions SET delivered_seq = max(delivered_seq, @seq) WHERE id = @id`).run({ id, seq });
  }

  /** A delivery failed: counted, with its reason and the time of the next try. */
  failed(id: string, failures: number, nextAttemptAt: number, error: string, at: string): void {
    this.sql(
      `UPDATE epcis_subscriptions SET failures = @failures, next_attempt_at = @nextAttemptAt, last_error = @error, last_error_at = @at
       WHERE id = @id`,
    ).run({ id, failures, nextAttemptAt, error, at });
  }
}
