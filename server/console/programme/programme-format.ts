/** Amounts, shares, months, counties and quantities as the programme view writes them. */
import { countyByCode } from "../../domain/divisions";
import { MESSAGES, type Lang } from "../../html/i18n";
import { PROGRAMME } from "./programme-messages";

const LOCALES: Record<Lang, string> = { zh: "zh-CN", en: "en-GB" };
const currency: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat(LOCALES.zh, { style: "currency", currency: "CNY" }),
  en: new Intl.NumberFormat(LOCALES.en, { style: "currency", currency: "CNY" }),
};
const percent: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat(LOCALES.zh, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat(LOCALES.en, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
};
const plain: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat(LOCALES.zh, { maximumFractionDigits: 3 }),
  en: new Intl.NumberFormat(LOCALES.en, { maximumFractionDigits: 3 }),
};

/** An amount in fen as yuan: "¥1,580.50". */
export function formatCny(fen: number, lang: Lang): string {
  return currency[lang].format(fen / 100);
}

const yuan: Record<Lang, Intl.NumberFormat> = {
  zh: new Intl.NumberFormat(LOCALES.zh, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat(LOCALES.en, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};

/** An amount in fen as yuan without the sign, for a column headed in yuan: "1,580.50". */
export function formatYuan(fen: number, lang: Lang): string {
  return yuan[lang].format(fen / 100);
}

/** An amount in fen as the plain decimal a spreadsheet reads: "1580.50". */
export function decimalCny(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function formatShare(share: number, lang: Lang): string {
  return percent[lang].format(share);
}

export function formatNumber(value: number, lang: Lang): string {
  return plain[lang].format(value);
}

/** Quantities by unit: "20 箱、5 公斤" / "20 boxes, 5 kg". */
export function formatQuantities(quantities: Record<string, number>, lang: Lang): string {
  const units = MESSAGES[lang].units;
  return Object.entries(quantities)
    .filter(([, amount]) => amount !== 0)
    .map(([unit, amount]) => `${formatNumber(amount, lang)} ${units[unit] ?? unit}`)
    .join(lang === "zh" ? "、" : ", ");
}

/** "2026-06" as "2026年6月" / "June 2026". */
export function monthName(month: string, lang: Lang): string {
  const [year, number] = month.split("-").map(Number);
  return PROGRAMME[lang].monthLong(year, number);
}

/** A county's name: GB/T 2260's ("百色市田阳区"), else what its harvest wrote, else its code. */
export function countyName(code: string, harvestName: string | null, lang: Lang): string {
  if (code === "") return PROGRAMME[lang].unknownCounty;
  return countyByCode(code)?.shortName ?? harvestName ?? code;
}

export function channelName(channel: string, lang: Lang): string {
  return MESSAGES[lang].channels[channel] ?? channel;
}
