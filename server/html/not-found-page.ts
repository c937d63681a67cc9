/**
 * The friendly page for a code or link that names no batch on the ledger, for any other path a
 * browser asks for, and for a server error — never the error's own text, which may hold internals.
 */
import type { Request, Response } from "express";
import { html } from "./html";
import { chooseLanguage, MESSAGES, type Lang } from "./i18n";
import { layout } from "./layout";

export function renderNotFoundPage(lang: Lang, path: string, reason?: string): string {
  const t = MESSAGES[lang];
  const body = html`<main>
<section class="card" aria-labelledby="not-found-heading">
<h1 id="not-found-heading">${t.notFoundTitle}</h1>
<p>${t.notFoundText}</p>
${reason ? html`<p>${t.notFoundReason}: ${reason}</p>` : null}
</section>
</main>`;
  return layout({ lang, title: t.notFoundTitle, path, body });
}

/** The page for any other path a browser asks for: friendly, in the visitor's language. */
export function webNotFound(req: Request, res: Response): void {
  const lang = chooseLanguage(req.query.lang, req.get("Accept-Language"));
  res.status(404).type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].reasons.path));
}

/** A server error as a page (browsers). */
export function webServerError(req: Request, res: Response): void {
  const lang = chooseLanguage(req.query.lang, req.get("Accept-Language"));
  res.status(500).type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].serverError));
}
