// Pluto as an LTI 1.3 tool asking a platform for a service access token: the client_credentials grant with
// a JWT client assertion (1EdTech Security Framework §4.1; RFC 7523 §2.2, §3; RFC 6749 §4.4, §5.1, §5.2;
// conformance cases 129, 130, 139; peers note §4.6). The assertion is signed with Pluto's site key, the one
// the JWKS URL publishes; the caller hands the key in.

import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { ParameterError } from "../errors.js";
import type { Clock } from "../ports.js";
import { PLATFORM_ALG, type PlatformSigningKey } from "../v1p3/keys.js";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** The assertion lives this long (the platform caps it at 5 minutes, case 130). */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

export interface ClientAssertionInput {
  /** The client_id the platform gave Pluto: both `iss` and `sub`. */
  clientId: string;
  /** The token URL, or the platform's declared `authorization_server` when it has one. */
  audience: string;
  /** Unique per assertion; a random UUID by default. */
  jti?: string;
}

/** The claims of a client assertion: iss = sub = client_id, aud, iat now, exp a minute on, a unique jti. */
export function buildClientAssertionClaims(
  input: ClientAssertionInput,
  clock: Clock,
): { iss: string; sub: string; aud: string; iat: number; exp: number; jti: string } {
  if (!input.clientId) throw new ParameterError("missing_parameter", "clientId");
  if (!input.audience) throw new ParameterError("missing_parameter", "audience");
  const iat = Math.floor(clock.now().getTime() / 1000);
  return {
    iss: input.clientId,
    sub: input.clientId,
    aud: input.audience,
    iat,
    exp: iat + CLIENT_ASSERTION_LIFETIME_SECONDS,
    jti: input.jti ?? randomUUID(),
  };
}

/** Signs a client assertion with Pluto's key: RS256, `kid` and `typ: JWT` in the header. */
export function signClientAssertion(
  input: ClientAssertionInput,
  key: PlatformSigningKey,
  clock: Clock,
): Promise<string> {
  return new SignJWT(buildClientAssertionClaims(input, clock))
    .setProtectedHeader({ alg: PLATFORM_ALG, kid: key.kid, typ: "JWT" })
    .sign(key.privateKey);
}

/** The token request body, `application/x-www-form-urlencoded` (case 129): scopes space-separated. */
export function buildTokenRequestForm(assertion: string, scopes: readonly string[]): string {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
    scope: scopeKey(scopes),
  }).toString();
}

/** A scope set written one way whatever the order it came in: sorted, unique, space-separated. */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes.filter((s) => s !== ""))].sort().join(" ");
}

export interface ServiceToken {
  /** A secret: never logged. */
  accessToken: string;
  /** When to stop using it: `expires_in` after `now`, less a margin for the request in flight. */
  expiresAt: Date;
  /** The scopes granted (the response's `scope`, or the ones asked for when it omits it, RFC 6749 §5.1). */
  scopes: string[];
}

export type TokenResponse =
  | { ok: true; token: ServiceToken }
  /** RFC 6749 §5.2: `error` as the platform sent it (or `invalid_response`), `description` when given. */
  | { ok: false; error: string; description?: string };

/** Seconds taken off `expires_in` so a token is not used in its last moments. */
export const TOKEN_EXPIRY_MARGIN_SECONDS = 30;
/** The lifetime assumed when the platform gives no `expires_in` (RFC 6749 §5.1 makes it RECOMMENDED). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

/**
 * Reads the token endpoint's answer: a 200 with `{access_token, token_type: "Bearer", expires_in, scope}`,
 * or an RFC 6749 §5.2 error body. Anything else is `invalid_response` with what was wrong.
 */
export function parseTokenResponse(
  status: number,
  body: string,
  asked: readonly string[],
  clock: Clock,
): TokenResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const obj =
    json !== null && typeof json === "object" && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  if (status < 200 || status > 299 || (obj && typeof obj.error === "string")) {
    if (obj && typeof obj.error === "string" && obj.error !== "") {
      return {
        ok: false,
        error: obj.error,
        ...(typeof obj.error_description === "string" ? { description: obj.error_description } : {}),
      };
    }
    return { ok: false, error: "invalid_response", description: `HTTP ${status} without an error code` };
  }
  if (!obj) return { ok: false, error: "invalid_response", description: "the body is not a JSON object" };
  const accessToken = obj.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    return { ok: false, error: "invalid_response", description: "no access_token" };
  }
  if (typeof obj.token_type !== "string" || obj.token_type.toLowerCase() !== "bearer") {
    return { ok: false, error: "invalid_response", description: "token_type is not Bearer" };
  }
  const rawExpiry = obj.expires_in;
  const expiresIn =
    typeof rawExpiry === "number"
      ? rawExpiry
      : typeof rawExpiry === "string"
        ? Number(rawExpiry)
        : Number.NaN;
  if (rawExpiry !== undefined && (!Number.isFinite(expiresIn) || expiresIn < 1)) {
    return { ok: false, error: "invalid_response", description: "expires_in is not a positive number" };
  }
  const lifetime = rawExpiry === undefined ? DEFAULT_TOKEN_LIFETIME_SECONDS : expiresIn;
  const usable = Math.max(lifetime - TOKEN_EXPIRY_MARGIN_SECONDS, lifetime / 2);
  const scopes = typeof obj.scope === "string" ? obj.scope.split(/\s+/).filter(Boolean) : [...new Set(asked)];
  return {
    ok: true,
    token: { accessToken, expiresAt: new Date(clock.now().getTime() + usable * 1000), scopes },
  };
}
