// The service token endpoint's protocol: OAuth 2.0 client_credentials with a JWT client assertion, as the
// 1EdTech Security Framework 1.0 §4.1 has tools ask for a token (RFC 6749 §4.4, RFC 7521/7523). The form
// is parsed to a typed request or an RFC 6749 §5.2 error; the assertion is verified by verifyToolJwt
// (signature by `kid`, `iss`, `aud`, `exp`, `iat`) and then held to the assertion rules (`sub` = `iss`, a
// short lifetime, a single-use `jti`); the granted scopes are the requested ones the tool may have.
// Conformance cases 129–136.
import { decodeJwt, decodeProtectedHeader } from "jose";
import { JwtError, TokenRequestError } from "../errors.js";
import type { Clock, KeysetPort, NonceStore } from "../ports.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, MAX_JWT_LENGTH, verifyToolJwt } from "./jwt-verify.js";

export const CLIENT_CREDENTIALS = "client_credentials";
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
/** Case 130: "`exp` at most 5 minutes ahead" of `iat`; the leeway comes on top. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** A `jti` is a short unique string; a longer one is not remembered faithfully, so it is refused. */
export const MAX_JTI_LENGTH = 200;
const MAX_SCOPE_LENGTH = 4000;

export interface TokenRequest {
  clientAssertion: string;
  /** The requested scopes, in order, without duplicates. */
  scopes: string[];
}

const invalidRequest = (reason: string, description: string) =>
  new TokenRequestError("invalid_request", reason, description);

/** The one value of a form parameter; absent, or given twice (RFC 6749 §3.2: "MUST NOT be included more than once"). */
function single(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string")
    throw invalidRequest("duplicate_parameter", `Parameter ${name} must be given once.`);
  return v;
}

/**
 * A token request (case 129): a form POST with grant_type=client_credentials, the jwt-bearer assertion
 * type, the assertion and the space-separated scopes. `contentType` is the request's header (case 135:
 * any other media type is a 400 invalid_request); `body` is the parsed form.
 */
export function parseTokenRequest(contentType: string | undefined, body: unknown): TokenRequest {
  const media = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (media !== FORM_MEDIA_TYPE)
    throw invalidRequest("content_type", `The token request must be ${FORM_MEDIA_TYPE}.`);
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidRequest("body", "The token request has no form parameters.");
  const form = body as Record<string, unknown>;
  const grantType = single(form, "grant_type");
  if (grantType === undefined || grantType === "")
    throw invalidRequest("missing_grant_type", "Parameter grant_type is required.");
  // RFC 6749 §5.2: "The authorization grant type is not supported by the authorization server."
  if (grantType !== CLIENT_CREDENTIALS)
    throw new TokenRequestError(
      "unsupported_grant_type",
      "grant_type",
      `Only grant_type=${CLIENT_CREDENTIALS} is supported.`,
    );
  const assertionType = single(form, "client_assertion_type");
  if (assertionType === undefined || assertionType === "")
    throw invalidRequest("missing_client_assertion_type", "Parameter client_assertion_type is required.");
  // Case 131: "bad grant_type or assertion type → 400 unsupported_grant_type".
  if (assertionType !== JWT_BEARER_ASSERTION)
    throw new TokenRequestError(
      "unsupported_grant_type",
      "client_assertion_type",
      `Only client_assertion_type=${JWT_BEARER_ASSERTION} is supported.`,
    );
  const clientAssertion = single(form, "client_assertion");
  if (clientAssertion === undefined || clientAssertion === "")
    throw invalidRequest("missing_client_assertion", "Parameter client_assertion is required.");
  const scope = single(form, "scope") ?? "";
  if (scope.length > MAX_SCOPE_LENGTH) throw invalidRequest("scope_too_long", "Parameter scope is too long.");
  const scopes = [...new Set(scope.split(" ").filter((s) => s !== ""))];
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)))
    throw new TokenRequestError("invalid_scope", "scope_malformed", "Parameter scope is malformed.");
  if (scopes.length === 0)
    throw new TokenRequestError("invalid_scope", "scope_missing", "Parameter scope is required.");
  return { clientAssertion, scopes };
}

const invalidClient = (reason: string, description: string, cause?: unknown) =>
  new TokenRequestError("invalid_client", reason, description, cause === undefined ? undefined : { cause });

/**
 * What the assertion says it is, unverified: its `iss` (the client_id, to find the tool's registration and
 * keys) and header `kid`. Only for the look-up: nothing is trusted before verifyClientAssertion.
 */
