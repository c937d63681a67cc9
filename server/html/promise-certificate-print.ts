/**
 * A 承诺达标合格证 printed the ways cooperatives print it, as pure functions of the signed
 * certificate (server/domain/promise-certificate.ts):
 * - print-ready HTML for 60×40 mm and 80×60 mm labels and an A4 sheet of eight 100×70 mm
 *   certificates, each page size an exact CSS @page size (a stylesheet per size: the pages'
 *   Content-Security-Policy allows no inline style), the words 承诺达标合格证 in large type beside
 *   the QR code of the batch's Digital Link;
 * - TSPL for the Bluetooth label printers common in China (TSC, Gprinter, Xprinter and their
 *   kind): the printer's built-in simplified-Chinese font TSS24.BF2, text encoded in GB18030;
 * - ZPL for Zebra printers: UTF-8 (^CI28) in a scalable CJK font the printer holds (ZPL_CJK_FONT).
 * Both label languages draw the QR code with the printer's own QR command (QRCODE, ^BQ) from
 * the Digital Link, at 203 dpi (8 dots a millimetre), from one layout.
 *
 * No PDF: nothing installed here writes one cleanly with CJK fonts; the HTML prints to PDF from
 * any browser at the exact size.
 */
import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import QRCode from "qrcode";
import { CERTIFICATE_TITLE, MARK_LABELS, PROMISE_SHORT, type PromiseCertificateContent } from "../domain/promise-certificate";
import { generatedMarkup, html, type SafeHtml } from "./html";
import { MESSAGES } from "./i18n";

export const PRINT_SIZES = ["60x40", "80x60", "a4"] as const;
export type PrintSize = (typeof PRINT_SIZES)[number];
/** The sizes a label printer takes (TSPL, ZPL). */
export const LABEL_SIZES = ["60x40", "80x60"] as const;
export type LabelSize = (typeof LABEL_SIZES)[number];

/** Each size's page (mm): a label is one certificate a page; an A4 sheet holds eight. */
export const PAGE_MM: Record<PrintSize, { width: number; height: number }> = {
  "60x40": { width: 60, height: 40 },
  "80x60": { width: 80, height: 60 },
  a4: { width: 210, height: 297 },
};
/** One certificate on an A4 sheet (mm), two across and four down. */
const A4_CELL = { width: 100, height: 70, across: 2, down: 4 };
export const A4_PER_SHEET = A4_CELL.across * A4_CELL.down;
export const MAX_COPIES = 500;

/** The Zebra font the ZPL names for Chinese text (Zebra's simplified-Chinese TrueType font); the printer must hold it. */
export const ZPL_CJK_FONT = "E:ANMDS.TTF";
/** The TSPL printers' built-in simplified-Chinese bitmap font: 24×24 dots (ASCII 12×24). */
export const TSPL_FONT = "TSS24.BF2";
export const DOTS_PER_MM = 8;

const UNITS = MESSAGES.zh.units;

// ---- what a certificate says, line by line --------------------------------------------------------

function quantityText(content: PromiseCertificateContent): string {
  return `${content.quantity.amount} ${UNITS[content.quantity.unit] ?? content.quantity.unit}`;
}

/** 产地: the first origin in full; more than one are counted ("等 3 处"). */
function originText(content: PromiseCertificateContent, full = false): string {
  const one = (o: PromiseCertificateContent["origins"][number]) => [full ? `${o.province ?? ""}${o.county}` : o.county, o.village, o.base].filter(Boolean).join(" ");
  if (content.origins.length === 0) return "—";
  if (full) return content.origins.map(one).join("；");
  return content.origins.length === 1 ? one(content.origins[0]) : `${one(content.origins[0])} 等 ${content.origins.length} 处`;
}

function marksText(content: PromiseCertificateContent): string {
  return content.marks.map((mark) => `√${MARK_LABELS[mark]}`).join(" ");
}

// ---- HTML -----------------------------------------------------------------------------------------

const FONTS = `"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif`;

