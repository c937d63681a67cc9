/**
 * A batch's page in the console (its creator only): what it is, each event with its way to the
 * chain (pending → submitted → confirmed, or failed and why) — an event a correction declared
 * void or superseded struck through with the reason, and the organisation's own events with a
 * link to correct them —, lineage, photos, links to the
 * public page, QR code and labels, and the serial and recall forms. While anything is on its
 * way, the page reloads itself every 3 seconds (a meta refresh: no script); the forms then move
 * to pages of their own so that a reload never wipes what someone is typing.
 */
import express, { type Router } from "express";
import { digitalLinkPath } from "../../domain/digital-link";
import { eventKindName } from "../../domain/event-kinds";
import { parseBatchId } from "../../domain/gs1";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime } from "../../html/i18n";
import { correctionPath, marksOf, mayCorrect } from "../events/event-corrections";
import { what, whenCell } from "../events/event-list-page";
import { EVENT_WORDS } from "../events/event-messages";
import {
  issuedNotice,
  MAX_LABEL_LINK_SERIALS,
  recallLabel,
  recallPath,
  recallSection,
  serialsLabel,
  serialsPath,
  serialsSection,
} from "./batch-actions";
import { quantityText, sendNotFound } from "./batch-forms";
import { BATCH_WORDS } from "./batch-messages";
import { hasUnsettled, recallState, type BatchCreatorView } from "../../services/batches/creator-view";
import { loadBatchView } from "./batch-view";
import { promiseCertificateLabel, promiseCertificatePath, promiseCertificateSection } from "./batch-promise-certificate";
import type { ConsoleDeps } from "../context";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";

const M = messages({
  zh: {
    facts: "批次信息",
    batchId: "批次编号",
    village: "乡镇/村",
    base: "基地",
    harvestedAt: "采收时间",
    madeFrom: "原料批次",
    splitInto: "分装出的批次",
    journey: "记录",
    when: "时间",
    what: "内容",
    chain: "区块链",
    block: (n: number) => `区块 ${n}`,
    links: "查看和打印",
    publicPage: "公开溯源页面",
    qr: "二维码（SVG）",
    publicAfterChain: "批次写入区块链后，公开页面和标签才能打开。",
    photos: "照片",
    photo: (n: number) => `照片 ${n}`,
    process: "加工这一批次",
    recalledBanner: "这一批次已召回。",
    createFailed: "这一批次没有写入区块链：",
    actionsWhilePending: "记录写入期间，请在单独的页面操作：",
  },
  en: {
    facts: "The batch",
    batchId: "Batch id",
    village: "Township / village",
    base: "Production base",
    harvestedAt: "Harvested at",
    madeFrom: "Made from",
    splitInto: "Split into",
    journey: "Records",
    when: "When",
    what: "What",
    chain: "Blockchain",
    block: (n: number) => `block ${n}`,
    links: "View and print",
    publicPage: "Public provenance page",
    qr: "QR code (SVG)",
    publicAfterChain: "The public page and labels open once the batch is on the blockchain.",
    photos: "Photos",
    photo: (n: number) => `Photo ${n}`,
    process: "Process this batch",
    recalledBanner: "This batch is recalled.",
    createFailed: "This batch was not written to the blockchain:",
    actionsWhilePending: "While records are being written, use these pages:",
  },
});

export function batchPageRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.get("/console/batches/:batchId", requireMember({ roles: ["producer", "processor"] }), (req, res) => {
    const context = consoleOf(res);
    const view = loadBatchView(deps, String(req.params.batchId), context.org!);
    if (!view) return sendNotFound(res, context, req.path);
    const issued = issuedSerials(req.query);
    res.type("html").send(batchPage(deps, context, view, issued));
  });
  return router;
}

/** `?issued=A,B,C` (serials just issued) or `?issuedCount=N` (too many to list). */
function issuedSerials(query: Record<string, unknown>): string[] | number | undefined {
  if (typeof query.issuedCount === "string" && /^\d{1,6}$/.test(query.issuedCount)) return Number(query.issuedCount);
  if (typeof query.issued !== "string") return undefined;
  const serials = query.issued.split(",").filter((s) => /^[0-9A-Z]{1,20}$/.test(s));
  return serials.length > 0 && serials.length <= MAX_LABEL_LINK_SERIALS ? serials : undefined;
}

