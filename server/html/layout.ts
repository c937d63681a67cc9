/** The frame every public page shares: language, title, header with the language switch, footer. */
import { STYLESHEET } from "./assets";
import { html, type SafeHtml } from "./html";
import { MESSAGES, type Lang } from "./i18n";

export interface PageFrame {
  lang: Lang;
  title: string;
  /** The path of this page, to which the language switch adds ?lang=. */
  path: string;
  body: SafeHtml;
  /** A page for the printer (label sheets): no robots, no description. */
  bare?: boolean;
}

/**
 * The doctype, <html> and <head> every page shares (public pages and console): its language,
 * mobile viewport, no referrer, the stylesheet (and a page's own after it), and no favicon request.
 */
export function documentStart(head: { lang: Lang; title: string; noindex?: boolean; refreshSeconds?: number; stylesheets?: readonly string[] }): SafeHtml {
  return html`<!doctype html>
<html lang="${MESSAGES[head.lang].htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${head.noindex ? html`<meta name="robots" content="noindex">` : null}
${head.refreshSeconds ? html`<meta http-equiv="refresh" content="${head.refreshSeconds}">` : null}
<title>${head.title}</title>
<link rel="stylesheet" href="${STYLESHEET.path}">
${(head.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="icon" href="data:,">
</head>`;
}

export function layout(frame: PageFrame): string {
  const t = MESSAGES[frame.lang];
  const switchHref = `${frame.path}?lang=${t.switchLang}`;
  return html`${documentStart({ lang: frame.lang, title: `${frame.title} · ${t.siteName}`, noindex: frame.bare })}
<body>
<header class="site-header">
<p class="site-name">${t.siteName}</p>
<a class="lang-switch" href="${switchHref}" hreflang="${MESSAGES[t.switchLang].htmlLang}" lang="${MESSAGES[t.switchLang].htmlLang}">${t.switchTo}</a>
</header>
${frame.body}
</body>
</html>
`.value;
}
