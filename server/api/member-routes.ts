/** Console members, created by the admin: an organisation's first (admin) member, or the programme office's. */
import { z } from "zod";
import type { AccountService } from "../services/account-service";
import { route, UUID, type RouteSpec } from "./route-spec";

export const createMemberBody = z.strictObject({
  username: z.string().describe("3 to 40 letters, digits, dots, dashes or underscores"),
  password: z.string().describe("at least 10 characters"),
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
  const view = (member: Awaited<ReturnType<AccountService["createMember"]>>) => ({
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
  ];
}
