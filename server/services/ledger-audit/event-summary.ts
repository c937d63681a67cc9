/**
 * A line a person reads for an event's detail in an audit: who says they did it (the
 * organisation as the detail names it: the chain knows only its address) and what — product,
 * quantities, where from and to. Only what the detail itself says; a value kept private shows
 * as committed.
 */
import { parseBatchId } from "../../domain/gs1";

type Detail = Record<string, any>;

/** The organisation the detail says wrote it: "田阳芒果专业合作社 (producer)". */
export function organisationOf(detail: Detail): string | undefined {
  const org = detail.org as { name?: unknown; role?: unknown } | undefined;
  if (typeof org?.name !== "string") return undefined;
  return typeof org.role === "string" ? `${org.name} (${org.role})` : org.name;
}

export function summarizeDetail(kind: string, detail: Detail): string {
  const who = organisationOf(detail);
  const what = describe(kind, detail).filter((part) => part !== undefined && part !== "").join(", ");
  return [who, what].filter(Boolean).join(": ") || "(an empty detail)";
}

function describe(kind: string, d: Detail): Array<string | undefined> {
  switch (kind) {
    case "harvest":
      return [
        [d.product?.name, d.product?.variety].filter(Boolean).join(" ") || undefined,
        quantity(d.quantity),
        [d.origin?.county, d.origin?.village, d.origin?.base].filter(Boolean).join(" ") || undefined,
        d.origin?.countyCode && `county ${d.origin.countyCode}`,
        d.harvestedAt && `harvested ${d.harvestedAt}`,
      ];
    case "processing":
      return [
        d.step,
        d.facility && `at ${d.facility}`,
        d.output && `into ${lotName(d.output.gtin, d.output.lot)} (${quantity(d.output.quantity) ?? "no quantity"})`,
        consumedText(d.consumed),
        d.occurredAt && `on ${d.occurredAt}`,
      ];
    case "shipment":
      return [
        quantity(d.quantity) ?? "all it held",
        d.consignee?.name && `to ${d.consignee.name}`,
        d.from && d.to && `${d.from} → ${d.to}`,
        d.temperature && `${d.temperature.min}–${d.temperature.max} °C`,
        d.shippedAt && `shipped ${d.shippedAt}`,
      ];
    case "receipt":
      return [quantity(d.quantity) ?? "all shipped to it", d.location && `at ${d.location}`, d.receivedAt && `received ${d.receivedAt}`];
    case "sale":
      return [
        quantity(d.quantity),
        d.channel,
        d.amountCny !== undefined ? `¥${d.amountCny}` : d.committed?.amountCny ? "amount committed (private)" : undefined,
        d.soldAt && `sold ${d.soldAt}`,
      ];
    case "recall":
      return [d.reason, d.recalledAt && `recalled ${d.recalledAt}`];
    case "correction":
      return [
        `${d.declaration === "supersede" ? "supersedes" : "declares void"} the ${d.correctsKind ?? "event"} ${short(d.corrects)}`,
        d.reason,
      ];
    default:
      return [];
  }
}

function quantity(q: unknown): string | undefined {
  const value = q as { amount?: unknown; unit?: unknown } | undefined;
  return typeof value?.amount === "number" ? `${value.amount} ${String(value.unit ?? "")}`.trim() : undefined;
}

function consumedText(consumed: unknown): string | undefined {
  if (!Array.isArray(consumed) || consumed.length === 0) return undefined;
  const parts = consumed
    .filter((item) => typeof item?.batchId === "string")
    .map((item) => `${quantity(item.quantity) ?? "?"} of ${lotOf(item.batchId)}`);
  return parts.length ? `took ${parts.join(" and ")}` : undefined;
}

function lotOf(batchId: string): string {
  try {
    const { gtin, lot } = parseBatchId(batchId);
    return lotName(gtin, lot);
  } catch {
    return short(batchId);
  }
}

function lotName(gtin: unknown, lot: unknown): string {
  return `${String(gtin)} / ${String(lot)}`;
}

function short(hash: unknown): string {
  return typeof hash === "string" && hash.length > 12 ? `${hash.slice(0, 10)}…` : String(hash);
}
