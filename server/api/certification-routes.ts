/** 圳品 certifications: attest a batch or a producer's product line; revoke. */
import type { CertificationService } from "../services/certification-service";
import type { StoredAnswer } from "../store/idempotency-repository";
import { batchCertificationBody, productLineCertificationBody, revokeBody } from "../domain/request-shapes";
import { BATCH_ID, idempotencyOf, route, type RouteSpec } from "./route-spec";

const RESPONSES = {
  202: "accepted: {eventId, certificationId, batchId, status}",
  400: "a field is invalid (each named)",
  401: "missing, unknown or revoked API key",
  403: "not a certifier, or not this certification's certifier",
  404: "unknown batch, producer or certification",
  409: "the certificate number was attested already, or the certification is revoked already",
  422: "Idempotency-Key reused with another body",
};
const CERTIFICATION_ID = { pattern: /^0x[0-9a-fA-F]{64}$/, description: "a certification id (32-byte hex)" };

const answered = (answer: StoredAnswer) => ({ status: answer.statusCode, body: answer.body });

export function certificationRoutes(certifications: CertificationService): RouteSpec[] {
  return [
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/certifications",
      tag: "certifications",
      summary: "Attest 圳品 for one batch (certifier)",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: batchCertificationBody,
      responses: RESPONSES,
      handle: async ({ org, params, body, ...context }) =>
        answered(await certifications.attestBatch(org!, params.batchId.toLowerCase(), body, idempotencyOf(context))),
    }),
    route({
      method: "post",
      path: "/api/v1/certifications",
      tag: "certifications",
      summary: "Attest 圳品 for a producer's product line: every batch of the GTIN it harvests while valid (certifier)",
      auth: "org",
      body: productLineCertificationBody,
      responses: RESPONSES,
      handle: async ({ org, body, ...context }) => answered(await certifications.attestProductLine(org!, body, idempotencyOf(context))),
    }),
    route({
      method: "post",
      path: "/api/v1/certifications/{certificationId}/revoke",
      tag: "certifications",
      summary: "Revoke a certification with a reason (its certifier)",
      auth: "org",
      params: { certificationId: CERTIFICATION_ID },
      body: revokeBody,
      responses: RESPONSES,
      handle: async ({ org, params, body, ...context }) =>
        answered(await certifications.revoke(org!, params.certificationId.toLowerCase(), body.reason, idempotencyOf(context))),
    }),
  ];
}
