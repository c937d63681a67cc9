/**
 * The one error middleware of the API: typed errors become their status and a JSON body that
 * names the bad fields; body-parser's errors become 400 or 413; anything else is logged and
 * answered with a bare 500. A stack trace never reaches a client.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError } from "../services/errors";

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
    res.status(known.status).json({
      error: { code: known.code, message: known.message, ...(known.fields.length ? { fields: known.fields } : {}) },
    });
  };
}

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: "not_found", message: `no route ${req.method} ${req.path}` } });
};

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: string } | null)?.type;
  if (type === "entity.too.large") return new AppError(413, "payload_too_large", "the body is larger than 100 kB");
  if (type === "entity.parse.failed") {
    return new AppError(400, "invalid_json", "the body is not valid JSON", [{ field: "body", message: "is not valid JSON" }]);
  }
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return new AppError(415, "unsupported_encoding", "the body's encoding is not supported");
  }
  return undefined;
}
