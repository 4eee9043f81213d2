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
  // JWTs coming in from a tool (LTI 1.3, 1EdTech Security Framework §5.1.3; conformance §L)
  "jwt_malformed",
  "jwt_alg_not_allowed",
  "jwt_missing_kid",
  "jwt_unknown_kid",
  "jwt_key_mismatch",
  "jwt_keyset_unavailable",
  "jwt_invalid_signature",
  "jwt_missing_claim",
  "jwt_wrong_issuer",
  "jwt_wrong_audience",
  "jwt_expired",
  "jwt_not_yet_valid",
  "jwt_issued_in_future",
  "jwt_too_old",
  "jwt_nonce_reused",
  // the platform's lti_message_hint (conformance case 94)
  "message_hint_invalid",
  "message_hint_expired",
  "message_hint_mismatch",
  "message_hint_reused",
  // the OIDC authentication request a tool sends the platform (conformance §J)
  "auth_missing_parameter",
  "auth_duplicate_parameter",
  "auth_unknown_client",
  "auth_client_not_enabled",
  "auth_invalid_redirect_uri",
  "auth_invalid_scope",
  "auth_unsupported_response_type",
  "auth_invalid_response_mode",
  "auth_invalid_prompt",
  "auth_login_required",
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
  // Dynamic Registration, tool side: the platform's initiation, configuration and registration answer
  "dr_missing_configuration",
  "dr_invalid_configuration",
  "dr_issuer_mismatch",
  "dr_platform_refused",
  "dr_invalid_response",
  // --- end of the Deep Linking and Dynamic Registration block ---
  // the service token endpoint (RFC 6749 §5.2) and the Bearer tokens it issues (RFC 6750 §3.1)
  "token_invalid_request",
  "token_invalid_client",
  "token_unsupported_grant_type",
  "token_invalid_scope",
  "bearer_invalid_token",
  "bearer_insufficient_scope",
  // --- LTI 1.3 tool side: the login initiation Pluto receives and the id_token launch (tool-login.ts,
  // tool-launch-verify.ts; conformance §I, §K, §L) ---
  "platform_unknown",
  "platform_client_ambiguous",
  "target_link_uri_foreign",
  "state_unknown",
  "state_expired",
  "state_mismatch",
  "nonce_mismatch",
  "deployment_unknown",
  "deployment_mismatch",
  "launch_missing_claim",
  "launch_invalid_claim",
  "launch_platform_error",
  // --- end of the LTI 1.3 tool side block ---
  // Assignment and Grade Services 2.0 requests (ags/)
  "ags_invalid_line_item",
  "ags_invalid_score",
  "ags_invalid_query",
  "ags_unsupported_media_type",
  "ags_not_acceptable",
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

