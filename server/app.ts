/**
 * createApp(deps) builds the Express app and does not listen: index.ts (or a test) does. The API
 * lives under /api/v1 with JSON bodies of at most 100 kB; the health routes beside it.
 */
import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { apiErrorHandler, apiNotFound } from "./api/error-handler";
import { mountRoutes, type Authenticator } from "./api/mount-routes";
import type { RouteSpec } from "./api/route-spec";

export interface AppDeps {
  routes: RouteSpec[];
  auth: Authenticator;
  logger: Logger;
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
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(mountRoutes(deps.routes, deps.auth));
  app.use("/api", apiNotFound);
  app.use(apiErrorHandler(deps.logger));
  return app;
}
