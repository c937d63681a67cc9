/**
 * CSV imports over the API: upload a file (its raw bytes, text/csv) to have every row checked,
 * start recording it, and follow its progress. The upload's body is not JSON: `csvUploadBody`
 * reads it, for this path only, before the app's JSON parser, and only for a caller whose API
 * key is valid, within the file limit and with room under the cap on uploads in flight; anyone
 * else is answered before a byte of the body is read.
 */
import { createHash } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { z } from "zod";
import { rowProblemText } from "../csv/problems";
import type { ImportReport, ImportService } from "../services/import-service";
import { DomainError, invalidField } from "../domain/errors";
import type { Authenticator } from "./mount-routes";
import { readLimited, reserveBodyRoom } from "./read-limited";
import { route, UUID, type RouteSpec } from "./route-spec";
import { WAIT_LIMIT_MS, WAIT_QUERY, wantsConfirmed, type ConfirmedWait } from "./confirmed-wait";
import { until } from "../services/event-status";

export const IMPORT_UPLOAD_PATH = "/api/v1/imports";
const CSV_TYPES = ["text/csv", "application/csv"];
/** A client turned away for want of room is asked to come back after this many seconds. */
const RETRY_AFTER_SECONDS = 10;

/** The uploaded file. Its JSON form (what an Idempotency-Key's request hash covers) is its hash, not its bytes. */
export class UploadedFile {
  constructor(readonly bytes: Buffer) {}

  toJSON(): { sha256: string } {
    return { sha256: createHash("sha256").update(this.bytes).digest("hex") };
  }
}

/** The cap on upload bytes in flight, shared with the console's file forms. */
export interface UploadRoom {
  readonly capBytes: number;
  take(bytes: number): (() => void) | undefined;
}

/** Reads a text/csv body of up to `maxBytes` into an UploadedFile, for a caller with a valid API key. */
export function csvUploadBody(auth: Pick<Authenticator, "org">, options: { maxBytes: number; room: UploadRoom }): RequestHandler {
  const { maxBytes, room } = options;
  const tooLarge = () => {
    const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
    return new DomainError("payload_too_large", `the file is larger than ${mb} MB`, [{ field: "file", message: `is larger than ${mb} MB` }]);
  };
  return (req, res, next) => {
    const apiKey = /^Bearer\s+(\S+)$/i.exec(req.get("Authorization") ?? "")?.[1];
    if (!apiKey || !auth.org(apiKey)) return next(); // the route answers 401, the body unread
    if (!req.is(CSV_TYPES)) return next(); // the route answers 400, the body unread
    const encoding = req.get("Content-Encoding");
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      return next(new DomainError("unsupported_encoding", "send the file as it is, without Content-Encoding"));
    }
    const reserved = reserveBodyRoom(req, maxBytes, room);
    if (reserved === "too_large") return next(tooLarge());
    if (reserved === "busy") {
      res.set("Retry-After", String(RETRY_AFTER_SECONDS));
      return res.status(503).json({ error: { code: "busy", message: "too many uploads at once; try again shortly" } });
    }
    res.once("close", reserved.release);
    readLimited(req, maxBytes).then(
      (bytes) => {
        if (bytes === "too_large") return next(tooLarge());
        req.body = new UploadedFile(bytes);
        next();
      },
      () => next(invalidField("body", "ended before all of it arrived")),
    );
  };
}


const IMPORT_ID = { importId: UUID };
const runBody = z.strictObject({
  goodOnly: z.boolean().optional().describe("true: record only the rows without problems (required when some rows have problems)"),
});

