/**
 * createApp(deps) builds the Express app and does not listen: index.ts (or a test) does. The API
 * lives under /api/v1 with JSON bodies of at most 100 kB; the health routes beside it. Before any
 * route: a POST from another site is refused, and an answer given before its body was read
 * closes the connection (the body is never read); once the gateway is stopping, writes are
 * refused 503 (web/draining.ts). A client's mistake is answered 4xx. Public answers are
 * compressed (web/compression.ts); the API's OpenAPI document is also a page, /api/v1/docs.
 */
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response, type Router } from "express";
import type { Logger } from "pino";
import { LIMIT_DEFAULTS } from "./config";
import { apiErrorHandler, apiNotFound } from "./api/error-handler";
import { csvUploadBody, IMPORT_UPLOAD_PATH, type UploadRoom } from "./api/import-routes";
import { mountRoutes, type Authenticator } from "./api/mount-routes";
import { EPCIS_CAPTURE_PATH, EPCIS_HEADERS, epcisProblemOf } from "./api/epcis-routes";
import { epcisCaptureBody } from "./api/epcis-capture-body";
import { CAPTURE_DEFAULTS } from "./services/epcis/epcis-capture";
import { EpcisProblem, PROBLEM_CONTENT_TYPE } from "./services/epcis/epcis-problems";
import type { RouteSpec } from "./api/route-spec";
import { apiReadRateLimit, securityHeaders } from "./web/security";
import { apiClientError, clientErrorPage, clientStatusOf } from "./web/client-errors";
import { closeUnreadBodies } from "./web/close-unread-bodies";
import { sameOriginPosts } from "./web/origin-check";
import { readOnlyGuard } from "./web/read-only";
import { refuseWritesWhileDraining, type Drain } from "./web/draining";
import { DETAIL_IMPORT_PATH } from "./api/detail-routes";
import { webNotFound, webServerError } from "./html/not-found-page";
import { compressAnswers } from "./web/compression";
import { API_DOCS_PATH, apiDocsRoute } from "./web/api-docs-page";
import { openApiDocument } from "./api/openapi";
import { LANG_COOKIE } from "./console/session";

export interface AppDeps {
  routes: RouteSpec[];
  auth: Authenticator;
  logger: Logger;
  /** The pages (public provenance pages, QR codes, labels; the console); mounted before the API. */
  web?: Router[];
  /** PUBLIC_BASE_URL: a POST that names another origin is refused. */
  publicBaseUrl?: string;
  /** API reads per minute per client address, and verifications among them; 0 turns one off. */
  rateLimits?: { apiReadsPerMinute: number; verifiesPerMinute: number };
  /** A read gateway: every write and console page refused, naming where writes go. */
  readOnly?: { writeGatewayUrl?: string };
  /** The API's CSV uploads: their size, and the cap on uploads in flight shared with the console. */
  csvUpload?: { maxBytes: number; room: UploadRoom };
  /** The largest EPCIS document a capture reads (GS1-EPCIS-Capture-File-Size-Limit). */
  epcisCaptureBytes?: number;
  /** Set when the gateway stops: writes are refused 503 and every answer closes its connection. */
  drain?: Drain;
  /** Told of every answered request, for /metrics. */
  metrics?: { countRequest(method: string, path: string, status: number, seconds: number): void };
}

/** An EPCIS problem document, with the versions every EPCIS answer states. */
function sendProblem(res: Response, problem: EpcisProblem): void {
  res.status(problem.status).set(EPCIS_HEADERS).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.document()));
}

