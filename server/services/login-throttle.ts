/**
 * Slows down password guessing without a lock that anyone can set off. Failed logins are counted
 * per username and client address together, per client address, and per username alone; once
 * a count reaches its free allowance, every further attempt on it must wait, twice as long after
 * each failure (32 s, 64 s, 128 s… up to 15 minutes). An attempt inside a wait is refused with
 * no password check. So a guesser slows down only itself: the owner logging in from another
 * address has a count of their own, and the count of a username alone (all addresses) starts
 * only at a far higher number. A place the member has logged in from with the right password
 * (in the last 30 days) skips the address and username counts, keeping its own pair count.
 * Counts live in SQLite, so a restart resets nothing; a day without failures forgets them.
 *
 * A failure is counted when the attempt starts, before the password is checked, and taken back
 * when it succeeds: fifty guesses sent at once are fifty counted failures, not one.
 */
import { createHmac } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { FailureCount, LoginThrottleRepository } from "../store/login-throttle-repository";

export interface ThrottleSettings {
  /** Failures of one username from one address before waits begin. */
  pairFreeFailures: number;
  /** Failures from one address (any usernames) before waits begin. */
  addressFreeFailures: number;
  /** Failures of one username from every address before waits begin. */
  usernameFreeFailures: number;
  /** The first wait; each further failure doubles it. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** A count with no failure for this long starts again from zero. */
  forgetHours: number;
  /** How long a place a member logged in from stays known. */
  knownPlaceDays: number;
}

export const DEFAULT_THROTTLE_SETTINGS: ThrottleSettings = {
  pairFreeFailures: 5,
  addressFreeFailures: 20,
  usernameFreeFailures: 100,
  firstDelaySeconds: 32,
  maxDelaySeconds: 15 * 60,
  forgetHours: 24,
  knownPlaceDays: 30,
};

/** Prunes old counts at most this often. */
const PRUNE_EVERY_MS = 10 * 60_000;

/** An attempt the throttle let through: what to take back if it succeeds. */
export interface Admitted {
  allowed: true;
  userTag: string;
  addressTag: string;
  pairKey: string;
  usernameKey?: string;
  addressKey?: string;
  /** For each count this attempt raised: the wait it set and the one before. */
  waits: Record<string, { set: string | null; previous: string | null }>;
}

export type Attempt = Admitted | { allowed: false; until: Date };

/** The wait after `failures` failures, in seconds, for a count allowed `free` of them. */
export function delaySeconds(failures: number, free: number, settings: ThrottleSettings): number {
  if (failures < free) return 0;
  return Math.min(settings.maxDelaySeconds, settings.firstDelaySeconds * 2 ** (failures - free));
}

/**
 * The client address as the throttle counts it: IPv4 as it is (an IPv4-mapped IPv6 address as
 * its IPv4), IPv6 by its /64 (one subscriber's whole network), anything else as one "unknown".
 */
export function addressGroup(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return "unknown";
  const [head, tail = ""] = address.split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g || "0", 16).toString(16)).join(":")}::/64`;
}

/** How a username is counted: case and full-width forms folded, as the members table compares them. */
export function usernameKeyOf(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase().slice(0, 200);
}

export class LoginThrottle {
  private lastPrune = 0;

  constructor(
    private readonly repo: LoginThrottleRepository,
    /** The key of the tags (HMAC-SHA256): without it a tag does not tell its username or address. */
    private readonly tagKey: Buffer,
    private readonly settings: ThrottleSettings = DEFAULT_THROTTLE_SETTINGS,
  ) {}

  /** Either the attempt may check its password (its failure is counted now), or it must wait. */
  begin(username: string, address: string | undefined, now: Date): Attempt {
    this.prune(now);
    const userTag = this.tag("user", usernameKeyOf(username));
    const addressTag = this.tag("address", addressGroup(address));
    const pairKey = `pair:${userTag}:${addressTag}`;
    const at = now.toISOString();
    return this.repo.transaction(() => {
      const known = this.repo.isKnownPlace(userTag, addressTag, this.ago(now, this.settings.knownPlaceDays * 24));
      const free: Record<string, number> = { [pairKey]: this.settings.pairFreeFailures };
      const usernameKey = known ? undefined : `username:${userTag}`;
      const addressKey = known ? undefined : `address:${addressTag}`;
      if (usernameKey) free[usernameKey] = this.settings.usernameFreeFailures;
      if (addressKey) free[addressKey] = this.settings.addressFreeFailures;

      const forgetBefore = this.ago(now, this.settings.forgetHours);
      const counts = new Map(this.repo.counts(Object.keys(free)).map((c) => [c.key, c]));
      const waits = [...counts.values()].map((c) => c.blockedUntil).filter((until): until is string => until !== null && until > at);
      if (waits.length) return { allowed: false as const, until: new Date(waits.sort().at(-1)!) };

      const raised: Admitted["waits"] = {};
      for (const [key, allowance] of Object.entries(free)) {
        const before: FailureCount | undefined = counts.get(key);
        const failures = before && before.lastFailureAt >= forgetBefore ? before.failures + 1 : 1;
        const delay = delaySeconds(failures, allowance, this.settings);
        const blockedUntil = delay > 0 ? new Date(now.getTime() + delay * 1_000).toISOString() : null;
        this.repo.save({ key, userTag: key.startsWith("address:") ? null : userTag, failures, lastFailureAt: at, blockedUntil });
        raised[key] = { set: blockedUntil, previous: before?.blockedUntil ?? null };
      }
      return { allowed: true as const, userTag, addressTag, pairKey, usernameKey, addressKey, waits: raised };
    });
  }

  /** The right password: the pair's and the username's counts go, the address's failure is taken back, the place is known. */
  succeeded(attempt: Admitted, now: Date): void {
    this.repo.transaction(() => {
      this.repo.remove(attempt.pairKey);
      if (attempt.usernameKey) this.repo.remove(attempt.usernameKey);
      if (attempt.addressKey) {
        const { set, previous } = attempt.waits[attempt.addressKey];
        this.repo.takeBack(attempt.addressKey, set, previous);
      }
      this.repo.rememberPlace(attempt.userTag, attempt.addressTag, now.toISOString());
    });
  }

  /**
   * An admin's unlock: the username's counts (alone and with every address), and the address
   * counts of the places the member has logged in from, so that the member can log in at once.
   */
  clear(username: string): number {
    const userTag = this.tag("user", usernameKeyOf(username));
    return this.repo.transaction(() => {
      let cleared = this.repo.clearUser(userTag);
      for (const addressTag of this.repo.placesOf(userTag)) {
        const key = `address:${addressTag}`;
        if (this.repo.counts([key]).length) {
          this.repo.remove(key);
          cleared++;
        }
      }
      return cleared;
    });
  }

  private tag(kind: string, value: string): string {
    return createHmac("sha256", this.tagKey).update(`${kind}\0${value}`).digest("base64url").slice(0, 22);
  }

  private ago(now: Date, hours: number): string {
    return new Date(now.getTime() - hours * 3_600_000).toISOString();
  }

  private prune(now: Date): void {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    this.repo.forget(this.ago(now, this.settings.forgetHours), now.toISOString());
    this.repo.forgetPlaces(this.ago(now, this.settings.knownPlaceDays * 24));
  }
}
