/**
 * The geometry of a printed label sheet, shared by the public label page and the console's serials
 * form: the label stocks the page prints on, each an exact page (CSS @page size, no margins) cut
 * into a grid of labels measured in millimetres, as the stock's maker draws it.
 */

export const LABEL_STOCK_IDS = ["a4-3x8", "a4-2x5", "60x40"] as const;
export type LabelStockId = (typeof LABEL_STOCK_IDS)[number];

export interface LabelStock {
  id: LabelStockId;
  /** The paper (mm): a sheet of labels is one page. */
  page: { width: number; height: number };
  columns: number;
  rows: number;
  /** One label (mm); the stocks here have no gaps between labels. */
  label: { width: number; height: number };
  /** From the paper's top and left edges to the first label (mm); the rest of the paper is the bottom and right margins. */
  margin: { top: number; left: number };
}

export const LABEL_STOCKS: Record<LabelStockId, LabelStock> = {
  // A4, 3 across and 8 down: 3 × 70 = 210 mm wide, 8 × 37 = 296 mm tall, 0.5 mm above and below.
  "a4-3x8": { id: "a4-3x8", page: { width: 210, height: 297 }, columns: 3, rows: 8, label: { width: 70, height: 37 }, margin: { top: 0.5, left: 0 } },
  // A4, 2 across and 5 down: 2 × 105 = 210 mm wide, 5 × 57 = 285 mm tall, 6 mm above and below.
  "a4-2x5": { id: "a4-2x5", page: { width: 210, height: 297 }, columns: 2, rows: 5, label: { width: 105, height: 57 }, margin: { top: 6, left: 0 } },
  // One label a page, for label printers (roll stock).
  "60x40": { id: "60x40", page: { width: 60, height: 40 }, columns: 1, rows: 1, label: { width: 60, height: 40 }, margin: { top: 0, left: 0 } },
};

/** What the page prints on when no stock is asked for: the common A4 3 × 8 sheet. */
export const DEFAULT_LABEL_STOCK: LabelStock = LABEL_STOCKS["a4-3x8"];

export function labelsPerSheet(stock: LabelStock): number {
  return stock.columns * stock.rows;
}

/** An A4 sheet of the default stock holds 3 x 8 labels. */
export const LABELS_PER_SHEET = labelsPerSheet(DEFAULT_LABEL_STOCK);

/** The stock a `stock` query value names; the default when absent; undefined for anything else. */
export function labelStockOf(value: unknown): LabelStock | undefined {
  if (value === undefined || value === "") return DEFAULT_LABEL_STOCK;
  return typeof value === "string" && (LABEL_STOCK_IDS as readonly string[]).includes(value) ? LABEL_STOCKS[value as LabelStockId] : undefined;
}
