/**
 * Where produce comes from: a harvest's county is a current GB/T 2260 county-level division,
 * named by its code (a name a writer adds must agree with it), and nothing happens in the future
 * beyond a small allowance for clocks that differ.
 */
import { anyCountyByCode, countyByCode, namesCounty, type County } from "../../domain/divisions";
import { isInFuture } from "../../domain/china-dates";
import type { Finding } from "./entries";
import { RULES } from "./rule-messages";

/** Phones and servers disagree about the time by a little: this much of "future" is allowed. */
export const CLOCK_ALLOWANCE_MS = 10 * 60_000;

type Problem = Omit<Finding, "ref">;

/** The current county of a harvest's origin, or the problem with its code and name. */
export function checkCounty(countyCode: unknown, name: unknown): { county: County } | { problem: Problem } {
  const code = typeof countyCode === "string" ? countyCode : "";
  const county = countyByCode(code);
  if (!county) return { problem: RULES.countyUnknown(code, anyCountyByCode(code) !== undefined) };
  if (typeof name === "string" && name.trim() !== "" && !namesCounty(county, name)) {
    return { problem: RULES.countyName(name, code, county.shortName) };
  }
  return { county };
}

/** The problem with an event's time when it lies in the future of `now` (ms). */
export function futureProblem(field: string, value: string, now: number): Problem | undefined {
  return isInFuture(value, now, CLOCK_ALLOWANCE_MS) ? RULES.inFuture(field) : undefined;
}
