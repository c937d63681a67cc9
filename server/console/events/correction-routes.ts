/**
 * Correcting a record (/console/events/{eventId}/correct): a wrong event is never edited. Its
 * organisation records a correction (EPCIS errorDeclaration) that declares it void, with a
 * reason, or — a shipment, receipt or sale — superseded by corrected values entered on the same
 * fields as the original form. The correction goes through the same EventService and rules as
 * the API's: the batch's history replayed with it must still hold together.
 */
import express, { type Request, type Response, type Router } from "express";
import { STOCK_ROLES, eventKindName } from "../../domain/event-kinds";
import { correctionBody } from "../../domain/request-shapes";
import { DomainError } from "../../domain/errors";
import { parseBatchId } from "../../domain/gs1";
import { revealPrivateFields } from "../../domain/private-fields";
import type { AcceptedEvent } from "../../store/accepted-batch-reads";
import { html, type SafeHtml } from "../../html/html";
import { formatDateTime } from "../../html/i18n";
import { httpStatusOf } from "../../api/error-handler";
import type { ConsoleDeps } from "../context";
import { correctionPath, marksOf, mayCorrect, type CorrectionMark } from "./event-corrections";
import { choicesFor, EVENT_FORMS, formValuesOf, isConsoleEventType, type FormValues } from "./event-forms";
import { what } from "./event-list-page";
import { EVENT_WORDS } from "./event-messages";
import { errorSummary, form, FORM_KEY_FIELD, formIdempotency, formKeyField, ownKeyBanner, refusalErrors, text, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, ConsoleForbidden, requireMember, type ConsoleRequest } from "../session";

const M = messages({
  zh: {
    title: "更正记录",
    intro: "区块链上的记录不能修改。更正是一条新的签名记录：声明原记录作废，或改正为下面的内容。原记录仍然可见，在溯源页上以删除线显示，并附上原因；持有关系和数量按更正后的记录重新计算。",
    original: "原记录",
    batch: "批次",
    recordedAt: "登记时间",
    voidTitle: "作废这条记录",
    voidIntro: "这件事没有发生（例如登记错了批次）。",
    reason: "原因",
    reasonHint: "会在溯源页上显示",
    voidSubmit: "作废这条记录",
    supersedeTitle: "改正这条记录",
    supersedeIntro: "这件事发生了，但有几项填错了：改正为下面的内容。",
    supersedeSubmit: "提交改正",
    notCorrectable: "这条记录不能在这里更正：它已作废、没有写入成功，或者不是你的机构登记的。",
    backToRecords: "回到最近的记录",
  },
  en: {
    title: "Correct a record",
    intro: "A record on the blockchain cannot be changed. A correction is a new signed record that declares the original void, or corrects it to what you enter below. The original stays visible, struck through with the reason on the provenance page; custody and quantities are recomputed from the corrected records.",
    original: "The original record",
    batch: "Batch",
    recordedAt: "Recorded",
    voidTitle: "Declare this record void",
    voidIntro: "It did not happen (the wrong batch was picked, for instance).",
    reason: "Reason",
    reasonHint: "Shown on the provenance page",
    voidSubmit: "Declare it void",
    supersedeTitle: "Correct this record",
    supersedeIntro: "It happened, but some details are wrong: correct them to what you enter below.",
    supersedeSubmit: "Record the correction",
    notCorrectable: "This record cannot be corrected here: it is void already, it failed, or your organisation did not record it.",
    backToRecords: "Back to recent records",
  },
});

type Declaration = "void" | "supersede";

/** What the page was posted with: which form, and its values. */
interface Posted {
  declaration: Declaration;
  reason?: string;
  values: FormValues;
  errors: FieldErrors;
  formKey?: unknown;
}

