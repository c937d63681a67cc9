/** Logging in and out of the console, and the console's home (which sends each role to its work). */
import express, { type Router } from "express";
import { html } from "../html/html";
import type { ConsoleDeps } from "./context";
import { errorSummary, field, form, type FieldErrors } from "./forms";
import { consoleLayout, MENU } from "./layout";
import { COMMON } from "./messages";
import { consoleOf, cookieString, requireMember, SESSION_COOKIE, type ConsoleRequest } from "./session";

export function authRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const cookies = { secure: deps.secureCookies };

  router.get("/console/login", (req, res) => {
    const context = consoleOf(res);
    if (context.member) return res.redirect(303, safeNext(req.query.next));
    res.type("html").send(loginPage(context, {}, "", String(req.query.next ?? "")));
  });

  router.post("/console/login", async (req, res) => {
    const context = consoleOf(res);
    const t = COMMON[context.lang];
    const username = typeof req.body.username === "string" ? req.body.username.trim() : "";
    const password = typeof req.body.password === "string" ? req.body.password : "";
    const next = typeof req.body.next === "string" ? req.body.next : "";
    const errors: FieldErrors = {};
    if (!username) errors.username = t.required;
    if (!password) errors.password = t.required;
    if (Object.keys(errors).length) return res.status(400).type("html").send(loginPage(context, errors, username, next));
    // req.ip: the socket's address unless the app is told to trust a proxy's header.
    const result = await deps.accounts.login(username, password, req.ip);
    if (!result.ok) {
      // One answer for an unknown name, a wrong password and a wait not yet over (see account-service.ts).
      return res.status(401).type("html").send(loginPage(context, { _form: t.badCredentials }, username, next));
    }
    res.append("Set-Cookie", cookieString(SESSION_COOKIE, result.sessionId, { ...cookies, maxAgeSeconds: 12 * 3_600 }));
    res.redirect(303, safeNext(next));
  });

  router.post("/console/logout", (_req, res) => {
    const { sessionId } = consoleOf(res);
    if (sessionId) deps.accounts.logout(sessionId);
    res.append("Set-Cookie", cookieString(SESSION_COOKIE, "", { ...cookies, maxAgeSeconds: 0 }));
    res.redirect(303, "/console/login");
  });

  router.get("/console", requireMember(), (_req, res) => {
    const { member, org } = consoleOf(res);
    const menu = member!.programme ? MENU.programme : MENU[org!.role];
    res.redirect(303, menu?.[0]?.[1] ?? "/console/login");
  });

  return router;
}

/** Only a path of this site (never //evil.example or https://…) after login. */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?!\/)[^\\]*$/.test(next) ? next : "/console";
}

function loginPage(context: ConsoleRequest, errors: FieldErrors, username: string, next: string): string {
  const t = COMMON[context.lang];
  return consoleLayout({
    context,
    title: t.loginTitle,
    path: "/console/login",
    body: html`<p>${t.loginIntro}</p>
${errorSummary(errors, context.lang)}
${form({
  action: "/console/login",
  csrfToken: context.csrfToken,
  submitLabel: t.login,
  body: [
    field({ name: "username", label: t.username, value: username, error: errors.username, required: true, autocomplete: "username" }),
    field({ name: "password", label: t.password, type: "password", error: errors.password, required: true, autocomplete: "current-password" }),
    field({ name: "next", label: "", type: "hidden", value: next }),
  ],
})}`,
  });
}
