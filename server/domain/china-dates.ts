/**
 * Dates as the programme's people write them. A plain date ("2026-07-15") is a day in China
 * (+08:00): it stays a date in every detail and on every page, and is compared with moments as
 * the span of that China day. A date-time carries its own offset ("2026-07-15T08:00:00+08:00").
 */

/** China Standard Time: UTC+8 all year. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** What a bad date is told: the two forms it may take. */
export const DATE_FORMS_MESSAGE =
  "must be a date such as 2026-07-15 (a day in China, +08:00) or a date-time with its offset such as 2026-07-15T08:00:00+08:00";

/** Whether `value` is a plain calendar date that exists (no 2026-02-30). */
export function isPlainDate(value: string): boolean {
  const match = PLAIN_DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Whether `value` is a plain date or a date-time with an offset (or Z) that exists. */
export function isDateOrDateTime(value: string): boolean {
  if (isPlainDate(value)) return true;
  return DATE_TIME.test(value) && isPlainDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

/** The first moment (ms) of `value`: a plain date's China midnight, or the date-time itself. */
export function startOf(value: string): number {
  return isPlainDate(value) ? Date.parse(`${value}T00:00:00+08:00`) : Date.parse(value);
}

/** The last moment (ms) of `value`: a plain date's last millisecond in China, or the date-time. */
export function endOf(value: string): number {
  return isPlainDate(value) ? startOf(value) + DAY_MS - 1 : Date.parse(value);
}

/** The China date ("2026-07-15") a moment (ms) falls on. */
export function chinaDateOf(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whether `value` lies after `now` by more than `allowanceMs`: a plain date after today's China
 * date, a date-time after now plus the allowance (clocks of phones and servers differ a little).
 */
export function isInFuture(value: string, now: number, allowanceMs: number): boolean {
  if (isPlainDate(value)) return value > chinaDateOf(now + allowanceMs);
  return Date.parse(value) > now + allowanceMs;
}

/**
 * Whether `later` may come after `earlier`: a date-time must not be before a date-time; where
 * either is a plain date the two are compared by their China days, so a sale on 2026-07-15
 * may follow a receipt at 2026-07-15T18:00+08:00.
 */
export function notBefore(later: string, earlier: string): boolean {
  if (isPlainDate(later) || isPlainDate(earlier)) return endOf(later) >= startOf(earlier);
  return Date.parse(later) >= Date.parse(earlier);
}
