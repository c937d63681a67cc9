/** The friendly page for a code or link that names no batch on the ledger. */
import { html } from "./html";
import { MESSAGES, type Lang } from "./i18n";
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
