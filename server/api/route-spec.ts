/**
 * A route as data: method, path, who may call it, the body schema and the handler. The app
 * mounts these specs and the OpenAPI document is generated from the same list, so the two
 * cannot drift apart.
 */
import type { Request } from "express";
import type { z } from "zod";
import type { Org } from "../store/org-repository";

export type Auth = "admin" | "org" | "public";

export interface RouteContext<Body> {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Body;
  /** The calling organisation (routes with auth "org"; on public reads when a valid key is sent). */
  org?: Org;
  idempotencyKey?: string;
  /** sha256 of the method, path and body: what an Idempotency-Key is bound to. */
  requestHash: string;
  request: Request;
}

export interface RouteResult {
  status: number;
  body: unknown;
  /** Response headers beyond the defaults (ETag, Cache-Control, Link). */
  headers?: Record<string, string>;
  /** Sent byte for byte with this type instead of `body` as JSON (a canonical detail, NDJSON). */
  raw?: { contentType: string; bytes: string | Buffer };
}

export interface RouteSpec<Body = unknown> {
  method: "get" | "post" | "delete";
  /** OpenAPI form: /api/v1/batches/{batchId} */
  path: string;
  summary: string;
  auth: Auth;
  tag: string;
  body?: z.ZodType<Body>;
  /** Path parameters and their patterns. */
  params?: Record<string, { pattern: RegExp; description: string }>;
  query?: Record<string, { description: string; schema: object }>;
  responses: Record<number, string>;
  handle(context: RouteContext<Body>): Promise<RouteResult> | RouteResult;
}

/** Keeps each spec's body type while collecting specs of different bodies in one list. */
export function route<Body>(spec: RouteSpec<Body>): RouteSpec<unknown> {
  return spec as RouteSpec<unknown>;
}

/** /api/v1/batches/{batchId} → /api/v1/batches/:batchId */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ":$1");
}

export const BATCH_ID = { pattern: /^0x[0-9a-fA-F]{64}$/, description: "the batch id (32-byte hex, from the GTIN and lot)" };
export const UUID = { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, description: "an id the gateway issued" };

/** The Idempotency-Key of a write, bound to the request it came with. */
export function idempotencyOf(context: { idempotencyKey?: string; requestHash: string }) {
  return context.idempotencyKey ? { key: context.idempotencyKey, requestHash: context.requestHash } : undefined;
}
