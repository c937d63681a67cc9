/** An organisation's admin member lists its members and adds new ones (username and password). */
import express, { type Router } from "express";
import { DomainError } from "../domain/errors";
import { httpStatusOf } from "../api/error-handler";
import { html } from "../html/html";
import type { ConsoleDeps } from "./context";
import { appErrorFields, errorSummary, field, form, text, type FieldErrors } from "./forms";
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
    isAdmin: "可以添加成员",
    admin: "管理员",
    member: "成员",
    added: (name: string) => `已添加 ${name}。`,
  },
  en: {
    title: "Members",
    add: "Add a member",
    displayName: "Name",
    username: "Username",
    usernameHint: "3 to 40 letters, digits, dots, dashes or underscores, to log in with",
    password: "First password",
    passwordHint: "At least 10 characters; hand it to the member in person",
    isAdmin: "May add members",
    admin: "admin",
    member: "member",
    added: (name: string) => `${name} was added.`,
  },
});

export function membersRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const adminOnly = requireMember();

  router.get("/console/members", adminOnly, (req, res) => {
    const context = consoleOf(res);
    if (!context.member!.isAdmin) throw new ConsoleForbidden();
    res.type("html").send(page(deps, context, {}, {}, typeof req.query.added === "string" ? req.query.added : undefined));
  });

  router.post("/console/members", adminOnly, async (req, res) => {
    const context = consoleOf(res);
    if (!context.member!.isAdmin) throw new ConsoleForbidden();
    const values = { displayName: text(req.body.displayName), username: text(req.body.username) ?? "", password: String(req.body.password ?? "") };
    try {
      const member = await deps.accounts.addMemberAs(context.member!, { ...values, isAdmin: req.body.isAdmin === "1" });
      res.redirect(303, `/console/members?added=${encodeURIComponent(member.displayName)}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      res.status(httpStatusOf(error)).type("html").send(page(deps, context, appErrorFields(error, context.lang), values));
    }
  });

  return router;
}

function page(deps: ConsoleDeps, context: ConsoleRequest, errors: FieldErrors, values: Record<string, string | undefined>, added?: string): string {
  const t = M[context.lang];
  const members = deps.members.ofOrg(context.member!.orgId!);
  return consoleLayout({
    context,
    title: t.title,
    path: "/console/members",
    body: html`${added ? html`<p class="banner banner-ok" role="status">${t.added(added)}</p>` : null}
<div class="card table-scroll"><table class="data">
<thead><tr><th>${t.displayName}</th><th>${t.username}</th><th></th></tr></thead>
<tbody>${members.map((m) => html`<tr><td>${m.displayName}</td><td><code>${m.username}</code></td><td>${m.isAdmin ? t.admin : t.member}</td></tr>`)}</tbody>
</table></div>
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
</section>`,
  });
}
