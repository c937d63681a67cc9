/**
 * The processing form: the batch processed, up to three more batches merged into it, the step,
 * and up to five new batches split off (rows left empty are ignored: there is no script to add
 * rows). A batch is named by its GTIN and lot, or by pasting its batch id or the link its QR
 * code holds into the GTIN field. This module reads the form into the API's processing body and
 * draws it again, with errors beside the fields they belong to.
 */
import { batchIdFromReference } from "../../domain/digital-link";
import { batchIdFor, isValidGtin, parseBatchId } from "../../domain/gs1";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { countedUnitOptions, groupError, unitOptions } from "./batch-forms";
import { BATCH_WORDS, STEPS } from "./batch-messages";
import { chinaTime, errorSummary, field, form, formKeyField, FORM_KEY_FIELD, number, text, type FieldErrors } from "../forms";
import { COMMON, messages } from "../messages";
import type { ConsoleRequest } from "../session";
import type { Request } from "express";

export const PROCESSING_PATH = "/console/processing/new";
export const MERGE_ROWS = 3;
export const OUTPUT_ROWS = 5;
/** Output rows shown open; the others fold away until needed (a long form on a phone). */
const OPEN_OUTPUT_ROWS = 2;

const M = messages({
  zh: {
    batchSection: "加工的批次",
    batchHint: "也可以把批次编号（0x…）或扫二维码得到的链接粘贴到这里",
    mergeSection: "合并进来的其他批次（可选）",
    mergeIntro: "几个批次合在一起加工时填写；不合并就留空。",
    merge: (n: number) => `其他批次 ${n}`,
    stepSection: "加工",
    step: "工序",
    occurredAt: "加工时间",
    facility: "加工地点",
    notes: "备注",
    outputSection: "分装成新批次（可选）",
    outputIntro: "分成几个新批次时，每个新批次填一行；原批次整批加工、不分装就全部留空。空行会被忽略。",
    output: (n: number) => `新批次 ${n}`,
    moreOutputs: "更多新批次",
    productName: "产品名称（可选）",
    variety: "品种（可选）",
    badGtin: "商品条码位数或校验位不对，或不是批次编号、二维码链接",
    badLot: "批次号须为 1–20 个字母、数字或 GS1 允许的符号",
    conversionUnit: "计数单位（可选）",
    conversionKg: "每个单位的重量（公斤）",
    unitsChecked: "我已核对数量：新批次的数量没有超过原料批次的数量",
    submit: "提交加工记录",
  },
  en: {
    batchSection: "Batch processed",
    batchHint: "You may also paste the batch id (0x…) or the link its QR code holds here",
    mergeSection: "Other batches merged in (optional)",
    mergeIntro: "When several batches are processed together; leave empty otherwise.",
    merge: (n: number) => `Other batch ${n}`,
    stepSection: "Processing",
    step: "Step",
    occurredAt: "Processed at",
    facility: "Facility",
    notes: "Notes",
    outputSection: "Split into new batches (optional)",
    outputIntro: "One row for each new batch when splitting; leave them all empty when the whole batch is processed as it is. Empty rows are ignored.",
    output: (n: number) => `New batch ${n}`,
    moreOutputs: "More new batches",
    productName: "Product name (optional)",
    variety: "Variety (optional)",
    badGtin: "Not a GTIN with a correct check digit, a batch id or a QR code link",
    badLot: "A lot is 1 to 20 letters, digits or GS1 symbols",
    conversionUnit: "Counted unit (optional)",
    conversionKg: "Weight of one (kg)",
    unitsChecked: "I checked the quantities: the new batches do not hold more than the batches they are made from",
    submit: "Record the processing",
  },
});

export type ProcessingValues = Record<string, string | undefined>;

const mergeRow = (n: number) => `merge${n}`;
const outputRow = (n: number) => `out${n}`;
const OUTPUT_FIELDS = ["gtin", "lot", "amount", "unit", "conversionUnit", "conversionKg", "productName", "variety"] as const;

