/** Answers already given to writes with an Idempotency-Key, so that a retry gets the same one. */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  body: unknown;
}

/** What an Idempotency-Key binds: the key and a hash of the request it came with. */
export interface Idempotency {
  key: string;
  requestHash: string;
}

export class IdempotencyRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  find(orgId: string, key: string): StoredAnswer | undefined {
    const row = this.sql(`SELECT request_hash, status_code, response FROM idempotency WHERE org_id = ? AND key = ?`)
      .get(orgId, key) as { request_hash: string; status_code: number; response: string } | undefined;
    return row && { requestHash: row.request_hash, statusCode: row.status_code, body: JSON.parse(row.response) };
  }

  save(orgId: string, key: string, answer: StoredAnswer): void {
    this.sql(
      `INSERT INTO idempotency (org_id, key, request_hash, status_code, response, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(orgId, key, answer.requestHash, answer.statusCode, JSON.stringify(answer.body), new Date().toISOString());
  }

  /**
   * Runs `write` in a transaction (nested in the caller's, if any) and stores its answer under
   * the key; a repeated key gets the stored answer, and the same key with another request an
   * DomainError 422 from `mismatch`.
   */
  answerOnce(
    orgId: string,
    idempotency: Idempotency | undefined,
    statusCode: number,
    write: () => unknown,
    mismatch: () => Error,
  ): StoredAnswer {
    return this.db.transaction((): StoredAnswer => {
      if (idempotency) {
        const earlier = this.find(orgId, idempotency.key);
        if (earlier) {
          if (earlier.requestHash !== idempotency.requestHash) throw mismatch();
          return earlier;
        }
      }
      const answer: StoredAnswer = { requestHash: idempotency?.requestHash ?? "", statusCode, body: write() };
      if (idempotency) this.save(orgId, idempotency.key, answer);
      return answer;
    })();
  }
}