/** The stylesheet of a size: its exact @page size, and how a certificate fills it. */
function stylesheetText(size: PrintSize): string {
  const page = PAGE_MM[size];
  const cell = size === "a4" ? A4_CELL : page;
  const qr = size === "60x40" ? 17 : size === "80x60" ? 25 : 28;
  const font = size === "60x40" ? 2.1 : size === "80x60" ? 2.7 : 2.9;
  const title = size === "60x40" ? 3.6 : size === "80x60" ? 5 : 5.4;
  const padding = size === "60x40" ? 1.5 : 2.5;
  const sheet =
    size === "a4"
      ? `.sheet { width: ${page.width}mm; height: ${page.height}mm; box-sizing: border-box; padding: ${(page.height - A4_CELL.height * A4_CELL.down) / 2}mm ${(page.width - A4_CELL.width * A4_CELL.across) / 2}mm; display: grid; grid-template-columns: repeat(${A4_CELL.across}, ${A4_CELL.width}mm); grid-auto-rows: ${A4_CELL.height}mm; break-after: page; }
.sheet:last-child { break-after: auto; }
.cert { outline: 0.2mm dashed #999; }`
      : `.cert { break-after: page; }
.cert:last-child { break-after: auto; }`;
  return `@page { size: ${page.width}mm ${page.height}mm; margin: 0; }
html, body { margin: 0; padding: 0; }
body { font-family: ${FONTS}; color: #000; background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.cert { width: ${cell.width}mm; height: ${cell.height}mm; box-sizing: border-box; padding: ${padding}mm; overflow: hidden; display: grid; grid-template-columns: minmax(0, 1fr) ${qr}mm; grid-template-rows: auto 1fr auto; grid-template-areas: "title qr" "facts qr" "promise promise"; column-gap: 1mm; font-size: ${font}mm; line-height: 1.25; }
.cert-title { grid-area: title; margin: 0; font-size: ${title}mm; font-weight: 700; letter-spacing: 0.1mm; white-space: nowrap; }
.cert-qr { grid-area: qr; min-width: 0; text-align: center; }
.cert-qr svg { display: block; width: ${qr}mm; height: ${qr}mm; }
.cert-no { margin: 0; font-size: ${(font * 0.72).toFixed(2)}mm; overflow-wrap: anywhere; }
.cert-facts { grid-area: facts; min-width: 0; margin: 0.5mm 0 0; }
.cert-facts div { display: flex; gap: 0.5mm; min-width: 0; }
.cert-facts dt { flex: none; font-weight: 700; }
.cert-facts dt::after { content: "："; }
.cert-facts dd { margin: 0; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
${size === "60x40" ? "" : `.cert-facts [data-field="origin"] dd { white-space: normal; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2; }\n`}.cert-promise { grid-area: promise; margin: 0.5mm 0 0; }
.cert-promise p, .cert-promise ol { margin: 0; }
.cert-promise ol { padding-left: 1.2em; }
.cert-marks { font-weight: 700; }
${sheet}
@media screen {
  body { background: #ddd; }
  .cert, .sheet { background: #fff; margin: 4mm auto; box-shadow: 0 0 2mm rgba(0, 0, 0, 0.3); }
  .sheet .cert { margin: 0; box-shadow: none; }
}
`;
}

/** The stylesheets, served under names that carry their hash. */
export const PRINT_STYLESHEETS: Record<PrintSize, { path: string; body: string }> = Object.fromEntries(
  PRINT_SIZES.map((size) => {
    const body = stylesheetText(size);
    return [size, { path: `/assets/promise-certificate-${size}.${createHash("sha256").update(body).digest("hex").slice(0, 12)}.css`, body }];
  }),
) as Record<PrintSize, { path: string; body: string }>;

export interface HtmlPrintOptions {
  size: PrintSize;
  /** The QR code of the certificate's Digital Link, as SVG (made by the qrcode package). */
  qrSvg: string;
  /** How many certificates to print (labels: one a page; A4: eight a sheet). */
  copies?: number;
}

