/**
 * The console's administration (/console/admin): signing in with the admin token (a form; the
 * session lives in its own httpOnly cookie, never the token in an address), the first-run setup
 * of the programme office's first admin member (open only while there is none, and only to
 * whoever also gives the admin token: a gateway reachable from a network is not claimed by its
 * first visitor), and the organisations: listed for the programme office, created with their
 * details and first admin member by the admin token's session or the programme office's admin.
 */
import express, { type Request, type Response, type Router } from "express";
import { parse as parseCookies } from "cookie";
import { DomainError } from "../domain/errors";
import { ROLE_NAMES, type RoleName } from "../domain/event-kinds";
import { httpStatusOf } from "../api/error-handler";
import { html, type SafeHtml } from "../html/html";
import type { CreatedOrg } from "../services/org-service";
import { ADMIN } from "./admin-messages";
import type { ConsoleDeps } from "./context";
import { appErrorFields, errorSummary, field, form, text, type FieldErrors } from "./forms";
import { consoleLayout } from "./layout";
import { COMMON } from "./messages";
import { consoleOf, ConsoleForbidden, cookieString, SESSION_COOKIE, type ConsoleRequest } from "./session";

export const ADMIN_SESSION_COOKIE = "plc_admin";

/** What the visitor may do here: the admin token's session, or a programme office member (admin or not). */
export interface AdminAccess {
  token: boolean;
  /** Create organisations: the token's session or the programme office's admin. */
  mayCreate: boolean;
  /** See the organisations: those, and every programme office member. */
  mayList: boolean;
}

export function adminAccessOf(deps: ConsoleDeps, req: Request, res: Response): AdminAccess {
  const token = deps.accounts.isAdminSession(parseCookies(req.get("cookie") ?? "")[ADMIN_SESSION_COOKIE]);
  const { member } = consoleOf(res);
  const mayCreate = token || (member?.programme === true && member.isAdmin);
  return { token, mayCreate, mayList: mayCreate || member?.programme === true };
}

const ORG_FIELDS = ["name", "role", "creditCode", "contactPerson", "contactPhone", "postalAddress", "adminUsername", "adminDisplayName", "adminPassword"] as const;
type OrgForm = Partial<Record<(typeof ORG_FIELDS)[number], string>>;

export function adminRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const cookies = { secure: deps.secureCookies };

  router.get("/console/admin", (req, res) => {
    const access = adminAccessOf(deps, req, res);
    if (access.mayList) return res.redirect(303, "/console/admin/orgs");
    res.type("html").send(signInPage(deps, consoleOf(res), {}, {}));
  });

  router.post("/console/admin/login", (req, res) => {
    const context = consoleOf(res);
    const token = typeof req.body.token === "string" ? req.body.token.trim() : "";
    if (!token || !deps.isAdminToken(token)) {
      return res.status(401).type("html").send(signInPage(deps, context, { token: token ? ADMIN[context.lang].badToken : COMMON[context.lang].required }, {}));
    }
    res.append("Set-Cookie", cookieString(ADMIN_SESSION_COOKIE, deps.accounts.startAdminSession(), { ...cookies, maxAgeSeconds: 12 * 3_600 }));
    res.redirect(303, "/console/admin/orgs");
  });

  router.post("/console/admin/setup", async (req, res) => {
    const context = consoleOf(res);
    const t = ADMIN[context.lang];
    const values = { username: text(req.body.username) ?? "", displayName: text(req.body.displayName) };
    const password = String(req.body.password ?? "");
    const again = (errors: FieldErrors, status: number) => res.status(status).type("html").send(signInPage(deps, context, {}, errors, values));
    if (!deps.accounts.needsFirstProgrammeAdmin()) return again({ _form: t.setupDone }, 409);
    const token = typeof req.body.token === "string" ? req.body.token.trim() : "";
    if (!token || !deps.isAdminToken(token)) return again({ token: token ? t.badToken : COMMON[context.lang].required }, 401);
    try {
      await deps.accounts.createFirstProgrammeAdmin({ ...values, password });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return again(appErrorFields(error, context.lang), httpStatusOf(error));
    }
    const login = await deps.accounts.login(values.username, password, req.ip);
    if (login.ok) res.append("Set-Cookie", cookieString(SESSION_COOKIE, login.sessionId, { ...cookies, maxAgeSeconds: 12 * 3_600 }));
    res.redirect(303, login.ok ? "/console/admin/orgs" : "/console/login");
  });

  router.post("/console/admin/logout", (req, res) => {
    const sessionId = parseCookies(req.get("cookie") ?? "")[ADMIN_SESSION_COOKIE];
    if (sessionId) deps.accounts.endAdminSession(sessionId);
    res.append("Set-Cookie", cookieString(ADMIN_SESSION_COOKIE, "", { ...cookies, maxAgeSeconds: 0 }));
    res.redirect(303, "/console/admin");
  });

  router.get("/console/admin/orgs", (req, res) => {
    const access = adminAccessOf(deps, req, res);
    if (!access.mayList) return res.redirect(303, "/console/admin");
    res.type("html").send(orgsPage(deps, consoleOf(res), access, {}, {}));
  });

  router.post("/console/admin/orgs", async (req, res) => {
    const access = adminAccessOf(deps, req, res);
    if (!access.mayCreate) throw new ConsoleForbidden();
    const context = consoleOf(res);
    const values: OrgForm = Object.fromEntries(ORG_FIELDS.map((name) => [name, name === "adminPassword" ? undefined : text(req.body[name])]));
    const input = {
      name: values.name ?? "",
      role: (values.role ?? "") as RoleName,
      creditCode: values.creditCode,
      contact: { person: values.contactPerson, phone: values.contactPhone, address: values.postalAddress },
    };
    const firstAdmin = { username: values.adminUsername ?? "", displayName: values.adminDisplayName, password: String(req.body.adminPassword ?? ""), isAdmin: true };
    let created: CreatedOrg;
    try {
      // Everything is checked before the chain grants a role, so that a refusal leaves nothing made.
      fieldsOf(() => deps.organisations.checkNew(input), {});
      fieldsOf(() => deps.accounts.checkNewMember(firstAdmin), { username: "adminUsername", displayName: "adminDisplayName", password: "adminPassword" });
      created = await deps.organisations.create(input);
      await fieldsOf(() => deps.accounts.createMember(created.id, firstAdmin), { username: "adminUsername", displayName: "adminDisplayName", password: "adminPassword" });
    } catch (error) {
      if (!(error instanceof FormRefusal)) throw error;
      return res.status(error.status).type("html").send(orgsPage(deps, context, access, error.errors(context), values));
    }
    res.status(201).type("html").send(createdPage(context, created));
  });

  return router;
}

