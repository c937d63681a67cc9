/** 圳品 certifications: attest a batch or a producer's product line; revoke. Each takes ?wait=confirmed as the other writes do. */
import type { CertificationService } from "../services/certification-service";
import type { StoredAnswer } from "../store/idempotency-repository";
import { batchCertificationBody, productLineCertificationBody, revokeBody } from "../domain/request-shapes";
import { answerWhenConfirmed, WAIT_QUERY, wantsConfirmed, type ConfirmedWait } from "./confirmed-wait";
import { BATCH_ID, idempotencyOf, route, type RouteContext, type RouteSpec } from "./route-spec";

const RESPONSES = {
  202: "accepted: {eventId, certificationId, batchId, status}; with ?wait=confirmed also events (the write's status)",
  400: "a field is invalid (each named)",
  401: "missing, unknown or revoked API key",
  403: "not a certifier, or not this certification's certifier",
  404: "unknown batch, producer or certification",
  409: "the certificate number was attested already, or the certification is revoked already",
  422: "Idempotency-Key reused with another body",
};
const CERTIFICATION_ID = { pattern: /^0x[0-9a-fA-F]{64}$/, description: "a certification id (32-byte hex)" };

export function certificationRoutes(certifications: CertificationService, wait: ConfirmedWait): RouteSpec[] {
  // The wait is checked before the write: a bad value changes nothing.
  const write = async (context: RouteContext<unknown>, work: () => Promise<StoredAnswer>) => {
    const waiting = wantsConfirmed(context.query);
    return answerWhenConfirmed(wait, waiting, await work());
  };
  return [
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/certifications",
      tag: "certifications",
      summary: "Attest 圳品 for one batch (certifier)",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: batchCertificationBody,
      query: WAIT_QUERY,
      responses: RESPONSES,
      handle: (context) =>
        write(context, () => certifications.attestBatch(context.org!, context.params.batchId.toLowerCase(), context.body, idempotencyOf(context))),
    }),
    route({
      method: "post",
      path: "/api/v1/certifications",
      tag: "certifications",
      summary: "Attest 圳品 for a producer's product line: every batch of the GTIN it harvests while valid (certifier)",
      auth: "org",
      body: productLineCertificationBody,
      query: WAIT_QUERY,
      responses: RESPONSES,
      handle: (context) => write(context, () => certifications.attestProductLine(context.org!, context.body, idempotencyOf(context))),
    }),
    route({
      method: "post",
      path: "/api/v1/certifications/{certificationId}/revoke",
      tag: "certifications",
      summary: "Revoke a certification with a reason (its certifier)",
      auth: "org",
      params: { certificationId: CERTIFICATION_ID },
      body: revokeBody,
      query: WAIT_QUERY,
      responses: RESPONSES,
      handle: (context) =>
        write(context, () => certifications.revoke(context.org!, context.params.certificationId.toLowerCase(), context.body.reason, idempotencyOf(context))),
    }),
  ];
}
