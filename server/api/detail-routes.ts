/**
 * The open ledger's public records: each event's and attestation's detail at an address of its
 * own hash (the exact canonical bytes whose keccak256 the chain holds, cacheable for ever), and
 * the bulk feed of every detail in chain order that another party pages through to copy the
 * ledger and keep up with it.
 */
import { z } from "zod";
import type { DetailFeedReads, FeedItem } from "../store/detail-feed-reads";
import type { IntakeReport } from "../services/open-ledger/detail-intake";
import { formatCursor, parseCursor } from "../store/detail-feed-reads";
import { invalidField, notFound } from "../domain/errors";
import { route, type RouteSpec } from "./route-spec";
import { queryInteger } from "./read-routes";

export interface DetailRouteDeps {
  /** The detail the public may read under this hash (on chain, or accepted and on its way). */
  publicDetail(dataHash: string): string | undefined;
  feed: DetailFeedReads;
  /** The last block the index has read. */
  indexedBlock(): number;
  /** Takes details from outside (checked against the chain's hashes, in one transaction). */
  importDetails(details: ReadonlyArray<{ dataHash: string; detail: string }>, source: string): IntakeReport;
}

/** The path of the admin's detail import: a read gateway takes it too (it writes nothing to the chain). */
export const DETAIL_IMPORT_PATH = "/api/v1/details/import";
const MAX_IMPORT = 500;

const importBody = z.strictObject({
  source: z.string().min(1).max(500).optional().describe("where the details came from (a bundle's name), for the refusals' record"),
  details: z
    .array(z.strictObject({ dataHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex hash"), detail: z.string().min(2).max(100_000) }))
    .min(1)
    .max(MAX_IMPORT),
});

const DATA_HASH = { pattern: /^0x[0-9a-fA-F]{64}$/, description: "a data hash (keccak256 of the canonical detail, 32-byte hex)" };
const DEFAULT_PAGE = 500;
const MAX_PAGE = 2000;
const NDJSON = "application/x-ndjson";

export function detailRoutes(deps: DetailRouteDeps): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/v1/details/{dataHash}",
      tag: "open ledger",
      summary: "An event's or attestation's detail by its data hash: the exact RFC 8785 bytes whose keccak256 the chain holds",
      auth: "public",
      params: { dataHash: DATA_HASH },
      responses: { 200: "the canonical detail (ETag: the hash; immutable)", 304: "not modified", 400: "malformed hash", 404: "no public detail with this hash here" },
      handle: ({ params }) => {
        const hash = params.dataHash.toLowerCase();
        const detail = deps.publicDetail(hash);
        if (detail === undefined) throw notFound(`no detail ${hash} here`, "dataHash");
        return {
          status: 200,
          body: undefined,
          headers: { ETag: `"${hash}"`, "Cache-Control": "public, max-age=31536000, immutable" },
          raw: { contentType: "application/json; charset=utf-8", bytes: detail },
        };
      },
    }),
    route({
      method: "post",
      path: DETAIL_IMPORT_PATH,
      tag: "open ledger",
      summary: `Takes up to ${MAX_IMPORT} details (from a bundle): each kept only when its keccak256 is a data hash the chain holds; the others refused and recorded`,
      auth: "admin",
      body: importBody,
      responses: { 200: "{kept, known, refused: [{hash, reason}], unreferenced}", 400: "a malformed detail list", 401: "not the admin token" },
      handle: ({ body }) => {
        const report = deps.importDetails(body.details, body.source ? `import ${body.source}` : "import");
        return { status: 200, body: { ...report, refused: report.refused.map(({ hash, reason }) => ({ hash, reason })) } };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/details",
      tag: "open ledger",
      summary: "Every detail the chain holds a hash of, in chain order (block, log index), a page at a time: JSON, or NDJSON with Accept: application/x-ndjson or format=ndjson",
      auth: "public",
      query: {
        after: { description: "the cursor of the last item read (block.logIndex); from the start when absent", schema: { type: "string", pattern: "^\\d+\\.\\d+$" } },
        limit: { description: `page size, 1 to ${MAX_PAGE} (${DEFAULT_PAGE})`, schema: { type: "integer" } },
        format: { description: "json (default) or ndjson", schema: { type: "string", enum: ["json", "ndjson"] } },
      },
      responses: { 200: "{items: [{block, logIndex, cursor, kind, subject, dataHash, detail}], next, indexedBlock}, or NDJSON items with the next cursor in X-Next-Cursor", 400: "a bad cursor, limit or format" },
      handle: ({ query, request }) => {
        const after = query.after === undefined ? undefined : typeof query.after === "string" ? parseCursor(query.after) : undefined;
        if (query.after !== undefined && !after) throw invalidField("after", "must be a cursor block.logIndex, as the last page gave it");
        const limit = queryInteger(query.limit, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        const format = query.format ?? (request.accepts(["application/json", NDJSON]) === NDJSON ? "ndjson" : "json");
        if (format !== "json" && format !== "ndjson") throw invalidField("format", "must be json or ndjson");
        const items = deps.feed.page(after, limit).map(feedLine);
        // The next page starts after the last item; a short page means the reader is caught up.
        const next = items.length ? items[items.length - 1].cursor : after ? formatCursor(after) : null;
        const headers: Record<string, string> = { "Cache-Control": "no-store", "X-Indexed-Block": String(deps.indexedBlock()) };
        if (next) headers["X-Next-Cursor"] = next;
        if (format === "ndjson") {
          return { status: 200, body: undefined, headers, raw: { contentType: NDJSON, bytes: items.map((item) => `${JSON.stringify(item)}\n`).join("") } };
        }
        return { status: 200, body: { items, next, indexedBlock: deps.indexedBlock() }, headers };
      },
    }),
  ];
}

function feedLine(item: FeedItem) {
  const { block, logIndex, kind, subject, dataHash, detail } = item;
  return { block, logIndex, cursor: formatCursor(item), kind, subject, dataHash, detail: detail as string };
}
