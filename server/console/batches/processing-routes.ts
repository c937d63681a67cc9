/**
 * Processing (processors and producers): a step on a batch, in place, merged with other
 * batches, or split into new ones. The form is checked against the API's processing schema; the
 * ledger's rules then answer beside the field they are about: a batch that does not exist, one
 * the organisation does not hold (a packing house processes what it received), new batches that
 * hold more than was taken from the inputs, units that do not convert (then the member may
 * confirm the quantities were checked by hand). After the write, the page shows each event's way
 * to the chain, reloading itself until none is pending.
 */
import express, { type Router } from "express";
import { processingBody } from "../../domain/request-shapes";
import { parseBatchId } from "../../domain/gs1";
import { DomainError } from "../../domain/errors";
import type { AcceptedBatchReads } from "../../store/accepted-batch-reads";
import { html, type SafeHtml } from "../../html/html";
import { refuseOwnKey, serviceFieldErrors, signsForOrg } from "./batch-forms";
import { BATCH_WORDS } from "./batch-messages";
import {
  PROCESSING_PATH,
  processingForm,
  processingRequest,
  processingValues,
  valuesForBatch,
  type ProcessingFormState,
} from "./batch-processing-form";
import type { ConsoleDeps } from "../context";
import { chinaNow, FORM_KEY_FIELD, formIdempotency, ownKeyBanner, zodFieldErrors, type FieldErrors } from "../forms";
import { consoleLayout } from "../layout";
import { COMMON, messages } from "../messages";
import { consoleOf, requireMember, type ConsoleRequest } from "../session";
import { httpStatusOf } from "../../api/error-handler";

const M = messages({
  zh: {
    title: "加工",
    intro: "记录一个批次的加工：整批加工、几批合并，或分装成新的批次。只能加工你持有的批次（加工厂先登记收货）；分装时，新批次的总量不能超过从原料批次取用的数量。",
    saved: "加工记录已保存，正在写入区块链：",
    written: "加工记录已保存，写入区块链的结果：",
    another: "再记录一次加工",
  },
  en: {
    title: "Processing",
    intro: "Record the processing of a batch: as a whole, merged with other batches, or split into new batches. Only the batches you hold can be processed (a packing house records their receipt first); a split's new batches may not hold more than they take from the batches they are made from.",
    saved: "The processing is saved and being written to the blockchain:",
    written: "The processing is saved; how its writing to the blockchain went:",
    another: "Record another processing",
  },
});

/** The rules' refusal of outputs whose units do not convert into the inputs': the member may confirm the quantities. */
const UNITS_UNCHECKED = /do not convert into each other/;

export function processingRoutes(deps: ConsoleDeps, reads: AcceptedBatchReads): Router {
  const router = express.Router();
  const processors = requireMember({ roles: ["processor", "producer"] });

  router.get(PROCESSING_PATH, processors, (req, res) => {
    const context = consoleOf(res);
    const values = { occurredAt: chinaNow(), ...valuesForBatch(req.query.batch) };
    const saved = savedEventIds(req.query.saved);
    const statuses = saved.map((id) => deps.eventStatus(id)).filter((s) => s !== undefined);
    const pending = statuses.some((s) => s.status === "pending" || s.status === "submitted");
    res.type("html").send(page(context, { values, errors: {}, offerUnitsChecked: false }, {
      saved: savedCard(context, reads, statuses),
      refresh: pending,
      path: saved.length ? `${PROCESSING_PATH}?saved=${saved.join(",")}` : PROCESSING_PATH,
    }));
  });

  router.post(PROCESSING_PATH, processors, async (req, res) => {
    const context = consoleOf(res);
    if (!signsForOrg(context)) return refuseOwnKey(res, context, M[context.lang].title, PROCESSING_PATH);
    const org = context.org!;
    const values = processingValues(req.body);
    const comeBack = (status: number, errors: FieldErrors, offerUnitsChecked = false) =>
      res.status(status).type("html").send(page(context, { values, errors, offerUnitsChecked }, { req }));

    const request = processingRequest(values, context.lang);
    const parsed = processingBody.safeParse(request.body);
    const errors = { ...(parsed.success ? {} : zodFieldErrors(parsed.error, context.lang, request.fieldOf)), ...request.errors };
    if (!parsed.success || !request.batchId || Object.keys(errors).length > 0) return comeBack(400, errors);

    const body = parsed.data;
    const idempotency = formIdempotency(req.body?.[FORM_KEY_FIELD], `POST ${req.path}`, { batchId: request.batchId, body });
    try {
      const answer = await deps.events.writeCustodial(org, { type: "event", batchId: request.batchId, body }, idempotency);
      const ids = (answer.body as { events: { eventId: string }[] }).events.map((e) => e.eventId);
      res.redirect(303, `${PROCESSING_PATH}?saved=${ids.join(",")}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const unitsUnchecked = error.fields.some((f) => UNITS_UNCHECKED.test(f.message));
      comeBack(httpStatusOf(error), serviceFieldErrors(error, context.lang, request.fieldOf), unitsUnchecked || values.unitsChecked === "1");
    }
  });

  return router;
}

function savedEventIds(query: unknown): string[] {
  if (typeof query !== "string") return [];
  return query.split(",").filter((id) => /^[0-9a-f-]{36}$/.test(id)).slice(0, 100);
}

/** The events just written, each with its way to the chain and a link to its batch. */
function savedCard(context: ConsoleRequest, reads: AcceptedBatchReads, statuses: Array<NonNullable<ReturnType<ConsoleDeps["eventStatus"]>>>): SafeHtml | null {
  if (statuses.length === 0) return null;
  const t = M[context.lang];
  const w = BATCH_WORDS[context.lang];
  const org = context.org!;
  // "Being written" only while one of them is on its way.
  const onItsWay = statuses.some((s) => s.status === "pending" || s.status === "submitted");
  return html`<section class="banner banner-ok" role="status" data-saved="${statuses.length}" data-saved-pending="${onItsWay ? "true" : "false"}">
<p>${onItsWay ? t.saved : t.written}</p>
<ul>${statuses.map((s) => {
    const ours = reads.creation(s.batchId)?.signer === org.address;
    const href = ours ? `/console/batches/${s.batchId}` : `/p/${s.batchId}`;
    return html`<li data-event="${s.eventId}" data-status="${s.status}">${w.types[s.type] ?? s.type} · <a href="${href}">${parseBatchId(s.batchId).lot}</a> · <span class="status status-${s.status}">${COMMON[context.lang].status[s.status]}</span>${s.error ? html` ${s.error}` : null}</li>`;
  })}</ul>
</section>`;
}

function page(context: ConsoleRequest, state: ProcessingFormState, extra: { saved?: SafeHtml | null; refresh?: boolean; req?: express.Request; path?: string }): string {
  const t = M[context.lang];
  return consoleLayout({
    context,
    title: t.title,
    path: extra.path ?? PROCESSING_PATH,
    refreshSeconds: extra.refresh ? 3 : undefined,
    // While the page reloads itself, no form: a reload would wipe what someone is typing.
    body: html`${extra.saved ?? null}
${extra.refresh ? html`<p class="banner banner-warning" role="status" data-pending="true">${BATCH_WORDS[context.lang].pendingNote}</p>
<p><a class="btn btn-quiet" href="${PROCESSING_PATH}">${t.another}</a></p>` : html`<p>${t.intro}</p>
${signsForOrg(context) ? processingForm(context, state, extra.req) : ownKeyBanner(context.lang)}`}`,
  });
}