function batchPage(deps: ConsoleDeps, context: ConsoleRequest, view: BatchCreatorView, issued: string[] | number | undefined): string {
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const detail = view.creation?.detail ?? {};
  const product = (detail.product ?? (detail.output as Record<string, unknown> | undefined)?.product) as { name?: string } | undefined;
  const unsettled = hasUnsettled(view);
  const failedCreation = view.creation?.status === "failed" ? view.creation : undefined;
  return consoleLayout({
    context,
    title: `${product?.name ?? w.lot} · ${view.lot}`,
    path: `/console/batches/${view.batchId}`,
    refreshSeconds: unsettled ? 3 : undefined,
    body: html`${recallState(view) === "recalled" ? html`<p class="banner banner-danger" role="alert" data-recalled="true">${t.recalledBanner}</p>` : null}
${failedCreation ? html`<p class="banner banner-danger" role="alert">${t.createFailed} ${failedCreation.error ?? ""}</p>` : null}
${unsettled ? html`<p class="banner banner-warning" role="status" data-pending="true">${w.pendingNote}</p>` : null}
${issued !== undefined ? issuedNotice(context, view, issued) : null}
${factsCard(context, view)}
${photosCard(context, detail)}
${eventsCard(context, view)}
${lineageCard(context, view)}
${linksCard(context, view)}
${unsettled
  ? html`<section class="card"><p>${t.actionsWhilePending}</p><ul>
<li><a href="${serialsPath(view.batchId)}">${serialsLabel(context)}</a></li>
<li><a href="${promiseCertificatePath(view.batchId)}">${promiseCertificateLabel(context)}</a></li>
${recallState(view) === "none" ? html`<li><a href="${recallPath(view.batchId)}">${recallLabel(context)}</a></li>` : null}
</ul></section>`
  : html`${promiseCertificateSection(deps, context, view)}${serialsSection(context, view)}${recallSection(context, view)}`}`,
  });
}

function factsCard(context: ConsoleRequest, view: BatchCreatorView): SafeHtml {
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const detail = view.creation?.detail ?? {};
  const output = detail.output as Record<string, unknown> | undefined;
  const product = (detail.product ?? output?.product) as { name?: string; variety?: string } | undefined;
  const origin = detail.origin as { county?: string; countyCode?: string; village?: string; base?: string } | undefined;
  const row = (label: string, value: unknown) => (value === undefined || value === null || value === "" ? null : html`<dt>${label}</dt><dd>${String(value)}</dd>`);
  return html`<section class="card" aria-labelledby="facts-heading">
<h2 id="facts-heading">${t.facts}</h2>
<dl class="facts">
${row(w.product, product?.name)}
${row(w.variety, product?.variety)}
${row(w.gtin, view.gtin)}
${row(w.lot, view.lot)}
${row(w.origin, origin ? `${origin.county ?? ""} ${origin.countyCode ?? ""}` : undefined)}
${row(t.village, origin?.village)}
${row(t.base, origin?.base)}
${row(w.quantity, detail.quantity || output?.quantity ? quantityText(detail.quantity ?? output?.quantity, context.lang) : undefined)}
${row(t.harvestedAt, typeof detail.harvestedAt === "string" ? formatDateTime(detail.harvestedAt, context.lang) : undefined)}
<dt>${t.batchId}</dt><dd><code>${view.batchId}</code></dd>
</dl>
</section>`;
}

function photosCard(context: ConsoleRequest, detail: Record<string, unknown>): SafeHtml | null {
  const hashes = Array.isArray(detail.photoHashes) ? (detail.photoHashes as string[]) : [];
  if (hashes.length === 0) return null;
  const t = M[context.lang];
  return html`<section class="card" aria-labelledby="photos-heading">
<h2 id="photos-heading">${t.photos}</h2>
<ul class="photo-list">${hashes.map((hash, i) => html`<li><a href="/photos/${hash}"><img src="/photos/${hash}" alt="${t.photo(i + 1)}" loading="lazy" data-photo="${hash}"></a></li>`)}</ul>
</section>`;
}

