/**
 * An admin member's members page (/console/members): an organisation's admin lists its members,
 * adds new ones, resets a password, disables, re-enables, removes and unlocks a member (its
 * failed-login waits lifted), and rotates or revokes the organisation's API keys (a new key is
 * shown once, on the answer itself, never in an address). The programme office's admin does the
 * same for the programme office's members (it has no API key).
 */
import express, { type Response, type Router } from "express";
import { DomainError } from "../domain/errors";
import { httpStatusOf } from "../api/error-handler";
import { html } from "../html/html";
import type { Administrator } from "../services/account-service";
import { ADMIN } from "./admin-messages";
import type { ConsoleDeps } from "./context";
import { appErrorFields, chinaNow, errorSummary, field, form, text, type FieldErrors } from "./forms";
import { consoleLayout } from "./layout";
import { messages } from "./messages";
import { consoleOf, ConsoleForbidden, requireMember, type ConsoleRequest } from "./session";

const M = messages({
  zh: {
    title: "成员",
    add: "添加成员",
    displayName: "姓名",
    username: "用户名",
    usernameHint: "3–40 个字母、数字、点、横线或下划线，用来登录",
    password: "初始密码",
    passwordHint: "至少 10 个字符；请当面交给这位成员",
    isAdmin: "可以管理成员",
    admin: "管理员",
    member: "成员",
    added: (name: string) => `已添加 ${name}。`,
    orgs: "组织列表",
  },
  en: {
    title: "Members",
    add: "Add a member",
    displayName: "Name",
    username: "Username",
    usernameHint: "3 to 40 letters, digits, dots, dashes or underscores, to log in with",
    password: "First password",
    passwordHint: "At least 10 characters; hand it to the member in person",
    isAdmin: "May manage members",
    admin: "admin",
    member: "member",
    added: (name: string) => `${name} was added.`,
    orgs: "Organisations",
  },
});

/** What a member action did, for the banner (the key into ADMIN's words). */
const DONE = { password: "passwordReset", disable: "disabledDone", enable: "enabledDone", remove: "removedDone", unlock: "unlockedDone" } as const;
type MemberAction = keyof typeof DONE;

