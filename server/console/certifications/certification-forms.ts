/**
 * The two 圳品 attestation forms — one batch, or a cooperative's product line — as their fields
 * and the API body they make, validated with the API's own schemas. Validity is entered as
 * dates in China time: from the start of the first day to the end of the last.
 */
import { orgLabel } from "../../services/org-service";
import type { z } from "zod";
import { batchCertificationBody, productLineCertificationBody } from "../../domain/request-shapes";
import type { DomainError } from "../../domain/errors";
import type { Org } from "../../store/org-repository";
import type { SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { CERTIFICATION_WORDS } from "./certification-messages";
import { withoutEmpty, type FormValues } from "../events/event-forms";
import { chinaTime, field, text, type FieldErrors } from "../forms";

export const CERTIFICATION_SUBJECTS = ["batch", "product-line"] as const;
export type CertificationSubject = (typeof CERTIFICATION_SUBJECTS)[number];

const SCHEME = "圳品";

interface AttestForm {
  schema: z.ZodType;
  body(values: FormValues): Record<string, unknown>;
  /** `producers`: the producer organisations a product line may belong to. */
  fields(values: FormValues, errors: FieldErrors, lang: Lang, producers: readonly Org[]): SafeHtml[];
}

/** Every field name the forms post (besides the batch picker's). */
export const ATTEST_FORM_FIELDS = ["certificateNo", "validFrom", "validUntil", "notes", "producer", "gtin"] as const;

const certificateFields = (v: FormValues) => ({
  scheme: SCHEME,
  certificateNo: text(v.certificateNo),
  validFrom: chinaTime(v.validFrom),
  validUntil: chinaEndOfDay(v.validUntil),
  notes: text(v.notes),
});

function certificateInputs(v: FormValues, e: FieldErrors, lang: Lang): SafeHtml[] {
  const t = CERTIFICATION_WORDS[lang];
  return [
    field({ name: "certificateNo", label: t.certificateNo, value: v.certificateNo, error: e.certificateNo, required: true, maxLength: 64, autocomplete: "off" }),
    field({ name: "validFrom", label: t.validFrom, type: "date", value: v.validFrom, error: e.validFrom, required: true }),
    field({ name: "validUntil", label: t.validUntil, type: "date", value: v.validUntil, error: e.validUntil, hint: t.validUntilHint, required: true }),
    field({ name: "notes", label: t.notes, type: "textarea", value: v.notes, error: e.notes, maxLength: 2000 }),
  ];
}

export const ATTEST_FORMS: Record<CertificationSubject, AttestForm> = {
  batch: {
    schema: batchCertificationBody,
    body: (v) => withoutEmpty(certificateFields(v)),
    fields: (v, e, lang) => certificateInputs(v, e, lang),
  },
  "product-line": {
    schema: productLineCertificationBody,
    body: (v) => withoutEmpty({ ...certificateFields(v), producer: text(v.producer), gtin: text(v.gtin) }),
    fields: (v, e, lang, producers) => {
      const t = CERTIFICATION_WORDS[lang];
      return [
        field({
          name: "producer",
          label: t.producer,
          type: "select",
          // "name（统一社会信用代码）": two producers may share a name, never a code.
          options: producers.map((p) => ({ value: p.id, label: orgLabel(p) })),
          value: v.producer,
          error: e.producer,
          required: true,
        }),
        field({ name: "gtin", label: t.productGtin, value: v.gtin, error: e.gtin, hint: t.productGtinHint, required: true, maxLength: 14, autocomplete: "off" }),
        ...certificateInputs(v, e, lang),
      ];
    },
  },
};

/**
 * The certification service's objections that name a field, in the user's words; undefined for
 * others (the caller falls back to the service's own message).
 */
export function certificationProblem(error: DomainError, lang: Lang): FieldErrors | undefined {
  const t = CERTIFICATION_WORDS[lang];
  const problem = error.fields[0];
  if (!problem) return undefined;
  if (error.code === "invalid_request" && problem.field === "validUntil") return { validUntil: t.untilBeforeFrom };
  if (error.code === "conflict" && problem.field === "certificateNo") return { certificateNo: t.numberTaken };
  if (error.code === "not_found" && problem.field === "producer") return { producer: t.unknownProducer };
  return undefined;
}

/** The last moment of a date in China time ("2026-12-31" → 2026-12-31T23:59:59+08:00); other values as chinaTime. */
function chinaEndOfDay(value: unknown): string | undefined {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return `${value.trim()}T23:59:59+08:00`;
  return chinaTime(value);
}
