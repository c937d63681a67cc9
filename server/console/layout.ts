/**
 * The frame of every console page: who is logged in, the menu of what their role does, the
 * language switch and a logout button (a POST form, so a link cannot log anyone out).
 */
import { html, type SafeHtml } from "../html/html";
import { MESSAGES } from "../html/i18n";
import { documentStart } from "../html/layout";
import { COMMON, messages } from "./messages";
import type { ConsoleRequest } from "./session";

const NAV = messages({
  zh: {
    batches: "我的批次",
    harvest: "登记采收",
    processing: "加工",
    certifications: "圳品认证",
    shipment: "发运",
    receipt: "收货",
    sale: "销售",
    imports: "CSV 导入",
    records: "最近的记录",
    members: "成员",
    programme: "采购统计",
    counties: "帮扶县名单",
  },
  en: {
    batches: "My batches",
    harvest: "Register a harvest",
    processing: "Processing",
    certifications: "圳品 certification",
    shipment: "Ship",
    receipt: "Receive",
    sale: "Sell",
    imports: "CSV import",
    records: "Recent records",
    members: "Members",
    programme: "Purchases",
    counties: "Programme counties",
  },
});

type NavKey = keyof (typeof NAV)["zh"];

/** The console's menu for each role: [label, path]. Feature routers serve these paths. */
export const MENU: Record<string, Array<[NavKey, string]>> = {
  producer: [["batches", "/console/batches"], ["harvest", "/console/batches/new"], ["processing", "/console/processing/new"], ["imports", "/console/imports"]],
  processor: [["batches", "/console/batches"], ["processing", "/console/processing/new"]],
  certifier: [["certifications", "/console/certifications"]],
  carrier: [["shipment", "/console/events/new?type=shipment"], ["receipt", "/console/events/new?type=receipt"], ["records", "/console/events"], ["imports", "/console/imports"]],
  retailer: [["receipt", "/console/events/new?type=receipt"], ["sale", "/console/events/new?type=sale"], ["records", "/console/events"]],
  programme: [["programme", "/programme"], ["counties", "/programme/counties"]],
};

export interface ConsolePage {
  context: ConsoleRequest;
  title: string;
  /** The path of this page (the language switch adds ?lang= to it). */
  path: string;
  body: SafeHtml | SafeHtml[];
  /** Seconds after which the page reloads itself (status pages while writes are pending; no script needed). */
  refreshSeconds?: number;
}

export function consoleLayout(page: ConsolePage): string {
  const { context } = page;
  const t = COMMON[context.lang];
  const nav = NAV[context.lang];
  const other = MESSAGES[context.lang].switchLang;
  const { member, org } = context;
  const menuKey = member?.programme ? "programme" : org?.role;
  const menu = menuKey ? [...(MENU[menuKey] ?? [])] : [];
  if (member?.isAdmin) menu.push(["members", "/console/members"]);
  return html`${documentStart({ lang: context.lang, title: `${page.title} · ${t.console}`, noindex: true, refreshSeconds: page.refreshSeconds })}
<body class="console">
<header class="site-header">
<p class="site-name"><a href="${member?.programme ? "/programme" : "/console"}">${t.console}</a></p>
<a class="lang-switch" href="${page.path}${page.path.includes("?") ? "&" : "?"}lang=${other}" lang="${MESSAGES[other].htmlLang}">${MESSAGES[context.lang].switchTo}</a>
</header>
${member
  ? html`<nav class="console-nav" aria-label="${t.console}">
<ul>
${menu.map(([key, href]) => html`<li><a href="${href}">${nav[key]}</a></li>`)}
</ul>
<form method="post" action="/console/logout" class="logout">
<input type="hidden" name="_csrf" value="${context.csrfToken}">
<span class="who">${t.signedAs(member.displayName, member.programme ? t.programmeOffice : (org?.name ?? ""))}</span>
<button type="submit" class="btn btn-quiet">${t.logout}</button>
</form>
</nav>`
  : null}
<main>
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>
`.value;
}
