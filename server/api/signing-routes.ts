/**
 * For organisations that keep their own keys: the gateway hands out exactly what to sign (the
 * EIP-712 typed data, extending the batch's head including events still in the outbox) and
 * relays the signatures it gets back. The gateway never holds such an organisation's key. The
 * detail handed out is the public one, private fields already replaced by salted commitments
 * (domain/private-fields.ts); their values and salts stay with the gateway, kept when the
 * signatures are relayed, and the organisation reads them back with GET /api/v1/events/{id}/private.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { TypedDataDomain } from "ethers";
import { EVENT_TYPES } from "../chain/typed-data";
import type { EventService } from "../services/event-service";
import type { WriteRequest } from "../domain/ledger-types";
import { conflict, forbidden, invalidField, notFound } from "../domain/errors";
import type { SigningRequestRepository } from "../store/signing-request-repository";
import { eventBody, harvestBody } from "../domain/request-shapes";
import { BATCH_ID, UUID, idempotencyOf, route, type RouteContext, type RouteSpec } from "./route-spec";
import { answerWhenConfirmed, WAIT_QUERY, wantsConfirmed, type ConfirmedWait } from "./confirmed-wait";

export interface SigningRouteDeps {
  events: EventService;
  requests: SigningRequestRepository;
  domain: TypedDataDomain;
  expectedHead(batchId: string): string | undefined;
  /** Runs database work in a durable transaction (the gateway's group commit). */
  commit<T>(work: () => T): Promise<T>;
  /** ?wait=confirmed on the relayed signatures, as on the other writes. */
  wait: ConfirmedWait;
}

const signaturesBody = z.strictObject({
  signatures: z.array(z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature")).min(1).max(100),
});

export function signingRoutes(deps: SigningRouteDeps): RouteSpec[] {
  const prepare = (context: RouteContext<unknown>, request: WriteRequest) => {
    const org = context.org!;
    if (org.custodial) throw forbidden("the gateway keeps this organisation's key: write through the ordinary routes");
    const id = randomUUID();
    const planned = deps.events.prepare(org, request);
    deps.requests.insert(id, org.id, planned);
    return {
      status: 201,
      body: {
        requestId: id,
        domain: { ...deps.domain, chainId: Number(deps.domain.chainId) },
        types: EVENT_TYPES,
        primaryType: "Event",
        events: planned.map((p) => ({ eventId: p.id, message: p.event, detail: p.detail })),
      },
    };
  };
  const prepareResponses = {
    201: "the typed data to sign, one message per event, and each event's canonical public detail (private fields as salted commitments)",
    400: "a field is invalid",
    401: "bad API key",
    403: "role may not write this, or the organisation is custodial",
    404: "unknown batch",
    409: "conflict",
  };
  return [
    route({
      method: "post",
      path: "/api/v1/signing-requests/batches",
      tag: "self-signing",
      summary: "Prepare a harvest for the organisation to sign itself",
      auth: "org",
      body: harvestBody,
      responses: prepareResponses,
      handle: (context) => prepare(context, { type: "harvest", body: context.body }),
    }),
    route({
      method: "post",
      path: "/api/v1/signing-requests/batches/{batchId}/events",
      tag: "self-signing",
      summary: "Prepare an event on a batch for the organisation to sign itself",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: eventBody,
      responses: prepareResponses,
      handle: (context) => prepare(context, { type: "event", batchId: context.params.batchId.toLowerCase(), body: context.body }),
    }),
    route({
      method: "post",
      path: "/api/v1/signing-requests/{requestId}/signatures",
      tag: "self-signing",
      summary: "Submit the signatures of a prepared request, one per event in order; the gateway relays them",
      auth: "org",
      params: { requestId: UUID },
      body: signaturesBody,
      query: WAIT_QUERY,
      responses: { 202: "accepted", 400: "a signature is malformed or by another key", 404: "unknown request", 409: "used already, or the batch moved on" },
      handle: async ({ org, params, body, ...context }) => {
        const waiting = wantsConfirmed(context.query);
        const answer = await deps.commit(() => {
          const request = deps.requests.byId(params.requestId);
          if (!request || request.orgId !== org!.id) throw notFound(`no signing request ${params.requestId}`, "requestId");
          const idempotency = idempotencyOf(context);
          if (request.usedAt && !idempotency) throw conflict("this signing request was submitted already");
          if (body.signatures.length !== request.planned.length) {
            throw invalidField("signatures", `must hold ${request.planned.length} signatures, one per event`);
          }
          const answer = deps.events.submitSigned(
            org!,
            request.planned.map((planned, i) => ({ planned, signature: body.signatures[i] })),
            deps.expectedHead,
            idempotency,
          );
          deps.requests.markUsed(request.id);
          return answer;
        });
        return answerWhenConfirmed(deps.wait, waiting, answer);
      },
    }),
  ];
}
