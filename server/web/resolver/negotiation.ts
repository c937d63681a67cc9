/**
 * Content negotiation and CORS of the resolver's answers.
 *
 * Without a linkType, what the client accepts decides: a browser (text/html, or any type at all)
 * gets the page of the default link; a client that prefers application/linkset+json or
 * application/json gets the linkset (RFC 9264's JSON form), declared as the type it asked for.
 * The resolver's answers may be read by a script on any site (CORS): they are public.
 */
import type { Request, RequestHandler, Response } from "express";
import { LINKSET_MEDIA_TYPE } from "./linkset";

export type Representation = "html" | "linkset" | "json";

/** The representation the client prefers; HTML when it accepts any type (a browser, curl). */
export function preferredRepresentation(req: Request): Representation {
  const best = req.accepts(["text/html", LINKSET_MEDIA_TYPE, "application/json"]);
  if (best === LINKSET_MEDIA_TYPE) return "linkset";
  if (best === "application/json") return "json";
  return "html";
}

/** The media type to declare a JSON linkset as: application/json only when the client asked for that rather than linkset+json. */
export function linksetMediaType(req: Request): string {
  return req.accepts([LINKSET_MEDIA_TYPE, "application/json"]) === "application/json" ? "application/json" : LINKSET_MEDIA_TYPE;
}

export const ALLOWED_METHODS = "GET, HEAD, OPTIONS";

/** CORS for a simple request, and the resolver's answers readable from any site (helmet's default resource policy is same-origin). */
export function allowCrossOrigin(res: Response): void {
  res.set({
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Location",
    "Cross-Origin-Resource-Policy": "cross-origin",
  });
}

/** The answer to a CORS preflight (OPTIONS): the methods and request headers a resolver client uses. */
export const corsPreflight: RequestHandler = (_req, res) => {
  allowCrossOrigin(res);
  res
    .set({
      Allow: ALLOWED_METHODS,
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": "Accept, Accept-Language",
      "Access-Control-Max-Age": "86400",
    })
    .status(204)
    .end();
};
