/**
 * Mounts route specs on an Express router: checks path parameters, credentials and the body
 * (in that order, so nothing is parsed for a caller who may not call), then runs the handler.
 */
import { createHash } from "node:crypto";
import { Router, type NextFunction, type Request, type Response } from "express";
import type { z } from "zod";
import type { Org } from "../store/org-repository";
import { DomainError, invalid, invalidField, unauthorized, type FieldProblem } from "../domain/errors";
import { expressPath, type RouteSpec } from "./route-spec";

export interface Authenticator {
  org(apiKey: string): Org | undefined;
  isAdmin(token: string): boolean;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function mountRoutes(specs: RouteSpec[], auth: Authenticator): Router {
  const router = Router();
  for (const spec of specs) {
    router[spec.method](expressPath(spec.path), (req: Request, res: Response, next: NextFunction) => {
      handle(spec, auth, req)
        .then((result) => {
          if (result.headers) res.set(result.headers);
          res.status(result.status);
          // A raw body goes out as its bytes; Express answers 304 itself when the ETag matches.
          if (result.raw) res.type(result.raw.contentType).send(result.raw.bytes);
          else if (result.status === 204) res.end(); // a delete's answer has no body
          else res.json(result.body);
        })
        .catch(next);
    });
  }
  return router;
}

async function handle(spec: RouteSpec, auth: Authenticator, req: Request) {
  const params = req.params as Record<string, string>;
  const badParams = Object.entries(spec.params ?? {})
    .filter(([name, { pattern }]) => !pattern.test(params[name] ?? ""))
    .map(([name, { description }]) => ({ field: name, message: `must be ${description}` }));
  if (badParams.length) throw invalid(badParams);

  const token = bearerToken(req);
  let org: Org | undefined;
  if (spec.auth === "admin" && !(token && auth.isAdmin(token))) throw unauthorized();
  if (spec.auth === "org") {
    org = token ? auth.org(token) : undefined;
    if (!org) throw unauthorized();
  }
  if (spec.auth === "public" && token) org = auth.org(token);

  const body = spec.body ? parseBody(spec.body, req.body) : undefined;
  const idempotencyKey = req.get("Idempotency-Key");
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw invalidField("Idempotency-Key", "must be 1 to 200 printable ASCII characters");
  }
  const requestHash = createHash("sha256")
    .update(`${spec.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest("hex");
  return spec.handle({ params, query: req.query as Record<string, unknown>, body, org, idempotencyKey, requestHash, request: req });
}

function bearerToken(req: Request): string | undefined {
  const header = req.get("Authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidField("body", "must be a JSON object");
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error.issues.map(toFieldProblem));
}

/** outputs.0.lot → outputs[0].lot; an unknown key names itself. */
function toFieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") path.push(...issue.keys);
  const field = path.reduce<string>(
    (name, part) => (typeof part === "number" ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)),
    "",
  );
  return { field: field || "body", message: issue.message };
}

export { DomainError };
