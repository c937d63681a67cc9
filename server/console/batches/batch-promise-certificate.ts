/**
 * The 承诺达标合格证 on a batch's console page: the batch's current certificate with its print
 * links, and the form that issues one — filled in from the ledger and the organisation's contact
 * details, so that only the test marks (and, where it differs, the quantity or the phone) are
 * asked. Issuing the same content again shows the same certificate.
 */
import express, { type Request, type Response, type Router } from "express";
import { DomainError } from "../../domain/errors";
import { issuePromiseCertificateBody, MARK_LABELS, TEST_MARKS } from "../../domain/promise-certificate";
import { html, type SafeHtml } from "../../html/html";
import type { BatchCreatorView } from "../../services/batches/creator-view";
import { printPath } from "../../services/promise-certificates";
import { httpStatusOf } from "../../api/error-handler";
import type { ConsoleDeps } from "../context";
import { errorSummary, field, form, number, ownKeyBanner, text, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";
import { refuseOwnKey, serviceFieldErrors, signsForOrg, unitOptions } from "./batch-forms";
import { routeBatchView } from "./batch-view";

const M = messages({
  zh: {
    title: "承诺达标合格证",
    intro: "出售蔬菜、水果、茶叶、畜禽、禽蛋、养殖水产品时，每批次开具承诺达标合格证。品名、产地、数量、开具方和联系方式按账本自动填写。",
    current: (no: string, date: string) => `当前合格证：No.${no}（${date} 开具）`,
    none: "这一批次还没有开具合格证。",
    print: "打印",
    marks: "检测情况（可选）",
    amount: "数量（可选，默认为本单位持有的全部）",
    unit: "单位",
    phone: "联系电话（可选，默认为本单位的联系电话）",
    phoneRequired: "联系电话",
    issue: "开具合格证",
  },
  en: {
    title: "承诺达标合格证 (promise of compliance)",
    intro: "Issued for each batch of vegetables, fruit, tea, livestock and poultry, eggs or farmed fish sold. Product, origin, quantity, issuer and contact are filled in from the ledger.",
    current: (no: string, date: string) => `Current certificate: No.${no} (issued ${date})`,
    none: "No certificate has been issued for this batch yet.",
    print: "Print",
    marks: "How it was checked (optional)",
    amount: "Quantity (optional; all your organisation holds when empty)",
    unit: "Unit",
    phone: "Contact phone (optional; your organisation's when empty)",
    phoneRequired: "Contact phone",
    issue: "Issue the certificate",
  },
});

export function promiseCertificatePath(batchId: string): string {
  return `/console/batches/${batchId}/promise-certificate`;
}

export function promiseCertificateLabel(context: ConsoleRequest): string {
  return M[context.lang].title;
}

/** The section: the current certificate and its print links, and the form. */
export function promiseCertificateSection(
  deps: ConsoleDeps,
  context: ConsoleRequest,
  view: BatchCreatorView,
  errors: FieldErrors = {},
  values: { marks?: string[]; amount?: string; unit?: string; phone?: string } = {},
): SafeHtml {
  const t = M[context.lang];
  const current = deps.promiseCertificates.currentOf(view.batchId);
  const hasPhone = Boolean(deps.promiseCertificates.contactOf(context.org!.id)?.phone);
  const page = current ? printPath("", current.id) : undefined;
  return html`<section class="card" aria-labelledby="promise-heading" id="promise-certificate">
<h2 id="promise-heading">${t.title}</h2>
<p>${t.intro}</p>
${current && page
  ? html`<p data-current-certificate="${current.id}">${t.current(current.certificateNo, current.issuedOn)}</p>
<p>${t.print}：<a href="${page}?size=60x40">60×40 mm</a> · <a href="${page}?size=80x60">80×60 mm</a> · <a href="${page}?size=a4">A4</a> · <a href="${page}?format=tspl&amp;size=60x40">TSPL</a> · <a href="${page}?format=zpl">ZPL</a></p>`
  : html`<p>${t.none}</p>`}
${signsForOrg(context)
  ? html`${errorSummary(errors, context.lang)}
${form({
  action: promiseCertificatePath(view.batchId),
  csrfToken: context.csrfToken,
  submitLabel: t.issue,
  body: [
    html`<fieldset class="form-row${errors.marks ? " has-error" : ""}" data-field="marks"><legend>${t.marks}</legend>
${TEST_MARKS.map((mark) => html`<label><input type="checkbox" name="marks" value="${mark}"${values.marks?.includes(mark) ? html` checked` : null}> ${MARK_LABELS[mark]}</label> `)}
${errors.marks ? html`<p class="field-error" role="alert">${errors.marks}</p>` : null}</fieldset>`,
    field({ name: "amount", label: t.amount, type: "number", value: values.amount ?? "", error: errors.amount, min: "0", step: "any" }),
    field({ name: "unit", label: t.unit, type: "select", value: values.unit ?? "", error: errors.unit, options: unitOptions(context.lang) }),
    field({ name: "phone", label: hasPhone ? t.phone : t.phoneRequired, value: values.phone ?? "", error: errors.phone, required: !hasPhone, maxLength: 30, autocomplete: "tel" }),
  ],
})}`
  : ownKeyBanner(context.lang)}
</section>`;
}

export function promiseCertificateRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const creators = requireMember({ roles: ["producer", "processor"] });
  const batchOf = (req: Request, res: Response): BatchCreatorView | undefined => routeBatchView(deps, req, res);
  const page = (context: ConsoleRequest, view: BatchCreatorView, section: SafeHtml) =>
    consoleLayout({ context, title: M[context.lang].title, path: `/console/batches/${view.batchId}`, body: html`<p><a href="/console/batches/${view.batchId}">${view.lot}</a></p>${section}` });

  router.get("/console/batches/:batchId/promise-certificate", creators, (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    res.type("html").send(page(context, view, promiseCertificateSection(deps, context, view)));
  });

  router.post("/console/batches/:batchId/promise-certificate", creators, async (req, res) => {
    const view = batchOf(req, res);
    if (!view) return;
    const context = consoleOf(res);
    if (!signsForOrg(context)) return refuseOwnKey(res, context, M[context.lang].title, promiseCertificatePath(view.batchId));
    const marks = [req.body.marks ?? []].flat().filter((m): m is string => typeof m === "string");
    const values = { marks, amount: text(req.body.amount), unit: text(req.body.unit), phone: text(req.body.phone) };
    const comeBack = (status: number, errors: FieldErrors) =>
      res.status(status).type("html").send(page(context, view, promiseCertificateSection(deps, context, view, errors, values)));
    const amount = number(values.amount);
    const parsed = issuePromiseCertificateBody.safeParse({
      ...(marks.length ? { marks } : {}),
      ...(amount !== undefined || values.unit ? { quantity: { amount, unit: values.unit } } : {}),
      ...(values.phone ? { contact: { phone: values.phone } } : {}),
    });
    const rename = { "quantity.amount": "amount", "quantity.unit": "unit", quantity: "amount", "contact.phone": "phone" };
    if (!parsed.success) return comeBack(400, zodFieldErrors(parsed.error, context.lang, rename));
    try {
      const { certificate } = await deps.promiseCertificates.issue(context.org!, view.batchId, parsed.data);
      res.redirect(303, `/console/batches/${view.batchId}?certificate=${certificate.id}#promise-heading`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      comeBack(httpStatusOf(error), serviceFieldErrors(error, context.lang, { ...rename, marks: "marks" }));
    }
  });
  return router;
}