export function importRoutes(imports: ImportService, wait: ConfirmedWait): RouteSpec[] {
  return [
    route({
      method: "post",
      path: IMPORT_UPLOAD_PATH,
      tag: "imports",
      summary:
        "Upload a CSV file (body: the file's bytes, Content-Type text/csv, UTF-8, at most CSV_MAX_MB (10 MB) and CSV_MAX_ROWS (50,000) data rows; header X-File-Name) to check every row; nothing is recorded yet",
      auth: "org",
      query: { kind: { description: "what each row records", schema: { type: "string", enum: ["harvest", "shipment"] } } },
      responses: {
        200: "this file was uploaded before: the import made then",
        201: "checked and stored: the rows' problems, each with its line, column, code and words (message in English, zh in Chinese); a row the ledger's rules refuse has the words the API answers for that write",
        400: "the kind, the file (empty, not CSV, no rows, too many rows) or a column of its header is wrong (named)",
        401: "missing, unknown or revoked API key",
        403: "the organisation's role may not record this kind, or it signs its own events",
        413: "the file is larger than CSV_MAX_MB",
        415: "the body has a Content-Encoding: send the file as it is",
        503: "too many uploads in flight: try again after Retry-After seconds",
      },
      handle: async ({ query, org, request }) => {
        if (!(request.body instanceof UploadedFile)) throw invalidField("Content-Type", "must be text/csv, with the file as the body");
        const { report, created } = await imports.upload(org!, {
          kind: query.kind,
          fileName: headerFileName(request.get("X-File-Name")),
          bytes: request.body.bytes,
        });
        return {
          status: created ? 201 : 200,
          body: {
            importId: report.importId,
            kind: report.kind,
            fileName: report.fileName,
            totalRows: report.totalRows,
            badRows: report.badRows,
            status: report.status,
            problems: problemsOf(report),
          },
        };
      },
    }),
    route({
      method: "post",
      path: "/api/v1/imports/{importId}/run",
      tag: "imports",
      summary: "Start (or resume) recording an import's rows, in the background, each exactly once",
      auth: "org",
      params: IMPORT_ID,
      body: runBody,
      query: {
        wait: {
          description: "`confirmed`: answer once every row is recorded and its event confirmed (and shown by the reads) or failed, at most 60 s; with each event's status",
          schema: WAIT_QUERY.wait.schema,
        },
      },
      responses: {
        202: "recording: follow it with GET /api/v1/imports/{importId}; with ?wait=confirmed also events, each row's event's status",
        400: "the body is invalid",
        401: "missing, unknown or revoked API key",
        403: "the organisation may not record this import",
        404: "no such import of this organisation",
        409: "some rows have problems and goodOnly is not true",
      },
      handle: async ({ params, body, org, query }) => {
        const waiting = wantsConfirmed(query); // before the run: a bad value starts nothing
        const started = imports.run(org!, params.importId, body.goodOnly === true);
        const answer = (report: typeof started) => ({ importId: report.importId, status: report.status, recorded: report.recorded, total: report.goodRows });
        if (!waiting) return { status: 202, body: answer(started) };
        // The rows are recorded in the background: first until the runner is through them, then until their events settle.
        const deadline = Date.now() + WAIT_LIMIT_MS;
        await until(() => imports.report(org!, params.importId).status !== "importing", deadline);
        const ids = imports.recordedEventIds(org!, params.importId);
        await wait.waitForSettled(ids, Math.max(0, deadline - Date.now()));
        const events = ids.flatMap((id) => wait.eventStatus(id) ?? []);
        return { status: 202, body: { ...answer(imports.report(org!, params.importId)), events } };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/imports/{importId}",
      tag: "imports",
      summary: "An import's status, progress and problems (the importing organisation only)",
      auth: "org",
      params: IMPORT_ID,
      responses: { 200: "the import", 401: "missing, unknown or revoked API key", 404: "no such import of this organisation" },
      handle: ({ params, org }) => {
        const report = imports.report(org!, params.importId);
        return {
          status: 200,
          body: {
            importId: report.importId,
            kind: report.kind,
            fileName: report.fileName,
            status: report.status,
            totalRows: report.totalRows,
            badRows: report.badRows,
            recorded: report.recorded,
            failed: report.failed,
            goodOnly: report.goodOnly,
            problems: problemsOf(report),
          },
        };
      },
    }),
  ];
}

/**
 * Each bad row's problem: its line and column, its code, and its words in English and Chinese.
 * A row the ledger's rules refused (code "refused") has the words the API answers for that write.
 */
function problemsOf(report: ImportReport): Array<{ line: number; field: string; code: string; message: string; zh: string }> {
  return report.problems.map((problem) => ({
    line: problem.line,
    field: problem.field,
    code: problem.code,
    message: problem.message,
    zh: rowProblemText(problem, "zh"),
  }));
}

/** X-File-Name, percent-encoded when the name is not ASCII (header values are bytes, not UTF-8). */
function headerFileName(value: string | undefined): string {
  if (!value) return "import.csv";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
