/**
 * Behind the CSRF token, a second wall for every POST (console and API): a request a browser
 * sends from another site says so, and is refused 403 before its body is read. A browser says so
 * in Sec-Fetch-Site (cross-site, same-site), in Origin, or, without Origin, in Referer. This
 * gateway's origins are PUBLIC_BASE_URL's and the request's own Host. A request with none of
 * these headers (curl, scripts, the CLI) goes on to the token and key checks as before; so does
 * `Origin: null`, which our own pages send (their referrer policy is no-referrer).
 */
import type { Request, RequestHandler, Response } from "express";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function sameOriginPosts(publicBaseUrl: string, refuse: (req: Request, res: Response) => void): RequestHandler {
  const publicOrigin = originOf(publicBaseUrl);
  return (req, res, next) => {
    if (!UNSAFE.has(req.method)) return next();
    if (fromAnotherSite(req, publicOrigin)) return refuse(req, res);
    next();
  };
}

function fromAnotherSite(req: Request, publicOrigin: string | undefined): boolean {
  const site = req.get("Sec-Fetch-Site");
  if (site === "cross-site" || site === "same-site") return true;
  const origin = req.get("Origin");
  if (origin !== undefined && origin !== "null") return !isOurs(origin, req, publicOrigin);
  const referer = req.get("Referer");
  if (referer !== undefined && referer !== "") return !isOurs(referer, req, publicOrigin);
  return false;
}

function isOurs(url: string, req: Request, publicOrigin: string | undefined): boolean {
  const origin = originOf(url);
  if (origin === undefined) return false;
  if (origin === publicOrigin) return true;
  // The request's own host: the gateway reached by another name (a LAN address, localhost).
  const host = req.get("Host");
  return host !== undefined && (origin === originOf(`http://${host}`) || origin === originOf(`https://${host}`));
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
