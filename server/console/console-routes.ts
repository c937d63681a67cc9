/**
 * The console (/console) and the programme view (/programme): server-rendered pages for the
 * people who feed the ledger. Forms post url-encoded bodies, or multipart ones on the routes
 * that take files (consoleBodies decides from the headers, before reading); every POST is
 * checked against the session's CSRF token before any feature sees it.
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from "express";
import { html } from "../html/html";
import { authRoutes } from "./auth-routes";
import type { ConsoleDeps } from "./context";
import { consoleLayout } from "./layout";
import { COMMON } from "./messages";
import { checkCsrf, ConsoleForbidden, consoleOf, loadSession } from "./session";
import { bodyRefusalOf, consoleBodies, refuseBody, type ConsoleUploads } from "./uploads/console-bodies";

export function consoleRoutes(deps: ConsoleDeps, features: Router[], uploads: ConsoleUploads): Router {
  const router = express.Router();
  const refuseCsrf = (req: Request, res: Response) => {
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
  };
  router.use(["/console", "/programme"], loadSession(deps.accounts, { secure: deps.secureCookies }));
  router.use(["/console", "/programme"], consoleBodies(uploads, refuseCsrf));
  router.use(["/console", "/programme"], checkCsrf(refuseCsrf));
  router.use(authRoutes(deps));
  for (const feature of features) router.use(feature);

  const forbidden: ErrorRequestHandler = (error, req, res, next) => {
    const context = res.locals.console;
    if (!context || res.headersSent) return next(error);
    const refusal = bodyRefusalOf(error);
    if (refusal) return refuseBody(req, res, refusal);
    if (!(error instanceof ConsoleForbidden)) return next(error);
    const t = COMMON[context.lang as "zh" | "en"];
    res
      .status(403)
      .type("html")
      .send(
        consoleLayout({
          context,
          title: t.console,
          path: req.path,
          body: html`<p class="banner banner-danger" role="alert">${t.forbidden}</p>
<p><a class="btn" href="${context.member?.programme ? "/programme" : "/console"}">${t.backToConsole}</a></p>`,
        }),
      );
  };
  router.use(forbidden);
  return router;
}
