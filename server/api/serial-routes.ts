/** Unit serials: the batch's creator issues codes for the units it packs and labels. */
import type { SerialService } from "../services/serial-service";
import { issueSerialsBody } from "../domain/request-shapes";
import { BATCH_ID, idempotencyOf, route, type RouteSpec } from "./route-spec";

export function serialRoutes(service: SerialService): RouteSpec[] {
  return [
    route({
      method: "post",
      path: "/api/v1/batches/{batchId}/serials",
      tag: "writes",
      summary: "Issue unit serials (GS1 AI 21) for a batch, each with its Digital Link URI (the batch's producer or processor)",
      auth: "org",
      params: { batchId: BATCH_ID },
      body: issueSerialsBody,
      responses: {
        201: "{batchId, serials: [{serial, url}]}",
        400: "count is not an integer from 1 to 10000",
        401: "missing, unknown or revoked API key",
        403: "the organisation did not create this batch",
        404: "unknown batch",
        422: "Idempotency-Key reused with another body",
      },
      handle: (context) => {
        const answer = service.issue(context.org!, context.params.batchId, context.body.count, idempotencyOf(context));
        return { status: answer.statusCode, body: answer.body };
      },
    }),
  ];
}
