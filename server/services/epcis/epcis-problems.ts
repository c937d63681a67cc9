/**
 * EPCIS 2.0's errors as RFC 7807 problem documents: the exception types of the EPCIS REST
 * binding (epcisException:…), the HTTP status, the words, and where the fault is.
 */
export type EpcisExceptionType =
  | "QueryParameterException"
  | "ValidationException"
  | "NoSuchResourceException"
  | "SecurityException"
  | "CaptureLimitExceededException"
  | "QueryTooLargeException"
  | "UnsupportedMediaTypeException"
  | "ImplementationException";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export class EpcisProblem extends Error {
  constructor(
    readonly exception: EpcisExceptionType,
    readonly status: number,
    message: string,
    /** The parameter, field or JSON Pointer at fault. */
    readonly instance?: string,
    /** Per-event problems of a refused capture. */
    readonly problems?: ReadonlyArray<{ pointer: string; message: string }>,
  ) {
    super(message);
    this.name = "EpcisProblem";
  }

  document(): Record<string, unknown> {
    return {
      type: `epcisException:${this.exception}`,
      title: this.message,
      status: this.status,
      ...(this.instance ? { instance: this.instance } : {}),
      ...(this.problems?.length ? { errors: this.problems } : {}),
    };
  }
}