export function correctionRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const members = requireMember({ roles: STOCK_ROLES });

  /** The event of the route with the corrections standing on its batch; a 404 page when there is none. */
  const eventOf = (req: Request, res: Response): { event: AcceptedEvent; marks: Map<string, CorrectionMark> } | undefined => {
    const context = consoleOf(res);
    const eventId = String(req.params.eventId);
    const status = /^[0-9a-f-]{36}$/.test(eventId) ? deps.eventStatus(eventId) : undefined;
    const events = status ? deps.batchReads.events(status.batchId) : [];
    const event = events.find((e) => e.eventId === eventId);
    if (!event) {
      const t = COMMON[context.lang];
      res.status(404).type("html").send(consoleLayout({ context, title: t.notFound, path: req.path, body: html`<p class="banner banner-warning" role="alert">${t.notFound}</p>` }));
      return undefined;
    }
    if (event.orgId !== context.org!.id) throw new ConsoleForbidden();
    return { event, marks: marksOf(events) };
  };

  router.get("/console/events/:eventId/correct", members, (req, res) => {
    const found = eventOf(req, res);
    if (!found) return;
    res.type("html").send(correctionPage(deps, consoleOf(res), found.event, found.marks));
  });

  router.post("/console/events/:eventId/correct", members, async (req, res) => {
    const found = eventOf(req, res);
    if (!found) return;
    const context = consoleOf(res);
    const org = context.org!;
    const { event, marks } = found;
    const type = eventKindName(event.kind);
    const declaration: Declaration = req.body.declaration === "supersede" && isConsoleEventType(type) ? "supersede" : "void";
    const posted: Posted = {
      declaration,
      reason: text(req.body.reason),
      values: declaration === "supersede" ? formValuesOf(req.body) : {},
      errors: {},
      formKey: req.body[FORM_KEY_FIELD],
    };
    const again = (status: number, errors: FieldErrors) =>
      res.status(status).type("html").send(correctionPage(deps, context, event, marks, { ...posted, errors }));
    if (!org.custodial) return again(403, {});
    if (!mayCorrect(event, event.orgId, org, marks)) return again(409, { _form: M[context.lang].notCorrectable });

    // The corrected values are checked as the original form checks them, then the correction whole.
    let replacement: unknown;
    const errors: FieldErrors = {};
    if (declaration === "supersede" && isConsoleEventType(type)) {
      const spec = EVENT_FORMS[type];
      const parsed = spec.schema.safeParse(spec.body(posted.values));
      if (parsed.success) replacement = parsed.data;
      else Object.assign(errors, zodFieldErrors(parsed.error, context.lang, spec.rename));
    }
    const body = { type: "correction", corrects: event.eventId, declaration, reason: posted.reason, ...(replacement ? { replacement } : {}) };
    const parsed = correctionBody.safeParse(body);
    if (!parsed.success) Object.assign(errors, zodFieldErrors(parsed.error, context.lang, { replacement: "_form" }));
    if (!parsed.success || Object.keys(errors).length > 0) return again(400, errors);

    try {
      const idempotency = formIdempotency(posted.formKey, `correction:${event.eventId}`, parsed.data);
      const answer = await deps.events.writeCustodial(org, { type: "event", batchId: event.batchId, body: parsed.data }, idempotency);
      res.redirect(303, `/console/events?recorded=${encodeURIComponent((answer.body as { eventId: string }).eventId)}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === "forbidden") throw new ConsoleForbidden();
      if (error.code === "idempotency_key_reused") return again(422, { _form: EVENT_WORDS[context.lang].formUsed });
      again(httpStatusOf(error), refusalErrors(error, context.lang, replacementRename(type), shownFields(type)));
    }
  });

  return router;
}

/** The rules name a replacement's fields `replacement.quantity.amount`: the form's names for them. */
function replacementRename(type: string): Record<string, string> {
  const rename: Record<string, string> = { reason: "reason" };
  if (!isConsoleEventType(type)) return rename;
  const spec = EVENT_FORMS[type];
  for (const name of spec.shown) rename[`replacement.${name}`] = name;
  for (const [path, name] of Object.entries(spec.rename)) rename[`replacement.${path}`] = name;
  return rename;
}

function shownFields(type: string): string[] {
  return ["reason", ...(isConsoleEventType(type) ? EVENT_FORMS[type].shown : [])];
}

function correctionPage(deps: ConsoleDeps, context: ConsoleRequest, event: AcceptedEvent, marks: Map<string, CorrectionMark>, posted?: Posted): string {
  const t = M[context.lang];
  const type = eventKindName(event.kind);
  const correctable = mayCorrect(event, event.orgId, context.org!, marks);
  const { lot } = parseBatchId(event.batchId);
  // The page is its own organisation's (eventOf checks): it shows the private values too.
  const written = revealPrivateFields(event.detail, event.privateValues);
  const errorsOf = (declaration: Declaration) => (posted?.declaration === declaration ? posted.errors : {});
  const reasonOf = (declaration: Declaration) => (posted?.declaration === declaration ? posted.reason : undefined);
  const body: SafeHtml[] = [
    html`<p>${t.intro}</p>
<section class="card" aria-labelledby="original-heading" data-original="${event.eventId}">
<h2 id="original-heading">${t.original}</h2>
<dl class="facts">
<dt>${t.batch}</dt><dd><a href="/p/${event.batchId}">${lot}</a></dd>
<dt>${t.recordedAt}</dt><dd>${formatDateTime(event.acceptedAt, context.lang)}</dd>
</dl>
<p>${what(type, written, marks.get(event.eventId), context.lang)}</p>
</section>`,
  ];
  if (!context.org!.custodial) body.push(ownKeyBanner(context.lang));
  else if (!correctable) body.push(html`${errorSummary(errorsOf("void"), context.lang)}<p class="banner banner-warning" role="alert" data-error="not-correctable">${t.notCorrectable}</p>`);
  else {
    body.push(html`<section class="card card-danger" aria-labelledby="void-heading">
<h2 id="void-heading">${t.voidTitle}</h2>
<p>${t.voidIntro}</p>
${errorSummary(errorsOf("void"), context.lang)}
${form({
  action: correctionPath(event.eventId),
  csrfToken: context.csrfToken,
  submitLabel: t.voidSubmit,
  danger: true,
  id: "void-form",
  body: [
    formKeyField(posted?.declaration === "void" ? posted.formKey : undefined),
    html`<input type="hidden" name="declaration" value="void">`,
    reasonField("void", reasonOf("void"), errorsOf("void").reason, context, (posted?.declaration ?? "void") === "void"),
  ],
})}
</section>`);
    if (isConsoleEventType(type)) {
      const values = posted?.declaration === "supersede" ? posted.values : EVENT_FORMS[type].values(written);
      const choices = choicesFor(deps.orgs.list(), context.org!, context.lang);
      body.push(html`<section class="card" aria-labelledby="supersede-heading">
<h2 id="supersede-heading">${t.supersedeTitle}</h2>
<p>${t.supersedeIntro}</p>
${errorSummary(errorsOf("supersede"), context.lang)}
${form({
  action: correctionPath(event.eventId),
  csrfToken: context.csrfToken,
  submitLabel: t.supersedeSubmit,
  id: "supersede-form",
  body: [
    formKeyField(posted?.declaration === "supersede" ? posted.formKey : undefined),
    html`<input type="hidden" name="declaration" value="supersede">`,
    reasonField("supersede", reasonOf("supersede"), errorsOf("supersede").reason, context, posted?.declaration === "supersede"),
    ...EVENT_FORMS[type].fields(values, errorsOf("supersede"), context.lang, choices),
  ],
})}
</section>`);
    }
  }
  body.push(html`<p><a href="/console/events">${t.backToRecords}</a></p>`);
  return consoleLayout({ context, title: t.title, path: correctionPath(event.eventId), body });
}

/**
 * The reason of one of the page's two forms, both posted as `reason`. The form that came back
 * (or the first) has the id an error summary links to; the other one an id of its own.
 */
function reasonField(declaration: Declaration, value: string | undefined, error: string | undefined, context: ConsoleRequest, linked: boolean): SafeHtml {
  const t = M[context.lang];
  const id = linked ? "f-reason" : `f-reason-${declaration}`;
  return html`<div class="form-row${error ? " has-error" : ""}" data-field="reason" data-form="${declaration}">
<label for="${id}">${t.reason} <span class="req" aria-hidden="true">*</span></label>
<textarea id="${id}" name="reason" rows="3" maxlength="1000" required aria-describedby="${id}-hint${error ? ` ${id}-error` : ""}"${error ? html` aria-invalid="true"` : null}>${value ?? ""}</textarea>
<p class="hint" id="${id}-hint">${t.reasonHint}</p>
${error ? html`<p class="field-error" id="${id}-error" role="alert">${error}</p>` : null}
</div>`;
}
