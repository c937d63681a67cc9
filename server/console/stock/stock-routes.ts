/**
 * What an organisation holds (/console/stock), by the ledger's rules: each batch with how much
 * of it the organisation has, what is on its way to it, and — the stock a counter must take off
 * its shelves — whether a recall reaches it, of the batch itself or of a batch it was made from.
 * Every main console page of an organisation holding recalled stock says so in a banner that
 * links here (recallNotice: worked out once per request, for those pages only).
 */
import express, { type RequestHandler, type Router } from "express";
import { STOCK_ROLES } from "../../domain/event-kinds";
import type { StockItem } from "../../services/custody-stock";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import type { ConsoleDeps } from "../context";
import { eventTypesFor } from "../events/event-forms";
import { quantityText } from "../units";
import { INBOX_PATH, inboxRoutes } from "./inbox-routes";
import { consoleLayout } from "../layout";
import { messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";

export const STOCK_PATH = "/console/stock";

/** The pages that carry the recall banner: each role's landing and work pages. */
const NOTICE_PAGES = ["/console/batches", "/console/events", "/console/events/new", "/console/processing/new", STOCK_PATH, INBOX_PATH];

const M = messages({
  zh: {
    title: "库存",
    intro: "按账本记录，你的机构现在持有的批次，以及正在运来的批次。",
    none: "按账本记录，你的机构现在没有持有任何批次。",
    product: "产品",
    lot: "批次",
    held: "持有",
    arriving: "在途（运来）",
    recall: "召回",
    recalledOwn: (reason: string) => `本批次已召回${reason ? `：${reason}` : ""}`,
    recalledUpstream: (lot: string, reason: string) => `原料批次 ${lot} 已召回${reason ? `：${reason}` : ""}`,
    affectedIntro: (n: number) => `${n} 个批次受召回影响：请下架，不能再发运、加工或销售。`,
    ship: "发运",
    sell: "销售",
    receive: "收货",
  },
  en: {
    title: "Stock",
    intro: "What your organisation holds now by the ledger's records, and what is on its way to it.",
    none: "By the ledger's records, your organisation holds no batch now.",
    product: "Product",
    lot: "Batch",
    held: "Held",
    arriving: "On its way to you",
    recall: "Recall",
    recalledOwn: (reason: string) => `This batch is recalled${reason ? `: ${reason}` : ""}`,
    recalledUpstream: (lot: string, reason: string) => `Made from ${lot}, which is recalled${reason ? `: ${reason}` : ""}`,
    affectedIntro: (n: number) => `${n} batches are affected by a recall: take them off the shelves; they may not be shipped, processed or sold.`,
    ship: "Ship",
    sell: "Sell",
    receive: "Receive",
  },
});

/** Sets the recall banner's count on the main pages of an organisation that holds stock. */
export function recallNotice(deps: ConsoleDeps): Router {
  const router = express.Router();
  const notice: RequestHandler = (_req, res, next) => {
    const context = consoleOf(res);
    const org = context.org;
    if (org && !context.member?.programme && (STOCK_ROLES as readonly string[]).includes(org.role)) {
      context.recallNotice = deps.stock.affected(org).length;
    }
    next();
  };
  router.get(NOTICE_PAGES, notice);
  // A form that comes back refused keeps the banner: the refusal may be the recall's.
  router.post(["/console/events/new", "/console/processing/new"], notice);
  return router;
}

export function stockRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.get(STOCK_PATH, requireMember({ roles: STOCK_ROLES }), (_req, res) => {
    const context = consoleOf(res);
    res.type("html").send(stockPage(context, deps.stock.of(context.org!)));
  });
  // The inbox of what is shipped to the organisation: stock on its way, shipment by shipment.
  router.use(inboxRoutes(deps));
  return router;
}

function stockPage(context: ConsoleRequest, items: StockItem[]): string {
  const t = M[context.lang];
  const affected = items.filter((item) => item.recall);
  return consoleLayout({
    context,
    title: t.title,
    path: STOCK_PATH,
    body: html`<p>${t.intro}</p>
${affected.length ? html`<p class="banner banner-danger" data-affected="${affected.length}">${t.affectedIntro(affected.length)}</p>` : null}
${items.length === 0
  ? html`<p data-stock="none">${t.none}</p>`
  : html`<div class="card table-scroll"><table class="data stack" data-stock="${items.length}">
<thead><tr><th>${t.product}</th><th>${t.lot}</th><th>${t.held}</th><th>${t.arriving}</th><th>${t.recall}</th></tr></thead>
<tbody>${items.map((item) => row(context, item))}</tbody>
</table></div>`}`,
  });
}

function row(context: ConsoleRequest, item: StockItem): SafeHtml {
  const t = M[context.lang];
  const lang = context.lang;
  return html`<tr data-batch="${item.batchId}"${item.recall ? html` data-recalled="${item.recall.own ? "own" : "upstream"}" class="stock-recalled"` : null}>
<td data-label="${t.product}">${item.product ?? "—"}</td>
<td data-label="${t.lot}"><a href="/p/${item.batchId}">${item.lot}</a></td>
<td data-label="${t.held}" data-held="${item.held ? `${item.held.amount} ${item.held.unit}` : ""}">${item.held ? quantityText(item.held, lang) : "—"}</td>
<td data-label="${t.arriving}" data-arriving="${item.arriving ? `${item.arriving.amount} ${item.arriving.unit}` : ""}">${item.arriving ? quantityText(item.arriving, lang) : "—"}</td>
<td data-label="${t.recall}"><span>${item.recall ? html`<strong class="status-failed">${recallWords(item.recall, lang)}</strong>` : actions(context, item)}</span></td>
</tr>`;
}

function recallWords(recall: NonNullable<StockItem["recall"]>, lang: Lang): string {
  const t = M[lang];
  return recall.own ? t.recalledOwn(recall.reason ?? "") : t.recalledUpstream(recall.lot, recall.reason ?? "");
}

/** What the organisation may do next with stock no recall reaches: links to its forms, the batch filled in. */
function actions(context: ConsoleRequest, item: StockItem): SafeHtml {
  const t = M[context.lang];
  const types = eventTypesFor(context.org!.role);
  const words: Record<string, string> = { shipment: t.ship, sale: t.sell, receipt: t.receive };
  const wanted = item.held ? types.filter((type) => type !== "receipt") : types.filter((type) => type === "receipt" && item.arriving);
  return html`${wanted.map((type) => html`<a href="/console/events/new?type=${type}&amp;batchId=${item.batchId}">${words[type]}</a> `)}`;
}
