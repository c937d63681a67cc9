/**
 * The one error middleware of the API, and the one place that turns a DomainError's code into
 * an HTTP status (the console's forms ask it too): typed errors become their status and a JSON
 * body that names the bad fields; body-parser's errors become 400, 413 or 415; anything else is
 * logged and answered with a bare 500. A stack trace never reaches a client.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { DomainError, type DomainErrorCode } from "../domain/errors";

const STATUS_OF_CODE: Record<DomainErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  confirmation_required: 409,
  payload_too_large: 413,
  unsupported_encoding: 415,
  idempotency_key_reused: 422,
  internal: 500,
};

/** The HTTP status that answers a refusal of the rules. */
export function httpStatusOf(error: DomainError): number {
  return STATUS_OF_CODE[error.code];
}

export interface ErrorLogger {
  error(details: object, message: string): void;
}

export function apiErrorHandler(logger: ErrorLogger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toAppError(error);
    if (!known) {
      logger.error({ err: error, path: req.path }, "request failed");
      res.status(500).json({ error: { code: "internal", message: "internal error" } });
      return;
    }
    res.status(httpStatusOf(known)).json({
      error: { code: known.code, message: known.message, ...(known.fields.length ? { fields: known.fields } : {}) },
    });
  };
}

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: "not_found", message: `no route ${req.method} ${req.path}` } });
};

function toAppError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const type = (error as { type?: string } | null)?.type;
  if (type === "entity.too.large") return new DomainError("payload_too_large", "the body is larger than 100 kB");
  if (type === "entity.parse.failed") {
    return new DomainError("invalid_json", "the body is not valid JSON", [{ field: "body", message: "is not valid JSON" }]);
  }
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return new DomainError("unsupported_encoding", "the body's encoding is not supported");
  }
  return undefined;
}