/** A JWT from a tool that cannot be accepted. `claim` names the claim at fault; `reason` is for the log. */
export class JwtError extends LtiError<Extract<LtiErrorCode, `jwt_${string}`>> {
  override name = "JwtError";
  constructor(
    code: JwtError["code"],
    message: string,
    readonly details: { claim?: string; reason?: string; kid?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** An `lti_message_hint` that is not one this platform issued, has expired, was used, or is for someone else. */
export class MessageHintError extends LtiError<Extract<LtiErrorCode, `message_hint_${string}`>> {
  override name = "MessageHintError";
  constructor(
    code: MessageHintError["code"],
    message: string,
    readonly details: { reason?: string } = {},
  ) {
    super(code, message);
  }
}

/**
 * The OAuth 2.0 / OpenID Connect `error` values an authentication error response can carry (RFC 6749
 * §4.2.2.1, OpenID Connect Core §3.1.2.6).
 */
export type OidcErrorCode =
  | "invalid_request"
  | "unauthorized_client"
  | "access_denied"
  | "unsupported_response_type"
  | "invalid_scope"
  | "server_error"
  | "login_required";

/**
 * A refused authentication request. `sendToTool` says whether the refusal may be posted to the tool's
 * `redirect_uri` (with `error`, `error_description` and `state`): OpenID Connect Core §3.1.2.6 refers to
 * RFC 6749 §4.1.2.1, "If the request fails due to a missing, invalid, or mismatching redirection URI, or if
 * the client identifier is missing or invalid, the authorization server ... MUST NOT automatically redirect
 * the user-agent to the invalid redirection URI." Then the platform shows its own page instead.
 */
export class AuthRequestError extends LtiError<
  Extract<LtiErrorCode, `auth_${string}` | `message_hint_${string}`>
> {
  override name = "AuthRequestError";
  constructor(
    code: AuthRequestError["code"],
    /** Written for the tool's developer: it travels as `error_description`. Never holds a secret. */
    message: string,
    readonly oidcError: OidcErrorCode,
    readonly sendToTool: boolean,
    readonly details: {
      parameter?: string;
      reason?: string;
      clientId?: string;
      /** Set when `sendToTool`: the validated redirect URI and the state to echo. */
      redirectUri?: string;
      state?: string;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
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

export type ToolRegistrationErrorCode = Extract<LtiErrorCode, `dr_${string}`>;

/**
 * A Dynamic Registration that Pluto, as a tool, cannot complete (Dynamic Registration 1.0 §3.3–§3.6;
 * conformance cases 189–197): no openid_configuration, a platform configuration that does not hold (`field`
 * names the member at fault), or a registration endpoint that refused or answered something unusable
 * (`status` is its HTTP status, `platformError` its RFC 7591 `error`). The message is safe to show the
 * platform's admin; it never holds the registration token.
 */
export class ToolRegistrationError extends LtiError<ToolRegistrationErrorCode> {
  override name = "ToolRegistrationError";
  constructor(
    code: ToolRegistrationErrorCode,
    message: string,
    readonly details: { field?: string; status?: number; platformError?: string } = {},
  ) {
    super(code, message);
  }
}

// --- The service token endpoint (client_credentials with a JWT assertion) and its Bearer tokens ---

/** RFC 6749 §5.2's `error` values the token endpoint answers. */
export type TokenEndpointError =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope";

export type TokenErrorCode = Extract<LtiErrorCode, `token_${string}`>;

/**
 * A refused token request (1EdTech Security Framework §4.1; conformance cases 129–136). `body` is RFC 6749
 * §5.2's error body, as the endpoint answers it; `reason` is a stable code for the log (never a secret).
 */
export class TokenRequestError extends LtiError<TokenErrorCode> {
  override name = "TokenRequestError";
  readonly body: { error: TokenEndpointError; error_description: string };
  /** The client_id the assertion names (unverified), once read: for the log only. */
  clientId?: string;
  constructor(
    error: TokenEndpointError,
    /** Why, for the log and tests: `grant_type`, `content_type`, `jti_reused`, a `jwt_*` code … */
    readonly reason: string,
    description: string,
    options?: { cause?: unknown },
  ) {
    super(`token_${error}`, description, options);
    this.body = { error, error_description: description };
  }
}

export type BearerErrorCode = Extract<LtiErrorCode, `bearer_${string}`>;

/**
 * A service request whose Bearer token does not do (RFC 6750 §3.1): `invalid_token` (missing, unknown,
 * expired, another tool's: 401) or `insufficient_scope` (403). `reason` is a stable code for the log.
 */
export class BearerTokenError extends LtiError<BearerErrorCode> {
  override name = "BearerTokenError";
  constructor(
    code: BearerErrorCode,
    readonly reason: string,
    message: string,
    /** For insufficient_scope: the scope the request needs (the challenge's `scope`). */
    readonly scope?: string,
  ) {
    super(code, message);
  }

  /** The WWW-Authenticate challenge (RFC 6750 §3). */
  get challenge(): string {
    const error = this.code === "bearer_invalid_token" ? "invalid_token" : "insufficient_scope";
    const scope = this.scope === undefined ? "" : `, scope="${this.scope}"`;
    return `Bearer error="${error}", error_description="${this.message.replace(/["\\]/g, "")}"${scope}`;
  }
}

// --- LTI 1.3 tool side (login initiation received, id_token launch verified) ---

export type ToolLaunchErrorCode =
  | "platform_unknown"
  | "platform_client_ambiguous"
  | "target_link_uri_foreign"
  | "state_unknown"
  | "state_expired"
  | "state_mismatch"
  | "nonce_mismatch"
  | "deployment_unknown"
  | "deployment_mismatch"
  | "launch_missing_claim"
  | "launch_invalid_claim"
  | "launch_platform_error";

/**
 * A login initiation or an id_token launch that Pluto, as a tool, refuses (conformance cases 78–87, 98–111,
 * 120–125). `code` is the stable reason for the launch log (certification evidence is one grep away);
 * `claim` names the id_token claim at fault, `reason` adds detail for the log. Never holds a token or a secret.
 */
export class ToolLaunchError extends LtiError<ToolLaunchErrorCode> {
  override name = "ToolLaunchError";
  constructor(
    code: ToolLaunchErrorCode,
    message: string,
    readonly details: {
      claim?: string;
      reason?: string;
      issuer?: string;
      clientId?: string;
      deploymentId?: string;
      /** launch_platform_error: the `error` and `error_description` the platform posted (OIDC Core §3.1.2.6). */
      error?: string;
      errorDescription?: string;
    } = {},
  ) {
    super(code, message);
  }
}

// --- Assignment and Grade Services 2.0 ---

export type AgsErrorCode = Extract<LtiErrorCode, `ags_${string}`>;

/**
 * An AGS request a tool sent that cannot be taken (AGS 2.0 §3.2–§3.4; conformance cases 160–166): a line item
 * or score body that does not hold, a bad query parameter, a media type the endpoint does not take or give.
 * `field` names the JSON member or parameter at fault.
 */
export class AgsError extends LtiError<AgsErrorCode> {
  override name = "AgsError";
  constructor(
    code: AgsErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(code, message);
  }
}
