/**
 * Console sessions and CSRF protection. The session cookie is httpOnly and SameSite=Lax (Secure
 * when the public base URL is https); every POST must carry the session's CSRF token in the
 * form field `_csrf` (or the X-CSRF-Token header). Before login, the visitor's short-lived
 * cookie holds a random nonce and the form's token is the server's HMAC of it
 * (services/login-form-tokens.ts): a cookie and field that merely agree are not enough.
 */
import { timingSafeEqual } from "node:crypto";
import { parse as parseCookies, serialize } from "cookie";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AccountService } from "../services/account-service";
import type { Member } from "../store/member-repository";
import type { Org } from "../store/org-repository";
import { chooseLanguage, type Lang } from "../html/i18n";

export const SESSION_COOKIE = "plc_session";
export const LOGIN_CSRF_COOKIE = "plc_login_csrf";
export const LANG_COOKIE = "plc_lang";

/** What every console handler knows about the request (res.locals.console). */
export interface ConsoleRequest {
  lang: Lang;
  member?: Member;
  org?: Org;
  csrfToken: string;
  sessionId?: string;
  /** How many batches the organisation holds that a recall reaches (set on its main pages; see stock-routes.ts). */
  recallNotice?: number;
}

export function consoleOf(res: Response): ConsoleRequest {
  return res.locals.console as ConsoleRequest;
}

export interface CookieOptions {
  secure: boolean;
}

export function cookieString(name: string, value: string, options: CookieOptions & { maxAgeSeconds?: number }): string {
  return serialize(name, value, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
    ...(options.maxAgeSeconds !== undefined ? { maxAge: options.maxAgeSeconds } : {}),
  });
}

/** Loads the session (if any), the language and the CSRF token the page's forms must carry. */
export function loadSession(accounts: AccountService, options: CookieOptions): RequestHandler {
  return (req, res, next) => {
    const cookies = parseCookies(req.get("cookie") ?? "");
    const requested = req.query.lang;
    if (requested === "zh" || requested === "en") {
      res.append("Set-Cookie", cookieString(LANG_COOKIE, requested, { ...options, maxAgeSeconds: 365 * 86_400 }));
    }
    const lang = chooseLanguage(requested ?? cookies[LANG_COOKIE], req.get("Accept-Language"));
    const sessionId = cookies[SESSION_COOKIE];
    const session = sessionId ? accounts.session(sessionId) : undefined;
    let csrfToken = session?.csrfToken;
    if (!csrfToken) {
      const forms = accounts.loginForms;
      let nonce = cookies[LOGIN_CSRF_COOKIE];
      if (!forms.isLive(nonce, new Date())) {
        nonce = forms.newNonce(new Date());
        res.append("Set-Cookie", cookieString(LOGIN_CSRF_COOKIE, nonce, { ...options, maxAgeSeconds: forms.lifetimeSeconds }));
      }
      csrfToken = forms.tokenFor(nonce);
    }
    const context: ConsoleRequest = {
      lang,
      csrfToken,
      ...(session ? { member: session.member, org: session.org, sessionId } : {}),
    };
    res.locals.console = context;
    res.set("Cache-Control", "no-store");
    next();
  };
}

/** Refuses (403) a POST whose CSRF token is missing or not this session's. */
export function checkCsrf(onFailure: (req: Request, res: Response) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== "POST") return next();
    const sent = (req.body?._csrf as string | undefined) ?? req.get("X-CSRF-Token");
    const expected = consoleOf(res).csrfToken;
    if (typeof sent === "string" && sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
      return next();
    }
    onFailure(req, res);
  };
}

/** Lets only logged-in members through (optionally only these roles); others go to the login page. */
export function requireMember(options: { roles?: readonly string[]; programme?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const { member, org } = consoleOf(res);
    if (!member) {
      res.redirect(303, `/console/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const allowed = options.programme
      ? member.programme
      : !options.roles || (org !== undefined && options.roles.includes(org.role));
    if (!allowed) {
      res.status(403);
      next(new ConsoleForbidden());
      return;
    }
    next();
  };
}

export class ConsoleForbidden extends Error {
  constructor() {
    super("forbidden");
    this.name = "ConsoleForbidden";
  }
}
