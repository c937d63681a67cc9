/**
 * The purchases page of the programme view: the period form, the total and the share from the
 * programme's counties, then by month, county, product and channel a chart with its table. The
 * tables carry the figures as data attributes too (fen, counts), for checks by machine.
 */
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { barChart, columnChart } from "./programme-charts";
import { programmeShare, type CountyFigure, type Figure, type PurchaseFigures } from "./programme-figures";
import { channelName, countyName, formatCny, formatQuantities, formatShare, formatYuan, monthName } from "./programme-format";
import { PROGRAMME } from "./programme-messages";
import { periodQuery, type PeriodForm } from "./programme-period";
import { errorSummary } from "../forms";

/** Bars in a horizontal chart; the table below it lists every row. */
const CHART_ROWS = 10;

export function purchasesBody(lang: Lang, form: PeriodForm, figures: PurchaseFigures | undefined, listSize: number): SafeHtml {
  const t = PROGRAMME[lang];
  return html`<p>${t.intro}</p>
<p>${t.listNote(listSize)} <a href="/programme/counties">${t.listLink}</a></p>
${periodForm(lang, form)}
${figures ? figuresBody(lang, form, figures) : null}`;
}

function periodForm(lang: Lang, form: PeriodForm): SafeHtml {
  const t = PROGRAMME[lang];
  const hasErrors = Object.keys(form.errors).length > 0;
  return html`<section class="card" aria-label="${t.show}">
${hasErrors ? errorSummary({ _form: t.badPeriod, ...form.errors }, lang) : null}
<form method="get" action="/programme" class="period-form">
<div class="period-fields">
${monthField("from", t.from, form.values.from, form.errors.from, t.monthHint)}
${monthField("to", t.to, form.values.to, form.errors.to, t.monthHint)}
</div>
<p class="console-actions"><button type="submit" class="btn">${t.show}</button> <a href="/programme">${t.allTime}</a></p>
</form>
</section>`;
}

/** A month field, marked up as forms.ts marks up its fields (label, hint, error beside it). */
function monthField(name: string, label: string, value: string, error: string | undefined, hint: string): SafeHtml {
  const id = `f-${name}`;
  const describedBy = error ? `${id}-hint ${id}-error` : `${id}-hint`;
  return html`<div class="form-row${error ? " has-error" : ""}" data-field="${name}">
<label for="${id}">${label}</label>
<input type="month" id="${id}" name="${name}" value="${value}" placeholder="2026-06" aria-describedby="${describedBy}"${error ? html` aria-invalid="true"` : null}>
<p class="hint" id="${id}-hint">${hint}</p>
${error ? html`<p class="field-error" id="${id}-error" role="alert">${error}</p>` : null}
</div>`;
}

function figuresBody(lang: Lang, form: PeriodForm, figures: PurchaseFigures): SafeHtml {
  const t = PROGRAMME[lang];
  const { total } = figures;
  const share = programmeShare(total);
  return html`<section class="card" aria-labelledby="total-heading" data-total-fen="${total.amountFen}" data-total-sales="${total.sales}" data-programme-fen="${total.programmeFen}">
<h2 id="total-heading">${t.total}</h2>
<p class="figure-big">${formatCny(total.amountFen, lang)}</p>
<p>${t.salesCount(total.sales)} · <a href="/programme/sales.csv${periodQuery(form.period)}" download>${t.download}</a></p>
<h3>${t.share}</h3>
${share === undefined
  ? html`<p>${t.noShare}</p>`
  : html`<p class="figure-big" data-share="${share.toFixed(6)}">${formatShare(share, lang)}</p>
<p>${t.shareOf(formatCny(total.programmeFen, lang), formatCny(total.amountFen, lang))}</p>
<progress max="1" value="${share.toFixed(4)}" aria-label="${t.share}">${formatShare(share, lang)}</progress>`}
</section>
${total.sales === 0
  ? html`<p class="banner banner-warning" role="status" data-empty="true">${t.none}</p>`
  : [monthSection(lang, figures.months, total), countySection(lang, figures.counties, total), productSection(lang, figures.products, total), channelSection(lang, figures.channels, total)]}`;
}

function legend(lang: Lang): SafeHtml {
  const t = PROGRAMME[lang];
  return html`<p class="chart-legend"><span><span class="swatch swatch-programme" aria-hidden="true"></span>${t.legendProgramme}</span> <span><span class="swatch swatch-other" aria-hidden="true"></span>${t.legendOther}</span></p>`;
}

function monthSection(lang: Lang, months: Figure[], total: Figure): SafeHtml {
  const t = PROGRAMME[lang];
  const max = Math.max(...months.map((month) => month.amountFen));
  const chart = columnChart({
    id: "chart-month",
    title: t.chartMonth,
    maxLabel: t.maxLabel(formatCny(max, lang)),
    columns: months.map((month, i) => {
      const [year, number] = month.key.split("-").map(Number);
      return {
        label: t.monthShort(number),
        ...(i === 0 || number === 1 ? { sublabel: t.yearShort(year) } : {}),
        value: month.amountFen,
        part: month.programmeFen,
        tip: t.tipMonth(monthName(month.key, lang), formatCny(month.amountFen, lang), formatCny(month.programmeFen, lang)),
      };
    }),
  });
  return html`<section class="card" aria-labelledby="month-heading">
<h2 id="month-heading">${t.byMonth}</h2>
${chart}
${legend(lang)}
${figureTable(lang, { name: "month", heading: t.month, lastColumn: "programmeShare", total, rows: months.map((month) => ({ figure: month, label: monthName(month.key, lang) })) })}
</section>`;
}

