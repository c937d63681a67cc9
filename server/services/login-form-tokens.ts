/**
 * The login form's CSRF token, bound by the server. Before login there is no session to hold a
 * token, so the visitor's cookie holds a random nonce and the time it was issued, and the form's
 * token is an HMAC of that nonce with a key only the gateway knows. A POST whose token is not
 * the server's for its cookie is refused, even when the cookie and the field agree (a cookie
 * planted by a neighbouring site cannot be paired with a token of the attacker's choosing);
 * a nonce older than its lifetime is replaced.
 */
import { createHmac, randomBytes } from "node:crypto";

const NONCE = /^([A-Za-z0-9_-]{24})\.(\d{1,12})$/;

export class LoginFormTokens {
  constructor(
    private readonly key: Buffer,
    readonly lifetimeSeconds = 3_600,
  ) {}

  /** A new cookie value: 18 random bytes and the second it was issued. */
  newNonce(now: Date): string {
    return `${randomBytes(18).toString("base64url")}.${Math.floor(now.getTime() / 1_000)}`;
  }

  /** A nonce of the right form, issued within its lifetime (and not in the future). */
  isLive(nonce: string | undefined, now: Date): nonce is string {
    const match = nonce ? NONCE.exec(nonce) : null;
    if (!match) return false;
    const age = Math.floor(now.getTime() / 1_000) - Number(match[2]);
    return age >= -60 && age < this.lifetimeSeconds;
  }

  /** The token the login form carries for this nonce. */
  tokenFor(nonce: string): string {
    return createHmac("sha256", this.key).update(`login-form\0${nonce}`).digest("base64url");
  }
}
