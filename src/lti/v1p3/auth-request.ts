// The OIDC authentication request a tool sends back to the platform after the login initiation, and the
// platform's answers: the form POST of the id_token, or of an error. 1EdTech Security Framework §5.1.1.2
// (request) and §5.1.1.3 (response), OpenID Connect Core §3.1.2.1 and §3.1.2.6, RFC 6749 §4.1.2.1 (when not
// to redirect). Conformance cases 88–97.
import { AuthRequestError, MessageHintError, type OidcErrorCode } from "../errors.js";
import type { Clock, NonceStore, ToolClient, ToolClientLookup } from "../ports.js";
import { OIDC_AUTH_REQUEST } from "../vocab/claims.js";
import {
  consumeMessageHint,
  type MessageHintClaims,
  type MessageHintSecret,
  requireHintUser,
  verifyMessageHint,
} from "./login.js";

/**
 * The request's `lti_message_hint` as the platform already verified it for the request's `client_id`
 * (verifyMessageHint with neither `userId` nor `nonceStore`, e.g. to learn whom the launch is for when no
 * session came): the claims, or the MessageHintError it was refused with.
 */
export interface VerifiedMessageHint {
  hint: string;
  clientId: string;
  outcome: MessageHintClaims | MessageHintError;
}

export interface AuthRequestOptions {
  findClient: ToolClientLookup;
  /** The platform's message-hint secret (login.ts). */
  messageHintSecret: MessageHintSecret;
  clock: Clock;
  nonceStore: NonceStore;
  /**
   * The session's user: `loginHint` is the value the platform put in the login initiation for them, `userId`
   * the one in their message hints. Undefined when the request arrived without a session (case 97).
   */
  currentUser: { loginHint: string; userId: string } | undefined;
  /**
   * The hint verified beforehand: when it is this request's hint for this request's client_id, its
   * signature and lifetime are not checked again (its outcome stands, refusal included); the user it was
   * issued to and its single use are still checked here, in their place in the order.
   */
  verifiedHint?: VerifiedMessageHint;
}

export interface AuthorizedRequest {
  client: ToolClient;
  redirectUri: string;
  nonce: string;
  /** Echo unchanged in the response (case 95); undefined when the tool sent none. */
  state: string | undefined;
  hint: MessageHintClaims;
}

/** Form fields as the HTTP layer parses them: a repeated name gives an array, anything else is refused. */
export type AuthRequestParams = Readonly<Record<string, unknown>>;

const MAX_PARAM_LENGTH = 8 * 1024;

/**
 * Checks an authentication request. Order matters for where an error goes: `client_id` and `redirect_uri`
 * first, refused on the platform's own page (`sendToTool: false`); every later error may be posted to the
 * validated `redirect_uri` with `state`. The message hint is consumed last, so a request refused for
 * another reason leaves the launch usable. Rejects with an AuthRequestError.
 */
