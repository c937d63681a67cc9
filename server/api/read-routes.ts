/** Public reads of batches: one batch with its journey and proofs, its verification, and lists. */
import type { Request } from "express";
import type { BatchViews } from "../services/batches/batch-views";
import type { BatchVerifier } from "../services/batch-verifier";
import { isValidGtin, normalizeGtin } from "../domain/gs1";
import { invalidField, notFound } from "../domain/errors";
import { BATCH_ID, route, type RouteSpec } from "./route-spec";

export interface ReadRouteDeps {
  batches: BatchViews;
  verifier: BatchVerifier;
  /** The verification as a page for people (web/verify-page.ts), for a request that prefers HTML. */
  verifyPage?: (batchId: string, request: Request) => Promise<{ status: number; html: string }>;
}

/** The verify route answers by Accept: a cache must key on it (and on the page's language). */
const VERIFY_VARY = { Vary: "Accept, Accept-Language" };

const MAX_PAGE = 100;

export function readRoutes(deps: ReadRouteDeps): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/v1/batches/{batchId}",
      tag: "reads",
      summary: "A batch: its events in order with detail and on-chain proof, lineage, certification and recall status",
      auth: "public",
      params: { batchId: BATCH_ID },
      responses: { 200: "the batch", 400: "malformed batch id", 404: "no such batch on chain (yet)" },
      handle: ({ params, org }) => {
        const batch = deps.batches.read(params.batchId, org);
        if (!batch) throw notFound(`no batch ${params.batchId} on chain`, "batchId");
        return { status: 200, body: batch };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/batches/{batchId}/verify",
      tag: "reads",
      summary: "Recompute every event's detail hash and the head chain, and compare them with the chain itself",
      auth: "public",
      params: { batchId: BATCH_ID },
      responses: {
        200: "{ok, problems, events, chainHead, recomputedHead}; with Accept: text/html, the same check as a page for people",
        400: "malformed batch id",
        404: "(the page only) the chain holds no such batch",
        503: "(the page only) the chain cannot be reached now",
      },
      handle: async ({ params, request }) => {
        const batchId = params.batchId.toLowerCase();
        // JSON stays the default (no Accept, */*, neither type): HTML only where the client ranks it first.
        if (deps.verifyPage && request.accepts(["application/json", "text/html"]) === "text/html") {
          const page = await deps.verifyPage(batchId, request);
          return {
            status: page.status,
            body: null,
            headers: { ...VERIFY_VARY, "Cache-Control": "no-store" },
            raw: { contentType: "text/html; charset=utf-8", bytes: page.html },
          };
        }
        return { status: 200, body: await deps.verifier.verify(batchId), headers: VERIFY_VARY };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/batches",
      tag: "reads",
      summary: "Batches on chain, newest first, filtered by product (GTIN), origin county and producer",
      auth: "public",
      query: {
        gtin: { description: "the product's GTIN", schema: { type: "string" } },
        countyCode: { description: "the origin county's GB/T 2260 code", schema: { type: "string", pattern: "^\\d{6}$" } },
        producer: { description: "the producing organisation's id or address", schema: { type: "string" } },
        limit: { description: `page size, 1 to ${MAX_PAGE} (20)`, schema: { type: "integer" } },
        offset: { description: "how many to skip (0)", schema: { type: "integer" } },
      },
      responses: { 200: "{batches, total, limit, offset}", 400: "a filter is invalid" },
      handle: ({ query }) => {
        const limit = queryInteger(query.limit, "limit", 20, 1, MAX_PAGE);
        const offset = queryInteger(query.offset, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
        const text = (name: string) => {
          const value = query[name];
          if (value === undefined) return undefined;
          if (typeof value !== "string" || value.length === 0 || value.length > 100) throw invalidField(name, "must be one non-empty value");
          return value;
        };
        const countyCode = text("countyCode");
        if (countyCode !== undefined && !/^\d{6}$/.test(countyCode)) throw invalidField("countyCode", "must be a 6-digit GB/T 2260 code");
        const gtin = text("gtin");
        if (gtin !== undefined && !isValidGtin(gtin)) throw invalidField("gtin", "must be a GTIN with a correct check digit");
        const page = deps.batches.list({
          gtin: gtin && normalizeGtin(gtin),
          countyCode,
          producer: text("producer"),
          limit,
          offset,
        });
        return { status: 200, body: { ...page, limit, offset } };
      },
    }),
  ];
}

export function queryInteger(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) throw invalidField(field, `must be an integer from ${min} to ${max}`);
  return number;
}