/** The member's id in an action's path: what the gateway issued. */
const MEMBER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function membersRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const adminOnly = requireMember();
  const adminOf = (res: Response): Administrator => {
    const { member } = consoleOf(res);
    if (!member!.isAdmin) throw new ConsoleForbidden();
    return { member: member! };
  };

  router.get("/console/members", adminOnly, (req, res) => {
    adminOf(res);
    const done = typeof req.query.done === "string" ? req.query.done : undefined;
    res.type("html").send(page(deps, consoleOf(res), { banner: done }));
  });

  router.post("/console/members", adminOnly, async (req, res) => {
    const by = adminOf(res);
    const context = consoleOf(res);
    const values = { displayName: text(req.body.displayName), username: text(req.body.username) ?? "", password: String(req.body.password ?? "") };
    try {
      const member = await deps.accounts.addMemberAs("member" in by ? by.member : context.member!, { ...values, isAdmin: req.body.isAdmin === "1" });
      res.redirect(303, `/console/members?done=${encodeURIComponent(M[context.lang].added(member.displayName))}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      res.status(httpStatusOf(error)).type("html").send(page(deps, context, { addErrors: appErrorFields(error, context.lang), values }));
    }
  });

  router.post("/console/members/:memberId/:action", adminOnly, async (req, res, next) => {
    const action = String(req.params.action) as MemberAction;
    if (!Object.hasOwn(DONE, action)) return next();
    const by = adminOf(res);
    const context = consoleOf(res);
    const t = ADMIN[context.lang];
    const memberId = String(req.params.memberId);
    try {
      if (!MEMBER_ID.test(memberId)) throw new DomainError("not_found", `no member ${memberId}`, [{ field: "memberId", message: "no such member", zh: "没有这个成员" }]);
      const member =
        action === "password"
          ? await deps.accounts.resetPassword(by, memberId, String(req.body.password ?? ""))
          : action === "unlock"
            ? deps.accounts.unlockAs(by, memberId).member
            : action === "remove"
              ? deps.accounts.remove(by, memberId)
              : deps.accounts.setDisabled(by, memberId, action === "disable");
      res.redirect(303, `/console/members?done=${encodeURIComponent(t[DONE[action]](member.displayName))}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const errors = appErrorFields(error, context.lang);
      res.status(httpStatusOf(error)).type("html").send(page(deps, context, { rowErrors: { memberId, message: errors.password ?? errors.memberId ?? errors._form } }));
    }
  });

  router.post("/console/members/api-keys/rotate", adminOnly, (_req, res) => {
    adminOf(res);
    const context = consoleOf(res);
    if (!context.member!.orgId) throw new ConsoleForbidden();
    const rotated = deps.organisations.rotateApiKey(context.member!.orgId);
    // The key is shown on this answer alone (201), never in a redirect's address.
    res.status(201).type("html").send(page(deps, context, { newKey: rotated.apiKey }));
  });

  router.post("/console/members/api-keys/:keyId/revoke", adminOnly, (req, res) => {
    adminOf(res);
    const context = consoleOf(res);
    if (!context.member!.orgId) throw new ConsoleForbidden();
    try {
      const key = deps.organisations.revokeApiKey(context.member!.orgId, String(req.params.keyId));
      res.redirect(303, `/console/members?done=${encodeURIComponent(ADMIN[context.lang].revokedDone(key.id))}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      res.status(httpStatusOf(error)).type("html").send(page(deps, context, { keyError: appErrorFields(error, context.lang).keyId }));
    }
  });

  return router;
}

interface PageState {
  banner?: string;
  addErrors?: FieldErrors;
  values?: Record<string, string | undefined>;
  rowErrors?: { memberId: string; message?: string };
  newKey?: string;
  keyError?: string;
}

function page(deps: ConsoleDeps, context: ConsoleRequest, state: PageState): string {
  const t = M[context.lang];
  const a = ADMIN[context.lang];
  const self = context.member!;
  const members = deps.accounts.membersOf(self.orgId);
  const values = state.values ?? {};
  const errors = state.addErrors ?? {};
  const action = (memberId: string, name: string, label: string, danger = false) =>
    html`<form method="post" action="/console/members/${memberId}/${name}" class="inline-form"><input type="hidden" name="_csrf" value="${context.csrfToken}"><button type="submit" class="btn${danger ? " btn-danger" : " btn-quiet"}" data-action="${name}">${label}</button></form>`;
  return consoleLayout({
    context,
    title: t.title,
    path: "/console/members",
    body: html`${state.banner ? html`<p class="banner banner-ok" role="status">${state.banner}</p>` : null}
${self.programme ? html`<p><a href="/console/admin/orgs">${t.orgs}</a></p>` : null}
${members.map((m) => {
      const rowError = state.rowErrors?.memberId === m.id ? state.rowErrors.message : undefined;
      // One card per member: on a phone a table of names, roles and five actions does not fit.
      return html`<section class="card${m.disabledAt ? " card-danger" : ""}" data-member="${m.username}">
<h2>${m.displayName}</h2>
<p><code>${m.username}</code> · ${m.isAdmin ? t.admin : t.member} · <span data-status="${m.disabledAt ? "disabled" : "active"}">${m.disabledAt ? a.disabled : a.active}</span></p>
${rowError ? html`<p class="field-error" role="alert">${rowError}</p>` : null}
<form method="post" action="/console/members/${m.id}/password" class="inline-form"><input type="hidden" name="_csrf" value="${context.csrfToken}">
<div class="form-row"><label for="pw-${m.id}">${a.newPassword}</label><input type="password" id="pw-${m.id}" name="password" autocomplete="new-password"></div>
<p><button type="submit" class="btn btn-quiet" data-action="password">${a.resetPassword}</button></p></form>
<p>${action(m.id, "unlock", a.unlock)}
${m.id === self.id ? null : [m.disabledAt ? action(m.id, "enable", a.enable) : action(m.id, "disable", a.disable), action(m.id, "remove", a.remove, true)]}</p>
</section>`;
    })}
<section class="card" aria-labelledby="add-heading">
<h2 id="add-heading">${t.add}</h2>
${errorSummary(errors, context.lang)}
${form({
  action: "/console/members",
  csrfToken: context.csrfToken,
  submitLabel: t.add,
  body: [
    field({ name: "displayName", label: t.displayName, value: values.displayName, error: errors.displayName, maxLength: 100 }),
    field({ name: "username", label: t.username, value: values.username, error: errors.username, required: true, hint: t.usernameHint, autocomplete: "off" }),
    field({ name: "password", label: t.password, type: "password", error: errors.password, required: true, hint: t.passwordHint, autocomplete: "new-password" }),
    field({ name: "isAdmin", label: t.isAdmin, type: "checkbox", error: errors.isAdmin }),
  ],
})}
</section>
${self.orgId ? apiKeySection(deps, context, self.orgId, state) : null}`,
  });
}

function apiKeySection(deps: ConsoleDeps, context: ConsoleRequest, orgId: string, state: PageState) {
  const a = ADMIN[context.lang];
  const keys = deps.organisations.apiKeys(orgId);
  return html`<section class="card" aria-labelledby="keys-heading" data-section="api-keys">
<h2 id="keys-heading">${a.apiKeys}</h2>
<p>${a.apiKeysIntro}</p>
${state.newKey ? html`<div class="banner banner-ok" role="status"><p>${a.newKeyTitle} · ${a.apiKeyOnce}</p><p><code class="api-key" data-api-key>${state.newKey}</code></p></div>` : null}
${state.keyError ? html`<p class="banner banner-danger" role="alert">${state.keyError}</p>` : null}
<div class="table-scroll"><table class="data">
<thead><tr><th>${a.keyId}</th><th>${a.keyCreated}</th><th>${a.keyRevoked}</th><th></th></tr></thead>
<tbody>${keys.map(
    (key) => html`<tr data-key="${key.id}"><td><code>${key.id}</code></td><td>${chinaClock(key.createdAt)}</td><td>${key.revokedAt ? chinaClock(key.revokedAt) : "—"}</td>
<td>${key.revokedAt ? null : html`<form method="post" action="/console/members/api-keys/${key.id}/revoke" class="inline-form"><input type="hidden" name="_csrf" value="${context.csrfToken}"><button type="submit" class="btn btn-danger" data-action="revoke">${a.revoke}</button></form>`}</td></tr>`,
  )}</tbody>
</table></div>
${form({ action: "/console/members/api-keys/rotate", csrfToken: context.csrfToken, submitLabel: a.rotate, body: [] })}
</section>`;
}

/** An ISO instant as China time, to the minute ("2026-06-01 08:00"). */
function chinaClock(iso: string): string {
  return chinaNow(new Date(iso)).replace("T", " ");
}
