/**
 * One line on what an event says, in the member's words: the recent-records page, a batch's
 * page and the correction page all describe events this way. A correction says what it declares
 * about which kind of event, and why.
 */
import type { Lang } from "../../html/i18n";
import { EVENT_WORDS } from "./event-messages";
import { quantityText } from "../units";

type Detail = Record<string, unknown>;

export function eventSummary(type: string, d: Detail, lang: Lang): string {
  const t = EVENT_WORDS[lang];
  switch (type) {
    case "harvest":
      return quantityText(d.quantity, lang);
    case "processing": {
      const output = d.output as { quantity?: unknown; lot?: string } | undefined;
      return [output?.lot, output ? quantityText(output.quantity, lang) : undefined, d.facility].filter(Boolean).join(" · ");
    }
    case "shipment": {
      const range = d.temperature as { min: number; max: number } | undefined;
      const consignee = d.consignee as { name?: string } | undefined;
      return [
        `${d.from} → ${d.to}`,
        d.vehicle,
        range ? `${range.min}–${range.max}\u00a0°C` : undefined,
        consignee?.name ? `${t.consignee}：${consignee.name}` : undefined,
        d.quantity ? quantityText(d.quantity, lang) : undefined,
      ]
        .filter(Boolean)
        .join(" · ");
    }
    case "receipt":
      return [d.location, d.quantity ? quantityText(d.quantity, lang) : undefined, d.condition].filter(Boolean).join(" · ");
    case "sale": {
      const parts = [quantityText(d.quantity, lang)];
      if (typeof d.amountCny === "number") parts.push(money(d.amountCny, lang));
      if (d.channel) parts.push(t.channels[String(d.channel)] ?? String(d.channel));
      return parts.join(" · ");
    }
    case "recall":
      return String(d.reason ?? "");
    case "correction":
      return correctionSummary(d, lang);
    default:
      return "";
  }
}

/** "作废 销售 · 原因：…", or "改正 发运 · 原因：… · 改为：…". */
function correctionSummary(d: Detail, lang: Lang): string {
  const t = EVENT_WORDS[lang];
  const kind = String(d.correctsKind ?? "");
  const declaration = d.declaration === "supersede" ? t.superseding : t.voiding;
  const parts = [`${declaration} ${t.types[kind] ?? kind}`, `${t.reasonWord}${String(d.reason ?? "")}`];
  const replacement = d.replacement as Detail | undefined;
  if (replacement) parts.push(`${t.correctedTo}${eventSummary(kind, replacement, lang)}`);
  return parts.join(" · ");
}

const MONEY: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY" }),
  en: new Intl.NumberFormat("en-GB", { style: "currency", currency: "CNY" }),
};

export function money(amount: number, lang: Lang): string {
  return MONEY[lang].format(amount);
}
