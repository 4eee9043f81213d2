// Third-party initiated login, platform side: the login initiation request the platform sends to the tool's
// "Initiate login URL", and the `lti_message_hint` it carries. OpenID Connect Core §4 (third-party initiated
// login), 1EdTech Security Framework §5.1.1.1, LTI 1.3 Core §4.1 (`lti_message_hint`, `lti_deployment_id`,
// `client_id`), Platform Storage (`lti_storage_target`). Conformance cases 78–83, 94 and 209.
//
// The hint is an HS256 JWT under a platform secret: short-lived, bound to the user, the tool and the link,
// with a `jti` recorded as used in the NonceStore when the authentication request consumes it. Canvas makes
// it a handle to a cached launch (case 94); a signed token needs no row until it is used.
//
// Only this platform signs and reads it, in one fixed form, so it is made and checked with node:crypto's
// HMAC (RFC 7515 compact serialisation, RFC 7519 claims) rather than through jose's WebCrypto path, which
// imports the key anew for each token: a launch signs one hint and its authentication request checks one.
import { createHmac, type KeyObject, randomUUID, timingSafeEqual } from "node:crypto";
import { MessageHintError, ParameterError } from "../errors.js";
import type { Clock, NonceStore } from "../ports.js";

/** The login initiation parameters (Security Framework §5.1.1.1; LTI Core §4.1). */
export interface LoginInitiation {
  /** The platform's issuer identifier. */
  iss: string;
  /** Identifies the user to the platform in the authentication request (opaque to the tool). */
  login_hint: string;
  target_link_uri: string;
  lti_message_hint: string;
  client_id: string;
  lti_deployment_id: string;
  /** Platform Storage: the frame the tool posts its storage messages to (`_parent`). */
  lti_storage_target?: string;
}

export interface LoginInitiationInput {
  issuer: string;
  loginHint: string;
  targetLinkUri: string;
  messageHint: string;
  clientId: string;
  deploymentId: string;
  storageTarget?: string;
}

function requireText(name: string, value: string): string {
  if (value.trim() === "" || value !== value.trim())
    throw new ParameterError("invalid_parameter", name, "empty or padded");
  return value;
}

function requireHttpUrl(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ParameterError("invalid_parameter", name, "not an absolute URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new ParameterError("invalid_parameter", name, "not http or https");
  return value;
}

/**
 * The login initiation fields. `client_id` and `lti_deployment_id` are always sent: LTI Core makes them
 * optional, but Interop: `@lti-tool/core` requires both, and tools with several registrations per issuer
 * need `client_id` to find theirs (case 81).
 */
export function buildLoginInitiation(input: LoginInitiationInput): LoginInitiation {
  const out: LoginInitiation = {
    iss: requireText("issuer", input.issuer),
    login_hint: requireText("loginHint", input.loginHint),
    target_link_uri: requireHttpUrl("targetLinkUri", input.targetLinkUri),
    lti_message_hint: requireText("messageHint", input.messageHint),
    client_id: requireText("clientId", input.clientId),
    lti_deployment_id: requireText("deploymentId", input.deploymentId),
  };
  if (input.storageTarget !== undefined)
    out.lti_storage_target = requireText("storageTarget", input.storageTarget);
  return out;
}

/**
 * The URL for a GET login initiation: the tool's initiate login URL with the fields added to its query
 * (its own query parameters kept). OIDC Core §4: the request may be a GET or a form POST; for a POST send
 * the LoginInitiation fields as the form.
 */
export function loginInitiationUrl(initiateLoginUrl: string, fields: LoginInitiation): string {
  const u = new URL(requireHttpUrl("initiateLoginUrl", initiateLoginUrl));
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) u.searchParams.set(name, value);
  return u.toString();
}

// ---------------------------------------------------------------------------------------------------------
// lti_message_hint

