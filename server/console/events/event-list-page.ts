/**
 * The organisation's recent records, with where each is on its way to the chain. While any is
 * still pending the page reloads itself (a meta refresh: no script), so a carrier who just
 * recorded a shipment sees it turn from "waiting for the chain" to "on chain". An event a
 * correction declared void or superseded stays listed, struck through with the reason; the
 * correction is a row of its own; each event the organisation may still correct links to its
 * correction page.
 */
import { eventKindName, type EventKindName } from "../../domain/event-kinds";
import { occurredAt } from "../../services/ledger-rules/entries";
import type { OrgEvent } from "../../store/org-event-reads";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime, type Lang } from "../../html/i18n";
import { correctionPath, mayCorrect, type CorrectionMark } from "./event-corrections";
import { EVENT_WORDS } from "./event-messages";
import type { ConsoleEventType } from "./event-forms";
import { eventSummary } from "./event-summary";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import type { ConsoleRequest } from "../session";

export const RECENT_EVENTS_SHOWN = 50;
const REFRESH_SECONDS = 3;

export function eventListPage(
  context: ConsoleRequest,
  events: OrgEvent[],
  marks: Map<string, CorrectionMark>,
  types: ConsoleEventType[],
  recorded?: string,
): string {
  const lang = context.lang;
  const t = EVENT_WORDS[lang];
  const inFlight = events.some((e) => e.status === "pending" || e.status === "submitted");
  const justRecorded = recorded === undefined ? undefined : events.find((e) => e.eventId === recorded);
  return consoleLayout({
    context,
    title: t.recentTitle,
    path: "/console/events",
    refreshSeconds: inFlight ? REFRESH_SECONDS : undefined,
    body: html`${justRecorded ? recordedBanner(justRecorded, lang) : null}
${inFlight ? html`<p class="hint" data-refreshing="true">${t.refreshing}</p>` : null}
<p class="console-actions">${types.map((type) => html`<a class="btn" href="/console/events/new?type=${type}">${t.formTitle[type]}</a> `)}</p>
${events.length === 0
  ? html`<p>${t.none}</p>`
  : html`<div class="card table-scroll"><table class="data stack">
<thead><tr><th>${t.happened}</th><th>${t.batch}</th><th>${t.what}</th><th>${t.status}</th></tr></thead>
<tbody>${events.map((event) => row(context, event, marks))}</tbody>
</table></div>`}`,
  });
}

/**
 * The banner about the record just made, by where it stands now: "being written" only while it
 * is on its way; the page stops reloading itself once nothing of the organisation's is.
 */
function recordedBanner(event: OrgEvent, lang: Lang): SafeHtml {
  const t = EVENT_WORDS[lang];
  if (event.status === "failed") return html`<p class="banner banner-danger" role="alert" data-recorded="${event.eventId}" data-recorded-status="failed">${t.recordFailed}</p>`;
  const written = event.status === "confirmed";
  return html`<p class="banner banner-ok" role="status" data-recorded="${event.eventId}" data-recorded-status="${event.status}">${written ? t.recordedOnChain : t.recorded}</p>`;
}

function row(context: ConsoleRequest, event: OrgEvent, marks: Map<string, CorrectionMark>): SafeHtml {
  const lang = context.lang;
  const t = EVENT_WORDS[lang];
  const type = eventKindName(event.kind);
  const batch = event.detail.batch as { gtin?: string; lot?: string } | undefined;
  const mark = marks.get(event.eventId);
  // A link, not a form: the page may reload itself, and the correction page is a page of its own.
  const correctable = mayCorrect(event, context.org!.id, context.org!, marks);
  return html`<tr data-event="${event.eventId}" data-status="${event.status}" data-kind="${type}"${mark ? html` data-correction="${mark.declaration}" class="corrected"` : null}${type === "correction" && typeof event.detail.correctsEventId === "string" ? html` data-corrects="${event.detail.correctsEventId}"` : null}>
<td data-label="${t.happened}">${whenCell(type, event, lang)}</td>
<td data-label="${t.batch}"><span>${event.product ? html`${event.product} ` : null}<a href="/p/${event.batchId}">${batch?.lot ?? event.batchId.slice(0, 10)}</a></span></td>
<td data-label="${t.what}"><span>${what(type, event.detail, mark, lang)}</span></td>
<td data-label="${t.status}"><span><span class="status status-${event.status}">${COMMON[lang].status[event.status] ?? event.status}</span>${event.error ? html`<br><small>${event.error}</small>` : null}${correctable ? html`<br><a class="correct-link" href="${correctionPath(event.eventId)}">${t.correct}</a>` : null}</span></td>
</tr>`;
}

/**
 * When it happened (the event's own time: harvested, shipped, received, sold…) and, below it,
 * when it was recorded here: a shipment keyed in the evening for the morning says both.
 */
export function whenCell(type: string, event: { detail: Record<string, unknown>; acceptedAt: string }, lang: Lang): SafeHtml {
  const t = EVENT_WORDS[lang];
  const at = occurredAt({ kind: type as EventKindName, detail: event.detail });
  return html`<span class="event-when">${at ? html`<span data-occurred-at="${at}">${t.occurredAtLabel[type] ?? t.happened}：${formatDateTime(at, lang)}</span><br>` : null}<small class="hint" data-recorded-at="${event.acceptedAt}">${t.recordedAtLabel}：${formatDateTime(event.acceptedAt, lang)}</small></span>`;
}

/** What the event says; struck through, with the reason, when a correction stands on it. */
export function what(type: string, detail: Record<string, unknown>, mark: CorrectionMark | undefined, lang: Lang): SafeHtml {
  const t = EVENT_WORDS[lang];
  const words = html`<strong>${t.types[type] ?? type}</strong><br>${eventSummary(type, detail, lang)}`;
  if (!mark) return words;
  const note = mark.declaration === "void" ? t.voided(mark.reason) : t.superseded(mark.reason);
  return html`<del>${words}</del><br><span class="corrected-note" data-correction-note="${mark.declaration}">${note}</span>`;
}
