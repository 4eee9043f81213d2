// The LTI error family. Every failure the protocol code can report has a stable `code` (for logs, tests,
// launch-log rows and POX failure envelopes) and structured fields; the message is for developers.
// These errors know nothing of HTTP: src/http maps `code` to a status (with the error as `cause`).

export const LTI_ERROR_CODES = [
  // OAuth 1.0a (RFC 5849) and the body-hash extension
  "bad_signature",
  "stale_timestamp",
  "replayed_nonce",
  "unsupported_signature_method",
  "bad_body_hash",
  // request parameters and LTI messages
  "missing_parameter",
  "invalid_parameter",
  "unsupported_message_type",
  "unsupported_version",
  // XML documents (cartridges, POX, memberships)
  "invalid_xml",
  "xml_entities",
  "not_a_cartridge",
  "not_a_pox_message",
  "not_a_memberships_response",
  // Basic Outcomes
  "unsupported_operation",
  "multiple_operations",
  "score_out_of_range",
] as const;
export type LtiErrorCode = (typeof LTI_ERROR_CODES)[number];

export class LtiError<C extends LtiErrorCode = LtiErrorCode> extends Error {
  override name = "LtiError";
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isLtiError(e: unknown): e is LtiError {
  return e instanceof LtiError;
}

/** OAuth 1.0a verification failures. `reason` tells the log why (never shown to the remote user). */
export class OAuthError extends LtiError<
  "bad_signature" | "stale_timestamp" | "replayed_nonce" | "unsupported_signature_method" | "bad_body_hash"
> {
  override name = "OAuthError";
  constructor(
    code: OAuthError["code"],
    message: string,
    readonly details: { consumerKey?: string; reason?: string } = {},
  ) {
    super(code, message);
  }
}

/** A request parameter (or XML element) that is required but absent, or present but unusable. */
export class ParameterError extends LtiError<"missing_parameter" | "invalid_parameter"> {
  override name = "ParameterError";
  constructor(
    code: ParameterError["code"],
    readonly parameter: string,
    readonly reason: string = code === "missing_parameter" ? "required" : "invalid",
  ) {
    super(
      code,
      code === "missing_parameter" ? `Missing parameter ${parameter}` : `Invalid ${parameter}: ${reason}`,
    );
  }
}

/** A message type or LTI version this library does not handle. */
export class MessageError extends LtiError<"unsupported_message_type" | "unsupported_version"> {
  override name = "MessageError";
  constructor(
    code: MessageError["code"],
    readonly parameter: string,
    readonly value: string,
  ) {
    super(code, `Unsupported ${parameter}: ${JSON.stringify(value)}`);
  }
}

/** An XML document that cannot be read, declares entities, or is not the document expected. */
export class XmlError extends LtiError<
  "invalid_xml" | "xml_entities" | "not_a_cartridge" | "not_a_pox_message" | "not_a_memberships_response"
> {
  override name = "XmlError";
  constructor(code: XmlError["code"], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Basic Outcomes semantic failures (the envelope itself was readable). */
export class OutcomeError extends LtiError<
  "unsupported_operation" | "multiple_operations" | "score_out_of_range"
> {
  override name = "OutcomeError";
  constructor(
    code: OutcomeError["code"],
    message: string,
    readonly details: { operation?: string; messageIdentifier?: string; value?: string } = {},
  ) {
    super(code, message);
  }
}