/** What a message hint binds together. `ref` names the pending message: a resource link id or a DL request. */
export interface MessageHintClaims {
  userId: string;
  clientId: string;
  deploymentId: string;
  messageType: string;
  ref: string;
  jti: string;
  expiresAt: Date;
  /** The `lti_storage_target` offered in the login initiation, for the auth response to echo (case 209). */
  storageTarget?: string;
}

/** How long a hint is good for. The tool normally sends the authentication request within a second. */
export const DEFAULT_MESSAGE_HINT_TTL_SECONDS = 300;
const HINT_ISSUER = "pluto:lti_message_hint";
const MIN_SECRET_BYTES = 32;

/** The secret: raw bytes, or a KeyObject made from them once (`createSecretKey`) to spare the copy per use. */
export type MessageHintSecret = Uint8Array | KeyObject;

function hmacKey(secret: MessageHintSecret): MessageHintSecret {
  // RFC 7518 §3.2: "A key of the same size as the hash output (for instance, 256 bits for "HS256") or larger
  // MUST be used with this algorithm."
  const bytes = secret instanceof Uint8Array ? secret.byteLength : (secret.symmetricKeySize ?? 0);
  if (bytes < MIN_SECRET_BYTES)
    throw new ParameterError("invalid_parameter", "secret", "shorter than 256 bits");
  return secret;
}

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
/** The protected header of every hint (RFC 7515 §4.1.1), encoded once. */
const HINT_HEADER = base64url(JSON.stringify({ alg: "HS256" }));

function hs256(secret: MessageHintSecret, signingInput: string): string {
  return createHmac("sha256", secret).update(signingInput, "ascii").digest("base64url");
}

export interface SignMessageHintInput {
  userId: string;
  clientId: string;
  deploymentId: string;
  messageType: string;
  ref: string;
  /** Platform Storage offered in this login initiation: the auth response then carries it too. */
  storageTarget?: string;
}

/** Signs a message hint for one pending launch. */
export async function signMessageHint(
  input: SignMessageHintInput,
  options: { secret: MessageHintSecret; clock: Clock; ttlSeconds?: number; jti?: string },
): Promise<string> {
  const key = hmacKey(options.secret);
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  const claims: Record<string, string | number> = {
    dep: input.deploymentId,
    mt: input.messageType,
    ref: input.ref,
  };
  if (input.storageTarget !== undefined) claims.st = requireText("storageTarget", input.storageTarget);
  Object.assign(claims, {
    iss: HINT_ISSUER,
    sub: input.userId,
    aud: input.clientId,
    jti: options.jti ?? randomUUID(),
    iat,
    exp: iat + (options.ttlSeconds ?? DEFAULT_MESSAGE_HINT_TTL_SECONDS),
  });
  const signingInput = `${HINT_HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${hs256(key, signingInput)}`;
}

export interface VerifyMessageHintOptions {
  secret: MessageHintSecret;
  clock: Clock;
  /** The tool that sent the authentication request: the hint must have been issued for it. */
  clientId: string;
  /** The user of the current session, when known: the hint must have been issued to them. */
  userId?: string;
  /** When given, the hint is consumed: a second use is `message_hint_reused`. */
  nonceStore?: NonceStore;
}

const notIssuedHere = (reason: string) =>
  new MessageHintError("message_hint_invalid", "lti_message_hint was not issued by this platform", {
    reason,
  });

