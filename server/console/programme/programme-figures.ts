/**
 * The programme view's figures from the grouped sales (SalesReads.groups): totals by month,
 * origin county, product and channel, and how much of it came from the programme's counties.
 * The groups are already sums, so this works on a few hundred rows whatever the ledger's size.
 */
import type { SalesGroup } from "../../store/sales-reads";

export interface Figure {
  /** The month ("2026-06"), county code, product name or channel this row sums up ("" when unknown). */
  key: string;
  sales: number;
  amountFen: number;
  /** The part of amountFen from counties on the programme's list. */
  programmeFen: number;
  /** Quantity sold, by unit. */
  quantities: Record<string, number>;
}

export interface CountyFigure extends Figure {
  /** The county's name as a harvest gave it (for codes GB/T 2260 does not know). */
  harvestName: string | null;
  programmeCounty: boolean;
}

export interface PurchaseFigures {
  total: Figure;
  /** Every month from the first to the last with a sale, empty months included. */
  months: Figure[];
  /** Largest first. */
  counties: CountyFigure[];
  products: Figure[];
  /** The four channels of the sale schema in their order, then any other. */
  channels: Figure[];
}

export const CHANNELS = ["counter", "store", "online", "832-platform"] as const;

export function purchaseFigures(groups: readonly SalesGroup[]): PurchaseFigures {
  const total = emptyFigure("");
  const months = new Map<string, Figure>();
  const counties = new Map<string, CountyFigure>();
  const products = new Map<string, Figure>();
  const channels = new Map<string, Figure>(CHANNELS.map((channel) => [channel, emptyFigure(channel)]));
  for (const group of groups) {
    const countyKey = group.countyCode ?? "";
    let county = counties.get(countyKey);
    if (!county) {
      county = { ...emptyFigure(countyKey), harvestName: group.countyName, programmeCounty: group.programmeCounty };
      counties.set(countyKey, county);
    }
    for (const figure of [
      total,
      county,
      entry(months, group.month),
      entry(products, group.product ?? ""),
      entry(channels, group.channel),
    ]) {
      add(figure, group);
    }
  }
  return {
    total,
    months: withEmptyMonths(months),
    counties: largestFirst([...counties.values()]),
    products: largestFirst([...products.values()]),
    channels: [...channels.values()],
  };
}

/** The share (0 to 1) of the amount that came from the programme's counties; undefined with no sales. */
export function programmeShare(figure: Figure): number | undefined {
  return figure.amountFen > 0 ? figure.programmeFen / figure.amountFen : undefined;
}

function emptyFigure(key: string): Figure {
  return { key, sales: 0, amountFen: 0, programmeFen: 0, quantities: {} };
}

function entry(figures: Map<string, Figure>, key: string): Figure {
  let figure = figures.get(key);
  if (!figure) {
    figure = emptyFigure(key);
    figures.set(key, figure);
  }
  return figure;
}

function add(figure: Figure, group: SalesGroup): void {
  figure.sales += group.sales;
  figure.amountFen += group.amountFen;
  if (group.programmeCounty) figure.programmeFen += group.amountFen;
  figure.quantities[group.unit] = (figure.quantities[group.unit] ?? 0) + group.quantity;
}

function largestFirst<T extends Figure>(figures: T[]): T[] {
  return figures.sort((a, b) => b.amountFen - a.amountFen || b.sales - a.sales || a.key.localeCompare(b.key));
}

/** The months in order, the ones between without sales added as empty rows (a chart shows the gap). */
function withEmptyMonths(months: Map<string, Figure>): Figure[] {
  const keys = [...months.keys()].sort();
  if (keys.length === 0) return [];
  const all: Figure[] = [];
  for (let month = keys[0]; month <= keys[keys.length - 1]; month = nextMonth(month)) {
    all.push(months.get(month) ?? emptyFigure(month));
  }
  return all;
}

export function nextMonth(month: string): string {
  const [year, number] = month.split("-").map(Number);
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, "0")}`;
}