export async function checkAuthRequest(
  params: AuthRequestParams,
  options: AuthRequestOptions,
): Promise<AuthorizedRequest> {
  const local = (
    code: AuthRequestError["code"],
    oidc: OidcErrorCode,
    message: string,
    details: AuthRequestError["details"] = {},
  ) => new AuthRequestError(code, message, oidc, false, details);
  const read = (
    name: string,
    onError: (code: AuthRequestError["code"], msg: string) => AuthRequestError,
  ): string | undefined => {
    const v = params[name];
    if (v === undefined || v === "") return undefined;
    if (Array.isArray(v))
      throw onError("auth_duplicate_parameter", `Parameter ${name} was sent more than once`);
    if (typeof v !== "string" || v.length > MAX_PARAM_LENGTH)
      throw onError("auth_missing_parameter", `Parameter ${name} is not usable`);
    return v;
  };
  const localError = (parameter: string) => (code: AuthRequestError["code"], msg: string) =>
    local(code, "invalid_request", msg, { parameter });

  // RFC 6749 §4.1.2.1: "if the client identifier is missing or invalid, the authorization server SHOULD
  // inform the resource owner of the error and MUST NOT automatically redirect".
  const clientId = read("client_id", localError("client_id"));
  if (clientId === undefined)
    throw local("auth_missing_parameter", "invalid_request", "Parameter client_id is required", {
      parameter: "client_id",
    });
  const client = await options.findClient(clientId);
  // Case 93: "client_id unknown ... error=unauthorized_client".
  if (client === undefined)
    throw local("auth_unknown_client", "unauthorized_client", "No tool is registered with this client_id", {
      clientId,
    });
  // Case 91: "redirect_uri not among the tool's registered redirect URIs: hard REJECT, with no redirect at
  // all." Byte for byte: a trailing slash or a case difference is another URI (case 87).
  const redirectUri = read("redirect_uri", localError("redirect_uri"));
  if (redirectUri === undefined)
    throw local("auth_missing_parameter", "invalid_request", "Parameter redirect_uri is required", {
      parameter: "redirect_uri",
      clientId,
    });
  if (!client.redirectUris.includes(redirectUri)) {
    throw local(
      "auth_invalid_redirect_uri",
      "invalid_request",
      "redirect_uri is not one of the tool's registered redirection URIs",
      { clientId },
    );
  }

  // From here on the tool gets the error at its redirect_uri, with the state it sent.
  const rawState = params.state;
  const state = typeof rawState === "string" && rawState.length <= MAX_PARAM_LENGTH ? rawState : undefined;
  const toTool = (
    code: AuthRequestError["code"],
    oidc: OidcErrorCode,
    message: string,
    extra: AuthRequestError["details"] = {},
  ) =>
    new AuthRequestError(code, message, oidc, true, {
      clientId,
      redirectUri,
      ...(state === undefined ? {} : { state }),
      ...extra,
    });
  const get = (name: string) =>
    read(name, (code, msg) => toTool(code, "invalid_request", msg, { parameter: name }));
  if (Array.isArray(rawState))
    throw toTool("auth_duplicate_parameter", "invalid_request", "Parameter state was sent more than once", {
      parameter: "state",
    });

  // Case 88: every required parameter, else "error=invalid_request..." (Interop: Canvas answers
  // invalid_request_object; RFC 6749 §4.2.2.1 names invalid_request for a missing parameter).
  const values: Record<string, string> = {};
  for (const name of [
    "scope",
    "response_type",
    "response_mode",
    "prompt",
    "login_hint",
    "lti_message_hint",
    "nonce",
  ]) {
    const v = get(name);
    if (v === undefined)
      throw toTool("auth_missing_parameter", "invalid_request", `Parameter ${name} is required`, {
        parameter: name,
      });
    values[name] = v;
  }
  // Case 89 (Security Framework §5.1.1.2: scope "openid"). A space-separated list holding openid and more
  // is refused too: LTI defines no other scope here.
  if (values.scope !== OIDC_AUTH_REQUEST.scope)
    throw toTool("auth_invalid_scope", "invalid_scope", "scope must be openid");
  // Case 90: response_type "id_token" and response_mode "form_post" only.
  if (values.response_type !== OIDC_AUTH_REQUEST.responseType) {
    throw toTool(
      "auth_unsupported_response_type",
      "unsupported_response_type",
      "response_type must be id_token",
    );
  }
  if (values.response_mode !== OIDC_AUTH_REQUEST.responseMode) {
    throw toTool("auth_invalid_response_mode", "invalid_request", "response_mode must be form_post");
  }
  // Security Framework §5.1.1.2: prompt "none", as the user is already logged in to the platform.
  if (values.prompt !== OIDC_AUTH_REQUEST.prompt)
    throw toTool("auth_invalid_prompt", "invalid_request", "prompt must be none");
  // Case 92: "login_hint must identify the user of the current platform session; otherwise
  // error=login_required" (also when there is no session at all, case 97).
  const user = options.currentUser;
  if (user === undefined || values.login_hint !== user.loginHint) {
    throw toTool(
      "auth_login_required",
      "login_required",
      "The user is not logged in to the platform as login_hint",
      {
        reason: user === undefined ? "no session" : "login_hint is another user",
      },
    );
  }
  let hint: MessageHintClaims;
  try {
    const verified = options.verifiedHint;
    if (
      verified !== undefined &&
      verified.hint === values.lti_message_hint &&
      verified.clientId === clientId
    ) {
      if (verified.outcome instanceof MessageHintError) throw verified.outcome;
      hint = requireHintUser(verified.outcome, user.userId);
    } else {
      hint = await verifyMessageHint(values.lti_message_hint!, {
        secret: options.messageHintSecret,
        clock: options.clock,
        clientId,
        userId: user.userId,
      });
    }
    await consumeMessageHint(hint, options.nonceStore);
  } catch (e) {
    if (!(e instanceof MessageHintError)) throw e;
    // Case 94: a replayed or stale hint is "launch no longer valid". Interop: Canvas sends the
    // non-standard error launch_no_longer_valid; invalid_request is the OAuth 2 code for it.
    throw toTool(e.code, "invalid_request", e.message, { reason: e.details.reason ?? e.code });
  }
  // Case 93: a tool "not enabled in this context" is unauthorized_client; its redirect_uri is known good.
  if (!client.enabled)
    throw toTool("auth_client_not_enabled", "unauthorized_client", "This tool is not enabled");
  return { client, redirectUri, nonce: values.nonce!, state, hint };
}

/** The form a platform posts to the tool's redirect_uri. */
export interface AuthResponse {
  redirectUri: string;
  fields: Record<string, string>;
}

/**
 * The successful response (Security Framework §5.1.1.3; case 96): `id_token` and `state` form-posted to the
 * redirect URI, plus `lti_storage_target` when platform storage was offered (case 209).
 */
export function buildAuthResponse(input: {
  redirectUri: string;
  idToken: string;
  state: string | undefined;
  storageTarget?: string;
}): AuthResponse {
  const fields: Record<string, string> = { id_token: input.idToken };
  if (input.state !== undefined) fields.state = input.state;
  if (input.storageTarget !== undefined) fields.lti_storage_target = input.storageTarget;
  return { redirectUri: input.redirectUri, fields };
}

/**
 * The error response to post to the tool (OIDC Core §3.1.2.6: `error`, `error_description`, `state`), or
 * undefined when the error must be shown on the platform's own page instead (`sendToTool: false`).
 */
export function buildAuthErrorResponse(error: AuthRequestError): AuthResponse | undefined {
  const { redirectUri, state } = error.details;
  if (!error.sendToTool || redirectUri === undefined) return undefined;
  const fields: Record<string, string> = { error: error.oidcError, error_description: error.message };
  if (state !== undefined) fields.state = state;
  return { redirectUri, fields };
}
