// One error family for the whole app. Services throw these; only src/http maps codes to statuses.

export const ERROR_CODES = [
  "validation",
  "not_found",
  "forbidden",
  "unauthenticated",
  "conflict",
  "csrf",
  "rate_limited",
  "payload_too_large",
  "upstream",
  "lti",
  "unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ValidationError extends AppError {
  override name = "ValidationError";
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super("validation", message);
  }
}

export class NotFoundError extends AppError {
  override name = "NotFoundError";
  constructor(what: string) {
    super("not_found", `${what} not found`);
  }
}

export class ForbiddenError extends AppError {
  override name = "ForbiddenError";
  constructor(message = "You do not have permission to do that") {
    super("forbidden", message);
  }
}

export class UnauthenticatedError extends AppError {
  override name = "UnauthenticatedError";
  constructor(message = "Please log in") {
    super("unauthenticated", message);
  }
}

export class ConflictError extends AppError {
  override name = "ConflictError";
  constructor(message: string) {
    super("conflict", message);
  }
}

export class UpstreamError extends AppError {
  override name = "UpstreamError";
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super("upstream", message, options);
  }
}
