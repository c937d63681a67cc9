/**
 * Console accounts: members of an organisation (or of the programme office) with a username
 * and a password kept as an scrypt hash; logins with a lockout after repeated failures; and
 * sessions whose random id lives only in the member's cookie (the database keeps its sha256).
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Member, MemberRepository } from "../store/member-repository";
import type { Org, OrgRepository } from "../store/org-repository";
import { DomainError, conflict, forbidden, invalidField, notFound } from "../domain/errors";
import { hashSecret } from "./org-service";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

export interface AccountSettings {
  /** scrypt cost N (2^15 in production; tests lower it). */
  scryptN: number;
  /** Consecutive failed logins that lock an account. */
  lockAfter: number;
  lockMinutes: number;
  sessionHours: number;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { scryptN: 1 << 15, lockAfter: 5, lockMinutes: 15, sessionHours: 12 };

const USERNAME = /^[A-Za-z0-9._-]{3,40}$/;
const MIN_PASSWORD = 10;

export interface NewMember {
  username: string;
  displayName?: string;
  password: string;
  isAdmin?: boolean;
}

export type LoginResult =
  | { ok: true; sessionId: string; member: Member }
  | { ok: false; reason: "bad-credentials" | "locked"; lockedUntil?: string };

export class AccountService {
  constructor(
    private readonly members: MemberRepository,
    private readonly orgs: OrgRepository,
    private readonly settings: AccountSettings = DEFAULT_ACCOUNT_SETTINGS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A member of an organisation (`orgId`) or, with orgId null, of the programme office. */
  async createMember(orgId: string | null, input: NewMember): Promise<Member> {
    if (!USERNAME.test(input.username)) {
      throw invalidField("username", "must be 3 to 40 letters, digits, dots, dashes or underscores");
    }
    if (typeof input.password !== "string" || input.password.length < MIN_PASSWORD || input.password.length > 200) {
      throw invalidField("password", `must be ${MIN_PASSWORD} to 200 characters`);
    }
    const displayName = (input.displayName ?? input.username).trim();
    if (displayName.length < 1 || displayName.length > 100) throw invalidField("displayName", "must be 1 to 100 characters");
    if (orgId !== null && !this.orgs.byId(orgId)) throw notFound(`no organisation ${orgId}`, "org");
    if (this.members.byUsername(input.username)) throw conflict("this username is taken", "username");
    const member = {
      id: randomUUID(),
      orgId,
      username: input.username,
      displayName,
      passwordHash: await this.hashPassword(input.password),
      isAdmin: input.isAdmin ?? false,
      programme: orgId === null,
      createdAt: this.now().toISOString(),
    };
    this.members.insert(member);
    return { ...member, failedLogins: 0, lockedUntil: null };
  }

  /** A member the organisation's admin member adds from the console. */
  async addMemberAs(admin: Member, input: NewMember): Promise<Member> {
    if (!admin.isAdmin || admin.orgId === null) throw forbidden("only an organisation's admin member may add members");
    return this.createMember(admin.orgId, { ...input, isAdmin: input.isAdmin ?? false });
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const member = this.members.byUsername(username);
    const now = this.now();
    if (!member) {
      await this.hashPassword(password); // the same work, so timing does not tell who exists
      return { ok: false, reason: "bad-credentials" };
    }
    if (member.lockedUntil && new Date(member.lockedUntil) > now) {
      return { ok: false, reason: "locked", lockedUntil: member.lockedUntil };
    }
    if (!(await this.verifyPassword(password, member.passwordHash))) {
      const lockUntil = new Date(now.getTime() + this.settings.lockMinutes * 60_000).toISOString();
      const failures = this.members.recordFailure(member.id, this.settings.lockAfter, lockUntil);
      return failures >= this.settings.lockAfter ? { ok: false, reason: "locked", lockedUntil: lockUntil } : { ok: false, reason: "bad-credentials" };
    }
    this.members.recordSuccess(member.id);
    this.members.deleteExpiredSessions(now.toISOString()); // the table keeps only live sessions
    const sessionId = randomBytes(32).toString("base64url");
    this.members.insertSession({
      idHash: hashSecret(sessionId),
      memberId: member.id,
      csrfToken: randomBytes(24).toString("base64url"),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.sessionHours * 3_600_000).toISOString(),
    });
    return { ok: true, sessionId, member };
  }

  /** The member and CSRF token of a live session, and the member's organisation. */
  session(sessionId: string): { member: Member; org?: Org; csrfToken: string } | undefined {
    const found = this.members.session(hashSecret(sessionId), this.now().toISOString());
    if (!found) return undefined;
    const org = found.member.orgId ? this.orgs.byId(found.member.orgId) : undefined;
    return { ...found, org };
  }

  logout(sessionId: string): void {
    this.members.deleteSession(hashSecret(sessionId));
  }

  private async hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const { scryptN: N } = this.settings;
    const hash = await scryptAsync(password.normalize("NFC"), salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
    return `scrypt$${N}$8$1$${salt.toString("base64")}$${hash.toString("base64")}`;
  }

  private async verifyPassword(password: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = stored.split("$");
    if (scheme !== "scrypt") throw new DomainError("internal", "unknown password hash scheme");
    const expected = Buffer.from(hash, "base64");
    const N = Number(n);
    const actual = await scryptAsync(password.normalize("NFC"), Buffer.from(salt, "base64"), expected.length, {
      N,
      r: Number(r),
      p: Number(p),
      maxmem: 256 * N * Number(r),
    });
    return timingSafeEqual(actual, expected);
  }
}
