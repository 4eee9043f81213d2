// Validation of a JWT a tool signed and sent to the platform: a Deep Linking response, a client assertion.
// 1EdTech Security Framework 1.0 §5.1.3 (the id_token validation steps, which apply "with the roles
// swapped" to tool JWTs, conformance case 128), OpenID Connect Core §3.1.3.7, RFC 7519 §4.1. Conformance
// cases 115–123 and 127. The signature is checked by jose; the claims are checked here, one code each.
import { createPublicKey, type KeyObject } from "node:crypto";
import { compactVerify, decodeProtectedHeader, type JWTPayload, errors as joseErrors } from "jose";
import { JwtError } from "../errors.js";
import type { Clock, KeysetPort, NonceStore, PublicJwk } from "../ports.js";

/** Leeway for exp, iat and nbf. Case 122: "Use a leeway of 30–60 s"; zero leeway causes false rejections. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** A longer token is not an LTI message; refusing it before decoding bounds the work a stranger causes. */
export const MAX_JWT_LENGTH = 64 * 1024;

export interface VerifyToolJwtOptions {
  /** The tool's `client_id`: a tool JWT's `iss` (case 128). Compared exactly, no trailing-slash fixes. */
  expectedIssuer: string;
  /** The platform issuer (Deep Linking) or the token endpoint URL (client assertion). */
  expectedAudience: string;
  /** Other audiences the platform trusts beside `expectedAudience` (default none). */
  trustedAudiences?: readonly string[];
  /**
   * Accept audiences beside `expectedAudience` when `azp` names it (an id_token a platform addressed to
   * several clients: OIDC Core §3.1.3.7 steps 3–5 leave which extra audiences to trust to the client, and
   * the certification's valid payloads send `[client_id, other]` with `azp`). Default false.
   */
  trustAudiencesWithAzp?: boolean;
  keys: KeysetPort;
  clock: Clock;
  /** When given, `nonce` is required and single use, recorded per issuer until `exp` plus the leeway. */
  nonceStore?: NonceStore;
  /** The oldest `iat` accepted, in seconds before now (plus the leeway). */
  maxAgeSeconds?: number;
  clockSkewSeconds?: number;
  /** Case 117: RS256 unless the registration explicitly allows more. Never `none` or an HMAC algorithm. */
  algorithms?: readonly ("RS256" | "RS384" | "RS512")[];
}

export interface VerifiedToolJwt {
  payload: JWTPayload & Record<string, unknown>;
  kid: string;
  alg: string;
}

const fail = (code: JwtError["code"], message: string, details: JwtError["details"] = {}, cause?: unknown) =>
  new JwtError(code, message, details, cause === undefined ? undefined : { cause });

function readHeader(token: unknown): { alg?: unknown; kid?: unknown } {
  // Case 127: "Not three base64url segments, or not JSON: REJECT."
  if (typeof token !== "string" || token.length > MAX_JWT_LENGTH) {
    throw fail("jwt_malformed", "Not a compact JWT", { reason: "not a string of acceptable length" });
  }
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw fail("jwt_malformed", "Not a compact JWT", { reason: "not three base64url segments" });
  }
  try {
    return decodeProtectedHeader(token);
  } catch (cause) {
    throw fail("jwt_malformed", "The JWT header is not a JSON object", { reason: "header" }, cause);
  }
}

async function findKey(keys: KeysetPort, kid: string): Promise<PublicJwk> {
  const pick = (set: readonly PublicJwk[]) => set.find((k) => k.kid === kid);
  try {
    // Case 116: "A kid missing from our cached JWKS: re-fetch the key set once ... then REJECT if it is
    // still missing." The port rate-limits the refetch.
    const found = pick(await keys.current()) ?? pick(await keys.refetch());
    if (found === undefined)
      throw fail("jwt_unknown_kid", "No key with this kid in the tool's key set", { kid });
    return found;
  } catch (e) {
    if (e instanceof JwtError) throw e;
    throw fail(
      "jwt_keyset_unavailable",
      "The tool's key set could not be read",
      { kid, reason: String(e) },
      e,
    );
  }
}

