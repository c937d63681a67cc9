/**
 * EPCIS 2.0's REST binding: the simple event query (GET /epcis/events, paged with perPage and
 * nextPageToken, the next page in a Link header), one event by its eventID, a batch's journey as
 * an EPCISDocument, and capture (POST /epcis/capture, its job at /epcis/capture/{captureID}).
 * Every answer carries GS1-EPCIS-Version and GS1-CBV-Version; every error is an RFC 7807
 * problem document with an EPCIS exception type.
 */
import type { EpcisCaptureService } from "../services/epcis/epcis-capture";
import { epcisDocument, queryDocument, singleEvent } from "../services/epcis/epcis-documents";
import { EpcisProblem, PROBLEM_CONTENT_TYPE } from "../services/epcis/epcis-problems";
import type { EpcisProjector } from "../services/epcis/epcis-projector";
import { MAX_PER_PAGE, pageToken, parseEpcisQuery, QUERY_PARAMETERS } from "../services/epcis/query-params";
import type { CaptureLimits } from "../services/epcis/epcis-capture";
import { DomainError } from "../domain/errors";
import { parseBatchId } from "../domain/gs1";
import type { EpcisEventStore } from "../store/epcis-events";
import { httpStatusOf } from "./error-handler";
import { WAIT_LIMIT_MS, WAIT_QUERY, wantsConfirmed, type ConfirmedWait } from "./confirmed-wait";
import { BATCH_ID, route, type RouteContext, type RouteResult, type RouteSpec } from "./route-spec";

export const EPCIS_CAPTURE_PATH = "/epcis/capture";

export interface EpcisRouteDeps {
  store: EpcisEventStore;
  projector: EpcisProjector;
  capture: EpcisCaptureService;
  limits: CaptureLimits;
  publicBaseUrl: string;
  /** The batch and every batch it was made from (undefined: no such batch on chain). */
  journeyOf(batchId: string): string[] | undefined;
  /** ?wait=confirmed on capture, as on the other writes. */
  wait: ConfirmedWait;
}

/**
 * Logs a read projects itself before it answers (what the background projection has not reached
 * yet: the last moments' events), so that an event is readable as soon as it is indexed, while a
 * long backlog is left to the background.
 */
const READ_SLICE = 100;

/** The versions every EPCIS answer states. */
export const EPCIS_HEADERS = { "GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0" };

const QUERY = Object.fromEntries([
  ...Object.entries(QUERY_PARAMETERS).map(([name, description]) => [name, { description, schema: { type: "string" } }]),
  ["perPage", { description: `events per page, 1 to ${MAX_PER_PAGE} (30)`, schema: { type: "integer" } }],
  ["nextPageToken", { description: "the token of the next page, from the last page's Link header", schema: { type: "string" } }],
]);

