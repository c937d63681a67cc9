/**
 * The forms that move produce (/console/events/new?type=): an organisation ships only what it
 * holds, to the organisation it names; packing houses, carriers and counters record what was
 * shipped to them, and then hold it (a carrier takes a batch over so: by receiving it); counters
 * sell what they hold. Each follows its recent records to the chain (/console/events),
 * where it may also correct them (correction-routes.ts). A write always acts as the logged-in
 * member's own organisation and goes through the same EventService as the API, only after the
 * whole form (batch and body) is valid; the ledger's rules then answer, beside the right field.
 */
import express, { type Request, type Response, type Router } from "express";
import { DomainError } from "../../domain/errors";
import { html } from "../../html/html";
import type { ConsoleDeps } from "../context";
import { batchFieldRename, batchPickerFields, batchProblem, readBatchPick, resolveBatch, type BatchPick } from "./event-batch-picker";
import { correctionMarks } from "./event-corrections";
import {
  choicesFor,
  EVENT_FORM_ROLES,
  EVENT_FORMS,
  eventTypesFor,
  formValuesOf,
  isConsoleEventType,
  type ConsoleEventType,
  type FormChoices,
  type FormValues,
} from "./event-forms";
import { eventListPage, RECENT_EVENTS_SHOWN } from "./event-list-page";
import { EVENT_WORDS } from "./event-messages";
import { chinaNow, errorSummary, form, FORM_KEY_FIELD, formIdempotency, formKeyField, ownKeyBanner, refusalErrors, text, zodFieldErrors, type FieldErrors } from "../forms";
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
    const events = recent.recent(context.org!.id, RECENT_EVENTS_SHOWN);
    const marks = correctionMarks(deps.batchReads, events.map((event) => event.batchId));
    res.type("html").send(eventListPage(context, events, marks, eventTypesFor(context.org!.role), recorded));
  });

  router.get("/console/events/new", members, (req, res) => {
    const context = consoleOf(res);
    const type = chosenType(req, res);
    if (!type) return;
    const values: FormValues = { [EVENT_FORMS[type].timeField]: chinaNow() };
    const pick: BatchPick = { batchId: text(req.query.batchId) };
    res.type("html").send(formPage(context, type, values, pick, {}, choicesFor(deps.orgs.list(), context.org!, context.lang)));
  });

  router.post("/console/events/new", members, async (req, res) => {
    const context = consoleOf(res);
    const type = chosenType(req, res);
    if (!type) return;
    const org = context.org!;
    const values = formValuesOf(req.body);
    const choices = (confirmPrice: boolean) => choicesFor(deps.orgs.list(), org, context.lang, confirmPrice);
    if (!org.custodial) {
      res.status(403).type("html").send(formPage(context, type, {}, {}, {}, choices(false)));
      return;
    }
    const pick = readBatchPick(req.body);
    const formKey = req.body[FORM_KEY_FIELD];
    const again = (status: number, errors: FieldErrors, confirmPrice = values.priceConfirmed === "1") =>
      res.status(status).type("html").send(formPage(context, type, values, pick, errors, choices(confirmPrice), formKey));

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
      const refused =
        batchProblem(error, batch.via, context.lang) ??
        refusalErrors(error, context.lang, { ...spec.rename, ...batchFieldRename(batch.via) }, [...spec.shown, "gtin", "lot", "batchId"]);
      // A price far from the usual one (or ¥0) is recorded once the member ticks the box beside it.
      again(httpStatusOf(error), refused, error.code === "confirmation_required" || values.priceConfirmed === "1");
    }
  });

  return router;
}

/**
 * The form's type from ?type=: none → the role's first form, in the order work happens (303), unknown → 404, one the role
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

function formPage(context: ConsoleRequest, type: ConsoleEventType, values: FormValues, pick: BatchPick, errors: FieldErrors, choices: FormChoices, formKey?: unknown): string {
  const t = EVENT_WORDS[context.lang];
  const path = `/console/events/new?type=${type}`;
  const custodial = context.org!.custodial;
  // A carrier's forms say how it takes a batch over: it is shipped to it, and it receives it.
  const takesOver = context.org!.role === "carrier" && type !== "sale" ? html`<p class="form-intro">${t.carrierTakesOver}</p>` : null;
  return consoleLayout({
    context,
    title: t.formTitle[type],
    path,
    body: html`<p><a href="/console/events">${t.recentLink}</a></p>
${custodial
  ? html`<p class="form-intro">${t.formIntro[type]}</p>
${takesOver}
${errorSummary(errors, context.lang)}
${form({
  action: path,
  csrfToken: context.csrfToken,
  submitLabel: COMMON[context.lang].save,
  body: [formKeyField(formKey), batchPickerFields(pick, errors, context.lang), ...EVENT_FORMS[type].fields(values, errors, context.lang, choices)],
})}`
  : ownKeyBanner(context.lang)}`,
  });
}
