/**
 * The organisation's recent records, with where each is on its way to the chain. While any is
 * still pending the page reloads itself (a meta refresh: no script), so a carrier who just
 * recorded a shipment sees it turn from "waiting for the chain" to "on chain".
 */
import { eventKindName } from "../../domain/event-kinds";
import type { OrgEvent } from "../../store/org-event-reads";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime, type Lang } from "../../html/i18n";
import { EVENT_WORDS } from "./event-messages";
import type { ConsoleEventType } from "./event-forms";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import type { ConsoleRequest } from "../session";

export const RECENT_EVENTS_SHOWN = 50;
const REFRESH_SECONDS = 3;

export function eventListPage(context: ConsoleRequest, events: OrgEvent[], types: ConsoleEventType[], recorded?: string): string {
  const t = EVENT_WORDS[context.lang];
  const inFlight = events.some((e) => e.status === "pending" || e.status === "submitted");
  const justRecorded = recorded === undefined ? undefined : events.find((e) => e.eventId === recorded);
  return consoleLayout({
    context,
    title: t.recentTitle,
    path: "/console/events",
    refreshSeconds: inFlight ? REFRESH_SECONDS : undefined,
    body: html`${justRecorded ? html`<p class="banner banner-ok" role="status" data-recorded="${recorded}">${justRecorded.status === "confirmed" ? t.recordedOnChain : t.recorded}</p>` : null}
${inFlight ? html`<p class="hint" data-refreshing="true">${t.refreshing}</p>` : null}
<p class="console-actions">${types.map((type) => html`<a class="btn" href="/console/events/new?type=${type}">${t.formTitle[type]}</a> `)}</p>
${events.length === 0
  ? html`<p>${t.none}</p>`
  : html`<div class="card table-scroll"><table class="data stack">
<thead><tr><th>${t.when}</th><th>${t.batch}</th><th>${t.what}</th><th>${t.status}</th></tr></thead>
<tbody>${events.map((event) => row(event, context.lang))}</tbody>
</table></div>`}`,
  });
}

function row(event: OrgEvent, lang: Lang): SafeHtml {
  const t = EVENT_WORDS[lang];
  const type = eventKindName(event.kind);
  const batch = event.detail.batch as { gtin?: string; lot?: string } | undefined;
  return html`<tr data-event="${event.eventId}" data-status="${event.status}">
<td data-label="${t.when}">${formatDateTime(event.acceptedAt, lang)}</td>
<td data-label="${t.batch}"><span>${event.product ? html`${event.product} ` : null}<a href="/p/${event.batchId}">${batch?.lot ?? event.batchId.slice(0, 10)}</a></span></td>
<td data-label="${t.what}"><span><strong>${t.types[type] ?? type}</strong><br>${summary(type, event.detail, lang)}</span></td>
<td data-label="${t.status}"><span><span class="status status-${event.status}">${COMMON[lang].status[event.status] ?? event.status}</span>${event.error ? html`<br><small>${event.error}</small>` : null}</span></td>
</tr>`;
}

/** One line about what the event says, in the reader's words. */
function summary(type: string, d: Record<string, unknown>, lang: Lang): string {
  const t = EVENT_WORDS[lang];
  switch (type) {
    case "shipment": {
      const range = d.temperature as { min: number; max: number } | undefined;
      return [`${d.from} → ${d.to}`, d.vehicle, range ? `${range.min}–${range.max}\u00a0°C` : undefined].filter(Boolean).join(" · ");
    }
    case "receipt":
      return [d.location, d.condition].filter(Boolean).join(" · ");
    case "sale": {
      const quantity = d.quantity as { amount: number; unit: string };
      return [
        `${quantity.amount} ${t.units[quantity.unit] ?? quantity.unit}`,
        money(Number(d.amountCny), lang),
        t.channels[String(d.channel)] ?? d.channel,
      ].join(" · ");
    }
    default:
      return "";
  }
}

const MONEY: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY" }),
  en: new Intl.NumberFormat("en-GB", { style: "currency", currency: "CNY" }),
};

function money(amount: number, lang: Lang): string {
  return MONEY[lang].format(amount);
}
