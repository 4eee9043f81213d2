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
  // --- LTI 1.3 Deep Linking response (deep-linking/) and Dynamic Registration (registration/) ---
  "dl_invalid_jwt",
  "dl_missing_claim",
  "dl_invalid_claim",
  "dl_issuer_mismatch",
  "dl_audience_mismatch",
  "dl_expired",
  "dl_deployment_mismatch",
  "dl_data_mismatch",
  "dl_replayed_nonce",
  "dl_type_not_accepted",
  "dl_multiple_not_accepted",
  "dl_invalid_item",
  "invalid_client_metadata",
  "invalid_redirect_uri",
  "invalid_registration_token",
  "registration_token_used",
  // --- end of the Deep Linking and Dynamic Registration block ---
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

// --- LTI 1.3 Deep Linking and Dynamic Registration families ---

export type DeepLinkingErrorCode = Extract<LtiErrorCode, `dl_${string}`>;

/**
 * A Deep Linking response that cannot be accepted (Deep Linking 2.0 §4.2; conformance cases 151–153).
 * `claim` names the JWT claim, `index` and `field` the content item (by position) and its property.
 */
export class DeepLinkingError extends LtiError<DeepLinkingErrorCode> {
  override name = "DeepLinkingError";
  constructor(
    code: DeepLinkingErrorCode,
    message: string,
    readonly details: { claim?: string; index?: number; field?: string; reason?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The error body of RFC 7591 §3.2.2 (or RFC 6750 §3.1's `invalid_token` for a bad registration token). */
export interface RegistrationErrorBody {
  error: "invalid_client_metadata" | "invalid_redirect_uri" | "invalid_token";
  error_description: string;
}

export type RegistrationErrorCode =
  | "invalid_client_metadata"
  | "invalid_redirect_uri"
  | "invalid_registration_token"
  | "registration_token_used";

/**
 * A refused Dynamic Registration request (Dynamic Registration 1.0 §3.5; conformance cases 194–195). `body` is
 * what the registration endpoint answers, as is: RFC 7591 §3.2.2 "the authorization server returns an HTTP
 * 400 status code ... with ... error [and] error_description".
 */
export class RegistrationError extends LtiError<RegistrationErrorCode> {
  override name = "RegistrationError";
  readonly body: RegistrationErrorBody;
  constructor(
    code: RegistrationErrorCode,
    description: string,
    readonly field?: string,
  ) {
    super(code, description);
    this.body = {
      error:
        code === "invalid_registration_token" || code === "registration_token_used" ? "invalid_token" : code,
      error_description: description,
    };
  }
}
