/** The owner's proof of its private fields: each value and salt, to show an auditor. */
import type { PrivateFieldProofs } from "../services/private-field-proofs";
import { UUID, route, type RouteSpec } from "./route-spec";

export function privateFieldRoutes(proofs: PrivateFieldProofs): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/v1/events/{eventId}/private",
      tag: "reads",
      summary:
        "The values and salts of an event's private fields, for the organisation that wrote it: each opens the commitment its public detail holds (keccak256 of the RFC 8785 JSON of {salt, value})",
      auth: "org",
      params: { eventId: UUID },
      responses: {
        200: "{eventId, batchId, dataHash, form, fields: [{field, value, salt, commitment}]}",
        401: "missing, unknown or revoked API key",
        404: "no event of this organisation with this id",
      },
      handle: ({ org, params }) => ({ status: 200, body: proofs.of(org!, params.eventId) }),
    }),
  ];
}
