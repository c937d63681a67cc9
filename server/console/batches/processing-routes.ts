/**
 * Processing (processors and producers): a step on a batch, in place, merged with other
 * batches, or split into new ones. Everything is checked before anything is written: the form
 * against the API's processing schema, that every batch named exists, and the mass balance of a
 * split (server/services/mass-balance.ts). After the write, the page shows each event's way to
 * the chain, reloading itself until none is pending.
 */
import express, { type Router } from "express";
import { processingBody } from "../../domain/request-shapes";
import { parseBatchId } from "../../domain/gs1";
import { DomainError } from "../../domain/errors";
import { checkMassBalance, type MassBalance, type Quantity, type QuantitySource } from "../../services/mass-balance";
import type { AcceptedBatchReads } from "../../store/accepted-batch-reads";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
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
    intro: "记录一个批次的加工：整批加工、几批合并，或分装成新的批次。分装时，新批次的总量不能超过原料批次剩下的数量。",
    saved: "加工记录已保存，正在写入区块链：",
    another: "再记录一次加工",
    exceeded: (requested: string, available: string) => `新批次共 ${requested}，超过了原料批次剩下的 ${available}。`,
    units: (units: string) => `这些单位无法相互换算（${units}），系统无法核对数量。请自己核对后勾选下面的确认框，再提交。`,
    unknownQuantity: "系统不知道某个原料批次的数量，无法核对。请自己核对后勾选下面的确认框，再提交。",
    tooLarge: "原料批次的合并、分装关系太多，系统无法核对。请自己核对后勾选下面的确认框，再提交。",
  },
  en: {
    title: "Processing",
    intro: "Record the processing of a batch: as a whole, merged with other batches, or split into new batches. A split's new batches may not hold more than the batches they are made from have left.",
    saved: "The processing is saved and being written to the blockchain:",
    another: "Record another processing",
    exceeded: (requested: string, available: string) => `The new batches hold ${requested} in all, more than the ${available} the batches they are made from have left.`,
    units: (units: string) => `These units do not convert into each other (${units}), so the quantities cannot be checked here. Check them yourself, tick the box below and submit again.`,
    unknownQuantity: "The quantity of a batch this is made from is not known here, so the quantities cannot be checked. Check them yourself, tick the box below and submit again.",
    tooLarge: "The batches this is made from were merged and split too many times to check here. Check the quantities yourself, tick the box below and submit again.",
  },
});

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
    // A form submitted twice gets the first answer: its batches exist now, and checking again would refuse it.
    const repeated = idempotency !== undefined && reads.answered(org.id, idempotency.key);
    if (!repeated) {
      const missing = request.inputs.filter(({ batchId }) => !exists(reads, batchId));
      if (missing.length > 0) {
        return comeBack(404, Object.fromEntries(missing.map(({ row }) => [`${row}.gtin`, BATCH_WORDS[context.lang].noBatch])));
      }
      if (body.outputs?.length) {
        const balance = checkMassBalance(quantitiesIn(reads), request.inputs.map((input) => input.batchId), body.outputs.map((o) => o.quantity));
        const problem = balanceProblem(balance, context.lang, values.unitsChecked === "1");
        if (problem) return comeBack(400, { outputs: problem }, balance.kind === "uncheckable");
      }
    }
    try {
      const answer = await deps.events.writeCustodial(org, { type: "event", batchId: request.batchId, body }, idempotency);
      const ids = (answer.body as { events: { eventId: string }[] }).events.map((e) => e.eventId);
      res.redirect(303, `${PROCESSING_PATH}?saved=${ids.join(",")}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      comeBack(httpStatusOf(error), serviceFieldErrors(error, context.lang, request.fieldOf));
    }
  });

  return router;
}

function exists(reads: AcceptedBatchReads, batchId: string): boolean {
  const creation = reads.creation(batchId);
  return (creation !== undefined && creation.status !== "failed") || reads.onChain(batchId) !== undefined;
}

/** The quantities batches were created with and what was split off them, from the gateway's records. */
function quantitiesIn(reads: AcceptedBatchReads): QuantitySource {
  const quantityIn = (detail: Record<string, unknown> | undefined): Quantity | undefined => {
    const quantity = (detail?.quantity ?? (detail?.output as Record<string, unknown> | undefined)?.quantity) as Partial<Quantity> | undefined;
    return typeof quantity?.amount === "number" && typeof quantity.unit === "string" ? { amount: quantity.amount, unit: quantity.unit } : undefined;
  };
  return {
    quantityOf: (batchId) => {
      const creation = reads.creation(batchId);
      return creation && creation.status !== "failed" ? quantityIn(creation.detail) : undefined;
    },
    drawsOn: (batchId) => reads.drawsOn(batchId).map((draw) => ({ batchId: draw.batchId, inputs: draw.inputs, quantity: quantityIn(draw.detail) })),
  };
}

/** What to say beside the outputs when the split cannot go ahead; undefined when it can. */
function balanceProblem(balance: MassBalance, lang: Lang, unitsChecked: boolean): string | undefined {
  const t = M[lang];
  if (balance.kind === "balanced") return undefined;
  if (balance.kind === "exceeded") {
    const amount = (value: number) => `${Number(value.toFixed(3)).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB")} ${BATCH_WORDS[lang].units[balance.measure] ?? balance.measure}`;
    return t.exceeded(amount(balance.requested), amount(balance.available));
  }
  if (unitsChecked) return undefined; // the member checked what the gateway cannot
  if (balance.reason === "units") return t.units(balance.units.map((unit) => BATCH_WORDS[lang].units[unit] ?? unit).join("、"));
  return balance.reason === "unknown-quantity" ? t.unknownQuantity : t.tooLarge;
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
  return html`<section class="banner banner-ok" role="status" data-saved="${statuses.length}">
<p>${t.saved}</p>
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
