/** Organisations, created by the admin. */
import type { OrgService } from "../services/org-service";
import { createOrgBody } from "../domain/request-shapes";
import { route, type RouteSpec } from "./route-spec";

export function orgRoutes(orgs: OrgService): RouteSpec[] {
  return [
    route({
      method: "post",
      path: "/api/v1/orgs",
      tag: "organisations",
      summary: "Create an organisation with a role; its API key is shown once",
      auth: "admin",
      body: createOrgBody,
      responses: { 201: "created: {id, address, apiKey}", 400: "a field is invalid", 401: "not the admin token", 409: "address taken" },
      handle: async ({ body }) => ({ status: 201, body: await orgs.create(body) }),
    }),
  ];
}