/**
 * The key object of a JWK, made once per key a key set holds: importing an RSA key is the larger part of
 * a verification's work. Keyed by the JWK object a KeysetPort returns (the same until it refetches), and
 * made again should that object's `n` or `e` ever differ.
 */
const keyObjects = new WeakMap<PublicJwk, { n: unknown; e: unknown; key: KeyObject }>();

function verificationKey(jwk: PublicJwk): KeyObject {
  const hit = keyObjects.get(jwk);
  if (hit !== undefined && hit.n === jwk.n && hit.e === jwk.e) return hit.key;
  const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
  keyObjects.set(jwk, { n: jwk.n, e: jwk.e, key });
  return key;
}

/** RFC 7519 NumericDate: a finite number of seconds. */
function numericDate(payload: Record<string, unknown>, claim: string, required: boolean): number | undefined {
  const v = payload[claim];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw fail(
      v === undefined ? "jwt_missing_claim" : "jwt_malformed",
      `Claim ${claim} must be a NumericDate`,
      {
        claim,
      },
    );
  }
  return v;
}

/**
 * Verifies a tool's JWT: format, algorithm, key by `kid` (one refetch), signature, then `iss`, `aud`/`azp`,
 * `exp`, `iat`, `nbf` and the single-use `nonce` — recorded only once every other check passed, so a
 * forged or stale token cannot burn a nonce. Resolves with the payload; rejects with a JwtError.
 */
export async function verifyToolJwt(token: unknown, options: VerifyToolJwtOptions): Promise<VerifiedToolJwt> {
  const header = readHeader(token);
  const allowed: readonly string[] = options.algorithms ?? ["RS256"];
  // Case 117: "alg must be RS256. none and HS256/384/512 are always a REJECT".
  if (typeof header.alg !== "string" || !allowed.includes(header.alg)) {
    throw fail("jwt_alg_not_allowed", `Algorithm ${String(header.alg)} is not accepted`, {
      reason: String(header.alg),
    });
  }
  const alg = header.alg;
  // Case 115: "No kid in the header: REJECT", even when the key set has one key.
  if (typeof header.kid !== "string" || header.kid === "") {
    throw fail("jwt_missing_kid", "The JWT header has no kid");
  }
  const kid = header.kid;
  const jwk = await findKey(options.keys, kid);
  // Case 118: "check it fits the algorithm: kty=RSA, and if the JWK has an alg it must match the header's".
  if (
    jwk.kty !== "RSA" ||
    (jwk.alg !== undefined && jwk.alg !== alg) ||
    (jwk.use !== undefined && jwk.use !== "sig")
  ) {
    throw fail("jwt_key_mismatch", "The key with this kid is not an RSA signing key for this algorithm", {
      kid,
      reason: `kty ${String(jwk.kty)}, alg ${String(jwk.alg)}, use ${String(jwk.use)}`,
    });
  }
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(token as string, verificationKey(jwk), { algorithms: [alg] }));
  } catch (cause) {
    // Case 119: "A tampered payload, or a signature that doesn't verify: REJECT."
    if (cause instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw fail("jwt_invalid_signature", "The JWT signature does not verify", { kid }, cause);
    }
    if (cause instanceof joseErrors.JWSInvalid)
      throw fail("jwt_malformed", "Not a valid JWS", { kid }, cause);
    throw fail(
      "jwt_key_mismatch",
      "The tool's key cannot verify RS256 signatures",
      { kid, reason: String(cause) },
      cause,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw fail("jwt_malformed", "The JWT payload is not JSON", { reason: "payload" }, cause);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw fail("jwt_malformed", "The JWT payload is not a JSON object", { reason: "payload" });
  }
  const payload = parsed as Record<string, unknown>;
  checkClaims(payload, options);
  if (options.nonceStore !== undefined) {
    // Case 123: the nonce "is single-use. A replay: REJECT. Keep it for at least the token's lifetime."
    const nonce = payload.nonce;
    if (typeof nonce !== "string" || nonce === "")
      throw fail("jwt_missing_claim", "Claim nonce is required", { claim: "nonce" });
    const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    const expiresAt = new Date(((payload.exp as number) + skew) * 1000);
    if (await options.nonceStore.seen(options.expectedIssuer, nonce, expiresAt)) {
      throw fail("jwt_nonce_reused", "This nonce was already used", { claim: "nonce" });
    }
  }
  return { payload: payload as VerifiedToolJwt["payload"], kid, alg };
}

