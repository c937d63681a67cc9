/**
 * The stylesheet of each label stock (label-sheet.ts): its exact @page size with no margins, a
 * sheet a page with its grid of labels in absolute millimetres, and how a label's content fits
 * its box. One stylesheet per stock because @page cannot depend on a class, and the pages'
 * Content-Security-Policy allows no inline style. Served under names that carry their hash.
 */
import { createHash } from "node:crypto";
import { LABEL_STOCK_IDS, LABEL_STOCKS, type LabelStock, type LabelStockId } from "./label-sheet";

/** How a label's content sits in a label of each stock (mm). */
interface LabelContentSize {
  padding: number;
  qr: number;
  gap: number;
  /** Font sizes: the facts, the product's name, the printed URL. */
  font: number;
  product: number;
  url: number;
}

const CONTENT: Record<LabelStockId, LabelContentSize> = {
  "a4-3x8": { padding: 2.5, qr: 23, gap: 1.5, font: 2.6, product: 3.2, url: 1.9 },
  "a4-2x5": { padding: 4, qr: 34, gap: 2.5, font: 3.4, product: 4.4, url: 2.4 },
  "60x40": { padding: 2, qr: 24, gap: 1.5, font: 2.6, product: 3.2, url: 1.8 },
};

function mm(value: number): string {
  return `${Number(value.toFixed(3))}mm`;
}

export function labelStylesheetText(stock: LabelStock): string {
  const c = CONTENT[stock.id];
  const printedHeight = stock.margin.top + stock.rows * stock.label.height;
  return `/* Label stock ${stock.id}: ${stock.columns} x ${stock.rows} labels of ${stock.label.width} x ${stock.label.height} mm on ${stock.page.width} x ${stock.page.height} mm. */
@page { size: ${mm(stock.page.width)} ${mm(stock.page.height)}; margin: 0; }
main.label-page { max-width: none; margin: 0; padding: 0; }
.label-controls { max-width: 44rem; margin: 0 auto; padding: 1rem; }
.label-controls h1 { font-size: 1.2rem; }
.label-stocks ul { list-style: none; margin: 0.25rem 0 0.75rem; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5rem; }
.label-stocks a { display: inline-block; padding: 0.4rem 0.8rem; border: 1px solid var(--green); border-radius: 999px; text-decoration: none; color: var(--green); }
.label-stocks a[aria-current="page"] { background: var(--green); color: #fff; font-weight: 700; }
.print-hint { margin: 0; padding: 0.6rem 0.8rem; border-left: 4px solid var(--amber); background: var(--amber-wash); color: var(--amber); }
/* Each sheet is one page: the labels in a fixed grid, so a partial last sheet keeps its labels where the stock has them. */
.sheet {
  width: ${mm(stock.page.width)}; height: ${mm(printedHeight)}; box-sizing: border-box; margin: 0;
  padding: ${mm(stock.margin.top)} 0 0 ${mm(stock.margin.left)};
  display: grid; grid-template-columns: repeat(${stock.columns}, ${mm(stock.label.width)}); grid-template-rows: repeat(${stock.rows}, ${mm(stock.label.height)});
  overflow: hidden; background: #fff; color: #000; break-inside: avoid; break-after: page;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
.sheet:last-child { break-after: auto; }
.label {
  width: ${mm(stock.label.width)}; height: ${mm(stock.label.height)}; box-sizing: border-box; padding: ${mm(c.padding)}; overflow: hidden; break-inside: avoid;
  display: grid; grid-template-columns: ${mm(c.qr)} minmax(0, 1fr); grid-template-rows: minmax(0, 1fr) auto; grid-template-areas: "qr text" "url url";
  column-gap: ${mm(c.gap)}; row-gap: ${mm(c.gap / 2)}; font-size: ${mm(c.font)}; line-height: 1.2;
}
.label svg { grid-area: qr; display: block; width: ${mm(c.qr)}; height: ${mm(c.qr)}; }
.label .label-text { grid-area: text; min-width: 0; overflow: hidden; display: flex; flex-direction: column; gap: ${mm(c.font / 6)}; }
.label .label-text > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.label .label-product { font-weight: 700; font-size: ${mm(c.product)}; }
.label .label-mark { font-weight: 800; color: #0b6b3a; border: 0.3mm solid #0b6b3a; border-radius: 1mm; padding: 0 1mm; align-self: flex-start; }
.label .label-code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: ${mm(c.font * 1.1)}; }
/* The address a shopper can type without a scanner: at most two lines, broken anywhere. */
.label .label-url { grid-area: url; min-width: 0; font-size: ${mm(c.url)}; line-height: 1.2; max-height: ${mm(c.url * 1.2 * 2)}; overflow: hidden; overflow-wrap: anywhere; word-break: break-all; }
@media screen {
  .sheets { overflow-x: auto; padding: 0 1rem 1rem; }
  .sheet { height: ${mm(stock.page.height)}; margin: 0 auto 1rem; box-shadow: 0 0 2mm rgba(0, 0, 0, 0.3); }
  /* The cut lines, on screen only: printed, they would show on the labels. */
  .label { outline: 0.2mm dashed #bbb; outline-offset: -0.1mm; }
}
@media print {
  /* White paper round the sheets too (site.css gives :root a grey wash, which wins over html). */
  :root, body { margin: 0; padding: 0; background: #fff; }
  .site-header, .label-controls, .site-footer { display: none; }
}
`;
}

/** The stylesheets, served under names that carry their hash. */
export const LABEL_STYLESHEETS: Record<LabelStockId, { path: string; body: string }> = Object.fromEntries(
  LABEL_STOCK_IDS.map((id) => {
    const body = labelStylesheetText(LABEL_STOCKS[id]);
    return [id, { path: `/assets/labels-${id}.${createHash("sha256").update(body).digest("hex").slice(0, 12)}.css`, body }];
  }),
) as Record<LabelStockId, { path: string; body: string }>;