/** Every field of the form, as typed. */
export function processingValues(body: Record<string, unknown>): ProcessingValues {
  const names = ["batch.gtin", "batch.lot", "step", "occurredAt", "facility", "notes", "unitsChecked"];
  for (let n = 1; n <= MERGE_ROWS; n++) names.push(`${mergeRow(n)}.gtin`, `${mergeRow(n)}.lot`);
  for (let n = 1; n <= OUTPUT_ROWS; n++) names.push(...OUTPUT_FIELDS.map((f) => `${outputRow(n)}.${f}`));
  return Object.fromEntries(names.map((name) => [name, text(body[name])]));
}

/** The form's values for a batch named in the page's address (?batch=0x…). */
export function valuesForBatch(batchId: unknown): ProcessingValues {
  if (typeof batchId !== "string") return {};
  try {
    const { gtin, lot } = parseBatchId(batchId);
    return { "batch.gtin": gtin, "batch.lot": lot };
  } catch {
    return {};
  }
}

export interface ProcessingRequest {
  /** The batch the event goes on (the first input of a split). */
  batchId?: string;
  /** The processing body as the API takes it, before validation. */
  body: Record<string, unknown>;
  /** Each batch named, with the row it was named in: the main batch first. */
  inputs: Array<{ batchId: string; row: string }>;
  /** Problems found reading the batches' names (GTIN, lot). */
  errors: FieldErrors;
  /** processingBody's paths (and the services' field names) → this form's fields. */
  fieldOf: Record<string, string>;
}

/** Reads the form into a processing body; empty merge and output rows are left out. */
export function processingRequest(values: ProcessingValues, lang: Lang): ProcessingRequest {
  const errors: FieldErrors = {};
  const fieldOf: Record<string, string> = {
    step: "step",
    occurredAt: "occurredAt",
    facility: "facility",
    notes: "notes",
    batchId: "batch.gtin",
    outputs: "outputs",
    inputs: `${mergeRow(1)}.gtin`,
  };
  const main = batchNamed(values, "batch", lang, errors, true);
  const inputs = main ? [{ batchId: main, row: "batch" }] : [];
  const merged: string[] = [];
  for (let n = 1; n <= MERGE_ROWS; n++) {
    const row = mergeRow(n);
    if (!values[`${row}.gtin`] && !values[`${row}.lot`]) continue;
    const id = batchNamed(values, row, lang, errors, false);
    if (!id) continue;
    if (inputs.some((input) => input.batchId === id)) {
      errors[`${row}.gtin`] = BATCH_WORDS[lang].repeatsInput;
      continue;
    }
    fieldOf[`inputs.${merged.length}`] = `${row}.gtin`;
    fieldOf[`inputs.${merged.length}.batchId`] = `${row}.gtin`;
    merged.push(id);
    inputs.push({ batchId: id, row });
  }
  const outputs: unknown[] = [];
  for (let n = 1; n <= OUTPUT_ROWS; n++) {
    const row = outputRow(n);
    const v = (f: string) => values[`${row}.${f}`];
    if (!outputRowFilled(values, n)) continue;
    const i = outputs.length;
    Object.assign(fieldOf, {
      [`outputs.${i}`]: `${row}.gtin`,
      [`outputs.${i}.gtin`]: `${row}.gtin`,
      [`outputs.${i}.lot`]: `${row}.lot`,
      [`outputs.${i}.quantity`]: `${row}.amount`,
      [`outputs.${i}.quantity.amount`]: `${row}.amount`,
      [`outputs.${i}.quantity.unit`]: `${row}.unit`,
      [`outputs.${i}.product`]: `${row}.productName`,
      [`outputs.${i}.product.name`]: `${row}.productName`,
      [`outputs.${i}.product.variety`]: `${row}.variety`,
      [`outputs.${i}.conversion`]: `${row}.conversionKg`,
      [`outputs.${i}.conversion.unit`]: `${row}.conversionUnit`,
      [`outputs.${i}.conversion.kg`]: `${row}.conversionKg`,
    });
    const hasProduct = v("productName") !== undefined || v("variety") !== undefined;
    const hasConversion = v("conversionUnit") !== undefined || v("conversionKg") !== undefined;
    outputs.push({
      gtin: v("gtin"),
      lot: v("lot"),
      quantity: { amount: number(v("amount")), unit: v("unit") },
      ...(hasConversion ? { conversion: { unit: v("conversionUnit"), kg: number(v("conversionKg")) } } : {}),
      ...(hasProduct ? { product: { name: v("productName"), ...(v("variety") ? { variety: v("variety") } : {}) } } : {}),
    });
  }
  const body: Record<string, unknown> = {
    type: "processing",
    step: values.step,
    occurredAt: chinaTime(values.occurredAt),
    ...(values.facility ? { facility: values.facility } : {}),
    ...(values.notes ? { notes: values.notes } : {}),
    ...(merged.length ? { inputs: merged } : {}),
    ...(outputs.length ? { outputs } : {}),
    // Ticked by the member when the rules could not compare the units: they checked by hand.
    ...(values.unitsChecked === "1" ? { quantitiesConfirmed: true } : {}),
  };
  return { batchId: main, body, inputs, errors, fieldOf };
}

