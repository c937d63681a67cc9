/**
 * Console members, created by the admin: an organisation's first (admin) member, or the
 * programme office's; found by username; and unlocked (their failed-login counts cleared).
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
  });
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
      summary: "Create a console member of the programme office (the programme view and its county list)",
      auth: "admin",
      body: createMemberBody,
      responses: RESPONSES,
      handle: async ({ body }) => ({ status: 201, body: view(await accounts.createMember(null, { ...body, isAdmin: false })) }),
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
  ];
}