function eventsCard(context: ConsoleRequest, view: BatchCreatorView): SafeHtml {
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const statusWords = COMMON[context.lang].status;
  const marks = marksOf(view.events);
  return html`<section class="card" aria-labelledby="events-heading">
<h2 id="events-heading">${t.journey}</h2>
<div class="table-scroll"><table class="data">
<thead><tr><th>${t.what}</th><th>${t.when}</th><th>${w.status}</th></tr></thead>
<tbody>
${view.events.map((event) => {
  const type = eventKindName(event.kind);
  const mark = marks.get(event.eventId);
  const correctable = mayCorrect(event, event.orgId, context.org!, marks);
  return html`<tr data-event="${event.eventId}" data-status="${event.status}" data-kind="${type}"${mark ? html` data-correction="${mark.declaration}" class="corrected"` : null}>
<td>${what(type, event.detail, mark, context.lang)}${event.detail.org ? html`<br><span class="hint">${(event.detail.org as { name?: string }).name ?? ""}</span>` : null}</td>
<td>${whenCell(type, event, context.lang)}</td>
<td><span class="status status-${event.status}">${statusWords[event.status]}</span>
${event.transactionHash ? html`<br><code class="proof">${event.transactionHash.slice(0, 10)}…</code>` : null}
${event.blockNumber !== null ? html` <span class="proof">${t.block(event.blockNumber)}</span>` : null}
${event.status === "failed" && event.error ? html`<br><span class="status-failed">${event.error}</span>` : null}
${correctable ? html`<br><a class="correct-link" href="${correctionPath(event.eventId)}">${EVENT_WORDS[context.lang].correct}</a>` : null}</td>
</tr>`;
})}
</tbody>
</table></div>
</section>`;
}

function lineageCard(context: ConsoleRequest, view: BatchCreatorView): SafeHtml | null {
  const t = M[context.lang];
  const inputs = view.creation?.inputs ?? [];
  if (inputs.length === 0 && view.splitInto.length === 0) return null;
  const lotOf = (batchId: string) => parseBatchId(batchId).lot;
  return html`<section class="card" aria-labelledby="lineage-heading">
<h2 id="lineage-heading">${t.madeFrom} / ${t.splitInto}</h2>
${inputs.length
  ? html`<h3>${t.madeFrom}</h3><ul>${inputs.map((id) => html`<li><a href="/p/${id}">${lotOf(id)}</a></li>`)}</ul>`
  : null}
${view.splitInto.length
  ? html`<h3>${t.splitInto}</h3><ul>${view.splitInto.map((draw) => {
      const output = draw.detail.output as { quantity?: unknown } | undefined;
      const ours = (draw.detail.org as { address?: string } | undefined)?.address === view.creator;
      return html`<li data-split="${draw.batchId}"><a href="${ours ? `/console/batches/${draw.batchId}` : `/p/${draw.batchId}`}">${lotOf(draw.batchId)}</a> · ${quantityText(output?.quantity, context.lang)}</li>`;
    })}</ul>`
  : null}
</section>`;
}

function linksCard(context: ConsoleRequest, view: BatchCreatorView): SafeHtml {
  const t = M[context.lang];
  const path = digitalLinkPath(view.gtin, view.lot);
  return html`<section class="card" aria-labelledby="links-heading">
<h2 id="links-heading">${t.links}</h2>
<ul>
${view.chain ? html`<li><a href="/p/${view.batchId}">${t.publicPage}</a></li>` : null}
<li><a href="${path}/qr.svg">${t.qr}</a></li>
${recallState(view) === "none" ? html`<li><a href="/console/processing/new?batch=${view.batchId}">${t.process}</a></li>` : null}
</ul>
${view.chain ? null : html`<p class="hint">${t.publicAfterChain}</p>`}
</section>`;
}