/**
 * The batch id a row names: a batch id or QR link pasted into its GTIN field, or its GTIN and
 * lot. Problems go into `errors` beside the row's fields.
 */
function batchNamed(values: ProcessingValues, row: string, lang: Lang, errors: FieldErrors, required: boolean): string | undefined {
  const t = M[lang];
  const gtin = values[`${row}.gtin`];
  const lot = values[`${row}.lot`];
  if (!gtin) {
    if (required || lot) errors[`${row}.gtin`] = COMMON[lang].required;
    return undefined;
  }
  if (/^0x|\/(01|p)\//.test(gtin)) {
    // A batch id, or the link its QR code or page holds, pasted into the GTIN field.
    const batchId = batchIdFromReference(gtin);
    if (!batchId) errors[`${row}.gtin`] = t.badGtin;
    return batchId;
  }
  if (!isValidGtin(gtin)) {
    errors[`${row}.gtin`] = t.badGtin;
    return undefined;
  }
  if (!lot) {
    errors[`${row}.lot`] = COMMON[lang].required;
    return undefined;
  }
  try {
    return batchIdFor(gtin, lot);
  } catch {
    errors[`${row}.lot`] = t.badLot;
    return undefined;
  }
}

export interface ProcessingFormState {
  values: ProcessingValues;
  errors: FieldErrors;
  /** Whether to offer the "I checked the quantities myself" box (units that do not compare). */
  offerUnitsChecked: boolean;
}