function countySection(lang: Lang, counties: CountyFigure[], total: Figure): SafeHtml {
  const t = PROGRAMME[lang];
  const label = (county: CountyFigure) => countyName(county.key, county.harvestName, lang);
  return html`<section class="card" aria-labelledby="county-heading">
<h2 id="county-heading">${t.byCounty}</h2>
${barChart({
  id: "chart-county",
  title: t.chartCounty,
  bars: counties.slice(0, CHART_ROWS).map((county) => ({ label: label(county), value: county.amountFen, valueLabel: formatCny(county.amountFen, lang), highlighted: county.programmeCounty })),
})}
${legend(lang)}
${counties.length > CHART_ROWS ? html`<p class="hint">${t.chartTop(CHART_ROWS)}</p>` : null}
${figureTable(lang, {
  name: "county",
  heading: t.county,
  lastColumn: "share",
  total,
  rows: counties.map((county) => ({
    figure: county,
    label: label(county),
    detail: html`${county.key ? html`<code>${county.key}</code>` : null}${county.programmeCounty ? html` <span class="tag tag-programme">${t.programmeCounty}</span>` : null}`,
    programmeCounty: county.programmeCounty,
  })),
})}
</section>`;
}

function productSection(lang: Lang, products: Figure[], total: Figure): SafeHtml {
  const t = PROGRAMME[lang];
  const label = (product: Figure) => product.key || t.unknownProduct;
  return html`<section class="card" aria-labelledby="product-heading">
<h2 id="product-heading">${t.byProduct}</h2>
${barChart({
  id: "chart-product",
  title: t.chartProduct,
  bars: products.slice(0, CHART_ROWS).map((product) => ({ label: label(product), value: product.amountFen, valueLabel: formatCny(product.amountFen, lang), highlighted: false })),
})}
${products.length > CHART_ROWS ? html`<p class="hint">${t.chartTop(CHART_ROWS)}</p>` : null}
${figureTable(lang, {
  name: "product",
  heading: t.product,
  lastColumn: "share",
  total,
  rows: products.map((product) => ({ figure: product, label: label(product), detail: formatQuantities(product.quantities, lang) })),
})}
</section>`;
}

function channelSection(lang: Lang, channels: Figure[], total: Figure): SafeHtml {
  const t = PROGRAMME[lang];
  return html`<section class="card" aria-labelledby="channel-heading">
<h2 id="channel-heading">${t.byChannel}</h2>
${barChart({
  id: "chart-channel",
  title: t.chartChannel,
  bars: channels.map((channel) => ({ label: channelName(channel.key, lang), value: channel.amountFen, valueLabel: formatCny(channel.amountFen, lang), highlighted: false })),
})}
${figureTable(lang, { name: "channel", heading: t.channel, lastColumn: "share", total, rows: channels.map((channel) => ({ figure: channel, label: channelName(channel.key, lang) })) })}
</section>`;
}

interface FigureTable {
  name: "month" | "county" | "product" | "channel";
  heading: string;
  /** The share of the row's amount from programme counties (by month), or the row's share of the total. */
  lastColumn: "programmeShare" | "share";
  rows: Array<{ figure: Figure; label: string; detail?: SafeHtml | string; programmeCounty?: boolean }>;
  total: Figure;
}

/**
 * A chart's figures as a table that fits a phone: the name (with a detail line under it), then
 * narrow number columns. Rows carry their key and figures as data attributes.
 */
function figureTable(lang: Lang, table: FigureTable): SafeHtml {
  const t = PROGRAMME[lang];
  const last = (figure: Figure) => {
    const share = table.lastColumn === "programmeShare" ? programmeShare(figure) : shareOf(figure, table.total);
    return share === undefined ? "" : formatShare(share, lang);
  };
  return html`<div class="table-scroll"><table class="data figures" data-figures="${table.name}">
<thead><tr><th scope="col">${table.heading}</th><th scope="col" class="num">${t.sales}</th><th scope="col" class="num">${t.amountYuan}</th><th scope="col" class="num">${table.lastColumn === "programmeShare" ? t.programmeShareColumn : t.shareColumn}</th></tr></thead>
<tbody>${table.rows.map(({ figure, label, detail, programmeCounty }) => html`<tr data-key="${figure.key}" data-sales="${figure.sales}" data-fen="${figure.amountFen}" data-programme-fen="${figure.programmeFen}"${programmeCounty === undefined ? null : html` data-programme-county="${String(programmeCounty)}"`}>
<th scope="row">${label}${detail ? html`<span class="figure-detail">${detail}</span>` : null}</th>
<td class="num">${figure.sales}</td><td class="num">${formatYuan(figure.amountFen, lang)}</td><td class="num">${last(figure)}</td></tr>`)}</tbody>
<tfoot><tr><th scope="row">${t.total}</th><td class="num">${table.total.sales}</td><td class="num">${formatYuan(table.total.amountFen, lang)}</td><td class="num">${table.lastColumn === "programmeShare" ? last(table.total) : ""}</td></tr></tfoot>
</table></div>`;
}

/** The figure's part (0 to 1) of the total amount; undefined when the total is nothing. */
function shareOf(figure: Figure, total: Figure): number | undefined {
  return total.amountFen > 0 ? figure.amountFen / total.amountFen : undefined;
}
