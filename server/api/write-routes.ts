/** The write routes: harvests, events on a batch, and the status of what was written. */
import type { EventService } from "../services/event-service";
import type { EventStatusView } from "../services/event-status";
import type { WriteRequest } from "../domain/ledger-types";
import { invalidField } from "../domain/errors";
import type { StoredAnswer } from "../store/idempotency-repository";
import { correctionBody, eventBody, harvestBody } from "../domain/request-shapes";
import type { Org } from "../store/org-repository";
import { BATCH_ID, UUID, idempotencyOf, route, type RouteContext, type RouteSpec } from "./route-spec";

export interface WriteRouteDeps {
  events: EventService;
  /** The programme office: the ledger admin's organisation and key. */
  admin: { org: Org; privateKey: string };
  eventStatus(eventId: string): EventStatusView | undefined;
  /** Resolves once every event is confirmed or failed, or the timeout passed. */
  waitForSettled(eventIds: string[], timeoutMs: number): Promise<void>;
}

const WRITE_RESPONSES = {
  202: "accepted: stored durably, on its way to the chain",
  400: "a field is invalid (each named)",
  401: "missing, unknown or revoked API key",
  403: "the organisation's role may not write this",
  404: "unknown batch",
  409: "the ledger refuses it (who holds the batch, what remains, a recall upstream, a batch that exists), or a price to confirm (code confirmation_required)",
  413: "body over 100 kB",
  422: "Idempotency-Key reused with another body",
};
const WAIT_QUERY = {
  wait: { description: "`confirmed`: answer once the events are confirmed or failed (at most 60 s)", schema: { type: "string", enum: ["confirmed"] } },
};
const WAIT_LIMIT_MS = 60_000;

export function writeRoutes(deps: WriteRouteDeps): RouteSpec[] {
  const write = async (context: RouteContext<unknown>, request: WriteRequest) => {
    // Checked before anything is written: a bad query must change nothing.
    if (context.query.wait !== undefined && context.query.wait !== "confirmed") throw invalidField("wait", "must be confirmed");
    const answer = await deps.events.writeCustodial(context.org!, request, idempotencyOf(context));
    return settle(deps, answer, context.query.wait);
  };
  return [
    route({
      method: "post",
      path: "/api/v1/batches",
      tag: "writes",
      summary: "Record a harvest: creates the batch (producer)",
      auth: "org",
      body: harvestBody,
      query: WAIT_QUERY,
      responses: WRITE_RESPONSES,
      handle: (context) => write(context, { type: "harvest", body: context.body }),
    }),
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/events",
      tag: "writes",
      summary: "Record processing (in place, split or merge), shipment, receipt, sale, recall or a correction on a batch",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: eventBody,
      query: WAIT_QUERY,
      responses: WRITE_RESPONSES,
      handle: (context) => write(context, { type: "event", batchId: context.params.batchId.toLowerCase(), body: context.body }),
    }),
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/corrections",
      tag: "writes",
      summary: "Correct an event of any batch as the programme office, under the ledger admin's own signature (admin token)",
      auth: "admin",
      params: { batchId: BATCH_ID },
      body: correctionBody,
      query: WAIT_QUERY,
      responses: { ...WRITE_RESPONSES, 401: "missing or wrong admin token", 403: "never: the admin may correct any event" },
      handle: async (context) => {
        if (context.query.wait !== undefined && context.query.wait !== "confirmed") throw invalidField("wait", "must be confirmed");
        const request: WriteRequest = { type: "event", batchId: context.params.batchId.toLowerCase(), body: context.body };
        const answer = await deps.events.writeAsAdmin(deps.admin, request, idempotencyOf(context));
        return settle(deps, answer, context.query.wait);
      },
    }),
    route({
      method: "get",
      path: "/api/v1/events/{eventId}",
      tag: "reads",
      summary: "The status of a written event: pending, submitted, confirmed (transaction, block) or failed (why)",
      auth: "public",
      params: { eventId: UUID },
      responses: { 200: "the event's status", 404: "no such event" },
      handle: ({ params }) => {
        const status = deps.eventStatus(params.eventId);
        if (!status) return { status: 404, body: { error: { code: "not_found", message: `no event ${params.eventId}` } } };
        return { status: 200, body: status };
      },
    }),
  ];
}

/** With ?wait=confirmed, waits for the events to settle and answers with their statuses. */
async function settle(deps: WriteRouteDeps, answer: StoredAnswer, wait: unknown): Promise<{ status: number; body: unknown }> {
  if (wait !== "confirmed") return { status: answer.statusCode, body: answer.body };
  const body = answer.body as { eventId: string; events: { eventId: string }[] };
  const ids = body.events.map((e) => e.eventId);
  await deps.waitForSettled(ids, WAIT_LIMIT_MS);
  const statuses = ids.map((id) => deps.eventStatus(id)!);
  return {
    status: answer.statusCode,
    body: { ...body, status: statuses[0].status, events: statuses },
  };
}
