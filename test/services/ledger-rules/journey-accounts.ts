/**
 * The property test's own bookkeeping, kept apart from the rules it checks: from the entries of
 * a set of batches (with their details), what each harvest gave and what was sold of it, directly
 * or through everything made from it, in kilograms; and which sales came after a recall upstream.
 * It reads the details as the ledger keeps them and applies the corrections itself; it shares no
 * arithmetic with services/ledger-rules but the entry type.
 */
import { compareOrder, type LedgerEntry } from "../../../server/services/ledger-rules/entries";

type Detail = Record<string, unknown>;
interface Quantity {
  amount: number;
  unit: string;
}
interface Conversion {
  unit: string;
  kg: number;
}

const KG_PER: Record<string, number> = { kg: 1, t: 1000, jin: 0.5 };
/** Quantities typed with decimals and kept to six decimals add up with rounding errors. */
const TOLERANCE = 1e-4;

/** Kilograms of a quantity of a batch that states `conversion`; throws when it cannot be weighed. */
export function kilograms(quantity: Quantity, conversion: Conversion | undefined, where: string): number {
  if (KG_PER[quantity.unit] !== undefined) return quantity.amount * KG_PER[quantity.unit];
  if (conversion && conversion.unit === quantity.unit) return quantity.amount * conversion.kg;
  throw new Error(`${where}: ${quantity.amount} ${quantity.unit} cannot be weighed (conversion ${JSON.stringify(conversion)})`);
}

interface Flow {
  batchId: string;
  harvestedKg: number;
  /** What the batch holds when made: a harvest's or a split output's quantity. */
  createdKg: number;
  /** Where it came from: [batch, kg] (a harvest from itself). */
  inflows: Array<[string, number]>;
  /** What merges took into it. */
  mergedKg: number;
  soldKg: number;
  /** Batches it was made from or merged with (live events only). */
  inputs: Set<string>;
  sales: LedgerEntry[];
  recalls: LedgerEntry[];
}

export interface Accounts {
  /** Per harvest: kg harvested and kg sold of it (directly or through what was made from it). */
  harvests: Array<{ batchId: string; harvestedKg: number; soldKg: number }>;
  /** Per batch: kg that left it (sold or drawn) against kg it ever had. */
  balances: Array<{ batchId: string; outKg: number; inKg: number }>;
  /** Sales recorded after a recall of their batch or of a batch it was made from. */
  salesAfterRecall: Array<{ sale: string; batchId: string; recalled: string }>;
}

/** The accounts of the batches whose own entries are given (every batch their splits and merges name must be among them). */
export function accountsOf(own: Map<string, LedgerEntry[]>): Accounts {
  const flows = new Map<string, Flow>();
  for (const [batchId, entries] of own) {
    const flow = flowOf(batchId, entries);
    if (flow) flows.set(batchId, flow);
  }
  const drawnKg = new Map<string, number>();
  for (const flow of flows.values()) {
    for (const [from, kg] of flow.inflows) if (from !== flow.batchId) drawnKg.set(from, (drawnKg.get(from) ?? 0) + kg);
  }
  const shares = sharesOf(flows);
  const soldOf = new Map<string, number>();
  for (const flow of flows.values()) {
    for (const [harvest, share] of shares.get(flow.batchId) ?? new Map()) soldOf.set(harvest, (soldOf.get(harvest) ?? 0) + flow.soldKg * share);
  }
  return {
    harvests: [...flows.values()].filter((f) => f.harvestedKg > 0).map((f) => ({ batchId: f.batchId, harvestedKg: f.harvestedKg, soldKg: soldOf.get(f.batchId) ?? 0 })),
    balances: [...flows.values()].map((f) => ({ batchId: f.batchId, outKg: f.soldKg + (drawnKg.get(f.batchId) ?? 0), inKg: f.createdKg + f.mergedKg })),
    salesAfterRecall: salesAfterRecall(flows),
  };
}

export function exceeds(out: number, available: number): boolean {
  return out > available + TOLERANCE * Math.max(1, available);
}

