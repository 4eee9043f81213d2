import type { ErrorCode } from "../shared/errors.js";

/** The only place that knows HTTP statuses. A new code without a status fails the type check. */
export const STATUS: Record<ErrorCode, number> = {
  validation: 400,
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  conflict: 409,
  csrf: 403,
  rate_limited: 429,
  payload_too_large: 413,
  upstream: 502,
  lti: 400,
  unavailable: 503,
};

export const TITLES: Record<ErrorCode, string> = {
  validation: "Invalid input",
  not_found: "Not found",
  forbidden: "Access denied",
  unauthenticated: "Login required",
  conflict: "Conflict",
  csrf: "Form expired",
  rate_limited: "Too many attempts",
  payload_too_large: "Request too large",
  upstream: "Remote system error",
  lti: "LTI launch rejected",
  unavailable: "Temporarily unavailable",
};
