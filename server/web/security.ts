/**
 * Security headers for every response (helmet, with a strict Content-Security-Policy: nothing
 * inline, no plugins, no <base>, no framing), the rate limit of the public pages and that of the
 * API's reads.
 */
import type { RequestHandler } from "express";
import helmet from "helmet";
import { rateLimit } from "express-rate-limit";

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Pages name no third party; a shopper's scan leaks nothing onward.
    referrerPolicy: { policy: "no-referrer" },
    frameguard: { action: "deny" },
  });
}

/** At most `perMinute` requests a minute from one client address; 0 turns the limit off. */
export function publicRateLimit(perMinute: number, name?: string): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    ...(name ? { identifier: name } : {}),
    message: { error: { code: "rate_limited", message: "too many requests; try again in a minute" } },
  });
}

/**
 * The API's reads (GET and HEAD under /api/): at most `readsPerMinute` a minute from one client
 * address, and of those at most `verifiesPerMinute` verifications, which read the chain. Each
 * answers 429 with Retry-After past its limit; 0 turns a limit off. Writes are not counted here:
 * each needs an organisation's key.
 */
export function apiReadRateLimit(readsPerMinute: number, verifiesPerMinute: number): RequestHandler {
  const reads = publicRateLimit(readsPerMinute, "api-reads");
  const verifies = publicRateLimit(verifiesPerMinute, "api-verify");
  return (req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    reads(req, res, (error?: unknown) => {
      if (error || !req.path.endsWith("/verify")) return next(error);
      verifies(req, res, next);
    });
  };
}