function flowOf(batchId: string, entries: LedgerEntry[]): Flow | undefined {
  const corrections = new Map<string, Detail>();
  for (const entry of entries) {
    if (entry.kind === "correction") corrections.set(String(entry.detail?.corrects).toLowerCase(), entry.detail!);
  }
  const effective = (entry: LedgerEntry): Detail | undefined => {
    const correction = corrections.get(entry.ref);
    if (correction?.declaration === "void") return undefined;
    const detail = entry.detail;
    if (!detail) throw new Error(`${batchId}: event ${entry.ref} has no detail`);
    return correction ? { ...detail, ...(correction.replacement as Detail) } : detail;
  };
  const [creation, ...rest] = entries;
  const made = creation ? effective(creation) : undefined;
  if (!creation || !made) return undefined; // a batch whose creation is void does not exist
  const flow: Flow = { batchId, harvestedKg: 0, createdKg: 0, inflows: [], mergedKg: 0, soldKg: 0, inputs: new Set(), sales: [], recalls: [] };
  let conversion: Conversion | undefined;
  if (creation.kind === "harvest") {
    conversion = made.conversion as Conversion | undefined;
    flow.harvestedKg = flow.createdKg = kilograms(made.quantity as Quantity, conversion, `${batchId} harvest`);
    flow.inflows.push([batchId, flow.harvestedKg]);
  } else {
    const output = made.output as Detail;
    conversion = output.conversion as Conversion | undefined;
    flow.createdKg = kilograms(output.quantity as Quantity, conversion, `${batchId} output`);
    for (const [from, kg] of consumedOf(made, batchId)) {
      flow.inflows.push([from, kg]);
      flow.inputs.add(from);
    }
  }
  for (const entry of [creation, ...rest]) {
    if (entry.kind === "sale") flow.sales.push(entry);
    if (entry.kind === "recall") flow.recalls.push(entry);
  }
  for (const entry of rest) {
    const detail = entry.kind === "recall" || entry.kind === "correction" ? undefined : effective(entry);
    if (!detail) continue;
    if (entry.kind === "sale") flow.soldKg += kilograms(detail.quantity as Quantity, conversion, `${batchId} sale ${entry.ref}`);
    if (entry.kind === "processing") {
      for (const [from, kg] of consumedOf(detail, batchId)) {
        flow.inflows.push([from, kg]);
        flow.mergedKg += kg;
        flow.inputs.add(from);
      }
    }
  }
  return flow;
}

/** What a split or merge took, in kg, from each batch other than `batchId`. */
function consumedOf(detail: Detail, batchId: string): Array<[string, number]> {
  const consumed = (detail.consumed ?? []) as Array<{ batchId: string; quantity: Quantity; kg?: number }>;
  return consumed
    .filter((item) => item.batchId.toLowerCase() !== batchId)
    .map((item) => {
      if (typeof item.kg !== "number") throw new Error(`${batchId}: a split or merge names no weight for what it took from ${item.batchId}`);
      return [item.batchId.toLowerCase(), item.kg];
    });
}

/**
 * Each batch as a mixture of harvests, in proportion to what flowed into it: a harvest is all of
 * itself; a split's output or a merged batch is its inflows' mixtures weighted by kg. Merges may
 * close cycles (a pack merged back into its input), so the shares are iterated to a fixed point.
 */
function sharesOf(flows: Map<string, Flow>): Map<string, Map<string, number>> {
  let shares = new Map<string, Map<string, number>>();
  for (let round = 0; round < 500; round++) {
    const next = new Map<string, Map<string, number>>();
    let change = 0;
    for (const flow of flows.values()) {
      const total = flow.inflows.reduce((sum, [, kg]) => sum + kg, 0);
      const mix = new Map<string, number>();
      for (const [from, kg] of flow.inflows) {
        if (total <= 0) break;
        const source = from === flow.batchId ? new Map([[from, 1]]) : (shares.get(from) ?? new Map<string, number>());
        for (const [harvest, share] of source) mix.set(harvest, (mix.get(harvest) ?? 0) + (share * kg) / total);
      }
      for (const [harvest, share] of mix) change = Math.max(change, Math.abs(share - (shares.get(flow.batchId)?.get(harvest) ?? 0)));
      next.set(flow.batchId, mix);
    }
    shares = next;
    if (round > 0 && change < 1e-12) break;
  }
  return shares;
}

function salesAfterRecall(flows: Map<string, Flow>): Accounts["salesAfterRecall"] {
  const upstream = (batchId: string): Set<string> => {
    const seen = new Set([batchId]);
    const queue = [batchId];
    while (queue.length > 0) {
      for (const input of flows.get(queue.shift()!)?.inputs ?? []) {
        if (!seen.has(input)) {
          seen.add(input);
          queue.push(input);
        }
      }
    }
    return seen;
  };
  const found: Accounts["salesAfterRecall"] = [];
  for (const flow of flows.values()) {
    const ancestry = upstream(flow.batchId);
    for (const sale of flow.sales) {
      for (const id of ancestry) {
        for (const recall of flows.get(id)?.recalls ?? []) {
          if (compareOrder(recall.order, sale.order) < 0) found.push({ sale: sale.ref, batchId: flow.batchId, recalled: id });
        }
      }
    }
  }
  return found;
}
