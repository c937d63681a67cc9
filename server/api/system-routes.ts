/** What chain the gateway writes to, liveness, readiness and the OpenAPI document. */
import { route, type RouteSpec } from "./route-spec";

export interface SystemRouteDeps {
  chain: { chainId: number; contract: string; deployBlock: number };
  /** Whether the indexer has caught up with the chain. */
  ready(): {
    ready: boolean;
    indexedBlock: number;
    chainBlock: number | null;
    /** The details the chain holds hashes of and this gateway lacks, and those refused from peers since start. */
    details?: { missing: number | null; refused: number; keptFromPeers: number };
    /** Whether this is a read gateway (no writes). */
    readOnly?: boolean;
  };
  openApi(): object;
}

export function systemRoutes(deps: SystemRouteDeps): RouteSpec[] {
  return [
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
      summary: "The process is up",
      auth: "public",
      responses: { 200: "up" },
      handle: () => ({ status: 200, body: { ok: true } }),
    }),
    route({
      method: "get",
      path: "/readyz",
      tag: "system",
      summary: "200 once the indexer has caught up with the chain, 503 before",
      auth: "public",
      responses: { 200: "ready", 503: "still indexing" },
      handle: () => {
        const state = deps.ready();
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
}
