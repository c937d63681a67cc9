/**
 * Form helpers the producer's and processor's pages share: units, China time, the refusal for
 * organisations that sign with their own key, and service refusals put into words beside the
 * right field.
 */
import type { Response } from "express";
import { DomainError } from "../../domain/errors";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { BATCH_WORDS } from "./batch-messages";
import { appErrorFields, ownKeyBanner, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import type { ConsoleRequest } from "../session";

// Units: the console's one vocabulary (../units.ts); countedUnitOptions are the units a batch may
// state the weight of (a conversion: 1 box = 5 kg).
export { countedUnitOptions, quantityText, unitOptions } from "../units";


// --- Refusals ----------------------------------------------------------------------------------

/** Whether the console may sign for the member's organisation (it keeps the organisation's key). */
export function signsForOrg(context: ConsoleRequest): boolean {
  return context.org?.custodial === true;
}


/** Answers a write from an organisation that signs with its own key: 403, nothing written. */
export function refuseOwnKey(res: Response, context: ConsoleRequest, title: string, path: string): void {
  res.status(403).type("html").send(consoleLayout({ context, title, path, body: ownKeyBanner(context.lang) }));
}

export function sendNotFound(res: Response, context: ConsoleRequest, path: string): void {
  const t = COMMON[context.lang];
  res.status(404).type("html").send(consoleLayout({ context, title: t.notFound, path, body: html`<p class="banner banner-warning" role="alert">${t.notFound}</p>` }));
}

/**
 * A service's refusal (DomainError) as errors beside fields, in the member's language. The
 * services speak English to API clients; the refusals a console form can meet are put into
 * words here, others keep the words forms.ts has for them. A field the form does not show
 * goes to the top of the form.
 */
export function serviceFieldErrors(error: DomainError, lang: Lang, fieldOf: Record<string, string>): FieldErrors {
  const w = BATCH_WORDS[lang];
  if (error.code === "idempotency_key_reused") return { _form: w.submittedTwice };
  if (error.code === "forbidden") return { _form: w.notCreator };
  const names = withBracketPaths(fieldOf);
  const translated = appErrorFields(error, lang);
  const errors: FieldErrors = {};
  for (const problem of error.fields) {
    const name = names[problem.field] ?? "_form";
    // The ledger's rules word their refusals in both languages; older refusals are worded here.
    errors[name] ??= refusalWords(problem.message, lang) ?? translated[problem.field];
  }
  if (error.fields.length === 0) errors._form = refusalWords(error.message, lang) ?? translated._form;
  return errors;
}

/** The planner's refusals, by their (English) message. */
function refusalWords(message: string, lang: Lang): string | undefined {
  const w = BATCH_WORDS[lang];
  if (message.startsWith("no batch ")) return w.noBatch;
  if (message.endsWith("exists already")) return w.lotTaken;
  if (message.startsWith("the batch is recalled") || message === "an input batch is recalled") return w.batchRecalled;
  if (message.includes("repeats an input")) return w.repeatsInput;
  return undefined;
}

/** The services name fields `outputs[0].lot`, zod `outputs.0.lot`: a rename table for both. */
export function withBracketPaths(rename: Record<string, string>): Record<string, string> {
  const both: Record<string, string> = { ...rename };
  for (const [path, name] of Object.entries(rename)) both[path.replace(/\.(\d+)(?=\.|$)/g, "[$1]")] = name;
  return both;
}

/** An error that belongs to a group of fields (the outputs of a split) rather than to one. */
export function groupError(name: string, error: string | undefined): SafeHtml | null {
  if (!error) return null;
  return html`<div class="form-row has-error" data-field="${name}"><p class="field-error" id="f-${name}-error" role="alert">${error}</p></div>`;
}
