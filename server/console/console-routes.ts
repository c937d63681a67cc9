/**
 * The console (/console) and the programme view (/programme): server-rendered pages for the
 * people who feed the ledger. Forms post url-encoded or multipart bodies; every POST is checked
 * against the session's CSRF token before any feature sees it.
 */
import express, { type ErrorRequestHandler, type Router } from "express";
import multer from "multer";
import { html } from "../html/html";
import { authRoutes } from "./auth-routes";
import type { ConsoleDeps } from "./context";
import { consoleLayout } from "./layout";
import { COMMON } from "./messages";
import { checkCsrf, ConsoleForbidden, consoleOf, loadSession } from "./session";

/** Uploads (CSV files, harvest photos) are held in memory: at most 10 files of 20 MB each. */
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export function consoleRoutes(deps: ConsoleDeps, features: Router[]): Router {
  const router = express.Router();
  const uploads = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 10, fields: 2_000 } });
  router.use(["/console", "/programme"], loadSession(deps.accounts, { secure: deps.secureCookies }));
  router.use(["/console", "/programme"], express.urlencoded({ extended: false, limit: "1mb", parameterLimit: 5_000 }));
  router.use(["/console", "/programme"], uploads.any());
  router.use(
    ["/console", "/programme"],
    checkCsrf((req, res) => {
      const context = consoleOf(res);
      const t = COMMON[context.lang];
      // Back to the form's own page (a GET of the same path), which hands out a fresh token.
      const back = req.originalUrl.split("?")[0];
      res.status(403).type("html").send(
        consoleLayout({
          context,
          title: t.csrfTitle,
          path: "/console",
          body: html`<p class="banner banner-danger" role="alert" data-error="csrf">${t.csrf}</p>
<p><a class="btn" href="${back === "/console/logout" ? "/console" : back}">${t.backToForm}</a></p>`,
        }),
      );
    }),
  );
  router.use(authRoutes(deps));
  for (const feature of features) router.use(feature);

  const forbidden: ErrorRequestHandler = (error, req, res, next) => {
    if (!(error instanceof ConsoleForbidden) && !(error instanceof multer.MulterError)) return next(error);
    const context = res.locals.console;
    if (!context) return next(error);
    const t = COMMON[context.lang as "zh" | "en"];
    const message = error instanceof ConsoleForbidden ? t.forbidden : `${error.message}`;
    res
      .status(error instanceof ConsoleForbidden ? 403 : 413)
      .type("html")
      .send(
        consoleLayout({
          context,
          title: error instanceof ConsoleForbidden ? t.console : t.forbidden,
          path: req.path,
          body: html`<p class="banner banner-danger" role="alert">${message}</p>
<p><a class="btn" href="${context.member?.programme ? "/programme" : "/console"}">${t.backToConsole}</a></p>`,
        }),
      );
  };
  router.use(forbidden);
  return router;
}
