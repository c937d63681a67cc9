/**
 * Console members, created by the admin: an organisation's first (admin) member, or the
 * programme office's; found by username, listed by organisation; unlocked (their failed-login
 * counts cleared), given a new password, disabled, re-enabled and removed by the admin; and a
 * member's own password change (the current password is the credential, checked like a login).
 */
import { z } from "zod";
import type { AccountService } from "../services/account-service";
import { invalidField } from "../domain/errors";
import { route, UUID, type RouteSpec } from "./route-spec";

export const createMemberBody = z.strictObject({
  username: z.string().describe("3 to 40 letters, digits, dots, dashes or underscores"),
  password: z.string().describe("10 to 200 characters, hard to guess (zxcvbn score 3 or more), without the username or display name"),
  displayName: z.string().optional(),
  isAdmin: z.boolean().optional().describe("may add the organisation's other members in the console"),
});

const resetPasswordBody = z.strictObject({
  password: z.string().describe("the new password: 10 to 200 characters, hard to guess, without the username or display name"),
});

const changePasswordBody = z.strictObject({
  username: z.string().min(1).max(40),
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().describe("10 to 200 characters, hard to guess, without the username or display name"),
});

const RESPONSES = {
  201: "created: {id, username, orgId, isAdmin, programme}",
  400: "a field is invalid (each named)",
  401: "not the admin token",
  404: "unknown organisation",
  409: "username taken",
};

export function memberRoutes(accounts: AccountService): RouteSpec[] {
  const view = (member: ReturnType<AccountService["memberNamed"]>) => ({
    id: member.id,
    username: member.username,
    displayName: member.displayName,
    orgId: member.orgId,
    isAdmin: member.isAdmin,
    programme: member.programme,
    disabled: member.disabledAt !== undefined,
  });
  const token = { token: true } as const;
  return [
    route({
      method: "post",
      path: "/api/v1/orgs/{orgId}/members",
      tag: "organisations",
      summary: "Create a console member of an organisation (its admin member adds the others in the console)",
      auth: "admin",
      params: { orgId: UUID },
      body: createMemberBody,
      responses: RESPONSES,
      handle: async ({ params, body }) => ({ status: 201, body: view(await accounts.createMember(params.orgId, body)) }),
    }),
    route({
      method: "post",
      path: "/api/v1/programme/members",
      tag: "organisations",
      summary: "Create a console member of the programme office (the programme view and its county list; isAdmin: it creates organisations and manages the office's members)",
      auth: "admin",
      body: createMemberBody,
      responses: RESPONSES,
      handle: async ({ body }) => ({ status: 201, body: view(await accounts.createMember(null, { ...body, isAdmin: body.isAdmin ?? false })) }),
    }),
    route({
      method: "get",
      path: "/api/v1/members",
      tag: "organisations",
      summary: "The console member with this username (its id is what unlock takes)",
      auth: "admin",
      query: { username: { description: "the member's username", schema: { type: "string" } } },
      responses: { 200: "{id, username, displayName, orgId, isAdmin, programme}", 400: "no username", 401: "not the admin token", 404: "no such member" },
      handle: ({ query }) => {
        if (typeof query.username !== "string" || !query.username) throw invalidField("username", "is required");
        return { status: 200, body: view(accounts.memberNamed(query.username)) };
      },
    }),
    route({
      method: "post",
      path: "/api/v1/members/{memberId}/unlock",
      tag: "organisations",
      summary: "Clear a console member's failed-login counts, from every address, so that they may log in at once",
      auth: "admin",
      params: { memberId: UUID },
      responses: { 200: "{id, username, cleared}: cleared is how many counts there were", 401: "not the admin token", 404: "no such member" },
      handle: ({ params }) => {
        const { member, cleared } = accounts.unlock(params.memberId);
        return { status: 200, body: { id: member.id, username: member.username, cleared } };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/orgs/{orgId}/members",
      tag: "organisations",
      summary: "An organisation's console members",
      auth: "admin",
      params: { orgId: UUID },
      responses: { 200: "{members: [{id, username, displayName, orgId, isAdmin, programme, disabled}]}", 401: "not the admin token" },
      handle: ({ params }) => ({ status: 200, body: { members: accounts.membersOf(params.orgId).map(view) } }),
    }),
    route({
      method: "post",
      path: "/api/v1/members/{memberId}/password",
      tag: "organisations",
      summary: "Set a console member's password (an admin's reset); the member's sessions end",
      auth: "admin",
      params: { memberId: UUID },
      body: resetPasswordBody,
      responses: { 200: "the member", 400: "the password is refused (why, in English and Chinese)", 401: "not the admin token", 404: "no such member" },
      handle: async ({ params, body }) => ({ status: 200, body: view(await accounts.resetPassword(token, params.memberId, body.password)) }),
    }),
    route({
      method: "post",
      path: "/api/v1/members/{memberId}/disable",
      tag: "organisations",
      summary: "Disable a console member: it may not log in (its sessions end) until re-enabled",
      auth: "admin",
      params: { memberId: UUID },
      responses: { 200: "the member (disabled: true)", 401: "not the admin token", 404: "no such member" },
      handle: ({ params }) => ({ status: 200, body: view(accounts.setDisabled(token, params.memberId, true)) }),
    }),
    route({
      method: "post",
      path: "/api/v1/members/{memberId}/enable",
      tag: "organisations",
      summary: "Re-enable a disabled console member",
      auth: "admin",
      params: { memberId: UUID },
      responses: { 200: "the member (disabled: false)", 401: "not the admin token", 404: "no such member" },
      handle: ({ params }) => ({ status: 200, body: view(accounts.setDisabled(token, params.memberId, false)) }),
    }),
    route({
      method: "post",
      path: "/api/v1/members/{memberId}/remove",
      tag: "organisations",
      summary: "Remove a console member (its sessions and failed-login counts too)",
      auth: "admin",
      params: { memberId: UUID },
      responses: { 200: "the member as it was", 401: "not the admin token", 404: "no such member" },
      handle: ({ params }) => ({ status: 200, body: view(accounts.remove(token, params.memberId)) }),
    }),
    route({
      method: "post",
      path: "/api/v1/members/password",
      tag: "organisations",
      summary: "A console member changes its own password: the current one is checked like a login (throttled); its sessions end",
      auth: "public",
      body: changePasswordBody,
      responses: {
        200: "{id, username}",
        400: "currentPassword not right (or a wait not over), or newPassword refused (why, in English and Chinese)",
      },
      handle: async ({ body, request }) => {
        const member = await accounts.changeOwnPassword(body.username, body.currentPassword, body.newPassword, request.ip);
        return { status: 200, body: { id: member.id, username: member.username } };
      },
    }),
  ];
}
