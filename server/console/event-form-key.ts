/**
 * One form, one write. Each write form carries a random key made when the form was shown; the
 * write goes to the service under that key (as an API client's Idempotency-Key would), so a
 * form posted twice — a double tap, a reload, a retry on a bad connection — records once and
 * answers the same both times. A form that came back with errors recorded nothing, so its key
 * stays usable for the corrected post.
 */
import { createHash, randomBytes } from "node:crypto";
import { canonicalize } from "../domain/canonical-json";
import type { Idempotency } from "../store/idempotency-repository";
import { html, type SafeHtml } from "../web/html";

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
