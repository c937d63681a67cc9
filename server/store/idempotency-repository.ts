/** Answers already given to writes with an Idempotency-Key, so that a retry gets the same one. */
import type { Db } from "./database";

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  body: unknown;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  find(orgId: string, key: string): StoredAnswer | undefined {
    const row = this.db
      .prepare(`SELECT request_hash, status_code, response FROM idempotency WHERE org_id = ? AND key = ?`)
      .get(orgId, key) as { request_hash: string; status_code: number; response: string } | undefined;
    return row && { requestHash: row.request_hash, statusCode: row.status_code, body: JSON.parse(row.response) };
  }

  save(orgId: string, key: string, answer: StoredAnswer): void {
    this.db
      .prepare(
        `INSERT INTO idempotency (org_id, key, request_hash, status_code, response, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(orgId, key, answer.requestHash, answer.statusCode, JSON.stringify(answer.body), new Date().toISOString());
  }
}
