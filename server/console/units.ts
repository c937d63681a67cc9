/**
 * The one vocabulary of units on every console form and list: exactly the units the API takes
 * (WEIGHT_UNITS and COUNTED_UNITS of the request shapes), named as the public pages name them
 * (html/i18n.ts), so a harvest, a shipment, a sale and a certificate all say 公斤, 吨, 斤, 箱,
 * 件, 筐, 袋. A picker shows the Chinese name with the code the API and CSV files use beside it.
 */
import { COUNTED_UNITS, WEIGHT_UNITS } from "../domain/request-shapes";
import { MESSAGES, type Lang } from "../html/i18n";

export const UNITS = [...WEIGHT_UNITS, ...COUNTED_UNITS] as const;
export type Unit = (typeof UNITS)[number];

export interface UnitOption {
  value: string;
  label: string;
}

/** Longer English words where a bare code says too little ("jin (500 g)"). */
const EN_PICKER: Partial<Record<Unit, string>> = { t: "t (tonnes)", jin: "jin (500 g)" };

/** A unit's name in a quantity ("1,200 公斤", "20 boxes"); an unknown code is shown as it is. */
export function unitName(unit: string, lang: Lang): string {
  return MESSAGES[lang].units[unit] ?? unit;
}

/** A unit as a picker offers it: "公斤 (kg)" / "kg". */
export function unitLabel(unit: Unit, lang: Lang): string {
  if (lang === "zh") return `${unitName(unit, lang)} (${unit})`;
  return EN_PICKER[unit] ?? unitName(unit, lang);
}

/** Every unit the API takes, for a quantity's unit picker. */
export function unitOptions(lang: Lang): UnitOption[] {
  return UNITS.map((unit) => ({ value: unit, label: unitLabel(unit, lang) }));
}

/** The counted units (box, piece…), for "what one weighs" pickers. */
export function countedUnitOptions(lang: Lang): UnitOption[] {
  return COUNTED_UNITS.map((unit) => ({ value: unit, label: unitLabel(unit, lang) }));
}

/** A quantity for people: "1,200 公斤", "20 boxes"; "—" when it is not one. */
export function quantityText(quantity: unknown, lang: Lang): string {
  const q = quantity as { amount?: unknown; unit?: unknown } | undefined;
  if (!q || typeof q.amount !== "number" || typeof q.unit !== "string") return "—";
  return `${q.amount.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB")} ${unitName(q.unit, lang)}`;
}