export function processingForm(context: ConsoleRequest, state: ProcessingFormState, req?: Request): SafeHtml {
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const { values, errors } = state;
  const batchFields = (row: string, legend: string, required: boolean) => html`<fieldset><legend>${legend}</legend>
${field({ name: `${row}.gtin`, label: w.gtin, value: values[`${row}.gtin`], error: errors[`${row}.gtin`], required, hint: row === "batch" ? t.batchHint : undefined, autocomplete: "off" })}
${field({ name: `${row}.lot`, label: w.lot, value: values[`${row}.lot`], error: errors[`${row}.lot`], required, maxLength: 20, autocomplete: "off" })}
</fieldset>`;
  const mergeRows: SafeHtml[] = [];
  for (let n = 1; n <= MERGE_ROWS; n++) mergeRows.push(batchFields(mergeRow(n), t.merge(n), false));
  const outputRows: SafeHtml[] = [];
  for (let n = 1; n <= OUTPUT_ROWS; n++) {
    const row = outputRow(n);
    const f = (name: string) => `${row}.${name}`;
    outputRows.push(html`<fieldset><legend>${t.output(n)}</legend>
${field({ name: f("gtin"), label: w.gtin, value: values[f("gtin")], error: errors[f("gtin")], autocomplete: "off" })}
${field({ name: f("lot"), label: w.lot, value: values[f("lot")], error: errors[f("lot")], maxLength: 20, autocomplete: "off" })}
<div class="field-pair">
${field({ name: f("amount"), label: w.amount, type: "number", value: values[f("amount")], error: errors[f("amount")], step: "any", min: "0" })}
${field({ name: f("unit"), label: w.unit, type: "select", value: values[f("unit")] ?? "kg", error: errors[f("unit")], options: unitOptions(context.lang) })}
</div>
<div class="field-pair">
${field({ name: f("conversionUnit"), label: t.conversionUnit, type: "select", value: values[f("conversionUnit")], error: errors[f("conversionUnit")], options: countedUnitOptions(context.lang) })}
${field({ name: f("conversionKg"), label: t.conversionKg, type: "number", value: values[f("conversionKg")], error: errors[f("conversionKg")], step: "any", min: "0" })}
</div>
${field({ name: f("productName"), label: t.productName, value: values[f("productName")], error: errors[f("productName")], maxLength: 100 })}
${field({ name: f("variety"), label: t.variety, value: values[f("variety")], error: errors[f("variety")], maxLength: 100 })}
</fieldset>`);
  }
  return html`${errorSummary(errors, context.lang)}
${form({
  action: PROCESSING_PATH,
  csrfToken: context.csrfToken,
  submitLabel: t.submit,
  id: "processing-form",
  body: [
    formKeyField(req?.body?.[FORM_KEY_FIELD]),
    batchFields("batch", t.batchSection, true),
    html`<details class="card"${hasAny(values, "merge") ? html` open` : null}><summary>${t.mergeSection}</summary><p class="hint">${t.mergeIntro}</p>${mergeRows}</details>`,
    html`<fieldset><legend>${t.stepSection}</legend>
${field({ name: "step", label: t.step, type: "select", value: values.step, error: errors.step, required: true, options: STEPS.map((s) => ({ value: s, label: w.steps[s] })) })}
${field({ name: "occurredAt", label: t.occurredAt, type: "datetime-local", value: values.occurredAt, error: errors.occurredAt, required: true })}
${field({ name: "facility", label: t.facility, value: values.facility, error: errors.facility, maxLength: 200 })}
${field({ name: "notes", label: t.notes, type: "textarea", value: values.notes, error: errors.notes, maxLength: 2000 })}
</fieldset>`,
    html`<section aria-labelledby="outputs-heading">
<h2 id="outputs-heading">${t.outputSection}</h2>
<p class="hint">${t.outputIntro}</p>
${groupError("outputs", errors.outputs)}
${state.offerUnitsChecked ? field({ name: "unitsChecked", label: t.unitsChecked, type: "checkbox", checked: values.unitsChecked === "1" }) : null}
${outputRows.slice(0, OPEN_OUTPUT_ROWS)}
<details class="card"${foldedRowsFilled(values) ? html` open` : null}><summary>${t.moreOutputs}</summary>${outputRows.slice(OPEN_OUTPUT_ROWS)}</details>
</section>`,
  ],
})}`;
}

/** Whether output row `n` holds anything (its unit select always does, so it does not count). */
function outputRowFilled(values: ProcessingValues, n: number): boolean {
  return ["gtin", "lot", "amount", "conversionUnit", "conversionKg", "productName", "variety"].some((f) => values[`${outputRow(n)}.${f}`] !== undefined);
}

function foldedRowsFilled(values: ProcessingValues): boolean {
  for (let n = OPEN_OUTPUT_ROWS + 1; n <= OUTPUT_ROWS; n++) if (outputRowFilled(values, n)) return true;
  return false;
}

function hasAny(values: ProcessingValues, prefix: string): boolean {
  return Object.entries(values).some(([name, value]) => name.startsWith(prefix) && value !== undefined);
}