export function peekClientAssertion(assertion: string): { clientId: string; kid?: string } {
  if (
    assertion.length > MAX_JWT_LENGTH ||
    !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(assertion)
  )
    throw invalidClient("jwt_malformed", "The client assertion is not a compact JWT.");
  let iss: unknown;
  let kid: unknown;
  try {
    iss = decodeJwt(assertion).iss;
    kid = decodeProtectedHeader(assertion).kid;
  } catch (cause) {
    throw invalidClient("jwt_malformed", "The client assertion is not a JWT.", cause);
  }
  if (typeof iss !== "string" || iss === "")
    throw invalidClient("jwt_missing_claim", "The client assertion has no iss (the client_id).");
  return typeof kid === "string" && kid !== "" ? { clientId: iss, kid } : { clientId: iss };
}

export interface VerifyClientAssertionOptions {
  /** The registered tool's client_id: `iss` and `sub` (case 130). */
  clientId: string;
  /** The token endpoint URL: the `aud` the assertion must name (case 132). */
  tokenUrl: string;
  /** The platform's declared `authorization_server`, accepted as `aud` as well, when it declares one. */
  authorizationServer?: string;
  keys: KeysetPort;
  clock: Clock;
  /** Where the `jti`s are remembered until `exp` (case 133); keyed by client_id. */
  jtiStore: NonceStore;
  clockSkewSeconds?: number;
}

export interface VerifiedClientAssertion {
  clientId: string;
  jti: string;
  /** The assertion's `exp`, in seconds. */
  exp: number;
}

function audiencesOf(assertion: string): string[] {
  const aud = decodeJwt(assertion).aud;
  return typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
}

/**
 * Verifies a client assertion: the tool's signature (RS256, by `kid`), `iss` = `sub` = client_id, `aud` the
 * token URL (or the declared authorization server), `exp` present and not past, `iat` present, at most
 * five minutes before `exp`, and a `jti` not seen before — recorded only once everything else passed, so
 * a forged or stale assertion cannot burn one. Every refusal is `invalid_client`, its reason the check.
 */
export async function verifyClientAssertion(
  assertion: string,
  options: VerifyClientAssertionOptions,
): Promise<VerifiedClientAssertion> {
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const server = options.authorizationServer;
  let expectedAudience = options.tokenUrl;
  try {
    if (
      server !== undefined &&
      server !== options.tokenUrl &&
      !audiencesOf(assertion).includes(options.tokenUrl)
    )
      expectedAudience = server;
  } catch (cause) {
    throw invalidClient("jwt_malformed", "The client assertion is not a JWT.", cause);
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await verifyToolJwt(assertion, {
      expectedIssuer: options.clientId,
      expectedAudience,
      trustedAudiences: [options.tokenUrl, ...(server === undefined ? [] : [server])],
      keys: options.keys,
      clock: options.clock,
      clockSkewSeconds: skew,
      maxAgeSeconds: MAX_ASSERTION_LIFETIME_SECONDS,
    }));
  } catch (e) {
    if (e instanceof JwtError) {
      const claim = e.details.claim === undefined ? "" : ` (${e.details.claim})`;
      throw invalidClient(e.code, `The client assertion is refused: ${e.message}${claim}.`, e);
    }
    throw e;
  }
  // RFC 7523 §3: "The JWT MUST contain a 'sub' (subject) claim" — for client authentication, the client_id.
  if (payload.sub !== options.clientId)
    throw invalidClient(
      payload.sub === undefined ? "jwt_missing_claim" : "jwt_wrong_subject",
      "The client assertion's sub must be the client_id.",
    );
  const exp = payload.exp as number;
  const iat = payload.iat as number;
  // Case 134: "Cap the lifetime."
  if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS + skew)
    throw invalidClient(
      "jwt_lifetime_too_long",
      `The client assertion must expire at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds after iat.`,
    );
  const jti = payload.jti;
  if (typeof jti !== "string" || jti === "")
    throw invalidClient("jwt_missing_claim", "The client assertion must carry a jti.");
  if (jti.length > MAX_JTI_LENGTH)
    throw invalidClient(
      "jwt_malformed",
      `The client assertion's jti is longer than ${MAX_JTI_LENGTH} characters.`,
    );
  // Case 133: "Remember each jti until its exp. A reuse is invalid_client."
  if (await options.jtiStore.seen(options.clientId, jti, new Date((exp + skew) * 1000)))
    throw invalidClient("jti_reused", "This client assertion (its jti) was already used.");
  return { clientId: options.clientId, jti, exp };
}

/**
 * The scopes to grant (case 136): the requested ones the tool may have, in the order asked. An empty
 * result is `invalid_scope` (RFC 6749 §5.2: "The requested scope is invalid, unknown, malformed, or
 * exceeds the scope granted by the resource owner").
 */
export function grantScopes(requested: readonly string[], allowed: readonly string[]): string[] {
  const granted = requested.filter((s) => allowed.includes(s));
  if (granted.length === 0)
    throw new TokenRequestError(
      "invalid_scope",
      "no_permitted_scope",
      "None of the requested scopes is granted to this tool.",
    );
  return granted;
}
