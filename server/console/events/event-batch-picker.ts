/**
 * Picking the batch a form is about: by the GTIN and lot printed on its label, or by its batch
 * id — which may also be pasted as the link its QR code holds (/01/{gtin}/10/{lot} or
 * /p/{batchId}), as a phone's camera app gives it. Problems with the batch (malformed, unknown,
 * recalled) are shown beside the field the user filled in.
 */
import { DomainError } from "../../domain/errors";
import { batchIdFromReference } from "../../domain/digital-link";
import { batchIdFor, Gs1Error, isValidGtin } from "../../domain/gs1";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { field, text, type FieldErrors } from "../forms";
import { COMMON, messages } from "../messages";

const M = messages({
  zh: {
    legend: "批次",
    gtin: "商品条码（GTIN）",
    gtinHint: "包装标签上的 8–14 位数字",
    lot: "批次号",
    batchId: "或：批次编号，或扫码得到的链接",
    batchIdHint: "填了这一项，就不用填商品条码和批次号",
    badGtin: "商品条码位数或校验位不对",
    badLot: "批次号须为 1–20 个字母、数字或 GS1 允许的符号",
    badBatchId: "不是批次编号，也不是批次二维码的链接",
    mismatch: "与上面的商品条码和批次号不是同一个批次",
    unknown: "没有这个批次：请核对商品条码和批次号",
    recalled: "这个批次已召回，不能再登记",
  },
  en: {
    legend: "Batch",
    gtin: "GTIN",
    gtinHint: "The 8 to 14 digits on the pack's label",
    lot: "Lot",
    batchId: "Or: the batch id, or the link its QR code holds",
    batchIdHint: "Fill this in instead of the GTIN and lot",
    badGtin: "Not a GTIN: wrong number of digits or wrong check digit",
    badLot: "A lot is 1 to 20 letters, digits or the symbols GS1 allows",
    badBatchId: "Neither a batch id nor the link of a batch's QR code",
    mismatch: "Not the same batch as the GTIN and lot above",
    unknown: "No such batch: check the GTIN and lot",
    recalled: "This batch is recalled: nothing more can be recorded for it",
  },
});

/** The batch fields as posted (or prefilled). */
export interface BatchPick {
  gtin?: string;
  lot?: string;
  batchId?: string;
}

/** Which field the user named the batch with: problems with the batch are shown beside it. */
export type BatchField = "lot" | "batchId";

export type BatchChoice = { ok: true; batchId: string; via: BatchField } | { ok: false; errors: FieldErrors };

export function readBatchPick(form: Record<string, unknown>): BatchPick {
  // GTINs are often typed in the groups they are printed in ("6 901234 567892").
  return { gtin: text(form.gtin)?.replace(/\s+/g, ""), lot: text(form.lot), batchId: text(form.batchId) };
}

export function resolveBatch(pick: BatchPick, lang: Lang): BatchChoice {
  const t = M[lang];
  const errors: FieldErrors = {};
  let byLot: string | undefined;
  if (pick.gtin !== undefined || pick.lot !== undefined || pick.batchId === undefined) {
    if (pick.gtin === undefined) errors.gtin = COMMON[lang].required;
    else if (!isValidGtin(pick.gtin)) errors.gtin = t.badGtin;
    if (pick.lot === undefined) errors.lot = COMMON[lang].required;
    if (errors.gtin === undefined && pick.lot !== undefined) {
      try {
        byLot = batchIdFor(pick.gtin!, pick.lot);
      } catch (error) {
        if (!(error instanceof Gs1Error)) throw error;
        errors.lot = t.badLot;
      }
    }
  }
  if (pick.batchId !== undefined) {
    const byId = batchIdFromReference(pick.batchId);
    if (!byId) errors.batchId = t.badBatchId;
    else if (byLot !== undefined && byLot !== byId) errors.batchId = t.mismatch;
    else if (pick.gtin === undefined && pick.lot === undefined) return { ok: true, batchId: byId, via: "batchId" };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, batchId: byLot!, via: "lot" };
}

/**
 * The service's objection to the batch itself, beside the field the batch was named by: unknown
 * (404), or recalled (409, the planner's own words). Undefined for any other refusal: the
 * rules' refusals about the batch (who holds it, a recall upstream) carry their own words and
 * go beside the batch field through `batchFieldRename`.
 */
export function batchProblem(error: DomainError, via: BatchField, lang: Lang): FieldErrors | undefined {
  const problem = error.fields.find((f) => f.field === "batchId");
  if (!problem) return undefined;
  if (error.code === "not_found") return { [via]: M[lang].unknown };
  if (error.code === "conflict" && problem.zh === undefined && /recalled/.test(problem.message)) return { [via]: M[lang].recalled };
  return undefined;
}

/** The rules name the batch `batchId`: their refusals about it go beside the field it was named by. */
export function batchFieldRename(via: BatchField): Record<string, string> {
  return { batchId: via };
}

export function batchPickerFields(pick: BatchPick, errors: FieldErrors, lang: Lang): SafeHtml {
  const t = M[lang];
  return html`<fieldset>
<legend>${t.legend}</legend>
${field({ name: "gtin", label: t.gtin, value: pick.gtin, error: errors.gtin, hint: t.gtinHint, maxLength: 14, autocomplete: "off" })}
${field({ name: "lot", label: t.lot, value: pick.lot, error: errors.lot, maxLength: 20, autocomplete: "off" })}
${field({ name: "batchId", label: t.batchId, value: pick.batchId, error: errors.batchId, hint: t.batchIdHint, autocomplete: "off" })}
</fieldset>`;
}
