// Third-party initiated login, platform side: the login initiation request the platform sends to the tool's
// "Initiate login URL", and the `lti_message_hint` it carries. OpenID Connect Core §4 (third-party initiated
// login), 1EdTech Security Framework §5.1.1.1, LTI 1.3 Core §4.1 (`lti_message_hint`, `lti_deployment_id`,
// `client_id`), Platform Storage (`lti_storage_target`). Conformance cases 78–83, 94 and 209.
//
// The hint is an HS256 JWT under a platform secret: short-lived, bound to the user, the tool and the link,
// with a `jti` recorded as used in the NonceStore when the authentication request consumes it. Canvas makes
// it a handle to a cached launch (case 94); a signed token needs no row until it is used.
import { randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
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

function hmacKey(secret: Uint8Array): Uint8Array {
  // RFC 7518 §3.2: "A key of the same size as the hash output (for instance, 256 bits for "HS256") or larger
  // MUST be used with this algorithm."
  if (secret.byteLength < MIN_SECRET_BYTES)
    throw new ParameterError("invalid_parameter", "secret", "shorter than 256 bits");
  return secret;
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
  options: { secret: Uint8Array; clock: Clock; ttlSeconds?: number; jti?: string },
): Promise<string> {
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  const claims: Record<string, string> = { dep: input.deploymentId, mt: input.messageType, ref: input.ref };
  if (input.storageTarget !== undefined) claims.st = requireText("storageTarget", input.storageTarget);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(HINT_ISSUER)
    .setSubject(input.userId)
    .setAudience(input.clientId)
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSeconds ?? DEFAULT_MESSAGE_HINT_TTL_SECONDS))
    .sign(hmacKey(options.secret));
}

export interface VerifyMessageHintOptions {
  secret: Uint8Array;
  clock: Clock;
  /** The tool that sent the authentication request: the hint must have been issued for it. */
  clientId: string;
  /** The user of the current session, when known: the hint must have been issued to them. */
  userId?: string;
  /** When given, the hint is consumed: a second use is `message_hint_reused`. */
  nonceStore?: NonceStore;
}

/**
 * Verifies a message hint this platform signed: signature, expiry (no leeway: the platform's own clock made
 * it), the tool and user it was bound to, then (with a NonceStore) single use. Rejects with a MessageHintError.
 */
export async function verifyMessageHint(
  hint: string,
  options: VerifyMessageHintOptions,
): Promise<MessageHintClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(hint, hmacKey(options.secret), {
      algorithms: ["HS256"],
      issuer: HINT_ISSUER,
      currentDate: options.clock.now(),
      requiredClaims: ["sub", "aud", "jti", "exp", "iat"],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired)
      throw new MessageHintError("message_hint_expired", "The launch is no longer valid: start it again");
    throw new MessageHintError("message_hint_invalid", "lti_message_hint was not issued by this platform", {
      reason: String(e),
    });
  }
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
  if (options.userId !== undefined && sub !== options.userId) {
    throw new MessageHintError("message_hint_mismatch", "lti_message_hint was issued to another user", {
      reason: "user",
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
  if (options.nonceStore !== undefined) await consumeMessageHint(claims, options.nonceStore);
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
