/**
 * A client's mistake is answered 4xx, never 500: a path with a bad percent-escape, a body in an
 * encoding or type the route does not take, a body cut short or malformed, a body too large.
 * Express and its body parsers mark these errors with a 4xx `status`; this module reads that
 * mark and answers with the friendly page (browsers) or, under /api/, the API's JSON error.
 */
import type { Request, Response } from "express";
import { DomainError } from "../domain/errors";
import { html } from "../html/html";
import { chooseLanguage, type Lang } from "../html/i18n";
import { layout } from "../html/layout";

/** The 4xx status an error carries (http-errors, body-parser, the router's URI decoding), if any. */
export function clientStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const found = typeof status === "number" ? status : typeof statusCode === "number" ? statusCode : undefined;
  return found !== undefined && found >= 400 && found < 500 ? found : undefined;
}

/** Body-parser errors the API's own error handler already names in its words. */
const NAMED_BY_API = new Set(["entity.too.large", "entity.parse.failed", "encoding.unsupported", "charset.unsupported"]);

/** The API's DomainError for a client error that is not one already; undefined when it is not a client error. */
export function apiClientError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return undefined;
  if (NAMED_BY_API.has((error as { type?: string } | null)?.type ?? "")) return undefined;
  const status = clientStatusOf(error);
  if (status === undefined) return undefined;
  if (status === 413) return new DomainError("payload_too_large", "the request is larger than this route takes");
  if (status === 415) return new DomainError("unsupported_encoding", "the body's type or encoding is not one this route takes");
  if (status === 403) return new DomainError("forbidden", "refused");
  return new DomainError("invalid_request", "the request is malformed (its path, headers or body)");
}

const WORDS = {
  zh: {
    400: ["请求的格式不对", "链接或提交的内容格式不对，请检查后重试。"],
    403: ["请求被拒绝", "这个请求来自其他网站，或不被允许。"],
    413: ["提交的内容太大", "提交的内容超过了允许的大小。"],
    415: ["不接受这种内容", "这种内容类型或编码不被接受。"],
    other: ["请求无法处理", "请求无法处理，请检查后重试。"],
  },
  en: {
    400: ["Malformed request", "The link or what was sent is malformed: check it and try again."],
    403: ["Request refused", "This request came from another site, or is not allowed."],
    413: ["Too large", "What was sent is larger than allowed."],
    415: ["Not accepted", "This content type or encoding is not accepted."],
    other: ["Cannot handle this request", "This request cannot be handled: check it and try again."],
  },
} satisfies Record<Lang, Record<string, [string, string]>>;

/** The friendly page of a client error, in the visitor's language. */
export function clientErrorPage(req: Request, res: Response, status: number): void {
  const lang = languageOf(req);
  const [title, text] = (WORDS[lang] as Record<string, [string, string]>)[status] ?? WORDS[lang].other;
  const body = html`<main>
<section class="card" aria-labelledby="client-error-heading">
<h1 id="client-error-heading">${title}</h1>
<p data-error="${String(status)}">${text}</p>
</section>
</main>`;
  // The path as sent may be the bad part: the language switch goes to the home of the site.
  res.status(status).type("html").send(layout({ lang, title, path: "/", body }));
}

function languageOf(req: Request): Lang {
  // req.query itself may be what cannot be decoded.
  let asked: unknown;
  try {
    asked = req.query.lang;
  } catch {
    asked = undefined;
  }
  return chooseLanguage(asked, req.get("Accept-Language"));
}
