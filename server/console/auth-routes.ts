/**
 * Logging in and out of the console, a member's own password change (which ends its sessions:
 * it logs in again with the new one), and the console's home (which sends each role to its work).
 */
import express, { type Router } from "express";
import { html } from "../html/html";
import type { ConsoleDeps } from "./context";
import { errorSummary, field, form, type FieldErrors } from "./forms";
import { consoleLayout, MENU } from "./layout";
import { COMMON } from "./messages";
import { ADMIN } from "./admin-messages";
import { DomainError } from "../domain/errors";
import { httpStatusOf } from "../api/error-handler";
import { appErrorFields } from "./forms";
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

  router.get("/console/password", requireMember(), (_req, res) => {
    res.type("html").send(passwordPage(consoleOf(res), {}));
  });

  router.post("/console/password", requireMember(), async (req, res) => {
    const context = consoleOf(res);
    const t = ADMIN[context.lang];
    const current = typeof req.body.currentPassword === "string" ? req.body.currentPassword : "";
    const next = typeof req.body.newPassword === "string" ? req.body.newPassword : "";
    const again = typeof req.body.newPasswordAgain === "string" ? req.body.newPasswordAgain : "";
    const errors: FieldErrors = {};
    if (!current) errors.currentPassword = COMMON[context.lang].required;
    if (!next) errors.newPassword = COMMON[context.lang].required;
    else if (next !== again) errors.newPasswordAgain = t.passwordsDiffer;
    if (Object.keys(errors).length) return res.status(400).type("html").send(passwordPage(context, errors));
    try {
      await deps.accounts.changeOwnPassword(context.member!.username, current, next, req.ip);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return res.status(httpStatusOf(error)).type("html").send(passwordPage(context, appErrorFields(error, context.lang)));
    }
    // Every session of the member ended with the old password, this one too.
    res.append("Set-Cookie", cookieString(SESSION_COOKIE, "", { ...cookies, maxAgeSeconds: 0 }));
    const { member: _gone, org: _org, sessionId: _id, ...signedOut } = context;
    res.type("html").send(
      consoleLayout({
        context: signedOut,
        title: t.passwordTitle,
        path: "/console/login",
        body: html`<p class="banner banner-ok" role="status" data-done="password">${t.passwordChanged}</p>
<p><a class="btn" href="/console/login">${t.toLogin}</a></p>`,
      }),
    );
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

function passwordPage(context: ConsoleRequest, errors: FieldErrors): string {
  const t = ADMIN[context.lang];
  return consoleLayout({
    context,
    title: t.passwordTitle,
    path: "/console/password",
    body: html`${errorSummary(errors, context.lang)}
${form({
  action: "/console/password",
  csrfToken: context.csrfToken,
  submitLabel: t.changePassword,
  body: [
    field({ name: "currentPassword", label: t.currentPassword, type: "password", error: errors.currentPassword, required: true, autocomplete: "current-password" }),
    field({ name: "newPassword", label: t.newPassword, type: "password", error: errors.newPassword, required: true, hint: t.passwordHint, autocomplete: "new-password" }),
    field({ name: "newPasswordAgain", label: t.newPasswordAgain, type: "password", error: errors.newPasswordAgain, required: true, autocomplete: "new-password" }),
  ],
})}`,
  });
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
})}
<p><a href="/console/admin">${ADMIN[context.lang].signInTitle}</a></p>`,
  });
}
