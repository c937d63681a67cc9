/**
 * Bar charts as server-rendered SVG, made with the html template like every page: rects for the
 * bars, text for the labels, colours from site.css classes (the CSP forbids style attributes),
 * no script. Each chart is an image with a title for screen readers; the page shows the same
 * figures in a table beside it, which is where exact values are read.
 */
import { html, type SafeHtml } from "../../html/html";

const WIDTH = 320;

export interface Column {
  label: string;
  /** A second label line (the year under January and the first month). */
  sublabel?: string;
  value: number;
  /** The part of the value drawn in the highlight colour (from programme counties). */
  part: number;
  /** Shown on hover: the figures in words. */
  tip: string;
}

/** Vertical bars over time, each with its highlighted part at the bottom. */
export function columnChart(spec: { id: string; title: string; columns: Column[]; maxLabel: string }): SafeHtml {
  const height = 190;
  const top = 20;
  const plot = height - top - 36;
  const base = top + plot;
  const slot = (WIDTH - 8) / Math.max(1, spec.columns.length);
  const barWidth = Math.min(40, Math.max(2, slot * 0.7));
  const max = Math.max(1, ...spec.columns.map((column) => column.value));
  const labelEvery = Math.ceil(spec.columns.length / 12); // at most 12 labels fit under 320 units
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${spec.id}-title">
<title id="${spec.id}-title">${spec.title}</title>
<text x="4" y="12">${spec.maxLabel}</text>
<line class="chart-grid" x1="4" y1="${top}" x2="${WIDTH - 4}" y2="${top}"/>
<line class="chart-axis" x1="4" y1="${base}" x2="${WIDTH - 4}" y2="${base}"/>
${spec.columns.map((column, i) => {
  const x = 4 + i * slot + (slot - barWidth) / 2;
  const middle = round(x + barWidth / 2);
  const full = (column.value / max) * plot;
  const part = (column.part / max) * plot;
  const labelled = i % labelEvery === 0;
  return html`<g><title>${column.tip}</title>
${column.value > 0 ? html`<rect class="bar" x="${round(x)}" y="${round(base - full)}" width="${round(barWidth)}" height="${round(full)}"/>` : null}
${column.part > 0 ? html`<rect class="bar-programme" x="${round(x)}" y="${round(base - part)}" width="${round(barWidth)}" height="${round(part)}"/>` : null}
</g>
${labelled ? html`<text x="${middle}" y="${base + 14}" text-anchor="middle">${column.label}</text>` : null}
${labelled && column.sublabel ? html`<text x="${middle}" y="${base + 28}" text-anchor="middle">${column.sublabel}</text>` : null}`;
})}
</svg>`;
}

export interface Bar {
  label: string;
  value: number;
  /** The value in words, written at the end of the bar. */
  valueLabel: string;
  /** Drawn in the highlight colour (a programme county). */
  highlighted: boolean;
}

/** Horizontal bars, largest first as given: the label above each bar, the value after it. */
export function barChart(spec: { id: string; title: string; bars: Bar[] }): SafeHtml {
  const row = 36;
  const height = spec.bars.length * row + 4;
  const room = WIDTH - 110; // the longest bar leaves room for its value label
  const max = Math.max(1, ...spec.bars.map((bar) => bar.value));
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${spec.id}-title">
<title id="${spec.id}-title">${spec.title}</title>
${spec.bars.map((bar, i) => {
  const y = i * row;
  const length = bar.value > 0 ? Math.max(1, (bar.value / max) * room) : 0;
  return html`<text x="0" y="${y + 13}">${shorten(bar.label)}</text>
<rect class="${bar.highlighted ? "bar-programme" : "bar"}" x="0" y="${y + 18}" width="${round(length)}" height="12"/>
<text x="${round(length + 6)}" y="${y + 28}">${bar.valueLabel}</text>`;
})}
</svg>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A label that would run off the chart, cut with an ellipsis (the table has it whole). */
function shorten(label: string): string {
  const chars = [...label];
  return chars.length > 22 ? `${chars.slice(0, 21).join("")}…` : label;
}
