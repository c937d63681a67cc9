/**
 * 承诺达标合格证 through the API: a holder issues a batch's certificate; each organisation lists
 * what it issued or collected in the last six months; anyone reads a certificate's signed
 * content by its id; an organisation (or the admin) sets the contact details it prints.
 */
import { invalidField, notFound } from "../domain/errors";
import { issuePromiseCertificateBody, orgContactBody } from "../domain/promise-certificate";
import { certificateView, type PromiseCertificates, type Side } from "../services/promise-certificates";
import { queryInteger } from "./read-routes";
import { BATCH_ID, route, UUID, type RouteSpec } from "./route-spec";
import { LEDGER_ADMIN_ORG_ID } from "../store/org-repository";

/** An organisation's id, or the programme office's (the ledger's admin). */
const ORG_OR_PROGRAMME_OFFICE = {
  pattern: new RegExp(`^(?:${UUID.pattern.source.slice(1, -1)}|${LEDGER_ADMIN_ORG_ID})$`),
  description: `an id the gateway issued, or ${LEDGER_ADMIN_ORG_ID} for the programme office`,
};

const MAX_PAGE = 100;
const CERTIFICATE_ID = { pattern: /^0x[0-9a-fA-F]{64}$/, description: "the certificate's id (keccak256 of its canonical content)" };

export function promiseCertificateRoutes(certificates: PromiseCertificates, publicBaseUrl: string): RouteSpec[] {
  const contactResponses = { 200: "{phone, address}", 400: "a field is invalid (each named)", 401: "missing or wrong credentials", 404: "no such organisation" };
  return [
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/promise-certificates",
      tag: "promise certificates",
      summary: "Issue the batch's 承诺达标合格证 (a holder: producer or processor), filled in from the ledger and signed by its key; the same content again is the same certificate",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: issuePromiseCertificateBody,
      responses: {
        201: "issued: the certificate {id, certificateNo, content, canonical, signer, signature, links}",
        200: "the same content was issued before: that certificate",
        400: "a field is invalid (each named), or no contact phone is known",
        401: "missing, unknown or revoked API key",
        403: "not a producer or processor, or its key is not kept here",
        404: "unknown batch",
        409: "the organisation does not hold the batch (or not that much of it), or the batch is recalled",
      },
      handle: async ({ org, params, body }) => {
        const { created, certificate } = await certificates.issue(org!, params.batchId, body);
        return { status: created ? 201 : 200, body: certificateView(certificate, publicBaseUrl) };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/promise-certificates",
      tag: "promise certificates",
      summary: "The certificates the organisation issued, or collected with its receipts, in the last six months, newest first",
      auth: "org",
      query: {
        side: { description: "issued or collected", schema: { type: "string", enum: ["issued", "collected"] } },
        limit: { description: `page size, 1 to ${MAX_PAGE} (20)`, schema: { type: "integer" } },
        offset: { description: "how many to skip (0)", schema: { type: "integer" } },
      },
      responses: { 200: "{side, since, certificates, total, limit, offset}", 400: "a parameter is invalid", 401: "missing, unknown or revoked API key" },
      handle: ({ org, query }) => {
        if (query.side !== "issued" && query.side !== "collected") throw invalidField("side", "must be issued or collected");
        const limit = queryInteger(query.limit, "limit", 20, 1, MAX_PAGE);
        const offset = queryInteger(query.offset, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
        return { status: 200, body: certificates.list(org!, query.side as Side, limit, offset) };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/promise-certificates/{certificateId}",
      tag: "promise certificates",
      summary: "A certificate's signed content: keccak256 of `canonical` is its id, and `signature` (EIP-191 personal_sign of the id) recovers to `signer`",
      auth: "public",
      params: { certificateId: CERTIFICATE_ID },
      responses: { 200: "the certificate", 404: "no such certificate" },
      handle: ({ params }) => {
        const certificate = certificates.byId(params.certificateId);
        if (!certificate) throw notFound(`no certificate ${params.certificateId}`, "certificateId");
        return { status: 200, body: certificateView(certificate, publicBaseUrl), headers: { "Cache-Control": "public, max-age=86400" } };
      },
    }),
    route({
      method: "post",
      path: "/api/v1/org/contact",
      tag: "organisations",
      summary: "Set the calling organisation's contact details (phone, address), printed on its 承诺达标合格证",
      auth: "org",
      body: orgContactBody,
      responses: contactResponses,
      handle: ({ org, body }) => ({ status: 200, body: certificates.setContact(org!.id, body) }),
    }),
    route({
      method: "post",
      path: "/api/v1/orgs/{orgId}/contact",
      tag: "organisations",
      summary: "Set an organisation's contact details (admin token); `ledger-admin` is the programme office, whose contact the shopper pages offer for reporting a problem",
      auth: "admin",
      params: { orgId: ORG_OR_PROGRAMME_OFFICE },
      body: orgContactBody,
      responses: contactResponses,
      handle: ({ params, body }) => ({ status: 200, body: certificates.setContact(params.orgId, body) }),
    }),
  ];
}
