/** What chain the gateway writes to, liveness, readiness, the operator's metrics and the OpenAPI document. */
import type { Request } from "express";
import { route, type RouteSpec } from "./route-spec";

export interface Readiness {
  ready: boolean;
  indexedBlock: number;
  chainBlock: number | null;
  /** Why it is not ready, each in words (none when ready). */
  reasons: { code: string; message: string }[];
  /** The details the chain holds hashes of and this gateway lacks, and those refused from peers since start. */
  details?: { missing: number | null; refused: number; keptFromPeers: number };
  /** Whether this is a read gateway (no writes). */
  readOnly?: boolean;
  [figure: string]: unknown;
}

export interface SystemRouteDeps {
  chain: { chainId: number; contract: string; deployBlock: number };
  /** Whether the gateway can do its work: the chain answers, the index keeps up, the send queue moves. */
  ready(): Promise<Readiness> | Readiness;
  /** /metrics: who may read it (checked first), and the figures in the Prometheus text format. */
  metrics?: { allowed(request: Request): boolean; render(): Promise<{ contentType: string; text: string }> };
  openApi(): object;
}

export function systemRoutes(deps: SystemRouteDeps): RouteSpec[] {
  const routes = [
    route({
      method: "get",
      path: "/api/v1/chain",
      tag: "system",
      summary: "The chain and contract the ledger lives on",
      auth: "public",
      responses: { 200: "{chainId, contract, deployBlock}" },
      handle: () => ({ status: 200, body: deps.chain }),
    }),
    route({
      method: "get",
      path: "/healthz",
      tag: "system",
      summary: "The process is up (liveness: it answers, whatever the chain does)",
      auth: "public",
      responses: { 200: "up" },
      handle: () => ({ status: 200, body: { ok: true } }),
    }),
    route({
      method: "get",
      path: "/readyz",
      tag: "system",
      summary:
        "200 while the gateway can do its work; 503 with the reasons while it is stopping, the chain does not answer, the embedded chain is down, " +
        "the index is behind, the send queue does not move or the relayer keeps failing",
      auth: "public",
      responses: { 200: "ready", 503: "not ready: `reasons` says why" },
      handle: async () => {
        const state = await deps.ready();
        return { status: state.ready ? 200 : 503, body: state };
      },
    }),
    route({
      method: "get",
      path: "/api/v1/openapi.json",
      tag: "system",
      summary: "This document",
      auth: "public",
      responses: { 200: "OpenAPI 3.1" },
      handle: () => ({ status: 200, body: deps.openApi() }),
    }),
  ];
  const metrics = deps.metrics;
  if (metrics) {
    routes.push(
      route({
        method: "get",
        path: "/metrics",
        tag: "system",
        summary: "The operator's figures in the Prometheus text format: to clients on this machine (loopback), or with the admin token",
        auth: "public",
        responses: { 200: "Prometheus text format 0.0.4", 403: "neither from this machine nor with the admin token" },
        handle: async ({ request }) => {
          if (!metrics.allowed(request)) {
            return {
              status: 403,
              body: { error: { code: "forbidden", message: "/metrics answers clients on the gateway's own machine (loopback), or a Bearer admin token" } },
            };
          }
          const { contentType, text } = await metrics.render();
          return { status: 200, body: undefined, headers: { "Cache-Control": "no-store" }, raw: { contentType, bytes: text } };
        },
      }),
    );
  }
  return routes;
}
