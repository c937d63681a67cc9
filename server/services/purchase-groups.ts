/**
 * The programme's grouped sales for a period (SalesReads.groups: from the kept summaries, after
 * summing what was indexed since). The page and its CSV export ask for the same period one after
 * the other, so the last few answers are kept while nothing is written (the data version is
 * unchanged).
 */
import type { SalesGroup, SalesReads } from "../store/sales-reads";

const KEPT_PERIODS = 16;

export class PurchaseGroups {
  private readonly kept = new Map<string, { version: number; groups: SalesGroup[] }>();

  constructor(
    private readonly sales: SalesReads,
    private readonly dataVersion: () => number,
  ) {}

  of(period: Parameters<SalesReads["groups"]>[0]): SalesGroup[] {
    const key = JSON.stringify(period ?? {});
    const now = this.dataVersion();
    const hit = this.kept.get(key);
    if (hit && hit.version === now) return hit.groups;
    const groups = this.sales.groups(period);
    if (this.kept.size >= KEPT_PERIODS) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(key, { version: now, groups });
    return groups;
  }
}
