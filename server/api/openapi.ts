/** The OpenAPI 3.1 document, generated from the same route specs the app mounts. */
import { z } from "zod";
import type { RouteSpec } from "./route-spec";

export function openApiDocument(specs: RouteSpec[], serverUrl: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of specs) {
    paths[spec.path] ??= {};
    paths[spec.path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.auth === "public" ? {} : { security: [{ [spec.auth === "admin" ? "adminToken" : "apiKey"]: [] }] }),
      parameters: [
        ...Object.entries(spec.params ?? {}).map(([name, { pattern, description }]) => ({
          name,
          in: "path",
          required: true,
          description,
          schema: { type: "string", pattern: pattern.source },
        })),
        ...Object.entries(spec.query ?? {}).map(([name, { description, schema }]) => ({ name, in: "query", description, schema })),
        ...(spec.method === "post" && spec.auth === "org"
          ? [{ name: "Idempotency-Key", in: "header", description: "makes a retry safe: the same key gets the first answer", schema: { type: "string" } }]
          : []),
      ],
      ...(spec.body
        ? { requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(spec.body, { unrepresentable: "any" }) } } } }
        : {}),
      responses: Object.fromEntries(
        // 204 No Content has none.
        Object.entries(spec.responses).map(([status, description]) => [status, status === "204" ? { description } : { description, content: { "application/json": {} } }]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Provenance ledger gateway",
      version: "1",
      description: "Signed provenance events of poverty-alleviation produce, relayed to an EVM ledger, and their public reads.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "an organisation's API key" },
        adminToken: { type: "http", scheme: "bearer", description: "the gateway's admin token" },
      },
    },
    paths,
  };
}
