/**
 * Registering a harvest (producers): the form, its county picker and the write. The origin
 * county is picked from the GB/T 2260 list: a province first (the form comes back with that
 * province's counties, grouped by prefecture; no script needed), then the county; only its code
 * is sent, and the ledger names the county from it. The harvest day may come with a time of day
 * or without (then it stays a plain date, a day in China). A batch may state what one box (or
 * piece, crate, bag) weighs, so that it can be shipped and sold in either unit. Photos go with
 * the form; their hashes go on chain with the harvest. The ledger's rules (a current county
 * code, no date in the future) answer beside the field they are about.
 */
import express, { type Request, type Router } from "express";
import { harvestBody } from "../../domain/request-shapes";
import { allCounties, provinceList } from "../../domain/divisions";
import { DomainError } from "../../domain/errors";
import { checkCounty } from "../../services/ledger-rules/origin-rules";
import { httpStatusOf } from "../../api/error-handler";
import type { AcceptedBatchReads } from "../../store/accepted-batch-reads";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { readPhotos, MAX_PHOTOS, type PhotoUploads } from "./batch-photos";
import {
  refuseOwnKey,
  serviceFieldErrors,
  signsForOrg,
  unitOptions,
  countedUnitOptions,
} from "./batch-forms";
import type { ConsoleDeps } from "../context";
import { chinaDateAndTime, chinaNow, errorSummary, field, form, FORM_KEY_FIELD, formIdempotency, formKeyField, number, ownKeyBanner, text, zodFieldErrors, type FieldErrors } from "../forms";
import { groupByPrefecture } from "../county-groups";
import { consoleLayout } from "../layout";
import { messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";

const PATH = "/console/batches/new";

const M = messages({
  zh: {
    title: "登记采收",
    intro: "每一批采收登记后写入区块链，成为这一批次溯源的第一步。",
    productSection: "产品",
    originSection: "产地",
    amountSection: "数量和时间",
    moreSection: "照片和备注",
    productName: "产品名称",
    productNameHint: "如：田阳香芒",
    variety: "品种",
    gtin: "商品条码（GTIN）",
    gtinHint: "包装条码下方的 8、12、13 或 14 位数字",
    lot: "批次号",
    lotHint: "1–20 个字母、数字或符号，如 TY2026-001；同一商品条码下不能重复",
    province: "省份",
    showCounties: "列出该省的县区",
    county: "县区",
    countyHint: "先选省份，再点“列出该省的县区”",
    conversionSection: "包装换算（可选）",
    conversionIntro: "写明每箱（或每件、每筐、每袋）多重，这个批次就可以按箱或按公斤发运和销售。",
    conversionUnit: "计数单位",
    conversionKg: "每个单位的重量（公斤）",
    conversionKgHint: "如 每箱 5 公斤",
    village: "乡镇/村",
    base: "基地",
    amount: "数量",
    unit: "单位",
    harvestedAt: "采收日期",
    harvestTime: "时间（可选）",
    harvestTimeHint: "不填时间，就只记录日期",
    photos: "照片",
    photosHint: `可选，最多 ${MAX_PHOTOS} 张 JPEG、PNG 或 WebP，每张不超过 5 MB；照片的指纹会写入区块链`,
    photosAgain: "表单退回后照片不会保留：请重新选择照片（JPEG、PNG 或 WebP，每张不超过 5 MB）",
    notes: "备注",
    submit: "登记采收",
  },
  en: {
    title: "Register a harvest",
    intro: "Each harvest registered here is written to the blockchain: the first step of its batch's journey.",
    productSection: "Product",
    originSection: "Origin",
    amountSection: "Quantity and time",
    moreSection: "Photos and notes",
    productName: "Product name",
    productNameHint: "e.g. 田阳香芒 Tianyang mango",
    variety: "Variety",
    gtin: "GTIN",
    gtinHint: "The 8, 12, 13 or 14 digits under the pack's barcode",
    lot: "Lot",
    lotHint: "1 to 20 letters, digits or symbols, e.g. TY2026-001; unique for each GTIN",
    province: "Province",
    showCounties: "List this province's counties",
    county: "County",
    countyHint: "Pick the province first, then press “List this province's counties”",
    conversionSection: "Pack weight (optional)",
    conversionIntro: "State what one box (or piece, crate, bag) weighs, and this batch can be shipped and sold by the box or by weight.",
    conversionUnit: "Counted unit",
    conversionKg: "Weight of one (kg)",
    conversionKgHint: "e.g. 5 kg a box",
    village: "Township / village",
    base: "Production base",
    amount: "Amount",
    unit: "Unit",
    harvestedAt: "Harvest date",
    harvestTime: "Time (optional)",
    harvestTimeHint: "Leave empty to record the day only",
    photos: "Photos",
    photosHint: `Optional: up to ${MAX_PHOTOS} JPEG, PNG or WebP images of at most 5 MB each; their fingerprints go on the blockchain`,
    photosAgain: "Photos are not kept when a form comes back: choose them again (JPEG, PNG or WebP, at most 5 MB each)",
    notes: "Notes",
    submit: "Register the harvest",
  },
});

/** The form's fields as typed (strings), so a form that comes back shows what was entered. */
export interface HarvestValues {
  productName?: string;
  variety?: string;
  gtin?: string;
  lot?: string;
  province?: string;
  countyCode?: string;
  village?: string;
  base?: string;
  amount?: string;
  unit?: string;
  conversionUnit?: string;
  conversionKg?: string;
  harvestedAt?: string;
  harvestTime?: string;
  notes?: string;
}

/** Where each part of harvestBody is entered on the form. */
const FIELD_OF_PATH: Record<string, string> = {
  "product.name": "productName",
  "product.gtin": "gtin",
  "product.variety": "variety",
  lot: "lot",
  "origin.countyCode": "countyCode",
  "origin.county": "countyCode",
  conversion: "conversionKg",
  "conversion.unit": "conversionUnit",
  "conversion.kg": "conversionKg",
  "origin.village": "village",
  "origin.base": "base",
  quantity: "amount",
  "quantity.amount": "amount",
  "quantity.unit": "unit",
  harvestedAt: "harvestedAt",
  notes: "notes",
  photoHashes: "photos",
};

export function harvestRoutes(deps: ConsoleDeps, reads: AcceptedBatchReads, uploads: PhotoUploads): Router {
  const router = express.Router();
  const producers = requireMember({ roles: ["producer"] });

  router.get(PATH, producers, (req, res) => {
    const context = consoleOf(res);
    const province = typeof req.query.province === "string" && /^\d{2}$/.test(req.query.province) ? req.query.province : undefined;
    const values = { ...lastOrigin(deps, reads, context), harvestedAt: chinaNow().slice(0, 10), unit: "kg" };
    if (province && province !== values.province) Object.assign(values, { province, countyCode: undefined });
    // Asked for a province's counties (a link or a GET form): the county is what comes next.
    res.type("html").send(page(context, values, {}, undefined, false, province !== undefined));
  });

  router.post(PATH, producers, async (req, res) => {
    const context = consoleOf(res);
    if (!signsForOrg(context)) return refuseOwnKey(res, context, M[context.lang].title, PATH);
    const values = valuesOf(req.body);
    if (req.body.refresh === "province") {
      if (!values.countyCode?.startsWith(values.province ?? "-")) values.countyCode = undefined;
      // The counties just listed are what the member picks next: focus goes back to them.
      return res.type("html").send(page(context, values, {}, req, false, true));
    }
    const org = context.org!;
    const upload = readPhotos(req.files, "photos", org.id, context.lang);
    const parsed = harvestBody.safeParse(requestBody(values, upload.photos.map((photo) => photo.hash)));
    const errors: FieldErrors = parsed.success ? {} : zodFieldErrors(parsed.error, context.lang, FIELD_OF_PATH);
    // The rules' own county check, so that a wrong county shows with the form's other problems.
    const county = values.countyCode && /^\d{6}$/.test(values.countyCode) ? checkCounty(values.countyCode, undefined) : undefined;
    if (county && "problem" in county) errors.countyCode = county.problem[context.lang];
    if (upload.error) errors.photos = upload.error;
    const photosDropped = upload.photos.length > 0 || upload.error !== undefined;
    if (!parsed.success || Object.keys(errors).length > 0) {
      return res.status(400).type("html").send(page(context, values, errors, req, photosDropped));
    }
    try {
      const body = parsed.data;
      const answer = await uploads.storeFor(upload.photos, () =>
        deps.events.writeCustodial(org, { type: "harvest", body }, formIdempotency(req.body?.[FORM_KEY_FIELD], `POST ${req.path}`, body)),
      );
      res.redirect(303, `/console/batches/${(answer.body as { batchId: string }).batchId}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refused = serviceFieldErrors(error, context.lang, FIELD_OF_PATH);
      res.status(httpStatusOf(error)).type("html").send(page(context, values, refused, req, photosDropped));
    }
  });

  return router;
}

function valuesOf(body: Record<string, unknown>): HarvestValues {
  const values: HarvestValues = {};
  for (const name of ["productName", "variety", "gtin", "lot", "province", "countyCode", "village", "base", "amount", "unit", "conversionUnit", "conversionKg", "harvestedAt", "harvestTime", "notes"] as const) {
    values[name] = text(body[name]);
  }
  if (!values.province && values.countyCode) values.province = values.countyCode.slice(0, 2);
  return values;
}

/** The write the form asks for, before validation (harvestBody decides what is wrong). */
function requestBody(values: HarvestValues, photoHashes: string[]): unknown {
  const hasConversion = values.conversionUnit !== undefined || values.conversionKg !== undefined;
  return {
    product: { name: values.productName, gtin: values.gtin, ...(values.variety ? { variety: values.variety } : {}) },
    lot: values.lot,
    // The code alone: the ledger names the county from it.
    origin: {
      countyCode: values.countyCode,
      ...(values.village ? { village: values.village } : {}),
      ...(values.base ? { base: values.base } : {}),
    },
    quantity: { amount: number(values.amount), unit: values.unit },
    ...(hasConversion ? { conversion: { unit: values.conversionUnit, kg: number(values.conversionKg) } } : {}),
    harvestedAt: chinaDateAndTime(values.harvestedAt, values.harvestTime),
    ...(values.notes ? { notes: values.notes } : {}),
    ...(photoHashes.length ? { photoHashes } : {}),
  };
}

/** The product and origin of the organisation's latest harvest: most lots repeat them. */
function lastOrigin(deps: ConsoleDeps, reads: AcceptedBatchReads, context: ConsoleRequest): HarvestValues {
  const org = context.org!;
  const latest = reads.notYetIndexed(org.address)[0]?.batchId ?? deps.listing.list({ creator: org.address, limit: 1, offset: 0 }).batches[0]?.batchId;
  const detail = latest ? reads.creation(latest)?.detail : undefined;
  const product = detail?.product as { name?: string; gtin?: string; variety?: string } | undefined;
  const origin = detail?.origin as { countyCode?: string; village?: string; base?: string } | undefined;
  if (!product || !origin) return {};
  return {
    productName: product.name,
    variety: product.variety,
    gtin: product.gtin,
    province: origin.countyCode?.slice(0, 2),
    countyCode: origin.countyCode,
    village: origin.village,
    base: origin.base,
  };
}

function page(context: ConsoleRequest, values: HarvestValues, errors: FieldErrors, req?: Request, photosDropped = false, focusCounty = false): string {
  const t = M[context.lang];
  const signs = signsForOrg(context);
  return consoleLayout({
    context,
    title: t.title,
    path: PATH,
    body: html`<p>${t.intro}</p>
${signs ? null : ownKeyBanner(context.lang)}
${errorSummary(errors, context.lang)}
${signs
  ? form({
      action: PATH,
      csrfToken: context.csrfToken,
      submitLabel: t.submit,
      multipart: true,
      id: "harvest-form",
      body: [
        // Enter in a text field submits with the form's first button: make that the real submit.
        html`<button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true">${t.submit}</button>`,
        formKeyField(req?.body?.[FORM_KEY_FIELD]),
        html`<fieldset><legend>${t.productSection}</legend>
${field({ name: "productName", label: t.productName, value: values.productName, error: errors.productName, required: true, maxLength: 100, hint: t.productNameHint })}
${field({ name: "variety", label: t.variety, value: values.variety, error: errors.variety, maxLength: 100 })}
${field({ name: "gtin", label: t.gtin, value: values.gtin, error: errors.gtin, required: true, hint: t.gtinHint, autocomplete: "off" })}
${field({ name: "lot", label: t.lot, value: values.lot, error: errors.lot, required: true, maxLength: 20, hint: t.lotHint, autocomplete: "off" })}
</fieldset>`,
        html`<fieldset><legend>${t.originSection}</legend>
${field({ name: "province", label: t.province, type: "select", value: values.province, options: provinceList().map((p) => ({ value: p.code, label: p.name })) })}
<p><button type="submit" name="refresh" value="province" class="btn btn-quiet">${t.showCounties}</button></p>
${countyField(context.lang, values, errors.countyCode, focusCounty)}
${field({ name: "village", label: t.village, value: values.village, error: errors.village, maxLength: 100 })}
${field({ name: "base", label: t.base, value: values.base, error: errors.base, maxLength: 200 })}
</fieldset>`,
        html`<fieldset><legend>${t.amountSection}</legend>
<div class="field-pair">
${field({ name: "amount", label: t.amount, type: "number", value: values.amount, error: errors.amount, required: true, step: "any", min: "0" })}
${field({ name: "unit", label: t.unit, type: "select", value: values.unit, error: errors.unit, required: true, options: unitOptions(context.lang) })}
</div>
<div class="field-pair">
${field({ name: "harvestedAt", label: t.harvestedAt, type: "date", value: values.harvestedAt, error: errors.harvestedAt, required: true })}
${field({ name: "harvestTime", label: t.harvestTime, type: "time", value: values.harvestTime, hint: t.harvestTimeHint })}
</div>
</fieldset>`,
        html`<fieldset><legend>${t.conversionSection}</legend>
<p class="hint">${t.conversionIntro}</p>
<div class="field-pair">
${field({ name: "conversionUnit", label: t.conversionUnit, type: "select", value: values.conversionUnit, error: errors.conversionUnit, options: countedUnitOptions(context.lang) })}
${field({ name: "conversionKg", label: t.conversionKg, type: "number", value: values.conversionKg, error: errors.conversionKg, step: "any", min: "0", hint: t.conversionKgHint })}
</div>
</fieldset>`,
        html`<fieldset><legend>${t.moreSection}</legend>
${field({ name: "photos", label: t.photos, type: "file", error: errors.photos, accept: "image/jpeg,image/png,image/webp", multiple: true, hint: photosDropped ? t.photosAgain : t.photosHint })}
${field({ name: "notes", label: t.notes, type: "textarea", value: values.notes, error: errors.notes, maxLength: 2000 })}
</fieldset>`,
      ],
    })
  : null}`,
  });
}

/** The county <select>: the chosen province's counties, grouped by prefecture. */
function countyField(lang: Lang, values: HarvestValues, error: string | undefined, focus: boolean): SafeHtml {
  const t = M[lang];
  const counties = values.province ? allCounties().filter((county) => county.code.startsWith(values.province!)) : [];
  const groups = groupByPrefecture(counties, (county) => county.code);
  const describedBy = `f-countyCode-hint${error ? " f-countyCode-error" : ""}`;
  return html`<div class="form-row${error ? " has-error" : ""}" data-field="countyCode" id="county-row">
<label for="f-countyCode">${t.county} <span class="req" aria-hidden="true">*</span></label>
<select id="f-countyCode" name="countyCode" required aria-describedby="${describedBy}"${error ? html` aria-invalid="true"` : null}${focus ? html` autofocus` : null}>
<option value="">—</option>
${groups.map(
  ({ name, members }) => html`<optgroup label="${name}">
${members.map((county) => html`<option value="${county.code}"${county.code === values.countyCode ? html` selected` : null}>${county.name}（${county.code}）</option>`)}
</optgroup>`,
)}
</select>
<p class="hint" id="f-countyCode-hint">${t.countyHint}</p>
${error ? html`<p class="field-error" id="f-countyCode-error" role="alert">${error}</p>` : null}
</div>`;
}
