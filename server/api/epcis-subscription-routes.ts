/**
 * EPCIS 2.0 query subscriptions as GS1's REST binding lays them out, under the gateway's /epcis
 * prefix, for the simple event query: create (201, Location naming the subscription), list the
 * organisation's own, read one, delete one (204). An organisation's API key is checked before
 * the body is read; another organisation's subscription is 404, as one that never was. The
 * signatureToken is never answered back. Errors are RFC 7807 problem documents.
 */
import { z } from "zod";
import { MAX_SUBSCRIPTIONS_PER_ORG, type EpcisSubscriptions, type SubscriptionRequest } from "../services/epcis/epcis-subscriptions";
import { SIMPLE_EVENT_QUERY } from "../services/epcis/epcis-documents";
import { QUERY_PARAMETERS } from "../services/epcis/query-params";
import { MAX_DEST_LENGTH, SIGNATURE_HEADER } from "../services/epcis/webhook-delivery";
import { EPCIS_HEADERS, epcisProblemOf, problemAnswer } from "./epcis-routes";
import { route, UUID, type RouteResult, type RouteSpec } from "./route-spec";

export const SUBSCRIPTIONS_PATH = `/epcis/queries/${SIMPLE_EVENT_QUERY}/subscriptions`;

const TAG = "EPCIS 2.0";

const subscriptionBody = z.strictObject({
  dest: z.string().describe(`the receiver's URL (https; plain http only to 127.0.0.1, ::1 or localhost), at most ${MAX_DEST_LENGTH} characters`),
  signatureToken: z.string().describe(`a secret of the subscriber's, 16 to 256 characters: each delivery's ${SIGNATURE_HEADER} header is the base64 HMAC-SHA256 of the body's bytes under it`),
  stream: z.boolean().optional().describe("must be true: each event the query matches is delivered as it is recorded"),
  reportIfEmpty: z.boolean().optional().describe("false (for scheduled subscriptions, which are not offered)"),
  initialRecordTime: z.string().optional().describe("start with the events recorded on chain at or after this date-time; without it, the events projected from now on"),
  schedule: z.record(z.string(), z.unknown()).optional().describe("not offered: refused"),
  query: z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .optional()
    .describe("the simple event query's parameters as GS1's query schema writes them, e.g. {\"EQ_bizStep\": [\"shipping\"]} (or in the query string)"),
});

const SUBSCRIPTION_ID = { subscriptionID: { pattern: UUID.pattern, description: "a subscription's id" } };

const QUERY = Object.fromEntries(Object.entries(QUERY_PARAMETERS).map(([name, description]) => [name, { description, schema: { type: "string" } }]));

export function epcisSubscriptionRoutes(subscriptions: EpcisSubscriptions): RouteSpec[] {
  return [
    route({
      method: "post",
      path: SUBSCRIPTIONS_PATH,
      tag: TAG,
      summary: `Subscribe to the simple event query: each new event it matches is POSTed to dest as an EPCISQueryDocument (up to 100 events each), signed in ${SIGNATURE_HEADER}, in order, retried with back-off until the receiver answers 2xx (at most ${MAX_SUBSCRIPTIONS_PER_ORG} per organisation)`,
      auth: "org",
      body: subscriptionBody,
      query: QUERY,
      responses: {
        201: "the subscription (never its signatureToken); Location names it",
        400: "a ValidationException or QueryParameterException problem naming the field or parameter",
        401: "a SecurityException problem: missing or unknown API key",
        409: `a ValidationException problem: the organisation holds ${MAX_SUBSCRIPTIONS_PER_ORG} subscriptions already`,
      },
      handle: ({ org, body, query }) =>
        answer(() => {
          const view = subscriptions.create(org!, body as SubscriptionRequest, query);
          return { status: 201, body: view, headers: { ...EPCIS_HEADERS, Location: `${SUBSCRIPTIONS_PATH}/${view.subscriptionID}` } };
        }),
    }),
    route({
      method: "get",
      path: SUBSCRIPTIONS_PATH,
      tag: TAG,
      summary: "The calling organisation's subscriptions, each with where its deliveries stand",
      auth: "org",
      responses: { 200: "a list of subscriptions", 401: "a SecurityException problem" },
      handle: ({ org }) => answer(() => ({ status: 200, body: subscriptions.list(org!), headers: { ...EPCIS_HEADERS, "Cache-Control": "no-store" } })),
    }),
    route({
      method: "get",
      path: `${SUBSCRIPTIONS_PATH}/{subscriptionID}`,
      tag: TAG,
      summary: "One of the calling organisation's subscriptions, with where its deliveries stand",
      auth: "org",
      params: SUBSCRIPTION_ID,
      responses: { 200: "the subscription", 401: "a SecurityException problem", 404: "a NoSuchResourceException problem (none of this organisation)" },
      handle: ({ org, params }) =>
        answer(() => ({ status: 200, body: subscriptions.get(org!, params.subscriptionID), headers: { ...EPCIS_HEADERS, "Cache-Control": "no-store" } })),
    }),
    route({
      method: "delete",
      path: `${SUBSCRIPTIONS_PATH}/{subscriptionID}`,
      tag: TAG,
      summary: "Unsubscribe: no delivery starts after this answer",
      auth: "org",
      params: SUBSCRIPTION_ID,
      responses: { 204: "unsubscribed", 401: "a SecurityException problem", 404: "a NoSuchResourceException problem (none of this organisation)" },
      handle: ({ org, params }) =>
        answer(() => {
          subscriptions.remove(org!, params.subscriptionID);
          return { status: 204, body: undefined, headers: { ...EPCIS_HEADERS } };
        }),
    }),
  ];
}

/** Runs a handler, answering an EPCIS problem (or a refusal of the rules) as a problem document. */
function answer(work: () => RouteResult): RouteResult {
  try {
    return work();
  } catch (error) {
    const problem = epcisProblemOf(error);
    if (!problem) throw error;
    return problemAnswer(problem);
  }
}
