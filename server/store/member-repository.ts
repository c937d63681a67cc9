/**
 * Console members (people who log in), their sessions, the admin token's console sessions, and
 * the key of the login's secrets.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface Member {
  id: string;
  orgId: string | null;
  username: string;
  displayName: string;
  passwordHash: string;
  isAdmin: boolean;
  programme: boolean;
  createdAt: string;
  /** When an admin disabled the member (who may not log in until re-enabled). */
  disabledAt?: string;
}

interface MemberRow {
  id: string;
  org_id: string | null;
  username: string;
  display_name: string;
  password_hash: string;
  is_admin: number;
  programme: number;
  created_at: string;
  disabled_at?: string | null;
}

const toMember = (row: MemberRow): Member => ({
  id: row.id,
  orgId: row.org_id,
  username: row.username,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  isAdmin: row.is_admin === 1,
  programme: row.programme === 1,
  createdAt: row.created_at,
  ...(row.disabled_at ? { disabledAt: row.disabled_at } : {}),
});

export class MemberRepository {
  private readonly sql: Sql;

  /** `db` is shared with the login's throttle (services/account-service.ts builds it from here). */
  constructor(readonly db: Db) {
    this.sql = statementCache(db);
  }

  insert(member: Member): void {
    this.sql(
      `INSERT INTO members (id, org_id, username, display_name, password_hash, is_admin, programme, created_at)
       VALUES (@id, @orgId, @username, @displayName, @passwordHash, @isAdmin, @programme, @createdAt)`,
    ).run({ ...member, isAdmin: member.isAdmin ? 1 : 0, programme: member.programme ? 1 : 0 });
  }

  byUsername(username: string): Member | undefined {
    const row = this.sql(`SELECT * FROM members WHERE username = ?`).get(username) as MemberRow | undefined;
    return row && toMember(row);
  }

  byId(id: string): Member | undefined {
    const row = this.sql(`SELECT * FROM members WHERE id = ?`).get(id) as MemberRow | undefined;
    return row && toMember(row);
  }

  ofOrg(orgId: string): Member[] {
    return (this.sql(`SELECT * FROM members WHERE org_id = ? ORDER BY created_at, username`).all(orgId) as MemberRow[]).map(toMember);
  }

  /** The programme office's members. */
  ofProgramme(): Member[] {
    return (this.sql(`SELECT * FROM members WHERE programme = 1 ORDER BY created_at, username`).all() as MemberRow[]).map(toMember);
  }

  /** Whether the programme office has an admin member yet (else the console offers its first-run setup). */
  hasProgrammeAdmin(): boolean {
    return this.sql(`SELECT 1 FROM members WHERE programme = 1 AND is_admin = 1 LIMIT 1`).get() !== undefined;
  }

  /** How many members each organisation has (for the admin's list). */
  countsByOrg(): Map<string, number> {
    const rows = this.sql(`SELECT org_id, count(*) AS n FROM members WHERE org_id IS NOT NULL GROUP BY org_id`).all() as Array<{ org_id: string; n: number }>;
    return new Map(rows.map((row) => [row.org_id, row.n]));
  }

  /** A new password hash; the member's sessions end with the old password. */
  setPasswordHash(id: string, passwordHash: string): void {
    this.db.transaction(() => {
      this.sql(`UPDATE members SET password_hash = ? WHERE id = ?`).run(passwordHash, id);
      this.sql(`DELETE FROM sessions WHERE member_id = ?`).run(id);
    })();
  }

  /** Disables (at an ISO time; the member's sessions end) or re-enables (null) a member. */
  setDisabled(id: string, at: string | null): void {
    this.db.transaction(() => {
      this.sql(`UPDATE members SET disabled_at = ? WHERE id = ?`).run(at, id);
      if (at !== null) this.sql(`DELETE FROM sessions WHERE member_id = ?`).run(id);
    })();
  }

  /** Removes a member and its sessions. */
  delete(id: string): void {
    this.db.transaction(() => {
      this.sql(`DELETE FROM sessions WHERE member_id = ?`).run(id);
      this.sql(`DELETE FROM members WHERE id = ?`).run(id);
    })();
  }

  /**
   * The random key behind the login form's tokens and the throttle's tags: made on first use and
   * kept (in settings), so that a restart neither voids open login forms nor renames the counts.
   */
  loginSecret(): Buffer {
    this.sql(`INSERT INTO settings (key, value) VALUES ('login_secret', ?) ON CONFLICT (key) DO NOTHING`).run(randomBytes(32).toString("base64"));
    const row = this.sql(`SELECT value FROM settings WHERE key = 'login_secret'`).get() as { value: string };
    return Buffer.from(row.value, "base64");
  }

  // ---- sessions -------------------------------------------------------------------------------

  insertSession(session: { idHash: string; memberId: string; csrfToken: string; createdAt: string; expiresAt: string }): void {
    this.sql(
      `INSERT INTO sessions (id_hash, member_id, csrf_token, created_at, expires_at)
       VALUES (@idHash, @memberId, @csrfToken, @createdAt, @expiresAt)`,
    ).run(session);
  }

  /** The live session with this id hash and its member. */
  session(idHash: string, now: string): { member: Member; csrfToken: string } | undefined {
    const row = this.sql(
      `SELECT members.*, sessions.csrf_token AS session_csrf FROM sessions JOIN members ON members.id = sessions.member_id
       WHERE sessions.id_hash = ? AND sessions.expires_at > ?`,
    ).get(idHash, now) as (MemberRow & { session_csrf: string }) | undefined;
    if (row?.disabled_at) return undefined;
    return row && { member: toMember(row), csrfToken: row.session_csrf };
  }

  deleteSession(idHash: string): void {
    this.sql(`DELETE FROM sessions WHERE id_hash = ?`).run(idHash);
  }

  deleteExpiredSessions(now: string): void {
    this.sql(`DELETE FROM sessions WHERE expires_at <= ?`).run(now);
  }

  // ---- the admin token's console sessions ------------------------------------------------------

  insertAdminSession(session: { idHash: string; createdAt: string; expiresAt: string }): void {
    this.sql(`DELETE FROM admin_sessions WHERE expires_at <= ?`).run(session.createdAt);
    this.sql(`INSERT INTO admin_sessions (id_hash, created_at, expires_at) VALUES (@idHash, @createdAt, @expiresAt)`).run(session);
  }

  isAdminSession(idHash: string, now: string): boolean {
    return this.sql(`SELECT 1 FROM admin_sessions WHERE id_hash = ? AND expires_at > ?`).get(idHash, now) !== undefined;
  }

  deleteAdminSession(idHash: string): void {
    this.sql(`DELETE FROM admin_sessions WHERE id_hash = ?`).run(idHash);
  }
}
