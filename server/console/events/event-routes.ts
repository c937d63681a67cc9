/**
 * Carriers record shipments and receipts, counters receipts and sales (/console/events/new?type=),
 * and both follow their recent records to the chain (/console/events). A write always acts as
 * the logged-in member's own organisation and goes through the same EventService as the API,
 * only after the whole form (batch and body) is valid.
 */
import express, { type Request, type Response, type Router } from "express";
import { DomainError } from "../../domain/errors";
import { html } from "../../html/html";
import type { ConsoleDeps } from "../context";
import { batchPickerFields, batchProblem, readBatchPick, resolveBatch, type BatchPick } from "./event-batch-picker";
import {
  EVENT_FORM_FIELDS,
  EVENT_FORM_ROLES,
  EVENT_FORMS,
  eventTypesFor,
  isConsoleEventType,
  type ConsoleEventType,
  type FormValues,
} from "./event-forms";
import { eventListPage, RECENT_EVENTS_SHOWN } from "./event-list-page";
import { EVENT_WORDS } from "./event-messages";
import { appErrorFields, chinaNow, errorSummary, form, FORM_KEY_FIELD, formIdempotency, formKeyField, ownKeyBanner, text, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import { consoleOf, ConsoleForbidden, requireMember, type ConsoleRequest } from "../session";
import { httpStatusOf } from "../../api/error-handler";

export function eventRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const members = requireMember({ roles: EVENT_FORM_ROLES });
  const recent = deps.orgEvents;

  router.get("/console/events", members, (req, res) => {
    const context = consoleOf(res);
    const recorded = typeof req.query.recorded === "string" ? req.query.recorded : undefined;
    res.type("html").send(eventListPage(context, recent.recent(context.org!.id, RECENT_EVENTS_SHOWN), eventTypesFor(context.org!.role), recorded));
  });

  router.get("/console/events/new", members, (req, res) => {
    const context = consoleOf(res);
    const type = chosenType(req, res);
    if (!type) return;
    const values: FormValues = { [EVENT_FORMS[type].timeField]: chinaNow() };
    const pick: BatchPick = { batchId: text(req.query.batchId) };
    res.type("html").send(formPage(context, type, values, pick, {}));
  });

  router.post("/console/events/new", members, async (req, res) => {
    const context = consoleOf(res);
    const type = chosenType(req, res);
    if (!type) return;
    const org = context.org!;
    if (!org.custodial) {
      res.status(403).type("html").send(formPage(context, type, {}, {}, {}));
      return;
    }
    const values = Object.fromEntries(EVENT_FORM_FIELDS.map((name) => [name, typeof req.body[name] === "string" ? req.body[name] : undefined])) as FormValues;
    const pick = readBatchPick(req.body);
    const formKey = req.body[FORM_KEY_FIELD];
    const again = (status: number, errors: FieldErrors) => res.status(status).type("html").send(formPage(context, type, values, pick, errors, formKey));

    // The whole form is checked before anything is written.
    const spec = EVENT_FORMS[type];
    const batch = resolveBatch(pick, context.lang);
    const parsed = spec.schema.safeParse(spec.body(values));
    const errors: FieldErrors = {
      ...(batch.ok ? {} : batch.errors),
      ...(parsed.success ? {} : zodFieldErrors(parsed.error, context.lang, spec.rename)),
    };
    if (!batch.ok || !parsed.success) return again(400, errors);

    try {
      const idempotency = formIdempotency(formKey, `event:${type}`, { batchId: batch.batchId, body: parsed.data });
      const answer = await deps.events.writeCustodial(org, { type: "event", batchId: batch.batchId, body: parsed.data }, idempotency);
      res.redirect(303, `/console/events?recorded=${encodeURIComponent((answer.body as { eventId: string }).eventId)}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === "forbidden") throw new ConsoleForbidden();
      if (error.code === "idempotency_key_reused") return again(422, { _form: EVENT_WORDS[context.lang].formUsed });
      again(httpStatusOf(error), batchProblem(error, batch.via, context.lang) ?? appErrorFields(error, context.lang, spec.rename));
    }
  });

  return router;
}

/**
 * The form's type from ?type=: none → the role's first form (303), unknown → 404, one the role
 * may not record → 403. Undefined when the answer was sent.
 */
function chosenType(req: Request, res: Response): ConsoleEventType | undefined {
  const context = consoleOf(res);
  const allowed = eventTypesFor(context.org!.role);
  const type = req.query.type;
  if (type === undefined) {
    res.redirect(303, `/console/events/new?type=${allowed[0]}`);
    return undefined;
  }
  if (!isConsoleEventType(type)) {
    res.status(404).type("html").send(consoleLayout({ context, title: COMMON[context.lang].notFound, path: "/console/events", body: html`<p>${COMMON[context.lang].notFound}</p>` }));
    return undefined;
  }
  if (!allowed.includes(type)) throw new ConsoleForbidden();
  return type;
}

function formPage(context: ConsoleRequest, type: ConsoleEventType, values: FormValues, pick: BatchPick, errors: FieldErrors, formKey?: unknown): string {
  const t = EVENT_WORDS[context.lang];
  const path = `/console/events/new?type=${type}`;
  const custodial = context.org!.custodial;
  return consoleLayout({
    context,
    title: t.formTitle[type],
    path,
    body: html`<p><a href="/console/events">${t.recentLink}</a></p>
${custodial
  ? html`${errorSummary(errors, context.lang)}
${form({
  action: path,
  csrfToken: context.csrfToken,
  submitLabel: COMMON[context.lang].save,
  body: [formKeyField(formKey), batchPickerFields(pick, errors, context.lang), ...EVENT_FORMS[type].fields(values, errors, context.lang)],
})}`
  : ownKeyBanner(context.lang)}`,
  });
}
