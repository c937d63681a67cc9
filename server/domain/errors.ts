/**
 * The refusals of the rules, by code: what went wrong, a message safe to show a client (no stack,
 * no internals) and the fields at fault. They carry no HTTP status; api/error-handler.ts is the
 * one place that turns a code into one.
 */
export interface FieldProblem {
  field: string;
  message: string;
  /** The same in Chinese, where the rules wrote it in both languages. */
  zh?: string;
}

export type DomainErrorCode =
  | "invalid_request"
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "confirmation_required"
  | "payload_too_large"
  | "unsupported_encoding"
  | "idempotency_key_reused"
  | "internal";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const invalid = (fields: FieldProblem[]) =>
  new DomainError("invalid_request", `invalid ${fields.map((f) => f.field).join(", ")}`, fields);
export const invalidField = (field: string, message: string) => invalid([{ field, message }]);
export const unauthorized = () => new DomainError("unauthorized", "missing, unknown or revoked credentials");
export const forbidden = (message: string) => new DomainError("forbidden", message);
export const notFound = (message: string, field?: string) =>
  new DomainError("not_found", message, field ? [{ field, message }] : []);
export const conflict = (message: string, field?: string) =>
  new DomainError("conflict", message, field ? [{ field, message }] : []);
export const idempotencyMismatch = () =>
  new DomainError("idempotency_key_reused", "this Idempotency-Key was used with another request");
