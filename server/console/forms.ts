/**
 * Form building blocks of the console: fields with their label, hint and error beside them,
 * forms that always carry the CSRF token, and the translation of validation problems (zod
 * issues, or a service's field errors) into words beside the right field in the user's language.
 */
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { canonicalize } from "../domain/canonical-json";
import { DomainError } from "../domain/errors";
import type { Idempotency } from "../store/idempotency-repository";
import { html, type SafeHtml } from "../html/html";
import type { Lang } from "../html/i18n";
import { COMMON } from "./messages";

export type FieldErrors = Record<string, string>;

export interface FieldSpec {
  name: string;
  label: string;
  type?: "text" | "number" | "date" | "time" | "datetime-local" | "password" | "textarea" | "select" | "file" | "checkbox" | "hidden";
  value?: string | number | null;
  error?: string;
  required?: boolean;
  hint?: string;
  options?: ReadonlyArray<{ value: string; label: string }>;
  step?: string;
  min?: string;
  max?: string;
  maxLength?: number;
  accept?: string;
  multiple?: boolean;
  autocomplete?: string;
  checked?: boolean;
  list?: string;
}

export function field(spec: FieldSpec): SafeHtml {
  const id = `f-${spec.name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const value = spec.value === null || spec.value === undefined ? "" : String(spec.value);
  const describedBy = [spec.hint ? `${id}-hint` : "", spec.error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = { id, name: spec.name, describedBy, invalid: spec.error ? "true" : undefined };
  let control: SafeHtml;
  switch (spec.type) {
    case "hidden":
      return html`<input type="hidden" name="${spec.name}" value="${value}">`;
    case "textarea":
      control = html`<textarea id="${common.id}" name="${common.name}" rows="3"${attr("maxlength", spec.maxLength)}${attr("aria-describedby", describedBy)}${attr("aria-invalid", common.invalid)}${spec.required ? html` required` : null}>${value}</textarea>`;
      break;
    case "select":
      control = html`<select id="${common.id}" name="${common.name}"${attr("aria-describedby", describedBy)}${attr("aria-invalid", common.invalid)}${spec.required ? html` required` : null}${spec.multiple ? html` multiple` : null}>
${spec.multiple ? null : html`<option value="">—</option>`}
${(spec.options ?? []).map((o) => html`<option value="${o.value}"${o.value === value || (spec.multiple && value.split(",").includes(o.value)) ? html` selected` : null}>${o.label}</option>`)}
</select>`;
      break;
    case "checkbox":
      control = html`<input type="checkbox" id="${common.id}" name="${common.name}" value="${value || "1"}"${spec.checked ? html` checked` : null}${attr("aria-describedby", describedBy)}>`;
      break;
    default:
      control = html`<input type="${spec.type ?? "text"}" id="${common.id}" name="${common.name}" value="${spec.type === "password" || spec.type === "file" ? "" : value}"${attr("step", spec.step)}${attr("min", spec.min)}${attr("max", spec.max)}${attr("maxlength", spec.maxLength)}${attr("accept", spec.accept)}${attr("autocomplete", spec.autocomplete)}${attr("list", spec.list)}${attr("aria-describedby", describedBy)}${attr("aria-invalid", common.invalid)}${spec.required ? html` required` : null}${spec.multiple ? html` multiple` : null}>`;
  }
  return html`<div class="form-row${spec.error ? " has-error" : ""}" data-field="${spec.name}">
<label for="${id}">${spec.label}${spec.required ? html` <span class="req" aria-hidden="true">*</span>` : null}</label>
${control}
${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : null}
${spec.error ? html`<p class="field-error" id="${id}-error" role="alert">${spec.error}</p>` : null}
</div>`;
}

function attr(name: string, value: string | number | undefined): SafeHtml | null {
  return value === undefined ? null : html` ${name}="${String(value)}"`;
}

export interface FormSpec {
  action: string;
  csrfToken: string;
  body: SafeHtml | SafeHtml[];
  submitLabel: string;
  multipart?: boolean;
  /** A form that changes something irreversible (recall, revoke) gets a warning style. */
  danger?: boolean;
  id?: string;
}

export function form(spec: FormSpec): SafeHtml {
  return html`<form method="post" action="${spec.action}"${spec.multipart ? html` enctype="multipart/form-data"` : null}${spec.id ? html` id="${spec.id}"` : null} novalidate>
<input type="hidden" name="_csrf" value="${spec.csrfToken}">
${spec.body}
<p><button type="submit" class="btn${spec.danger ? " btn-danger" : ""}">${spec.submitLabel}</button></p>
</form>`;
}

/** The summary at the top of a form that came back with errors. */
export function errorSummary(errors: FieldErrors, lang: Lang): SafeHtml | null {
  if (Object.keys(errors).length === 0) return null;
  const general = errors._form;
  const fields = Object.keys(errors).filter((name) => name !== "_form");
  // Links to each field with a problem: on a long form on a phone, the field may be off screen.
  return html`<div class="banner banner-danger" role="alert" data-errors="${Object.keys(errors).join(" ")}">
<p>${general ?? COMMON[lang].fixErrors}</p>
${fields.length > 0 ? html`<ul>${fields.map((name) => html`<li><a href="#f-${name.replace(/[^A-Za-z0-9_-]/g, "-")}">${errors[name]}</a></li>`)}</ul>` : null}
</div>`;
}

// Validation messages the API's schemas use, in Chinese.
const ZH_MESSAGES: Record<string, string> = {
  "must be a GTIN-8, -12, -13 or -14 with a correct check digit": "商品条码位数或校验位不对",
  "must be 1 to 20 characters of GS1 character set 82": "批次号须为 1–20 个字母、数字或 GS1 允许的符号",
  "must be a 6-digit GB/T 2260 code": "请从列表中选择县区（6 位行政区划代码）",
  "min must not exceed max": "最低温度不能高于最高温度",
  "must be a 32-byte hex batch id": "批次编号格式不对",
  // The accounts' refusals (a member's username and name; the password policy words its own in both).
  "must be 3 to 40 letters, digits, dots, dashes or underscores": "用户名须为 3–40 个字母、数字、点、横线或下划线",
  "must be 1 to 100 characters": "须为 1–100 个字",
  "this username is taken": "这个用户名已被使用",
};

/**
 * Field errors from a zod error: the issue's path joined with dots (outputs.0.lot), renamed by
 * `rename` to the form's field names, in the user's language.
 */
export function zodFieldErrors(error: z.ZodError, lang: Lang, rename: Record<string, string> = {}): FieldErrors {
  const t = COMMON[lang];
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".");
    const name = rename[path] ?? path;
    if (errors[name]) continue;
    errors[name] = issueText(issue, lang, t);
  }
  return errors;
}

function issueText(issue: z.core.$ZodIssue, lang: Lang, t: (typeof COMMON)["zh"]): string {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) return t.required;
  if (issue.code === "too_small" && issue.origin === "string" && Number(issue.minimum) <= 1) return t.required;
  if (issue.code === "too_small" && issue.origin === "number") return t.mustBePositive;
  if (issue.code === "too_big" && issue.origin === "string") return t.tooLong(Number(issue.maximum));
  if (issue.code === "invalid_type" && issue.expected === "number") return t.mustBeNumber;
  if (issue.code === "invalid_format" && issue.format === "datetime") return t.mustBeDate;
  if (issue.code === "custom" && issue.message.startsWith("must be a date such as")) return t.mustBeDate;
  if (issue.code === "invalid_value") return lang === "zh" ? "请从列表中选择" : "Choose one from the list";
  if (lang === "zh") return ZH_MESSAGES[issue.message] ?? t.invalid;
  return issue.message;
}

/** Field errors from a service's DomainError (409: a lot taken, 404: an unknown batch...). */
export function appErrorFields(error: DomainError, lang: Lang, rename: Record<string, string> = {}): FieldErrors {
  const errors: FieldErrors = {};
  for (const problem of error.fields) {
    const name = rename[problem.field] ?? problem.field;
    errors[name] = lang === "zh" ? (problem.zh ?? ZH_MESSAGES[problem.message] ?? problem.message) : problem.message;
  }
  if (Object.keys(errors).length === 0) errors._form = error.message;
  return errors;
}

/**
 * A write's refusal as errors beside the form's fields: each problem's field renamed to the
 * form's (`rename`), in the rules' own words in the member's language. A problem about a field
 * the form does not show (`shown`) goes to the top of the form, so none is lost.
 */
export function refusalErrors(error: DomainError, lang: Lang, rename: Record<string, string>, shown: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const [name, message] of Object.entries(appErrorFields(error, lang, rename))) {
    const target = name === "_form" || shown.includes(name) ? name : "_form";
    errors[target] ??= message;
  }
  return errors;
}

/** Now in China Standard Time, as a datetime-local value ("2026-06-01T08:00"): what time fields start with. */
export function chinaNow(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);
}

/**
 * A datetime-local value ("2026-06-01T08:00") as China Standard Time, in ISO 8601 with offset. A
 * plain date ("2026-06-01") stays a date: the ledger keeps it as the China day it names.
 */
export function chinaTime(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return trimmed;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?$/.exec(trimmed);
  if (!match) return value; // left for the schema to refuse, naming the field
  return `${match[1]}T${match[2]}:${match[3] ?? "00"}+08:00`;
}

/** A date and an optional time of day, as two inputs post them: a plain date without the time. */
export function chinaDateAndTime(date: unknown, time: unknown): string | undefined {
  const day = text(date);
  const clock = text(time);
  if (day === undefined || clock === undefined || day.includes("T")) return chinaTime(day);
  return chinaTime(`${day}T${clock}`);
}

/**
 * A time the ledger holds (a plain date, or a date-time with offset) as a datetime-local value
 * in China time, to prefill a form with it; a plain date becomes that day's midnight.
 */
export function chinaLocalValue(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : chinaNow(new Date(ms));
}

/** A form's text field: trimmed, and undefined when empty (so optional fields stay absent). */
export function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A form's number field: undefined when empty, NaN-free (text that is no number stays text for the schema to refuse). */
export function number(value: unknown): number | string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  return Number.isFinite(parsed) ? parsed : raw;
}

// --- One form, one write ---------------------------------------------------------------------
// Each write form carries a random key made when the form was shown; the write goes to the
// service under that key (as an API client's Idempotency-Key would), so a form posted twice —
// a double tap, a reload, a retry on a bad connection — records once and answers the same both
// times. A form that came back with errors recorded nothing, so its key stays usable for the
// corrected post.

export const FORM_KEY_FIELD = "formKey";
const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;

/** The hidden field of a form being shown: the key it was given, or a new one. */
export function formKeyField(existing?: unknown): SafeHtml {
  const key = typeof existing === "string" && FORM_KEY.test(existing) ? existing : randomBytes(18).toString("base64url");
  return html`<input type="hidden" name="${FORM_KEY_FIELD}" value="${key}">`;
}

/** The idempotency of a posted form's write (none when the form carried no usable key). */
export function formIdempotency(formKey: unknown, action: string, write: unknown): Idempotency | undefined {
  if (typeof formKey !== "string" || !FORM_KEY.test(formKey)) return undefined;
  const requestHash = createHash("sha256").update(canonicalize({ action, write })).digest("hex");
  return { key: `console-form:${formKey}`, requestHash };
}

/** The notice for an organisation that signs with its own key: the console cannot sign for it. */
export function ownKeyBanner(lang: Lang): SafeHtml {
  return html`<p class="banner banner-warning" role="alert" data-error="own-key">${COMMON[lang].ownKeyOrg}</p>`;
}
