/**
 * The resolver's two small pages, in the public pages' frame: a product line's page (the
 * default link of /01/{gtin}: its batches on the ledger, newest first, each linking to its
 * provenance page) and a list of links (several links of the type asked for, 300 Multiple
 * Choices; or none, 404, with the links there are).
 */
import { html } from "../../html/html";
import { formatDateTime, type Lang } from "../../html/i18n";
import { layout } from "../../html/layout";
import type { BatchListItem } from "../../store/gateway-reads";
import type { Level, Link } from "./linkset";
import { RESOLVER_TEXT } from "./texts";

function linkItems(links: readonly Link[], lang: Lang) {
  return links.map((link) => html`<li><a href="${link.href}">${link.title[lang]}</a>${link.type ? html` <small>(${link.type})</small>` : null}</li>`);
}

export function renderProductPage(options: {
  lang: Lang;
  path: string;
  gtin: string;
  level: Level;
  batches: readonly BatchListItem[];
  total: number;
  batchUri: (batch: BatchListItem) => string;
}): string {
  const { lang, level, batches, total } = options;
  const t = RESOLVER_TEXT.page[lang];
  const name = batches.find((b) => b.product)?.product ?? RESOLVER_TEXT.productDescription(options.gtin)[lang];
  const title = t.productTitle(name);
  const body = html`<main>
<section class="card" aria-labelledby="product-heading">
<h1 id="product-heading">${title}</h1>
<p>${t.productIntro(total)}</p>
<ul class="batch-list">
${batches.map(
  (batch) =>
    html`<li><a href="${options.batchUri(batch)}">${batch.lot}</a> · ${formatDateTime(batch.createdAt, lang)}${batch.county ? html` · ${batch.county}` : null}${batch.recalled ? html` · <strong>${t.recalled}</strong>` : null}</li>`,
)}
</ul>
${total > batches.length ? html`<p>${t.moreBatches(batches.length, total)}</p>` : null}
</section>
<section class="card" aria-labelledby="links-heading">
<h2 id="links-heading">${t.machineLinks}</h2>
<ul>${linkItems(level.links, lang)}</ul>
</section>
</main>`;
  return layout({ lang, title, path: options.path, body });
}

export function renderLinkList(options: { lang: Lang; path: string; kind: "choices" | "none"; typeName: string; links: readonly Link[] }): string {
  const { lang } = options;
  const t = RESOLVER_TEXT.page[lang];
  const title = options.kind === "choices" ? t.choicesTitle : t.noLinkTitle;
  const intro = options.kind === "choices" ? t.choicesIntro(options.typeName) : t.noLinkIntro(options.typeName);
  const body = html`<main>
<section class="card" aria-labelledby="links-heading">
<h1 id="links-heading">${title}</h1>
<p>${intro}</p>
<ul>${linkItems(options.links, lang)}</ul>
</section>
</main>`;
  return layout({ lang, title, path: options.path, body });
}