/** The print-ready page of a certificate. */
export function renderPromiseCertificateHtml(certificate: { id: string; content: PromiseCertificateContent }, options: HtmlPrintOptions): string {
  const { content } = certificate;
  const size = options.size;
  const copies = clampCopies(options.copies ?? (size === "a4" ? A4_PER_SHEET : 1));
  const one = certificateHtml(certificate.id, content, size, options.qrSvg);
  const certificates = Array.from({ length: copies }, () => one);
  const pages: SafeHtml[] =
    size === "a4"
      ? chunks(certificates, A4_PER_SHEET).map((sheet) => html`<section class="sheet">${sheet}</section>`)
      : certificates;
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${CERTIFICATE_TITLE} ${content.certificateNo} · ${content.product.name}</title>
<link rel="stylesheet" href="${PRINT_STYLESHEETS[size].path}">
<link rel="icon" href="data:,">
</head>
<body data-size="${size}" data-copies="${copies}">
${pages}
</body>
</html>
`.value;
}

function certificateHtml(id: string, content: PromiseCertificateContent, size: PrintSize, qrSvg: string): SafeHtml {
  const small = size === "60x40";
  const row = (field: string, label: string, value: string | undefined) =>
    value ? html`<div data-field="${field}"><dt>${label}</dt><dd>${value}</dd></div>` : null;
  const promiser = content.promiser;
  return html`<article class="cert" data-certificate="${id}" data-digital-link="${content.digitalLink}">
<h1 class="cert-title">${CERTIFICATE_TITLE}</h1>
<div class="cert-qr">${generatedMarkup(qrSvg)}<p class="cert-no" data-field="certificateNo">No.${content.certificateNo}</p></div>
<dl class="cert-facts">
${row("product", "品名", content.product.name)}
${row("quantity", "数量", quantityText(content))}
${row("origin", "产地", originText(content, !small))}
${row("promiser", "开具方", promiser.name)}
${row("phone", "电话", promiser.phone)}
${small ? null : row("address", "地址", promiser.address)}
${row("issuedOn", "开具日期", content.issuedOn)}
</dl>
<div class="cert-promise" data-field="promise">
${small
  ? html`<p>${PROMISE_SHORT}</p>`
  : html`<p>${content.promise.statement}</p><ol>${content.promise.items.map((item) => html`<li>${item}</li>`)}</ol>`}
${content.marks.length ? html`<p class="cert-marks" data-field="marks">${marksText(content)}</p>` : null}
</div>
</article>`;
}

// ---- label printers -------------------------------------------------------------------------------

export interface LabelText {
  x: number;
  y: number;
  /** Character height in dots (a CJK character is this wide, an ASCII one half). */
  height: number;
  text: string;
}

/** A certificate on a label, in printer dots (203 dpi): the texts and the QR code, each inside the label. */
export interface LabelLayout {
  size: LabelSize;
  widthMm: number;
  heightMm: number;
  gapMm: number;
  width: number;
  height: number;
  texts: LabelText[];
  qr: { x: number; y: number; cell: number; modules: number; data: string };
}

const FONT = 24;

/** How wide a text is, in dots, in a font `height` dots high: CJK and full-width characters square, others half. */
export function textWidth(text: string, height: number): number {
  let width = 0;
  for (const character of text) width += (character.codePointAt(0) ?? 0) >= 0x1100 ? height : height / 2;
  return width;
}

/** The text cut to `width` dots, ending in "…" when cut. */
function fit(text: string, width: number, height: number): string {
  if (textWidth(text, height) <= width) return text;
  let out = "";
  for (const character of text) {
    if (textWidth(`${out}${character}…`, height) > width) break;
    out += character;
  }
  return `${out}…`;
}

/** The text in lines of at most `width` dots. */
function wrap(text: string, width: number, height: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const character of text) {
    if (line && textWidth(line + character, height) > width) {
      lines.push(line);
      line = "";
    }
    line += character;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Where each line goes on a label. The facts run down beside the QR code (then under it), each
 * on one line, cut with "…" when too long; the promise and the marks sit at the foot.
 */
export function labelLayout(content: PromiseCertificateContent, size: LabelSize): LabelLayout {
  const mm = PAGE_MM[size];
  const width = mm.width * DOTS_PER_MM;
  const height = mm.height * DOTS_PER_MM;
  const large = size === "80x60";
  const margin = large ? 12 : 8;
  const qrBox = large ? 200 : 136;
  const modules = QRCode.create(content.digitalLink, { errorCorrectionLevel: "M" }).modules.size;
  const cell = Math.max(2, Math.floor(qrBox / modules));
  const qrSide = cell * modules;
  const qr = { x: width - margin - qrSide, y: margin, cell, modules, data: content.digitalLink };
  const texts: LabelText[] = [];
  const lineWidth = (y: number) => (y < qr.y + qrSide + 4 ? qr.x - 8 - margin : width - 2 * margin);
  const put = (y: number, text: string, h = FONT) => texts.push({ x: margin, y, height: h, text: fit(text, lineWidth(y), h) });

  // The title, large beside the QR code.
  const titleHeight = large ? 2 * FONT : FONT;
  put(margin, CERTIFICATE_TITLE, titleHeight);
  const step = large ? 30 : 28;
  let y = margin + titleHeight + (large ? 8 : 4);
  const facts = [
    `品名：${content.product.name}`,
    `数量：${quantityText(content)}`,
    `产地：${originText(content)}`,
    `开具方：${content.promiser.name}`,
    `电话：${content.promiser.phone}`,
    ...(large && content.promiser.address ? [`地址：${content.promiser.address}`] : []),
    `${content.issuedOn} No.${content.certificateNo}`,
  ];
  for (const line of facts) {
    put(y, line);
    y += step;
  }

  // The promise and the marks, from the foot up.
  const footStep = large ? 26 : 28;
  const full = width - 2 * margin;
  const promise = large
    ? [fit(content.promise.statement, full, FONT), ...content.promise.items.map((item, i) => fit(`${"①②③④⑤⑥"[i] ?? `${i + 1}.`}${item}`, full, FONT))]
    : wrap(PROMISE_SHORT, full, FONT);
  const foot = [...promise, ...(content.marks.length ? [fit(marksText(content), full, FONT)] : [])];
  let footY = height - margin - FONT - (foot.length - 1) * footStep;
  // A label too small for everything keeps the promise whole: the facts give way from the bottom.
  while (texts.length > 1 && texts[texts.length - 1].y + FONT > footY - 2) texts.pop();
  for (const line of foot) {
    texts.push({ x: margin, y: footY, height: FONT, text: line });
    footY += footStep;
  }
  return { size, widthMm: mm.width, heightMm: mm.height, gapMm: 2, width, height, texts, qr };
}

/** A TSPL string: a double quote is written \["]. */
function tsplString(text: string): string {
  return `"${text.replaceAll('"', '\\["]')}"`;
}

/** TSPL for the label, in GB18030 (what the printer's Chinese font reads). */
export function promiseCertificateTspl(content: PromiseCertificateContent, size: LabelSize, copies = 1): Buffer {
  const layout = labelLayout(content, size);
  const lines = [
    `SIZE ${layout.widthMm} mm,${layout.heightMm} mm`,
    `GAP ${layout.gapMm} mm,0 mm`,
    "DIRECTION 1",
    "REFERENCE 0,0",
    "CLS",
    ...layout.texts.map((t) => {
      const scale = Math.max(1, Math.round(t.height / FONT));
      return `TEXT ${t.x},${t.y},${tsplString(TSPL_FONT)},0,${scale},${scale},${tsplString(t.text)}`;
    }),
    `QRCODE ${layout.qr.x},${layout.qr.y},M,${layout.qr.cell},A,0,${tsplString(layout.qr.data)}`,
    `PRINT 1,${clampCopies(copies)}`,
  ];
  return iconv.encode(`${lines.join("\r\n")}\r\n`, "gb18030");
}

/** A ZPL field's data with ^FH escapes for the characters ZPL reads as commands (and the escape itself). */
function zplField(text: string): string {
  return text.replace(/[\^~_\\]/g, (character) => `_${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** ZPL for the label, UTF-8 (^CI28). */
export function promiseCertificateZpl(content: PromiseCertificateContent, size: LabelSize, copies = 1): Buffer {
  const layout = labelLayout(content, size);
  const lines = [
    "^XA",
    "^CI28",
    `^PW${layout.width}`,
    `^LL${layout.height}`,
    "^LH0,0",
    ...layout.texts.map((t) => `^FO${t.x},${t.y}^A@N,${t.height},${t.height},${ZPL_CJK_FONT}^FH^FD${zplField(t.text)}^FS`),
    `^FO${layout.qr.x},${layout.qr.y}^BQN,2,${Math.min(10, layout.qr.cell)}^FH^FDMA,${zplField(layout.qr.data)}^FS`,
    `^PQ${clampCopies(copies)}`,
    "^XZ",
  ];
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

function clampCopies(copies: number): number {
  return Math.max(1, Math.min(MAX_COPIES, Math.floor(copies)));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
