/**
 * The console login's failure counts (services/login-throttle.ts decides what they mean) and the
 * places each member has logged in from. Usernames and client addresses are kept only as keyed
 * hashes (tags), never in clear: a password typed into the username field stays unreadable.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface FailureCount {
  /** scope and tags, e.g. "pair:<user tag>:<address tag>", "address:<tag>", "username:<tag>". */
  key: string;
  /** The username's tag on pair and username counts: what an unlock clears. */
  userTag: string | null;
  failures: number;
  lastFailureAt: string;
  blockedUntil: string | null;
}

interface FailureRow {
  key: string;
  user_tag: string | null;
  failures: number;
  last_failure_at: string;
  blocked_until: string | null;
}

export class LoginThrottleRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Runs `work` in one transaction (a check and the counts it adds go together). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  counts(keys: string[]): FailureCount[] {
    return keys.flatMap((key) => {
      const row = this.sql(`SELECT * FROM login_failures WHERE key = ?`).get(key) as FailureRow | undefined;
      return row ? [{ key: row.key, userTag: row.user_tag, failures: row.failures, lastFailureAt: row.last_failure_at, blockedUntil: row.blocked_until }] : [];
    });
  }

  save(count: FailureCount): void {
    this.sql(
      `INSERT INTO login_failures (key, user_tag, failures, last_failure_at, blocked_until)
       VALUES (@key, @userTag, @failures, @lastFailureAt, @blockedUntil)
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
         blocked_until = excluded.blocked_until`,
    ).run(count);
  }

  remove(key: string): void {
    this.sql(`DELETE FROM login_failures WHERE key = ?`).run(key);
  }

  /**
   * Takes back one failure counted for an attempt that then succeeded, and the wait it set
   * (`set`), restoring the one before (`previous`) unless another attempt has since set its own.
   */
  takeBack(key: string, set: string | null, previous: string | null): void {
    this.sql(
      `UPDATE login_failures SET failures = max(failures - 1, 0),
         blocked_until = CASE WHEN blocked_until IS @set THEN @previous ELSE blocked_until END
       WHERE key = @key`,
    ).run({ key, set, previous });
  }

  /** Clears a username's counts (alone and with every address); returns how many there were. */
  clearUser(userTag: string): number {
    return this.sql(`DELETE FROM login_failures WHERE user_tag = ?`).run(userTag).changes;
  }

  /** Forgets counts whose last failure is older than `before` and that hold no wait. */
  forget(before: string, now: string): void {
    this.sql(`DELETE FROM login_failures WHERE last_failure_at < ? AND (blocked_until IS NULL OR blocked_until <= ?)`).run(before, now);
  }

  // ---- places a member logged in from ---------------------------------------------------------

  rememberPlace(userTag: string, addressTag: string, at: string): void {
    this.sql(
      `INSERT INTO login_places (user_tag, address_tag, last_login_at) VALUES (?, ?, ?)
       ON CONFLICT (user_tag, address_tag) DO UPDATE SET last_login_at = excluded.last_login_at`,
    ).run(userTag, addressTag, at);
  }

  isKnownPlace(userTag: string, addressTag: string, since: string): boolean {
    return this.sql(`SELECT 1 FROM login_places WHERE user_tag = ? AND address_tag = ? AND last_login_at >= ?`).get(userTag, addressTag, since) !== undefined;
  }

  placesOf(userTag: string): string[] {
    return (this.sql(`SELECT address_tag FROM login_places WHERE user_tag = ?`).all(userTag) as { address_tag: string }[]).map((r) => r.address_tag);
  }

  forgetPlaces(before: string): void {
    this.sql(`DELETE FROM login_places WHERE last_login_at < ?`).run(before);
  }
}
