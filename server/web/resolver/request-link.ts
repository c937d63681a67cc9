/**
 * The GS1 Digital Link URI a request names, read with the Digital Link parser
 * (domain/gs1-digital-link): the request's path and query on the resolver's root. One trailing
 * slash is tolerated (a resolver should not fail on it); everything else the parser refuses is
 * refused, with the not-found page's reason for what was wrong.
 *
 * The parser wants every character outside RFC 3986's unreserved set percent-encoded in an AI
 * value, as a Digital Link URI is written. A request may still carry some raw where RFC 3986
 * allows them: a path segment may hold sub-delimiters, ":" and "@" (a lot "A'(1)" arrives as
 * "/10/A'(1)" from encodeURIComponent or a browser), and a query value "!'()*". They stand for
 * themselves, so they are percent-encoded before parsing: the same value, the same batch.
 */
import { parseDigitalLink, type DigitalLink, type DigitalLinkProblem } from "../../domain/gs1-digital-link";

/** The not-found page's reasons (html/i18n MESSAGES.reasons) for a refused link. */
export type RefusalReason = "gtin" | "lot" | "serial" | "path";

export type RequestLink = { ok: true; link: DigitalLink; path: string } | { ok: false; reason: RefusalReason; problem: DigitalLinkProblem };

const REASON_BY_FIELD: Readonly<Record<string, RefusalReason>> = { "01": "gtin", "10": "lot", "21": "serial" };

/**
 * `path` is the request's path as sent (percent-encoded), `query` its query string as sent
 * (without "?"); `origin` only completes the URI the parser reads.
 */
export function readRequestLink(origin: string, path: string, query: string): RequestLink {
  const trimmed = encodeRaw(path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path, PATH_RAW);
  const written = query
    .split("&")
    .map((pair) => encodeRaw(pair, QUERY_RAW))
    .join("&");
  const parsed = parseDigitalLink(`${origin}${trimmed}${written === "" ? "" : `?${written}`}`);
  if (!parsed.ok) return { ok: false, reason: REASON_BY_FIELD[parsed.problem.field] ?? "path", problem: parsed.problem };
  return { ok: true, link: parsed.value, path: trimmed };
}

/** Characters RFC 3986 lets a path segment hold raw that an AI value writes percent-encoded. */
const PATH_RAW = /[!$&'()*+,;=:@]/g;
/** The same in a query, but for its delimiters and "+" (a space in a form's query): what encodeURIComponent leaves raw. */
const QUERY_RAW = /[!'()*]/g;

function encodeRaw(text: string, raw: RegExp): string {
  return text.replace(raw, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** The query string of a request as sent, without "?". */
export function rawQueryOf(originalUrl: string): string {
  const at = originalUrl.indexOf("?");
  return at < 0 ? "" : originalUrl.slice(at + 1);
}

/**
 * The query string to pass on when redirecting: every key=value pair of the request's, as
 * sent, but the linkType that chose the link (the resolver passes the query on by default).
 */
export function passedOnQuery(query: string): string {
  return query
    .split("&")
    .filter((pair) => pair !== "" && safeDecode(pair.split("=")[0]) !== "linkType")
    .join("&");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** `href` with `query` appended (after its own query, if it has one). */
export function withQuery(href: string, query: string): string {
  if (query === "") return href;
  return `${href}${href.includes("?") ? "&" : "?"}${query}`;
}