export function epcisRoutes(deps: EpcisRouteDeps): RouteSpec[] {
  const captureHeaders = {
    ...EPCIS_HEADERS,
    "GS1-EPCIS-Capture-Limit": String(deps.limits.maxEvents),
    "GS1-EPCIS-Capture-File-Size-Limit": String(deps.limits.maxBytes),
  };
  return [
    route({
      method: "get",
      path: "/epcis/events",
      tag: "EPCIS 2.0",
      summary: "The simple event query: every ledger event and 圳品 certification as EPCIS 2.0 events (an EPCISQueryDocument), a page at a time",
      auth: "public",
      query: QUERY,
      responses: { 200: "an EPCISQueryDocument; the next page in the Link header (rel=next)", 400: "a QueryParameterException problem" },
      handle: (context) =>
        answer(() => {
          const { filter, perPage, afterSeq } = parseEpcisQuery(context.query);
          deps.projector.catchUp(READ_SLICE);
          // One more than the page: whether there is a next page is known without another query.
          const found = deps.store.query(filter, afterSeq, perPage + 1);
          const page = found.slice(0, perPage);
          const headers: Record<string, string> = { ...EPCIS_HEADERS, "Cache-Control": "no-store" };
          if (found.length > perPage) headers.Link = `<${nextPageUrl(deps.publicBaseUrl, context, pageToken(page[page.length - 1].seq))}>; rel="next"`;
          return { status: 200, body: queryDocument(page), headers };
        }),
    }),
    route({
      method: "get",
      path: "/epcis/events/{eventID}",
      tag: "EPCIS 2.0",
      summary: "One EPCIS event by its eventID (percent-encoded: ni:///sha-256;…?ver=CBV2.0, or the eventID it was captured with)",
      auth: "public",
      params: { eventID: { pattern: /^.{1,500}$/, description: "an eventID, percent-encoded" } },
      responses: { 200: "the event, with its @context", 404: "a NoSuchResourceException problem" },
      handle: ({ params }) =>
        answer(() => {
          deps.projector.catchUp(READ_SLICE);
          const stored = deps.store.byEventId(params.eventID);
          if (!stored) throw new EpcisProblem("NoSuchResourceException", 404, `no event ${params.eventID}`, "eventID");
          return { status: 200, body: singleEvent(stored), headers: { ...EPCIS_HEADERS } };
        }),
    }),
    route({
      method: "get",
      path: "/api/v1/batches/{batchId}/epcis",
      tag: "EPCIS 2.0",
      summary: "A batch's whole journey as an EPCISDocument: its events and those of every batch it was made from, in the order they were recorded",
      auth: "public",
      params: { batchId: BATCH_ID },
      responses: { 200: "an EPCISDocument", 404: "no such batch on chain (yet)" },
      handle: ({ params }) =>
        answer(() => {
          const batches = deps.journeyOf(params.batchId.toLowerCase());
          if (!batches) throw new EpcisProblem("NoSuchResourceException", 404, `no batch ${params.batchId} on chain`, "batchId");
          deps.projector.catchUp(READ_SLICE);
          const classes = batches.map((id) => {
            const { gtin, lot } = parseBatchId(id);
            return `01/${gtin}/10/${lot}`;
          });
          const events = [];
          for (let after = 0; ; ) {
            const page = deps.store.query({ classes }, after, 1000);
            events.push(...page);
            if (page.length < 1000) break;
            after = page[page.length - 1].seq;
          }
          return { status: 200, body: epcisDocument(events), headers: { ...EPCIS_HEADERS } };
        }),
    }),
    route({
      method: "post",
      path: EPCIS_CAPTURE_PATH,
      tag: "EPCIS 2.0",
      summary: `Capture an EPCISDocument (application/json or application/ld+json, at most ${deps.limits.maxEvents} events and ${deps.limits.maxBytes} bytes): each event a signed ledger event of the caller, all or none`,
      auth: "org",
      query: WAIT_QUERY,
      responses: {
        202: "taken: Location names the capture job; with ?wait=confirmed the job itself, its events confirmed (and readable) or failed",
        400: "a ValidationException problem: not an EPCISDocument, or not valid by GS1's schema (each fault named)",
        401: "a SecurityException problem: missing or unknown API key",
        403: "a SecurityException problem: the organisation signs its own events, or lost its role",
        413: "a CaptureLimitExceededException problem",
        415: "an UnsupportedMediaTypeException problem",
      },
      handle: (context) =>
        answer(async () => {
          const waiting = wantsConfirmed(context.query); // before the capture: a bad value records nothing
          const captureId = await deps.capture.capture(context.org!, context.request.body as unknown);
          const headers = { ...captureHeaders, Location: `${EPCIS_CAPTURE_PATH}/${captureId}` };
          if (!waiting) return { status: 202, body: { captureID: captureId }, headers };
          const ids = (deps.capture.job(context.org!, captureId)?.["ledger:events"] ?? []).flatMap((e) => (e.eventId ? [e.eventId] : []));
          await deps.wait.waitForSettled(ids, WAIT_LIMIT_MS);
          return { status: 202, body: deps.capture.job(context.org!, captureId), headers };
        }, captureHeaders),
    }),
    route({
      method: "get",
      path: "/epcis/capture/{captureID}",
      tag: "EPCIS 2.0",
      summary: "A capture job: running (events on their way to the chain), success, or the errors per event",
      auth: "org",
      params: { captureID: { pattern: /^[0-9a-f-]{36}$/, description: "a capture's id" } },
      responses: { 200: "the job", 401: "missing or unknown API key", 404: "a NoSuchResourceException problem (no such capture of this organisation)" },
      handle: ({ params, org }) =>
        answer(() => {
          const job = deps.capture.job(org!, params.captureID);
          if (!job) throw new EpcisProblem("NoSuchResourceException", 404, `no capture ${params.captureID}`, "captureID");
          return { status: 200, body: job, headers: { ...captureHeaders, "Cache-Control": "no-store" } };
        }, captureHeaders),
    }),
  ];
}

/** Runs a handler, answering its EPCIS problem (or the rules' refusal) as a problem document. */
async function answer(work: () => RouteResult | Promise<RouteResult>, headers: Record<string, string> = EPCIS_HEADERS): Promise<RouteResult> {
  try {
    return await work();
  } catch (error) {
    const problem = epcisProblemOf(error);
    if (!problem) throw error;
    return problemAnswer(problem, headers);
  }
}

export function problemAnswer(problem: EpcisProblem, headers: Record<string, string> = EPCIS_HEADERS): RouteResult {
  return { status: problem.status, body: undefined, headers, raw: { contentType: PROBLEM_CONTENT_TYPE, bytes: JSON.stringify(problem.document()) } };
}

/** An error as an EPCIS problem: EPCIS's own, or a DomainError by its status; undefined for anything else (a 500). */
export function epcisProblemOf(error: unknown): EpcisProblem | undefined {
  if (error instanceof EpcisProblem) return error;
  if (error instanceof DomainError) {
    const status = httpStatusOf(error);
    const exception = status === 401 || status === 403 ? "SecurityException" : status === 404 ? "NoSuchResourceException" : status === 413 ? "CaptureLimitExceededException" : status === 415 ? "UnsupportedMediaTypeException" : "ValidationException";
    return new EpcisProblem(exception, status, error.message, error.fields[0]?.field);
  }
  return undefined;
}

function nextPageUrl(publicBaseUrl: string, context: RouteContext<unknown>, token: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(context.query)) if (name !== "nextPageToken" && typeof value === "string") query.set(name, value);
  query.set("nextPageToken", token);
  return `${publicBaseUrl.replace(/\/+$/, "")}/epcis/events?${query.toString()}`;
}