/** A service's refusal, with the form's names for its fields. */
class FormRefusal extends Error {
  constructor(
    readonly error: DomainError,
    readonly rename: Record<string, string>,
  ) {
    super(error.message);
  }
  get status(): number {
    return httpStatusOf(this.error);
  }
  errors(context: ConsoleRequest): FieldErrors {
    const renamed = { "contact.person": "contactPerson", "contact.phone": "contactPhone", "contact.address": "postalAddress", ...this.rename };
    return appErrorFields(this.error, context.lang, renamed);
  }
}

function fieldsOf<T>(work: () => T, rename: Record<string, string>): T {
  const wrap = (error: unknown) => {
    if (error instanceof DomainError) throw new FormRefusal(error, rename);
    throw error;
  };
  try {
    const result = work();
    return (result instanceof Promise ? result.catch(wrap) : result) as T;
  } catch (error) {
    return wrap(error);
  }
}

/** The frame of the admin pages: who is signed in and how to sign out (the token's session has no member menu). */
function adminBar(context: ConsoleRequest, access: AdminAccess): SafeHtml {
  const t = ADMIN[context.lang];
  if (!access.token) return html``;
  return html`<form method="post" action="/console/admin/logout" class="admin-bar">
<input type="hidden" name="_csrf" value="${context.csrfToken}">
<span class="who">${t.signedInToken}</span> <button type="submit" class="btn btn-quiet">${t.signOut}</button>
</form>`;
}

function signInPage(deps: ConsoleDeps, context: ConsoleRequest, signInErrors: FieldErrors, setupErrors: FieldErrors, setupValues: { username?: string; displayName?: string } = {}): string {
  const t = ADMIN[context.lang];
  const setupOpen = deps.accounts.needsFirstProgrammeAdmin();
  return consoleLayout({
    context,
    title: t.title,
    path: "/console/admin",
    body: html`${setupOpen || Object.keys(setupErrors).length
      ? html`<section class="card" aria-labelledby="setup-heading" data-section="setup">
<h2 id="setup-heading">${t.setupTitle}</h2>
<p>${t.setupIntro}</p>
${errorSummary(setupErrors, context.lang)}
${form({
  action: "/console/admin/setup",
  csrfToken: context.csrfToken,
  submitLabel: t.createAdmin,
  body: [
    field({ name: "token", label: t.token, type: "password", error: setupErrors.token, required: true, autocomplete: "off" }),
    field({ name: "displayName", label: t.adminDisplayName, value: setupValues.displayName, error: setupErrors.displayName, maxLength: 100 }),
    field({ name: "username", label: t.adminUsername, value: setupValues.username, error: setupErrors.username, required: true, autocomplete: "username" }),
    field({ name: "password", label: COMMON[context.lang].password, type: "password", error: setupErrors.password, required: true, hint: t.passwordHint, autocomplete: "new-password" }),
  ],
})}
</section>`
      : null}
<section class="card" aria-labelledby="signin-heading" data-section="signin">
<h2 id="signin-heading">${t.signInTitle}</h2>
<p>${t.signInIntro}</p>
${errorSummary(signInErrors, context.lang)}
${form({
  action: "/console/admin/login",
  csrfToken: context.csrfToken,
  submitLabel: t.signIn,
  body: [field({ name: "token", label: t.token, type: "password", error: signInErrors.token, required: true, autocomplete: "off" })],
})}
</section>`,
  });
}

