/**
 * Console accounts: members of an organisation (or of the programme office) with a username
 * and a password kept as an scrypt hash; logins slowed down by a throttle per client address
 * and username (login-throttle.ts) rather than locked; the login form's server-bound CSRF token
 * (login-form-tokens.ts); and sessions whose random id lives only in the member's cookie (the
 * database keeps its sha256).
 *
 * A login that fails answers the same whatever the reason (unknown username, wrong password, a
 * wait not yet over) and takes the same time: an unknown username's password is checked against
 * a dummy hash of the same cost; an attempt inside a wait checks nothing (a flood of them costs
 * no scrypt) but answers only after the time of one of the last password checks, drawn at
 * random, so that its times spread like theirs. One client address has one password check
 * running at a time: fifty guesses sent at once queue behind each other, and leave the other
 * scrypt threads to everyone else.
 *
 * Administration: the admin token (its console sessions too), an organisation's admin member
 * over its members, and the programme office's admin over the programme's members reset
 * passwords, disable, re-enable, remove and unlock; every member changes its own password
 * (the current one checked, and throttled, like a login).
 */
import { createHmac, randomBytes, randomInt, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import type { Member, MemberRepository } from "../store/member-repository";
import type { Org, OrgRepository } from "../store/org-repository";
import { LoginThrottleRepository } from "../store/login-throttle-repository";
import { DomainError, conflict, forbidden, invalid, invalidField, notFound } from "../domain/errors";
import { hashSecret } from "./org-service";
import { addressGroup, DEFAULT_THROTTLE_SETTINGS, LoginThrottle, type ThrottleSettings } from "./login-throttle";
import { LoginFormTokens } from "./login-form-tokens";
import { passwordProblem } from "./password-policy";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

export interface AccountSettings {
  /** scrypt cost N (2^15 in production; tests lower it). */
  scryptN: number;
  /** When failed logins make further attempts wait (login-throttle.ts). */
  throttle: ThrottleSettings;
  sessionHours: number;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { scryptN: 1 << 15, throttle: DEFAULT_THROTTLE_SETTINGS, sessionHours: 12 };

const USERNAME = /^[A-Za-z0-9._-]{3,40}$/;
/** How many recent password checks the wait of a refused attempt is drawn from. */
const CHECK_TIMES_KEPT = 31;

export interface NewMember {
  username: string;
  displayName?: string;
  password: string;
  isAdmin?: boolean;
}

/** Who administers: the admin token (API, CLI, its console session) or an admin member. */
export type Administrator = { token: true } | { member: Member };

/** A refusal with the field at fault, in English and Chinese (what the console shows beside it). */
function refusal(code: "invalid_request" | "conflict" | "forbidden" | "not_found", field: string, message: string, zh: string): DomainError {
  return new DomainError(code, message, [{ field, message, zh }]);
}

/** A refused login says nothing more: not whether the username exists, nor whether it had to wait. */
export type LoginResult = { ok: true; sessionId: string; member: Member } | { ok: false };

export class AccountService {
  private readonly throttle: LoginThrottle;
  readonly loginForms: LoginFormTokens;
  /** A hash of a random password at the current cost: what an unknown username is checked against. */
  private readonly dummyHash: Promise<string>;
  /** Milliseconds of the last password checks, for the time a refused attempt takes. */
  private readonly checkTimes: number[] = [];
  /** The last password check queued per client address (its /64 for IPv6). */
  private readonly checksByAddress = new Map<string, Promise<unknown>>();

  constructor(
    private readonly members: MemberRepository,
    private readonly orgs: OrgRepository,
    private readonly settings: AccountSettings = DEFAULT_ACCOUNT_SETTINGS,
    private readonly now: () => Date = () => new Date(),
  ) {
    const secret = members.loginSecret();
    const subkey = (purpose: string) => createHmac("sha256", secret).update(purpose).digest();
    this.throttle = new LoginThrottle(new LoginThrottleRepository(members.db), subkey("login throttle tags"), settings.throttle);
    this.loginForms = new LoginFormTokens(subkey("login form tokens"));
    this.dummyHash = this.timed(() => this.hashPassword(randomBytes(16).toString("base64")));
    this.dummyHash.catch(() => undefined); // awaited (and so reported) by the first login that needs it
  }

  /** A member of an organisation (`orgId`) or, with orgId null, of the programme office. */
  async createMember(orgId: string | null, input: NewMember): Promise<Member> {
    const displayName = this.checkNewMember(input);
    if (orgId !== null && !this.orgs.byId(orgId)) throw notFound(`no organisation ${orgId}`, "org");
    const member: Member = {
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
    return member;
  }

  /**
   * Refuses a new member's username, display name or password as createMember would (so that an
   * organisation is not made with a first admin that cannot be); answers the display name.
   */
  checkNewMember(input: NewMember): string {
    if (typeof input.username !== "string" || !USERNAME.test(input.username)) {
      throw invalidField("username", "must be 3 to 40 letters, digits, dots, dashes or underscores");
    }
    const displayName = (input.displayName ?? input.username).trim();
    if (displayName.length < 1 || displayName.length > 100) throw invalidField("displayName", "must be 1 to 100 characters");
    const weak = passwordProblem(input.password, { username: input.username, displayName });
    if (weak) throw invalid([weak]);
    if (this.members.byUsername(input.username)) throw conflict("this username is taken", "username");
    return displayName;
  }

  /** The programme office's first admin member (the console's first-run setup); refused once one exists. */
  async createFirstProgrammeAdmin(input: NewMember): Promise<Member> {
    if (this.members.hasProgrammeAdmin()) throw refusal("conflict", "username", "the programme office has an admin member already", "项目办已有管理员");
    return this.createMember(null, { ...input, isAdmin: true });
  }

  /** Whether the console's first-run setup is still open. */
  needsFirstProgrammeAdmin(): boolean {
    return !this.members.hasProgrammeAdmin();
  }

  /** A member the organisation's admin member adds from the console. */
  async addMemberAs(admin: Member, input: NewMember): Promise<Member> {
    if (!admin.isAdmin) throw forbidden("only an admin member may add members");
    return this.createMember(admin.orgId, { ...input, isAdmin: input.isAdmin ?? false });
  }

  /** The members an administrator sees: all of an organisation's (or, orgId null, the programme office's). */
  membersOf(orgId: string | null): Member[] {
    return orgId === null ? this.members.ofProgramme() : this.members.ofOrg(orgId);
  }

  /** An administrator sets a member's password (the member's sessions end). */
  async resetPassword(by: Administrator, memberId: string, password: string): Promise<Member> {
    const member = this.managed(by, memberId);
    const weak = passwordProblem(password, { username: member.username, displayName: member.displayName });
    if (weak) throw invalid([weak]);
    this.members.setPasswordHash(member.id, await this.hashPassword(password));
    return member;
  }

  /** An administrator disables a member (who may not log in; its sessions end) or re-enables it. */
  setDisabled(by: Administrator, memberId: string, disabled: boolean): Member {
    const member = this.managed(by, memberId, disabled ? "disable" : undefined);
    this.members.setDisabled(member.id, disabled ? this.now().toISOString() : null);
    return this.members.byId(member.id)!;
  }

  /** An administrator removes a member, its sessions and its failed-login counts. */
  remove(by: Administrator, memberId: string): Member {
    const member = this.managed(by, memberId, "remove");
    this.throttle.clear(member.username);
    this.members.delete(member.id);
    return member;
  }

  /** An administrator's unlock (see unlock). */
  unlockAs(by: Administrator, memberId: string): { member: Member; cleared: number } {
    return this.unlock(this.managed(by, memberId).id);
  }

  /**
   * A member changes its own password: the current one is checked like a login (throttled, the
   * same refusal whatever the reason), the new one by the policy. Its sessions end: it logs in again.
   */
  async changeOwnPassword(username: string, currentPassword: string, newPassword: string, clientAddress: string | undefined): Promise<Member> {
    const known = this.members.byUsername(username);
    const weak = passwordProblem(newPassword, { username, displayName: known?.displayName });
    if (weak) throw invalid([{ ...weak, field: "newPassword" }]);
    if (newPassword === currentPassword) throw refusal("invalid_request", "newPassword", "must differ from the current password", "新密码不能与当前密码相同");
    const wrong = refusal("invalid_request", "currentPassword", "is not right (or too many attempts: wait a while)", "当前密码不对（或尝试次数太多，请稍后再试）");
    const attempt = this.throttle.begin(username, clientAddress, this.now());
    if (!attempt.allowed) {
      await sleep(this.checkTimeLikeTheLast());
      throw wrong;
    }
    const stored = known?.passwordHash ?? (await this.dummyHash);
    const matches = await this.oneAtATime(addressGroup(clientAddress), () => this.timed(() => this.verifyPassword(currentPassword, stored)));
    if (!known || !matches || known.disabledAt) throw wrong;
    this.throttle.succeeded(attempt, this.now());
    this.members.setPasswordHash(known.id, await this.hashPassword(newPassword));
    return known;
  }

  /** The member `by` may administer: the token any; an admin member those of its own organisation (or the programme office). */
  private managed(by: Administrator, memberId: string, selfRefused?: "disable" | "remove"): Member {
    const member = this.members.byId(memberId);
    const mayManage = member && ("token" in by || (by.member.isAdmin && !by.member.disabledAt && by.member.orgId === member.orgId));
    // Another organisation's member is as unknown as a missing one.
    if (!member || !mayManage) throw refusal("not_found", "memberId", `no member ${memberId}`, "没有这个成员");
    if (selfRefused && "member" in by && by.member.id === member.id) {
      throw refusal("forbidden", "memberId", `an admin may not ${selfRefused} itself`, selfRefused === "disable" ? "不能停用自己的账号" : "不能删除自己的账号");
    }
    return member;
  }

  // ---- the admin token's console sessions -------------------------------------------------------

  /** Opens a console session for a caller who gave the admin token (the caller checked it). */
  startAdminSession(): string {
    const now = this.now();
    const sessionId = randomBytes(32).toString("base64url");
    this.members.insertAdminSession({
      idHash: hashSecret(sessionId),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.sessionHours * 3_600_000).toISOString(),
    });
    return sessionId;
  }

  isAdminSession(sessionId: string | undefined): boolean {
    return sessionId !== undefined && sessionId !== "" && this.members.isAdminSession(hashSecret(sessionId), this.now().toISOString());
  }

  endAdminSession(sessionId: string): void {
    this.members.deleteAdminSession(hashSecret(sessionId));
  }

  /** A login from `clientAddress` (the request's address: the throttle counts per address). */
  async login(username: string, password: string, clientAddress: string | undefined): Promise<LoginResult> {
    const attempt = this.throttle.begin(username, clientAddress, this.now());
    if (!attempt.allowed) {
      await sleep(this.checkTimeLikeTheLast()); // as long as a password check, with none done
      return { ok: false };
    }
    const member = this.members.byUsername(username);
    const stored = member?.passwordHash ?? (await this.dummyHash);
    const matches = await this.oneAtATime(addressGroup(clientAddress), () => this.timed(() => this.verifyPassword(password, stored)));
    // A disabled member's right password answers like a wrong one (and stays counted).
    if (!member || !matches || member.disabledAt) return { ok: false }; // the failure stays counted
    const now = this.now();
    this.throttle.succeeded(attempt, now);
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

  /** An admin's unlock: the member's failed-login counts are cleared, so they may log in at once. */
  unlock(memberId: string): { member: Member; cleared: number } {
    const member = this.members.byId(memberId);
    if (!member) throw notFound(`no member ${memberId}`, "memberId");
    return { member, cleared: this.throttle.clear(member.username) };
  }

  /** The member with this username (for the admin's tools), or a 404. */
  memberNamed(username: string): Member {
    const member = this.members.byUsername(username);
    if (!member) throw notFound(`no member ${username}`, "username");
    return member;
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

  /** Runs `work` after the address's earlier checks have ended. */
  private oneAtATime<T>(address: string, work: () => Promise<T>): Promise<T> {
    const run = (this.checksByAddress.get(address) ?? Promise.resolve()).then(work);
    const done = run.catch(() => undefined);
    this.checksByAddress.set(address, done);
    void done.then(() => {
      if (this.checksByAddress.get(address) === done) this.checksByAddress.delete(address);
    });
    return run;
  }

  /** Runs `work` and keeps how long it took among the recent password checks. */
  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.checkTimes.push(performance.now() - started);
      if (this.checkTimes.length > CHECK_TIMES_KEPT) this.checkTimes.shift();
    }
  }

  private checkTimeLikeTheLast(): number {
    return this.checkTimes.length ? this.checkTimes[randomInt(this.checkTimes.length)] : 0;
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
