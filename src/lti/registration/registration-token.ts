// The registration_token and the registration URL of Dynamic Registration 1.0 §3.3 (Registration
// Initiation Request, https://www.imsglobal.org/spec/lti-dr/v1p0#step-1-registration-initiation-request) and
// §3.5.2 (the tool sends it back as `Authorization: Bearer`); conformance cases 189, 192, 195.
// Pluto's token is a JWT it signs itself (HS256 with a site secret, or RS256 with the platform key): signed,
// short-lived, bound to the registration endpoint (`aud`) and single use (its `jti`, through a NonceStore).
import { randomBytes } from "node:crypto";
import { type CryptoKey, errors, jwtVerify, type KeyObject, SignJWT } from "jose";
import { ParameterError, RegistrationError } from "../errors.js";
import type { Clock, NonceStore } from "../ports.js";

export type RegistrationTokenKey =
  | { alg: "HS256"; secret: Uint8Array }
  | { alg: "RS256"; privateKey: CryptoKey | KeyObject; publicKey: CryptoKey | KeyObject; kid: string };

export interface RegistrationTokenOptions {
  /** Pluto's issuer: the token's `iss`. */
  issuer: string;
  /** The registration endpoint URL: the token's `aud`, so no other Pluto token passes for one. */
  registrationEndpoint: string;
  key: RegistrationTokenKey;
  clock: Clock;
}

export interface RegistrationTokenClaims {
  jti: string;
  /** Who opened the registration (a user id), when given. */
  sub?: string;
  expiresAt: Date;
}

/** Default lifetime: 30 minutes, time for an admin to finish the tool's own registration pages. */
export const DEFAULT_REGISTRATION_TOKEN_TTL_SECONDS = 1800;
const TOKEN_TYPE = "lti-registration+jwt";

export async function issueRegistrationToken(
  options: RegistrationTokenOptions & { subject?: string; ttlSeconds?: number },
): Promise<{ token: string } & RegistrationTokenClaims> {
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  const exp = iat + (options.ttlSeconds ?? DEFAULT_REGISTRATION_TOKEN_TTL_SECONDS);
  const jti = randomBytes(16).toString("base64url");
  const { key } = options;
  const jwt = new SignJWT({})
    .setProtectedHeader(
      key.alg === "HS256"
        ? { alg: "HS256", typ: TOKEN_TYPE }
        : { alg: "RS256", typ: TOKEN_TYPE, kid: key.kid },
    )
    .setIssuer(options.issuer)
    .setAudience(options.registrationEndpoint)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti);
  if (options.subject !== undefined) jwt.setSubject(options.subject);
  const token = await jwt.sign(key.alg === "HS256" ? key.secret : key.privateKey);
  const out: { token: string } & RegistrationTokenClaims = { token, jti, expiresAt: new Date(exp * 1000) };
  if (options.subject !== undefined) out.sub = options.subject;
  return out;
}

/**
 * Checks a registration token's signature, type, issuer, audience and lifetime; does not spend it (see
 * spendRegistrationToken). Throws invalid_registration_token, whose body is RFC 6750's `invalid_token`.
 */
export async function verifyRegistrationToken(
  token: string,
  options: RegistrationTokenOptions,
): Promise<RegistrationTokenClaims> {
  const { key } = options;
  try {
    const { payload } = await jwtVerify(token, key.alg === "HS256" ? key.secret : key.publicKey, {
      algorithms: [key.alg],
      typ: TOKEN_TYPE,
      issuer: options.issuer,
      audience: options.registrationEndpoint,
      currentDate: options.clock.now(),
      requiredClaims: ["jti", "exp", "iat"],
    });
    if (typeof payload.jti !== "string" || typeof payload.exp !== "number")
      throw new RegistrationError("invalid_registration_token", "The registration token is malformed.");
    const out: RegistrationTokenClaims = { jti: payload.jti, expiresAt: new Date(payload.exp * 1000) };
    if (typeof payload.sub === "string") out.sub = payload.sub;
    return out;
  } catch (e) {
    if (e instanceof RegistrationError) throw e;
    const expired = e instanceof errors.JWTExpired;
    throw new RegistrationError(
      "invalid_registration_token",
      expired ? "The registration token has expired." : "The registration token is not valid.",
    );
  }
}

/**
 * Spends a verified token: DR §3.3 leaves its use to the platform; Pluto's is single use (case 195: "a reuse is
 * 401"). Call it after the registration body was validated, so a tool may correct a refused body and retry.
 */
export async function spendRegistrationToken(
  claims: RegistrationTokenClaims,
  nonceStore: NonceStore,
): Promise<void> {
  if (await nonceStore.seen("lti-registration-token", claims.jti, claims.expiresAt))
    throw new RegistrationError("registration_token_used", "The registration token was already used.");
}

/**
 * The bearer token of an `Authorization` header (RFC 6750 §2.1), or undefined without one (DR §3.5.2 makes the
 * token optional; whether an anonymous registration is accepted is the caller's policy).
 */
export function registrationTokenFromHeader(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.trim() === "") return undefined;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (m === null)
    throw new RegistrationError(
      "invalid_registration_token",
      "The Authorization header is not a Bearer token.",
    );
  return m[1];
}

/**
 * The URL Pluto opens in the registration dialog (DR §3.3): the tool's registration URL with
 * `openid_configuration` and, when given, `registration_token` appended. The tool's own query is kept as it
 * was written (not re-encoded), and the fragment stays last.
 */
export function buildRegistrationUrl(
  toolUrl: string,
  params: { openidConfiguration: string; registrationToken?: string },
): string {
  let u: URL;
  try {
    u = new URL(toolUrl);
  } catch {
    throw new ParameterError("invalid_parameter", "url", "not an absolute URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new ParameterError("invalid_parameter", "url", "not http or https");
  for (const name of ["openid_configuration", "registration_token"])
    if (u.searchParams.has(name)) throw new ParameterError("invalid_parameter", "url", `already has ${name}`);
  const hashAt = toolUrl.indexOf("#");
  const head = hashAt === -1 ? toolUrl : toolUrl.slice(0, hashAt);
  const fragment = hashAt === -1 ? "" : toolUrl.slice(hashAt);
  const added = [`openid_configuration=${encodeURIComponent(params.openidConfiguration)}`];
  if (params.registrationToken !== undefined)
    added.push(`registration_token=${encodeURIComponent(params.registrationToken)}`);
  const sep = !head.includes("?") ? "?" : head.endsWith("?") || head.endsWith("&") ? "" : "&";
  return `${head}${sep}${added.join("&")}${fragment}`;
}
