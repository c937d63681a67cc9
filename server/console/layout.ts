/**
 * The frame of every console page: who is logged in, the menu of what their role does, the
 * language switch, a logout button (a POST form, so a link cannot log anyone out) and, on the
 * main pages of an organisation holding stock a recall reaches, the recall banner.
 */
import { ROLES_FOR_KIND, STOCK_ROLES, type EventKindName } from "../domain/event-kinds";
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
    inbox: "待收货",
    sale: "销售",
    imports: "CSV 导入",
    records: "最近的记录",
    stock: "库存",
    members: "成员",
    orgs: "组织",
    password: "修改密码",
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
    inbox: "To receive",
    sale: "Sell",
    imports: "CSV import",
    records: "Recent records",
    stock: "Stock",
    members: "Members",
    orgs: "Organisations",
    password: "Password",
    programme: "Purchases",
    counties: "Programme counties",
  },
});

type NavKey = keyof (typeof NAV)["zh"];

/** What each role's menu starts with: its own work, before the forms that move produce. */
const OWN_WORK: Record<string, Array<[NavKey, string]>> = {
  producer: [["batches", "/console/batches"], ["harvest", "/console/batches/new"], ["processing", "/console/processing/new"]],
  processor: [["batches", "/console/batches"], ["processing", "/console/processing/new"]],
  certifier: [["certifications", "/console/certifications"]],
};

/** The forms that move produce, in the order work happens; who gets each is the ledger's role rule. */
const MOVES: Array<[NavKey & EventKindName, string]> = [
  ["receipt", "/console/events/new?type=receipt"],
  ["shipment", "/console/events/new?type=shipment"],
  ["sale", "/console/events/new?type=sale"],
];

/** Where CSV imports are offered (harvests and shipments, for the roles that record them most). */
const IMPORT_ROLES = ["producer", "carrier"];

function menuFor(role: string): Array<[NavKey, string]> {
  const menu = [...(OWN_WORK[role] ?? [])];
  // Every role that receives starts with the receipt (a carrier too takes a batch over by
  // receiving it), and beside it what is shipped to it and waits to be received.
  for (const move of MOVES.filter(([kind]) => (ROLES_FOR_KIND[kind] as readonly string[]).includes(role))) {
    menu.push(move);
    if (move[0] === "receipt") menu.push(["inbox", "/console/inbox"]);
  }
  if ((STOCK_ROLES as readonly string[]).includes(role)) menu.push(["records", "/console/events"], ["stock", "/console/stock"]);
  if (IMPORT_ROLES.includes(role)) menu.push(["imports", "/console/imports"]);
  return menu;
}

/** The console's menu for each role: [label, path]. Feature routers serve these paths. */
export const MENU: Record<string, Array<[NavKey, string]>> = {
  producer: menuFor("producer"),
  processor: menuFor("processor"),
  certifier: menuFor("certifier"),
  carrier: menuFor("carrier"),
  retailer: menuFor("retailer"),
  programme: [["programme", "/programme"], ["counties", "/programme/counties"]],
};

/** The recall banner: N batches the organisation holds are reached by a recall. */
function recallBanner(context: ConsoleRequest): SafeHtml | null {
  const count = context.recallNotice ?? 0;
  if (count === 0) return null;
  const t = RECALL[context.lang];
  return html`<p class="banner banner-danger recall-notice" role="alert" data-recall-notice="${count}"><a href="/console/stock">${t(count)}</a></p>`;
}

const RECALL = {
  zh: (n: number) => `召回：你持有的 ${n} 个批次受召回影响，请查看库存并下架。`,
  en: (n: number) => `Recall: ${n} ${n === 1 ? "batch" : "batches"} you hold ${n === 1 ? "is" : "are"} affected. See your stock and take ${n === 1 ? "it" : "them"} off the shelves.`,
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
  // The programme office sees the organisations (its admin creates them: admin-routes.ts); everyone changes their own password.
  if (member?.programme) menu.push(["orgs", "/console/admin/orgs"]);
  if (member) menu.push(["password", "/console/password"]);
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
${recallBanner(context)}
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>
`.value;
}