/** A JSON object from base64url text, or undefined (not base64url, not JSON, not an object). */
function jsonObject(segment: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The payload of a hint whose HS256 signature (RFC 7515 §5.2; compared in constant time), issuer, required
 * claims and lifetime check out: `exp` in the past or now is `message_hint_expired`, with no leeway (the
 * platform's own clock made it); a `nbf` still to come, or any other flaw, is `message_hint_invalid`.
 */
function verifiedPayload(hint: string, secret: MessageHintSecret, now: Date): Record<string, unknown> {
  const parts = hint.split(".");
  if (parts.length !== 3) throw notIssuedHere("not a compact JWS");
  const [h, p, signature] = parts as [string, string, string];
  const header = jsonObject(h);
  if (header === undefined) throw notIssuedHere("the header is not a JSON object");
  // RFC 7515 §4.1.11: a header naming extensions this platform never uses is refused.
  if (header.alg !== "HS256" || header.crit !== undefined) throw notIssuedHere("not an HS256 JWS");
  const expected = Buffer.from(hs256(secret, `${h}.${p}`), "ascii");
  const given = Buffer.from(signature, "ascii");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw notIssuedHere("signature verification failed");
  const payload = jsonObject(p);
  if (payload === undefined) throw notIssuedHere("the payload is not a JSON object");
  for (const name of ["sub", "aud", "jti", "exp", "iat"])
    if (payload[name] === undefined) throw notIssuedHere(`missing required "${name}" claim`);
  if (payload.iss !== HINT_ISSUER) throw notIssuedHere('unexpected "iss" claim value');
  for (const name of ["exp", "iat", "nbf"])
    if (payload[name] !== undefined && (typeof payload[name] !== "number" || !Number.isFinite(payload[name])))
      throw notIssuedHere(`"${name}" claim must be a number`);
  const t = Math.floor(now.getTime() / 1000);
  if (typeof payload.nbf === "number" && payload.nbf > t) throw notIssuedHere('"nbf" claim is in the future');
  if ((payload.exp as number) <= t)
    throw new MessageHintError("message_hint_expired", "The launch is no longer valid: start it again");
  return payload;
}

/**
 * Verifies a message hint this platform signed: signature, expiry (no leeway: the platform's own clock made
 * it), the tool and user it was bound to, then (with a NonceStore) single use. Rejects with a MessageHintError.
 */
export async function verifyMessageHint(
  hint: string,
  options: VerifyMessageHintOptions,
): Promise<MessageHintClaims> {
  const payload = verifiedPayload(hint, hmacKey(options.secret), options.clock.now());
  const { sub, aud, jti, exp, dep, mt, ref, st } = payload;
  if (
    ![sub, aud, jti, dep, mt, ref].every((v) => typeof v === "string") ||
    typeof exp !== "number" ||
    (st !== undefined && typeof st !== "string")
  ) {
    throw new MessageHintError("message_hint_invalid", "lti_message_hint lacks its bindings");
  }
  if (aud !== options.clientId) {
    throw new MessageHintError("message_hint_mismatch", "lti_message_hint was issued for another tool", {
      reason: "client_id",
    });
  }
  const claims: MessageHintClaims = {
    userId: sub as string,
    clientId: aud,
    deploymentId: dep as string,
    messageType: mt as string,
    ref: ref as string,
    jti: jti as string,
    expiresAt: new Date(exp * 1000),
  };
  if (typeof st === "string") claims.storageTarget = st;
  if (options.userId !== undefined) requireHintUser(claims, options.userId);
  if (options.nonceStore !== undefined) await consumeMessageHint(claims, options.nonceStore);
  return claims;
}

/**
 * A verified hint's claims when it was issued to `userId` (the user of the current session), else
 * `message_hint_mismatch`: verifyMessageHint's user check, for a hint verified before the user was known.
 */
export function requireHintUser(claims: MessageHintClaims, userId: string): MessageHintClaims {
  if (claims.userId !== userId) {
    throw new MessageHintError("message_hint_mismatch", "lti_message_hint was issued to another user", {
      reason: "user",
    });
  }
  return claims;
}

/** Records a verified hint as used. Case 94: "A replay gets error=launch_no_longer_valid" (Canvas). */
export async function consumeMessageHint(claims: MessageHintClaims, nonceStore: NonceStore): Promise<void> {
  if (await nonceStore.seen(HINT_ISSUER, claims.jti, claims.expiresAt)) {
    throw new MessageHintError(
      "message_hint_reused",
      "The launch is no longer valid (already used): start it again",
    );
  }
}
