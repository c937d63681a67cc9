/**
 * The period the programme view sums up: from and to months of its GET form ("2026-06", as an
 * <input type="month"> sends them; "2026-6" or "2026/6" as people type them where the browser
 * shows a text box). Either end may be left empty (open).
 */
import type { SalesPeriod } from "../../store/sales-reads";
import type { Lang } from "../../html/i18n";
import type { FieldErrors } from "../forms";
import { messages } from "../messages";

const M = messages({
  zh: {
    badMonth: "请写成 2026-06 这样的年月",
    toBeforeFrom: "结束月份不能早于开始月份",
  },
  en: {
    badMonth: "Enter a month such as 2026-06",
    toBeforeFrom: "Must not be before the first month",
  },
});

export interface PeriodForm {
  /** What the form shows again: the months as given, normalised when they were good. */
  values: { from: string; to: string };
  period: SalesPeriod;
  errors: FieldErrors;
}

export function readPeriod(query: Record<string, unknown>, lang: Lang): PeriodForm {
  const errors: FieldErrors = {};
  const values = { from: raw(query.from), to: raw(query.to) };
  const from = month(values.from);
  const to = month(values.to);
  if (from === null) errors.from = M[lang].badMonth;
  if (to === null) errors.to = M[lang].badMonth;
  if (from && to && to < from) errors.to = M[lang].toBeforeFrom;
  return {
    values: { from: from ?? values.from, to: to ?? values.to },
    period: { ...(from ? { fromMonth: from } : {}), ...(to ? { toMonth: to } : {}) },
    errors,
  };
}

/** The query string of a good period ("?from=2026-06&to=2026-07"), "" for all time. */
export function periodQuery(period: SalesPeriod): string {
  const params = new URLSearchParams();
  if (period.fromMonth) params.set("from", period.fromMonth);
  if (period.toMonth) params.set("to", period.toMonth);
  const query = params.toString();
  return query ? `?${query}` : "";
}

function raw(value: unknown): string {
  return typeof value === "string" ? value.trim().slice(0, 20) : "";
}

/** "YYYY-MM"; undefined when empty, null when it is no month. */
function month(value: string): string | undefined | null {
  if (value === "") return undefined;
  const match = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(value.normalize("NFKC"));
  if (!match) return null;
  const number = Number(match[2]);
  if (number < 1 || number > 12) return null;
  return `${match[1]}-${String(number).padStart(2, "0")}`;
}
