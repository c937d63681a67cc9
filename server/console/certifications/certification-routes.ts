/**
 * The certifier's console (/console/certifications): attest 圳品 for a batch or for a
 * cooperative's product line, revoke with a reason, and follow each certificate's validity and
 * its writes to the chain. Every write goes through the same CertificationService as the API, as
 * the logged-in member's own organisation, only once the whole form is valid.
 */
import express, { type Response, type Router } from "express";
import { revokeBody, type BatchCertificationBody, type ProductLineCertificationBody } from "../../domain/request-shapes";
import { DomainError } from "../../domain/errors";
import { html } from "../../html/html";
import type { ConsoleDeps } from "../context";
import { ATTEST_FORM_FIELDS, ATTEST_FORMS, CERTIFICATION_SUBJECTS, certificationProblem } from "./certification-forms";
import { CERTIFICATION_WORDS } from "./certification-messages";
import { attestPage, certificateListPage, revokePage } from "./certification-pages";
import { EXPIRY_WARNING_DAYS, certificateState } from "./certification-state";
import { batchProblem, readBatchPick, resolveBatch } from "../events/event-batch-picker";
import { formIdempotency, FORM_KEY_FIELD } from "../forms";
import type { FormValues } from "../events/event-forms";
import { appErrorFields, text, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON } from "../messages";
import { consoleOf, ConsoleForbidden, requireMember, type ConsoleRequest } from "../session";
import { httpStatusOf } from "../../api/error-handler";

const PAGE_SIZE = 50;
const CERTIFICATION_ID = /^0x[0-9a-fA-F]{64}$/;

export function certificationRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const certifiers = requireMember({ roles: ["certifier"] });
  const reads = deps.certificationReads;
  const writes = deps.certificationWrites;
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const producers = () => deps.orgs.list().filter((org) => org.role === "producer");

  router.get("/console/certifications", certifiers, (req, res) => {
    const context = consoleOf(res);
    const org = context.org!;
    const now = nowSeconds();
    const requested = Number(req.query.page);
    const page = Number.isInteger(requested) && requested > 1 ? requested : 1;
    const { certifications, total } = reads.byCertifier(org.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const expiring = reads
      .endingBetween(org.id, now, now + EXPIRY_WARNING_DAYS * 86_400)
      .filter((c) => certificateState(c, now) === "valid");
    const recorded = typeof req.query.recorded === "string" && writes.byId(req.query.recorded)?.orgId === org.id ? req.query.recorded : undefined;
    res.type("html").send(
      certificateListPage(context, { certifications, expiring, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), nowSeconds: now, recorded }),
    );
  });

  for (const subject of CERTIFICATION_SUBJECTS) {
    const path = `/console/certifications/${subject}`;

    router.get(path, certifiers, (_req, res) => {
      res.type("html").send(attestPage(consoleOf(res), { subject, values: {}, pick: {}, errors: {}, producers: producers() }));
    });

    router.post(path, certifiers, async (req, res) => {
      const context = consoleOf(res);
      const org = context.org!;
      const values = Object.fromEntries(ATTEST_FORM_FIELDS.map((name) => [name, typeof req.body[name] === "string" ? req.body[name] : undefined])) as FormValues;
      const pick = subject === "batch" ? readBatchPick(req.body) : {};
      const formKey = req.body[FORM_KEY_FIELD];
      const again = (status: number, errors: FieldErrors) =>
        res.status(status).type("html").send(attestPage(context, { subject, values, pick, errors, producers: producers(), formKey }));
      if (!org.custodial) return again(403, {});

      // The whole form is checked before anything is written.
      const batch = subject === "batch" ? resolveBatch(pick, context.lang) : undefined;
      const form = ATTEST_FORMS[subject];
      const parsed = form.schema.safeParse(form.body(values));
      const errors: FieldErrors = {
        ...(batch && !batch.ok ? batch.errors : {}),
        ...(parsed.success ? {} : zodFieldErrors(parsed.error, context.lang)),
      };
      if (Object.keys(errors).length || !parsed.success) return again(400, errors);

      try {
        const answer =
          batch?.ok
            ? await deps.certifications.attestBatch(org, batch.batchId, parsed.data as BatchCertificationBody, formIdempotency(formKey, "attest:batch", { batchId: batch.batchId, body: parsed.data }))
            : await deps.certifications.attestProductLine(org, parsed.data as ProductLineCertificationBody, formIdempotency(formKey, "attest:product-line", parsed.data));
        res.redirect(303, `/console/certifications?recorded=${encodeURIComponent((answer.body as { eventId: string }).eventId)}`);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.code === "forbidden") throw new ConsoleForbidden();
        if (error.code === "idempotency_key_reused") return again(422, { _form: CERTIFICATION_WORDS[context.lang].formUsed });
        const problem = (batch?.ok ? batchProblem(error, batch.via, context.lang) : undefined) ?? certificationProblem(error, context.lang);
        again(httpStatusOf(error), problem ?? appErrorFields(error, context.lang));
      }
    });
  }

  router.get("/console/certifications/:certificationId/revoke", certifiers, (req, res) => {
    const context = consoleOf(res);
    const certification = ownCertification(req.params.certificationId, context);
    if (!certification) return notFound(res, context);
    res.type("html").send(revokePage(context, { certification, nowSeconds: nowSeconds(), errors: {} }));
  });

  router.post("/console/certifications/:certificationId/revoke", certifiers, async (req, res) => {
    const context = consoleOf(res);
    const org = context.org!;
    const certification = ownCertification(req.params.certificationId, context);
    if (!certification) return notFound(res, context);
    const reason = text(req.body.reason);
    const formKey = req.body[FORM_KEY_FIELD];
    const again = (status: number, errors: FieldErrors) =>
      res.status(status).type("html").send(revokePage(context, { certification, nowSeconds: nowSeconds(), reason, errors, formKey }));
    if (!org.custodial) return again(403, {});

    const parsed = revokeBody.safeParse({ reason });
    if (!parsed.success) return again(400, zodFieldErrors(parsed.error, context.lang));
    try {
      const { certificationId } = certification;
      const answer = await deps.certifications.revoke(org, certificationId, parsed.data.reason, formIdempotency(formKey, "revoke", { certificationId, ...parsed.data }));
      res.redirect(303, `/console/certifications?recorded=${encodeURIComponent((answer.body as { eventId: string }).eventId)}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === "forbidden") throw new ConsoleForbidden();
      const t = CERTIFICATION_WORDS[context.lang];
      if (error.code === "idempotency_key_reused") return again(422, { _form: t.formUsed });
      again(httpStatusOf(error), error.code === "conflict" ? { _form: t.alreadyRevoked } : appErrorFields(error, context.lang));
    }
  });

  /** The certification, if this certifier issued it: no one else's is shown or revoked here. */
  function ownCertification(id: unknown, context: ConsoleRequest) {
    return typeof id === "string" && CERTIFICATION_ID.test(id) ? reads.ofCertifier(context.org!.id, id.toLowerCase()) : undefined;
  }

  return router;
}

function notFound(res: Response, context: ConsoleRequest): void {
  const t = COMMON[context.lang];
  res.status(404).type("html").send(consoleLayout({ context, title: t.notFound, path: "/console/certifications", body: html`<p>${t.notFound}</p>` }));
}
