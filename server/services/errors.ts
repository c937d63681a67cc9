/**
 * Typed errors of the services. The HTTP layer turns each into its status and a JSON body; a
 * message here is safe to show a client (no stack, no internals).
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const invalid = (fields: FieldProblem[]) =>
  new AppError(400, "invalid_request", `invalid ${fields.map((f) => f.field).join(", ")}`, fields);
export const invalidField = (field: string, message: string) => invalid([{ field, message }]);
export const unauthorized = () => new AppError(401, "unauthorized", "missing, unknown or revoked credentials");
export const forbidden = (message: string) => new AppError(403, "forbidden", message);
export const notFound = (message: string, field?: string) =>
  new AppError(404, "not_found", message, field ? [{ field, message }] : []);
export const conflict = (message: string, field?: string) =>
  new AppError(409, "conflict", message, field ? [{ field, message }] : []);
export const idempotencyMismatch = () =>
  new AppError(422, "idempotency_key_reused", "this Idempotency-Key was used with another request");