function orgsPage(deps: ConsoleDeps, context: ConsoleRequest, access: AdminAccess, errors: FieldErrors, values: OrgForm): string {
  const t = ADMIN[context.lang];
  const roles = COMMON[context.lang].roles;
  const orgs = deps.organisations.list().filter((org) => !org.learned);
  const counts = deps.members.countsByOrg();
  return consoleLayout({
    context,
    title: t.orgsTitle,
    path: "/console/admin/orgs",
    body: html`${adminBar(context, access)}
${orgs.length === 0
  ? html`<p>${t.none}</p>`
  : html`<div class="card table-scroll"><table class="data" data-table="orgs">
<thead><tr><th>${t.name}</th><th>${t.creditCode}</th><th>${t.role}</th><th>${t.contactPerson}</th><th>${t.contactPhone}</th><th>${t.postalAddress}</th><th>${t.members}</th></tr></thead>
<tbody>${orgs.map(
      (org) => html`<tr data-org="${org.id}"><td>${org.name}</td><td>${org.creditCode ? html`<code>${org.creditCode}</code>` : "—"}</td><td>${roles[org.role] ?? org.role}</td><td>${org.contactPerson ?? "—"}</td><td>${org.contactPhone ?? "—"}</td><td>${org.postalAddress ?? "—"}</td><td>${counts.get(org.id) ?? 0}</td></tr>`,
    )}</tbody>
</table></div>`}
${access.mayCreate
  ? html`<section class="card" aria-labelledby="create-heading">
<h2 id="create-heading">${t.createTitle}</h2>
${errorSummary(errors, context.lang)}
${form({
  action: "/console/admin/orgs",
  csrfToken: context.csrfToken,
  submitLabel: t.create,
  body: [
    field({ name: "name", label: t.name, value: values.name, error: errors.name, required: true, hint: t.nameHint, maxLength: 200 }),
    field({ name: "role", label: t.role, type: "select", value: values.role, error: errors.role, required: true, options: ROLE_NAMES.map((role) => ({ value: role, label: roles[role] ?? role })) }),
    field({ name: "creditCode", label: t.creditCode, value: values.creditCode, error: errors.creditCode, hint: t.creditCodeHint, maxLength: 18, autocomplete: "off" }),
    field({ name: "contactPerson", label: t.contactPerson, value: values.contactPerson, error: errors.contactPerson, maxLength: 100 }),
    field({ name: "contactPhone", label: t.contactPhone, value: values.contactPhone, error: errors.contactPhone, maxLength: 30 }),
    field({ name: "postalAddress", label: t.postalAddress, value: values.postalAddress, error: errors.postalAddress, maxLength: 200 }),
    html`<h3>${t.firstAdmin}</h3>`,
    field({ name: "adminDisplayName", label: t.adminDisplayName, value: values.adminDisplayName, error: errors.adminDisplayName, maxLength: 100 }),
    field({ name: "adminUsername", label: t.adminUsername, value: values.adminUsername, error: errors.adminUsername, required: true, autocomplete: "off" }),
    field({ name: "adminPassword", label: t.adminPassword, type: "password", error: errors.adminPassword, required: true, hint: t.passwordHint, autocomplete: "new-password" }),
  ],
})}
</section>`
  : html`<p>${t.listOnly}</p>`}`,
  });
}

function createdPage(context: ConsoleRequest, created: CreatedOrg): string {
  const t = ADMIN[context.lang];
  return consoleLayout({
    context,
    title: t.orgsTitle,
    path: "/console/admin/orgs",
    body: html`<p class="banner banner-ok" role="status">${t.created(created.name)}</p>
<div class="card">
<p>${t.orgId}: <code data-org-id>${created.id}</code></p>
<p>${t.apiKeyOnce}</p>
<p><code class="api-key" data-api-key>${created.apiKey}</code></p>
</div>
<p><a class="btn" href="/console/admin/orgs">${t.backToOrgs}</a></p>`,
  });
}
