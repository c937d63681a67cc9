/**
 * What a batch's creator does from its page: issue unit serials (and print their labels) and
 * recall the batch. The forms sit on the batch page; each also has a page of its own, which is
 * where a form comes back with errors and what the batch page links to while it reloads itself.
 */
import express, { type Request, type Response, type Router } from "express";
import { recallBody } from "../../domain/request-shapes";
import { issueSerialsBody } from "../../domain/request-shapes";
import { DomainError } from "../../domain/errors";
import { EventKind } from "../../domain/event-kinds";
import { html, type SafeHtml } from "../../html/html";
import { LABELS_PER_SHEET } from "../../html/label-sheet";
import {
  refuseOwnKey,
  serviceFieldErrors,
  signsForOrg,
} from "./batch-forms";
import { recallState, type BatchCreatorView } from "../../services/batches/creator-view";
import { routeBatchView } from "./batch-view";
import type { ConsoleDeps } from "../context";
import { chinaNow, chinaTime, errorSummary, field, form, FORM_KEY_FIELD, formIdempotency, formKeyField, number, ownKeyBanner, text, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";
import { httpStatusOf } from "../../api/error-handler";

/** The most serials one label-sheet link may name (the label page's own limit). */
export const MAX_LABEL_LINK_SERIALS = LABELS_PER_SHEET * 10;

const M = messages({
  zh: {
    serials: "单品码",
    serialsIntro: "给这一批次的每件包装一个单品码：扫码时能查到是哪一件，复制的标签会被发现。",
    issuedSoFar: (n: number) => `已发放 ${n} 个单品码。`,
    count: "发放数量",
    countHint: `1–10000；一张 A4 标签纸 ${LABELS_PER_SHEET} 个`,
    issue: "发放单品码",
    justIssued: (n: number) => `刚发放了 ${n} 个单品码：`,
    printIssued: "打印这些单品码的标签",
    tooManyForOneLink: (n: number) => `刚发放了 ${n} 个单品码，太多了，无法放进一个打印链接；可以打印批次标签，或通过接口取得全部单品码。`,
    printBatch: "打印批次标签（不含单品码）",
    labelsAfterChain: "批次写入区块链后才能打印标签。",
    recall: "召回这一批次",
    recallWarning: "召回后，这一批次和用它加工成的批次的页面都会显示召回警示，此后不能再记录任何事情。召回无法撤销。",
    reason: "召回原因",
    reasonHint: "购买者会在产品页面上看到这段话",
    recalledAt: "召回时间",
    confirmRecall: "确认召回",
    recalling: "召回已提交，正在写入区块链。",
  },
  en: {
    serials: "Unit serials",
    serialsIntro: "Give each pack of this batch a serial of its own: a scan then tells which pack it is, and copied labels show up.",
    issuedSoFar: (n: number) => `${n} serials issued so far.`,
    count: "How many",
    countHint: `1 to 10,000; an A4 label sheet holds ${LABELS_PER_SHEET}`,
    issue: "Issue serials",
    justIssued: (n: number) => `${n} serials were just issued:`,
    printIssued: "Print labels for these serials",
    tooManyForOneLink: (n: number) => `${n} serials were just issued: too many for one print link. Print batch labels, or fetch every serial through the API.`,
    printBatch: "Print batch labels (without serials)",
    labelsAfterChain: "Labels can be printed once the batch is on the blockchain.",
    recall: "Recall this batch",
    recallWarning: "Once recalled, this batch's page and the pages of batches made from it show a recall warning, and nothing more can be recorded on it. A recall cannot be undone.",
    reason: "Reason for the recall",
    reasonHint: "Shoppers read this on the product page",
    recalledAt: "Recalled at",
    confirmRecall: "Recall the batch",
    recalling: "The recall is submitted and being written to the blockchain.",
  },
});

export function serialsPath(batchId: string): string {
  return `/console/batches/${batchId}/serials`;
}

export function recallPath(batchId: string): string {
  return `/console/batches/${batchId}/recall`;
}

export function serialsLabel(context: ConsoleRequest): string {
  return M[context.lang].serials;
}

export function recallLabel(context: ConsoleRequest): string {
  return M[context.lang].recall;
}

/** Serials issued just now (from the batch page's query), and how to print their labels. */
export function issuedNotice(context: ConsoleRequest, view: BatchCreatorView, issued: string[] | number): SafeHtml {
  const t = M[context.lang];
  const printable = view.chain !== undefined;
  if (typeof issued === "number") {
    return html`<div class="banner banner-ok" role="status" data-issued="${issued}"><p>${t.tooManyForOneLink(issued)}</p>
${printable ? html`<p><a href="/labels/${view.batchId}">${t.printBatch}</a></p>` : html`<p>${t.labelsAfterChain}</p>`}</div>`;
  }
  return html`<div class="banner banner-ok" role="status" data-issued="${issued.length}"><p>${t.justIssued(issued.length)}</p>
<p class="serial-list">${issued.map((serial) => html`<code>${serial}</code> `)}</p>
${printable ? html`<p><a class="btn" href="/labels/${view.batchId}?serials=${issued.join(",")}">${t.printIssued}</a></p>` : html`<p>${t.labelsAfterChain}</p>`}</div>`;
}

export function serialsSection(context: ConsoleRequest, view: BatchCreatorView, errors: FieldErrors = {}, values: { count?: string } = {}, req?: Request): SafeHtml {
  const t = M[context.lang];
  return html`<section class="card" aria-labelledby="serials-heading">
<h2 id="serials-heading">${t.serials}</h2>
<p>${t.serialsIntro}</p>
<p>${t.issuedSoFar(view.serialCount)}</p>
${view.chain ? html`<p><a href="/labels/${view.batchId}">${t.printBatch}</a></p>` : null}
${errorSummary(errors, context.lang)}
${form({
  action: serialsPath(view.batchId),
  csrfToken: context.csrfToken,
  submitLabel: t.issue,
  body: [
    formKeyField(req?.body?.[FORM_KEY_FIELD]),
    field({ name: "count", label: t.count, type: "number", value: values.count ?? "", error: errors.count, required: true, min: "1", max: "10000", step: "1", hint: t.countHint }),
  ],
})}
</section>`;
}

export function recallSection(context: ConsoleRequest, view: BatchCreatorView, errors: FieldErrors = {}, values: { reason?: string; recalledAt?: string } = {}, req?: Request): SafeHtml {
  const t = M[context.lang];
  const state = recallState(view);
  if (state !== "none") {
    // "Being written" while the recall is on its way, not once the chain has it and the index lags.
    const onItsWay = view.events.some((e) => e.kind === EventKind.Recall && (e.status === "pending" || e.status === "submitted"));
    return html`${errorSummary(errors, context.lang)}${state === "recalling" && onItsWay ? html`<p class="banner banner-warning" role="status" data-recalling="true">${t.recalling}</p>` : null}`;
  }
  return html`<section class="card card-danger" aria-labelledby="recall-heading">
<h2 id="recall-heading">${t.recall}</h2>
<p class="banner banner-danger">${t.recallWarning}</p>
${signsForOrg(context)
  ? html`${errorSummary(errors, context.lang)}
${form({
  action: recallPath(view.batchId),
  csrfToken: context.csrfToken,
  submitLabel: t.confirmRecall,
  danger: true,
  body: [
    formKeyField(req?.body?.[FORM_KEY_FIELD]),
    field({ name: "reason", label: t.reason, type: "textarea", value: values.reason, error: errors.reason, required: true, maxLength: 1000, hint: t.reasonHint }),
    field({ name: "recalledAt", label: t.recalledAt, type: "datetime-local", value: values.recalledAt ?? chinaNow(), error: errors.recalledAt, required: true }),
  ],
})}`
  : ownKeyBanner(context.lang)}
</section>`;
}

export function batchActionRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const creators = requireMember({ roles: ["producer", "processor"] });

  /** The batch of the route, or a 404 page (ConsoleForbidden for another organisation's). */
  const batchOf = (req: Request, res: Response): BatchCreatorView | undefined => routeBatchView(deps, req, res);
  const actionPage = (context: ConsoleRequest, view: BatchCreatorView, title: string, section: SafeHtml) =>
    consoleLayout({
      context,
      title,
      path: `/console/batches/${view.batchId}`,
      body: html`<p><a href="/console/batches/${view.batchId}">${view.lot}</a></p>${section}`,
    });

  router.get("/console/batches/:batchId/serials", creators, (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    res.type("html").send(actionPage(context, view, M[context.lang].serials, serialsSection(context, view)));
  });

  router.post("/console/batches/:batchId/serials", creators, (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    // Serials are kept off chain and signed by no one: organisations with their own key issue them too.
    const values = { count: text(req.body.count) };
    const parsed = issueSerialsBody.safeParse({ count: number(values.count) });
    const comeBack = (status: number, errors: FieldErrors) =>
      res.status(status).type("html").send(actionPage(context, view, M[context.lang].serials, serialsSection(context, view, errors, values, req)));
    if (!parsed.success) return comeBack(400, zodFieldErrors(parsed.error, context.lang));
    try {
      const answer = deps.serials.issue(context.org!, view.batchId, parsed.data.count, formIdempotency(req.body?.[FORM_KEY_FIELD], `POST ${req.path}`, parsed.data));
      const serials = (answer.body as { serials: { serial: string }[] }).serials.map((s) => s.serial);
      const query = serials.length <= MAX_LABEL_LINK_SERIALS ? `issued=${serials.join(",")}` : `issuedCount=${serials.length}`;
      res.redirect(303, `/console/batches/${view.batchId}?${query}#serials-heading`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      comeBack(httpStatusOf(error), serviceFieldErrors(error, context.lang, { count: "count" }));
    }
  });

  router.get("/console/batches/:batchId/recall", creators, (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    res.type("html").send(actionPage(context, view, M[context.lang].recall, recallSection(context, view)));
  });

  router.post("/console/batches/:batchId/recall", creators, async (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    const t = M[context.lang];
    if (!signsForOrg(context)) return refuseOwnKey(res, context, t.recall, recallPath(view.batchId));
    const values = { reason: text(req.body.reason), recalledAt: text(req.body.recalledAt) };
    const comeBack = (status: number, errors: FieldErrors) =>
      res.status(status).type("html").send(actionPage(context, view, t.recall, recallSection(context, view, errors, values, req)));
    const parsed = recallBody.safeParse({ type: "recall", reason: values.reason, recalledAt: chinaTime(values.recalledAt) });
    if (!parsed.success) return comeBack(400, zodFieldErrors(parsed.error, context.lang));
    try {
      await deps.events.writeCustodial(context.org!, { type: "event", batchId: view.batchId, body: parsed.data }, formIdempotency(req.body?.[FORM_KEY_FIELD], `POST ${req.path}`, parsed.data));
      res.redirect(303, `/console/batches/${view.batchId}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      comeBack(httpStatusOf(error), serviceFieldErrors(error, context.lang, {}));
    }
  });

  return router;
}