export const BODY_LIMIT = "100kb";
const BODY_LIMIT_BYTES = 100 * 1024;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((req, res, next) => {
    const requestId = req.get("X-Request-Id")?.slice(0, 100) || randomUUID();
    res.set("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.logger.debug({ requestId, method: req.method, path: req.path, status: res.statusCode, ms }, "request");
      deps.metrics?.countRequest(req.method, req.originalUrl.split("?")[0], res.statusCode, ms / 1000);
    });
    next();
  });
  app.use(compressAnswers({ skip: isCredentialed }));
  app.use(closeUnreadBodies());
  app.use(securityHeaders());
  if (deps.drain) app.use(refuseWritesWhileDraining(deps.drain));
  app.use(
    sameOriginPosts(deps.publicBaseUrl ?? "", (req, res) => {
      if (req.path.startsWith("/api/")) {
        res.status(403).json({ error: { code: "forbidden", message: "this request came from another site (Origin, Referer or Sec-Fetch-Site)" } });
      } else {
        clientErrorPage(req, res, 403);
      }
    }),
  );
  if (deps.readOnly) app.use(readOnlyGuard(deps.readOnly.writeGatewayUrl, [DETAIL_IMPORT_PATH]));
  const limits = deps.rateLimits ?? { apiReadsPerMinute: LIMIT_DEFAULTS.apiReadsPerMinute, verifiesPerMinute: LIMIT_DEFAULTS.verifiesPerMinute };
  app.use("/api", apiReadRateLimit(limits.apiReadsPerMinute, limits.verifiesPerMinute));
  app.use("/epcis", apiReadRateLimit(limits.apiReadsPerMinute, limits.verifiesPerMinute));
  for (const router of deps.web ?? []) app.use(router);
  app.get(API_DOCS_PATH, apiDocsRoute(() => openApiDocument(deps.routes, deps.publicBaseUrl ?? "")));
  // A CSV file, not JSON: read before express.json, by its own reader.
  const csvUpload = deps.csvUpload ?? { maxBytes: LIMIT_DEFAULTS.csvMaxBytes, room: { capBytes: Infinity, take: () => () => {} } };
  app.post(IMPORT_UPLOAD_PATH, csvUploadBody(deps.auth, csvUpload));
  // An EPCIS document may be larger than a JSON request: read before express.json, within its own limit.
  app.post(EPCIS_CAPTURE_PATH, epcisCaptureBody(deps.auth, { maxBytes: deps.epcisCaptureBytes ?? CAPTURE_DEFAULTS.maxBytes, room: csvUpload.room }));
  app.use(jsonBodyWithin(express.json({ limit: BODY_LIMIT, strict: true }), BODY_LIMIT_BYTES));
  app.use(mountRoutes(deps.routes, deps.auth));
  app.use("/api", apiNotFound);
  app.use("/epcis", (req, res) => {
    sendProblem(res, new EpcisProblem("NoSuchResourceException", 404, `no route ${req.method} ${req.path}`));
  });
  app.use(webNotFound);
  const apiErrors = apiErrorHandler(deps.logger);
  const errors: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) {
      // Answered already (a refusal that closed the connection, or an answer cut short).
      if (!res.writableEnded) req.socket.destroy();
      return;
    }
    if (req.path.startsWith("/api/")) return apiErrors(apiClientError(error) ?? error, req, res, next);
    if (req.path === "/epcis" || req.path.startsWith("/epcis/")) {
      const problem = epcisProblemOf(apiClientError(error) ?? error);
      if (problem) return sendProblem(res, problem);
      return apiErrors(error, req, res, next);
    }
    const status = clientStatusOf(error);
    if (status !== undefined) return clientErrorPage(req, res, status);
    deps.logger.error({ err: error, path: req.path }, "page failed");
    webServerError(req, res);
  };
  app.use(errors);
  return app;
}

/** The console's cookies (plc_session, plc_admin, plc_login_csrf, plc_lang) share this prefix. */
const CONSOLE_COOKIE_PREFIX = "plc_";

/**
 * Whether a request carries credentials (an API key or admin token, a console session or login
 * form), or asks for the console: such answers may hold a secret and are not compressed (BREACH).
 */
function isCredentialed(req: Request): boolean {
  if (req.get("Authorization") !== undefined) return true;
  if (/^\/(console|programme)(\/|$)/.test(req.path)) return true;
  // The console's cookies (its sessions, the admin's, the login form's) but the language choice.
  return (req.get("Cookie") ?? "").split(";").some((pair) => {
    const name = pair.trim().split("=")[0];
    return name.startsWith(CONSOLE_COOKIE_PREFIX) && name !== LANG_COOKIE;
  });
}

/**
 * The JSON parser, refusing a body past the limit before reading it when its Content-Length says
 * so, and the moment it passes the limit when it has none (body-parser would read the rest first).
 */
function jsonBodyWithin(parse: RequestHandler, limitBytes: number): RequestHandler {
  const tooLarge = () => Object.assign(new Error("request entity too large"), { status: 413, type: "entity.too.large" });
  return (req, res, next) => {
    if (!req.is("json")) return parse(req, res, next);
    const declared = req.get("Content-Length");
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limitBytes) return next(tooLarge());
    let received = 0;
    let answered = false;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes || answered) return;
      answered = true;
      req.off("data", count);
      next(tooLarge());
    };
    req.on("data", count);
    parse(req, res, (error?: unknown) => {
      req.off("data", count);
      if (!answered) next(error);
    });
  };
}
