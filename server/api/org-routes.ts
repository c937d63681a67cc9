/**
 * Organisations, created and listed by the admin (with their 统一社会信用代码 and contact
 * details), and their API keys: listed, rotated (the new key shown once, every other revoked)
 * and revoked one by one, by the admin token or, for its own keys, the organisation.
 */
import { z } from "zod";
import type { OrgService } from "../services/org-service";
import { createOrgBody } from "../domain/request-shapes";
import { route, UUID, type RouteSpec } from "./route-spec";

export const createOrgWithDetailsBody = createOrgBody.extend({
  creditCode: z.string().max(40).optional().describe("统一社会信用代码 (GB 32100-2015): 18 characters with a check character; required to share a name with another organisation"),
  contact: z
    .strictObject({
      person: z.string().max(100).optional().describe("the contact person"),
      phone: z.string().max(40).optional().describe("a phone number, e.g. 0776-1234567 or 13800000000"),
      address: z.string().max(200).optional().describe("a postal address (printed on its 承诺达标合格证)"),
    })
    .optional(),
});

const KEY_ID = { pattern: /^[0-9a-f]{16}$/, description: "an API key's id (16 hex characters, from the key list)" };

export function orgRoutes(orgs: OrgService): RouteSpec[] {
  return [
    route({
      method: "post",
      path: "/api/v1/orgs",
      tag: "organisations",
      summary: "Create an organisation with a role (and its credit code and contact details); its API key is shown once",
      auth: "admin",
      body: createOrgWithDetailsBody,
      responses: {
        201: "created: {id, address, apiKey, creditCode}",
        400: "a field is invalid (each named; a credit code's check character too)",
        401: "not the admin token",
        409: "address, GLN, credit code or name taken (an organisation may share a name only where both carry credit codes)",
      },
      handle: async ({ body }) => ({ status: 201, body: await orgs.create(body) }),
    }),
    route({
      method: "get",
      path: "/api/v1/orgs",
      tag: "organisations",
      summary: "Every organisation with its role, address, credit code and contact details (oldest first)",
      auth: "admin",
      responses: { 200: "{orgs: [{id, name, role, address, custodial, createdAt, gln, creditCode, contactPerson, contactPhone, postalAddress}]}", 401: "not the admin token" },
      handle: () => ({ status: 200, body: { orgs: orgs.list() } }),
    }),
    route({
      method: "get",
      path: "/api/v1/orgs/{orgId}/api-keys",
      tag: "organisations",
      summary: "An organisation's API keys: id, when made and when revoked (never the keys themselves)",
      auth: "admin",
      params: { orgId: UUID },
      responses: { 200: "{keys: [{id, createdAt, revokedAt}]}", 401: "not the admin token", 404: "no such organisation" },
      handle: ({ params }) => ({ status: 200, body: { keys: orgs.apiKeys(params.orgId) } }),
    }),
    route({
      method: "post",
      path: "/api/v1/orgs/{orgId}/api-keys",
      tag: "organisations",
      summary: "Rotate an organisation's API key: a new key, shown once; every other key of it stops working at once",
      auth: "admin",
      params: { orgId: UUID },
      responses: { 201: "{id, apiKey, revoked}: revoked is how many keys stopped working", 401: "not the admin token", 404: "no such organisation" },
      handle: ({ params }) => ({ status: 201, body: orgs.rotateApiKey(params.orgId) }),
    }),
    route({
      method: "post",
      path: "/api/v1/orgs/{orgId}/api-keys/{keyId}/revoke",
      tag: "organisations",
      summary: "Revoke one API key of an organisation (rotate to get a new one)",
      auth: "admin",
      params: { orgId: UUID, keyId: KEY_ID },
      responses: { 200: "{id, createdAt, revokedAt}", 401: "not the admin token", 404: "no such organisation, or no live key with this id" },
      handle: ({ params }) => ({ status: 200, body: orgs.revokeApiKey(params.orgId, params.keyId) }),
    }),
    route({
      method: "post",
      path: "/api/v1/org/api-keys",
      tag: "organisations",
      summary: "Rotate the calling organisation's own API key: a new key, shown once; the key that called and every other stop working",
      auth: "org",
      responses: { 201: "{id, apiKey, revoked}", 401: "missing, unknown or revoked API key" },
      handle: ({ org }) => ({ status: 201, body: orgs.rotateApiKey(org!.id) }),
    }),
  ];
}
