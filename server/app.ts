/**
 * createApp(deps) builds the Express app and does not listen: index.ts (or a test) does. The API
 * lives under /api/v1 with JSON bodies of at most 100 kB; the health routes beside it.
 */
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type Router } from "express";
import type { Logger } from "pino";
import { apiErrorHandler, apiNotFound } from "./api/error-handler";
import { csvUploadBody, IMPORT_UPLOAD_PATH } from "./api/import-routes";
import { mountRoutes, type Authenticator } from "./api/mount-routes";
import type { RouteSpec } from "./api/route-spec";
import { securityHeaders } from "./web/security";
import { webNotFound, webServerError } from "./html/not-found-page";

export interface AppDeps {
  routes: RouteSpec[];
  auth: Authenticator;
  logger: Logger;
  /** The pages (public provenance pages, QR codes, labels; the console); mounted before the API. */
  web?: Router[];
}

export const BODY_LIMIT = "100kb";

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
    });
    next();
  });
  app.use(securityHeaders());
  for (const router of deps.web ?? []) app.use(router);
  app.post(IMPORT_UPLOAD_PATH, csvUploadBody(deps.auth)); // a CSV file, not JSON: read before express.json
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(mountRoutes(deps.routes, deps.auth));
  app.use("/api", apiNotFound);
  app.use(webNotFound);
  const apiErrors = apiErrorHandler(deps.logger);
  const errors: ErrorRequestHandler = (error, req, res, next) => {
    if (req.path.startsWith("/api/") || res.headersSent) return apiErrors(error, req, res, next);
    deps.logger.error({ err: error, path: req.path }, "page failed");
    webServerError(req, res);
  };
  app.use(errors);
  return app;
}
