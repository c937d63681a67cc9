/**
 * The organisation's batches, newest first: those the chain has (from the index) and, above
 * them, those accepted here and still on their way (or failed this week). The list reloads
 * itself while anything is on its way.
 */
import express, { type Router } from "express";
import type { AcceptedBatchReads, Creation } from "../../store/accepted-batch-reads";
import type { BatchListItem } from "../../store/gateway-reads";
import { html, type SafeHtml } from "../../html/html";
import { BATCH_WORDS } from "./batch-messages";
import type { ConsoleDeps } from "../context";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";

const PAGE_SIZE = 50;

const M = messages({
  zh: {
    title: "我的批次",
    none: "还没有批次。",
    registerHarvest: "登记采收",
    process: "加工或分装",
    unsettled: (n: number) => `${n} 条待上链`,
    previous: "上一页",
    next: "下一页",
    pageOf: (page: number, pages: number) => `第 ${page} / ${pages} 页`,
  },
  en: {
    title: "My batches",
    none: "No batches yet.",
    registerHarvest: "Register a harvest",
    process: "Process or split",
    unsettled: (n: number) => `${n} on the way to the chain`,
    previous: "Previous",
    next: "Next",
    pageOf: (page: number, pages: number) => `Page ${page} of ${pages}`,
  },
});

interface Row {
  batchId: string;
  product: string | null;
  gtin: string;
  lot: string;
  county: string | null;
  eventCount: number;
  state: SafeHtml;
  unsettled: boolean;
}

export function batchListRoutes(deps: ConsoleDeps, reads: AcceptedBatchReads): Router {
  const router = express.Router();
  router.get("/console/batches", requireMember({ roles: ["producer", "processor"] }), (req, res) => {
    const context = consoleOf(res);
    const org = context.org!;
    const pageNumber = typeof req.query.page === "string" && /^[1-9]\d{0,5}$/.test(req.query.page) ? Number(req.query.page) : 1;
    const upcoming = pageNumber === 1 ? reads.notYetIndexed(org.address) : [];
    const { batches, total } = deps.listing.list({ creator: org.address, limit: PAGE_SIZE, offset: (pageNumber - 1) * PAGE_SIZE });
    const unsettled = reads.unsettledCounts([...upcoming.map((c) => c.batchId), ...batches.map((b) => b.batchId)]);
    const rows = [
      ...upcoming.map((creation) => upcomingRow(context, creation, unsettled.get(creation.batchId) ?? 0)),
      ...batches.map((batch) => chainRow(context, batch, unsettled.get(batch.batchId) ?? 0)),
    ];
    res.type("html").send(
      consoleLayout({
        context,
        title: M[context.lang].title,
        path: "/console/batches",
        refreshSeconds: rows.some((row) => row.unsettled) ? 3 : undefined,
        body: listBody(context, rows, pageNumber, Math.max(1, Math.ceil(total / PAGE_SIZE))),
      }),
    );
  });
  return router;
}

function upcomingRow(context: ConsoleRequest, creation: Creation, unsettled: number): Row {
  const detail = creation.detail as {
    product?: { name?: string };
    output?: { product?: { name?: string } };
    origin?: { county?: string };
    batch?: { gtin?: string; lot?: string };
  };
  const status = creation.status;
  return {
    batchId: creation.batchId,
    product: detail.product?.name ?? detail.output?.product?.name ?? null,
    gtin: detail.batch?.gtin ?? "",
    lot: detail.batch?.lot ?? "",
    county: detail.origin?.county ?? null,
    eventCount: status === "failed" ? 0 : Math.max(1, unsettled),
    state: html`<span class="status status-${status}">${COMMON[context.lang].status[status]}</span>`,
    unsettled: unsettled > 0,
  };
}

function chainRow(context: ConsoleRequest, batch: BatchListItem, unsettled: number): Row {
  const w = BATCH_WORDS[context.lang];
  const t = M[context.lang];
  let state: SafeHtml;
  if (batch.recalled) state = html`<span class="status status-failed" data-recalled="true">${w.recalled}</span>`;
  else if (unsettled > 0) state = html`<span class="status status-pending">${t.unsettled(unsettled)}</span>`;
  else state = html`<span class="status status-confirmed">${COMMON[context.lang].status.confirmed}</span>`;
  return {
    batchId: batch.batchId,
    product: batch.product,
    gtin: batch.gtin,
    lot: batch.lot,
    county: batch.county,
    eventCount: batch.eventCount + unsettled,
    state,
    unsettled: unsettled > 0,
  };
}

function listBody(context: ConsoleRequest, rows: Row[], pageNumber: number, pages: number): SafeHtml {
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const isProducer = context.org?.role === "producer";
  const actions = html`<p>${isProducer ? html`<a class="btn" href="/console/batches/new">${t.registerHarvest}</a> ` : null}<a class="btn btn-quiet" href="/console/processing/new">${t.process}</a></p>`;
  if (rows.length === 0) return html`<p>${t.none}</p>${actions}`;
  return html`${actions}
${rows.some((row) => row.unsettled) ? html`<p class="banner banner-warning" role="status" data-pending="true">${w.pendingNote}</p>` : null}
<div class="card table-scroll"><table class="data">
<thead><tr><th>${w.lot}</th><th>${w.events}</th><th>${w.status}</th></tr></thead>
<tbody>
${rows.map(
  (row) => html`<tr data-batch="${row.batchId}">
<td class="batch-cell"><a href="/console/batches/${row.batchId}"><strong>${row.lot}</strong></a>
<br>${[row.product, row.county].filter(Boolean).join(" · ") || "—"}
<br><code class="proof">${row.gtin}</code></td>
<td>${row.eventCount}</td>
<td>${row.state}</td>
</tr>`,
)}
</tbody>
</table></div>
${pages > 1
  ? html`<nav class="pager" aria-label="${t.pageOf(pageNumber, pages)}"><p>
${pageNumber > 1 ? html`<a href="/console/batches?page=${pageNumber - 1}">${t.previous}</a> ` : null}${t.pageOf(pageNumber, pages)}${pageNumber < pages ? html` <a href="/console/batches?page=${pageNumber + 1}">${t.next}</a>` : null}
</p></nav>`
  : null}`;
}
