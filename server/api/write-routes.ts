/** The write routes: harvests, events on a batch, and the status of what was written. */
import type { EventService } from "../services/event-service";
import type { EventStatusView } from "../services/event-status";
import type { WriteRequest } from "../domain/ledger-types";
import { answerWhenConfirmed, WAIT_QUERY, wantsConfirmed, type ConfirmedWait } from "./confirmed-wait";
import { correctionBody, eventBody, harvestBody } from "../domain/request-shapes";
import type { Org } from "../store/org-repository";
import { BATCH_ID, UUID, idempotencyOf, route, type RouteContext, type RouteSpec } from "./route-spec";

export interface WriteRouteDeps extends ConfirmedWait {
  events: EventService;
  /** The programme office: the ledger admin's organisation and key. */
  admin: { org: Org; privateKey: string };
  eventStatus(eventId: string): EventStatusView | undefined;
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

export function writeRoutes(deps: WriteRouteDeps): RouteSpec[] {
  const write = async (context: RouteContext<unknown>, request: WriteRequest) => {
    // Checked before anything is written: a bad query must change nothing.
    const waiting = wantsConfirmed(context.query);
    const answer = await deps.events.writeCustodial(context.org!, request, idempotencyOf(context));
    return answerWhenConfirmed(deps, waiting, answer);
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
        const waiting = wantsConfirmed(context.query);
        const request: WriteRequest = { type: "event", batchId: context.params.batchId.toLowerCase(), body: context.body };
        const answer = await deps.events.writeAsAdmin(deps.admin, request, idempotencyOf(context));
        return answerWhenConfirmed(deps, waiting, answer);
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
