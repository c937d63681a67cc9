/**
 * The purchase figures as CSV for a spreadsheet: one line per month, origin county, product,
 * channel and unit, with the header in the user's language. UTF-8 with a BOM, so that Excel
 * reads the Chinese; amounts as plain decimals. Text that Excel would run as a formula (a
 * product named "=..."), from producers' input, is prefixed with an apostrophe.
 */
import { stringify } from "csv-stringify/sync";
import type { Lang } from "../../html/i18n";
import type { SalesGroup } from "../../store/sales-reads";
import { channelName, countyName, decimalCny } from "./programme-format";
import { PROGRAMME } from "./programme-messages";

export function purchasesCsv(groups: readonly SalesGroup[], lang: Lang): string {
  const t = PROGRAMME[lang];
  const rows = groups.map((group) => [
    group.month,
    group.countyCode ?? "",
    safeText(countyName(group.countyCode ?? "", group.countyName, lang)),
    group.programmeCounty ? t.yes : t.no,
    safeText(group.product ?? t.unknownProduct),
    channelName(group.channel, lang),
    String(group.sales),
    String(Math.round(group.quantity * 1000) / 1000),
    group.unit,
    decimalCny(group.amountFen),
  ]);
  return stringify([t.csvColumns, ...rows], { bom: true, record_delimiter: "\r\n" });
}

/** The file's name: the period it covers, when it has one. */
export function purchasesFileName(period: { fromMonth?: string; toMonth?: string }): string {
  const span = [period.fromMonth ?? "", period.toMonth ?? ""].some(Boolean) ? `-${period.fromMonth ?? "start"}-to-${period.toMonth ?? "now"}` : "";
  return `programme-purchases${span}.csv`;
}

/** A cell starting with = + - @ or a control character is what spreadsheets run as a formula. */
function safeText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
