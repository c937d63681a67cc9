/**
 * Quantities in a batch's own measure. A batch measured by weight (kg, t, 斤) counts in
 * kilograms; a batch of counted units (boxes, pieces, crates, bags) counts in that unit. A
 * quantity in another unit converts only through a weight: 1 t = 1000 kg, 1 斤 = 0.5 kg, and a
 * counted unit only when the batch states what one of it weighs ("1 box = 5 kg").
 */

export interface Quantity {
  amount: number;
  unit: string;
}

/** One counted unit's weight, as a batch states it. */
export interface Conversion {
  unit: string;
  kg: number;
}

/** What a batch counts in: "kg" for weights, else its counted unit; with its conversion, if any. */
export interface Measure {
  unit: string;
  /** The unit the batch was created in (kg, t, 斤, or the counted unit). */
  own: string;
  conversion?: Conversion;
}

export const KILOGRAMS_PER: Readonly<Record<string, number>> = { kg: 1, t: 1000, jin: 0.5 };

/**
 * Amounts this close are equal: quantities typed with decimals add up with rounding errors, and
 * amounts a split takes are kept to six decimals.
 */
const RELATIVE_TOLERANCE = 1e-6;

export function isWeight(unit: string): boolean {
  return KILOGRAMS_PER[unit] !== undefined;
}

export function measureOf(quantity: Quantity, conversion?: Conversion): Measure {
  return { unit: isWeight(quantity.unit) ? "kg" : quantity.unit, own: quantity.unit, conversion };
}

/** `quantity` in the batch's measure, or undefined when its unit does not convert into it. */
export function inMeasure(quantity: Quantity, measure: Measure): number | undefined {
  const { amount, unit } = quantity;
  if (measure.unit === "kg") {
    if (isWeight(unit)) return amount * KILOGRAMS_PER[unit];
    if (measure.conversion?.unit === unit) return amount * measure.conversion.kg;
    return undefined;
  }
  if (unit === measure.unit) return amount;
  if (isWeight(unit) && measure.conversion?.unit === measure.unit) return (amount * KILOGRAMS_PER[unit]) / measure.conversion.kg;
  return undefined;
}

/** An amount of the batch's measure in the batch's own unit (tonnes for a batch created in t). */
export function inOwnUnit(amount: number, measure: Measure): Quantity {
  const per = measure.unit === "kg" ? KILOGRAMS_PER[measure.own] : 1;
  return { amount: round(amount / per), unit: measure.own };
}

/** Kilograms of an amount of the measure, when it has a weight. */
export function inKilograms(amount: number, measure: Measure): number | undefined {
  if (measure.unit === "kg") return amount;
  return measure.conversion?.unit === measure.unit ? amount * measure.conversion.kg : undefined;
}

/** Whether `requested` fits in `available`, allowing for the rounding of decimal amounts. */
export function fits(requested: number, available: number): boolean {
  return requested <= available + RELATIVE_TOLERANCE * Math.max(1, Math.abs(requested), Math.abs(available));
}

/** An amount kept in a detail: six decimals, no float noise. */
export function keep(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

/** An amount as people read it: at most three decimals, no float noise. */
export function round(amount: number): number {
  return Math.round(amount * 1000) / 1000;
}