function checkClaims(payload: Record<string, unknown>, options: VerifyToolJwtOptions): void {
  // OIDC Core §3.1.3.7 step 2: "The Issuer Identifier ... MUST exactly match the value of the iss Claim."
  if (payload.iss !== options.expectedIssuer) {
    throw fail(
      payload.iss === undefined ? "jwt_missing_claim" : "jwt_wrong_issuer",
      "Claim iss is not the tool's client_id",
      {
        claim: "iss",
        reason: `got ${JSON.stringify(payload.iss)?.slice(0, 200)}`,
      },
    );
  }
  checkAudience(payload, options);
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const now = options.clock.now().getTime() / 1000;
  const exp = numericDate(payload, "exp", true)!;
  // Step 9: "The current time MUST be before the time represented by the exp Claim".
  if (now > exp + skew) throw fail("jwt_expired", "The JWT has expired", { claim: "exp" });
  const iat = numericDate(payload, "iat", true)!;
  // Case 122: "iat must not be later than now plus leeway, and not older than a maximum age."
  if (iat > now + skew) throw fail("jwt_issued_in_future", "Claim iat is in the future", { claim: "iat" });
  if (options.maxAgeSeconds !== undefined && now - iat > options.maxAgeSeconds + skew) {
    throw fail("jwt_too_old", `The JWT was issued more than ${options.maxAgeSeconds}s ago`, { claim: "iat" });
  }
  const nbf = numericDate(payload, "nbf", false);
  // RFC 7519 §4.1.5: "the JWT MUST NOT be accepted for processing" before nbf.
  if (nbf !== undefined && now + skew < nbf)
    throw fail("jwt_not_yet_valid", "Claim nbf is in the future", { claim: "nbf" });
}

function checkAudience(payload: Record<string, unknown>, options: VerifyToolJwtOptions): void {
  const aud = payload.aud;
  const list = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  const wrong = (reason: string) =>
    fail("jwt_wrong_audience", "The JWT is not addressed to this platform", { claim: "aud", reason });
  if (list === undefined || list.length === 0 || !list.every((a) => typeof a === "string")) {
    throw fail(
      aud === undefined ? "jwt_missing_claim" : "jwt_wrong_audience",
      "Claim aud must be a string or an array of strings",
      { claim: "aud" },
    );
  }
  // OIDC Core §3.1.3.7 step 3: the token "MUST be rejected if [it] does not list the Client as a valid
  // audience, or if it contains additional audiences not trusted by the Client."
  if (!list.includes(options.expectedAudience)) throw wrong("expected audience absent");
  const trusted = new Set([options.expectedAudience, ...(options.trustedAudiences ?? [])]);
  const vouched = options.trustAudiencesWithAzp === true && payload.azp === options.expectedAudience;
  if (!vouched && list.some((a) => !trusted.has(a))) throw wrong("untrusted extra audience");
  // Steps 4–5: with several audiences "the Client SHOULD verify that an azp Claim is present"; when azp
  // is present "the Client SHOULD verify that its client_id is the Claim Value". Interop: Schoology sends
  // an array (oli-torus#2873).
  if (list.length > 1 && payload.azp === undefined)
    throw fail("jwt_wrong_audience", "Several audiences and no azp", { claim: "azp" });
  if (payload.azp !== undefined && payload.azp !== options.expectedAudience) {
    throw fail("jwt_wrong_audience", "Claim azp is not this platform", { claim: "azp" });
  }
}
