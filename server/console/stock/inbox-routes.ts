/**
 * 待收货 (/console/inbox): the batches shipped to the organisation and not received yet, one row
 * per shipment (who sent it, when, from where, how much), each with a link to the receipt form
 * with the batch filled in. For every role that records receipts: packing houses, carriers (which
 * take a batch over by receiving it) and counters. What is still unreceived is the ledger's
 * rules' answer (CustodyStock.inbox), so a shipment drops out once its receipt is recorded.
 */
import express, { type Router } from "express";
import { ROLES_FOR_KIND } from "../../domain/event-kinds";
import type { InboxItem } from "../../services/custody-stock";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime } from "../../html/i18n";
import type { ConsoleDeps } from "../context";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";
import { quantityText } from "../units";

export const INBOX_PATH = "/console/inbox";

/** Who has an inbox: whoever may record a receipt. */
export const INBOX_ROLES = [...ROLES_FOR_KIND.receipt];

const M = messages({
  zh: {
    title: "待收货",
    intro: "按账本记录，发给你的机构、还没有登记收货的批次。货到后点“登记收货”。",
    none: "现在没有发给你的机构、待收货的批次。",
    batch: "批次",
    shipper: "发货方",
    shipment: "发运",
    quantity: "数量",
    action: "操作",
    shippedAt: "发车",
    vehicle: "车牌",
    receive: "登记收货",
    recalled: "已召回，不能收货",
  },
  en: {
    title: "To receive",
    intro: "By the ledger's records, the batches shipped to your organisation whose receipt is not recorded yet. When the goods arrive, press “Record the receipt”.",
    none: "Nothing shipped to your organisation is waiting to be received.",
    batch: "Batch",
    shipper: "Shipped by",
    shipment: "Shipment",
    quantity: "Quantity",
    action: "Action",
    shippedAt: "shipped",
    vehicle: "vehicle",
    receive: "Record the receipt",
    recalled: "Recalled: it may not be received",
  },
});

export function inboxRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.get(INBOX_PATH, requireMember({ roles: INBOX_ROLES }), (_req, res) => {
    const context = consoleOf(res);
    res.type("html").send(inboxPage(context, deps.stock.inbox(context.org!)));
  });
  return router;
}

function inboxPage(context: ConsoleRequest, items: InboxItem[]): string {
  const t = M[context.lang];
  return consoleLayout({
    context,
    title: t.title,
    path: INBOX_PATH,
    body: html`<p>${t.intro}</p>
${items.length === 0
  ? html`<p data-inbox="none">${t.none}</p>`
  : html`<div class="card table-scroll"><table class="data stack" data-inbox="${items.length}">
<thead><tr><th>${t.batch}</th><th>${t.shipper}</th><th>${t.shipment}</th><th>${t.quantity}</th><th>${t.action}</th></tr></thead>
<tbody>${items.map((item) => row(context, item))}</tbody>
</table></div>`}`,
  });
}

function row(context: ConsoleRequest, item: InboxItem): SafeHtml {
  const t = M[context.lang];
  const lang = context.lang;
  const d = item.detail;
  const route = typeof d.from === "string" && typeof d.to === "string" ? `${d.from} → ${d.to}` : undefined;
  return html`<tr data-shipment="${item.eventId}" data-batch="${item.batchId}" data-status="${item.status}">
<td data-label="${t.batch}"><span>${item.product ? html`${item.product} ` : null}<a href="/p/${item.batchId}">${item.lot}</a></span></td>
<td data-label="${t.shipper}">${item.shipper}</td>
<td data-label="${t.shipment}"><span>${typeof d.shippedAt === "string" ? html`${t.shippedAt}：${formatDateTime(d.shippedAt, lang)}<br>` : null}${route ?? ""}${typeof d.vehicle === "string" ? html`<br>${t.vehicle}：${d.vehicle}` : null}<br><span class="status status-${item.status}">${COMMON[lang].status[item.status] ?? item.status}</span></span></td>
<td data-label="${t.quantity}">${quantityText(statedQuantity(d.quantity) ?? item.quantity, lang)}</td>
<td data-label="${t.action}"><span>${item.recalled
  ? html`<strong class="status-failed" data-recalled="true">${t.recalled}</strong>`
  : html`<a class="btn" data-receive="${item.batchId}" href="/console/events/new?type=receipt&amp;batchId=${item.batchId}">${t.receive}</a>`}</span></td>
</tr>`;
}

/** The quantity as the shipment states it ("40 箱"); none when it left it out (all the shipper held) or kept it private. */
function statedQuantity(value: unknown): { amount: number; unit: string } | undefined {
  const q = value as { amount?: unknown; unit?: unknown } | undefined;
  return q && typeof q.amount === "number" && typeof q.unit === "string" ? { amount: q.amount, unit: q.unit } : undefined;
}
