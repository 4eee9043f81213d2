// OAuth 1.0a HMAC-SHA1 request signing and verification as LTI 1.x uses it: RFC 5849 §3.1–3.4 and §3.6, plus
// the OAuth Request Body Hash extension (oauth_body_hash) for POX requests. LTI uses "two-legged" OAuth: no
// token, so the key is enc(consumer secret) + "&".
//
// Why the base string is written here rather than taken from oauth-1.0a's getBaseString (its percentEncode
// IS used, via oauth-encoding.ts): oauth-1.0a
//  - does not normalise the base URI (it only cuts the query: `HTTPS://Tool.Example.com:443/x` stays as is),
//    against §3.4.1.2's MUSTs on case and default ports;
//  - reads query values by splitting on "=" and keeping the second piece, without turning "+" into a space
//    (`?q=a=b&r=c+d` signs as q=a, r=c%2Bd);
//  - merges query into body parameters with an object, so a name in both loses one value (conformance
//    vector V1 signs a=1 only, not a=1&a=3), and mutates the objects it is given.
// Each of these breaks interop with RFC-correct peers; the tests cross-check this module against
// oauth-1.0a where it is right, against ims-lti and against Python oauthlib.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { OAuthError, ParameterError } from "../errors.js";
import type { Clock, NonceSource, NonceStore, SecretLookup } from "../ports.js";
import { type ParamInput, parseFormEncoded, percentEncode, toParamList } from "./oauth-encoding.js";
import { isOAuthAuthorization, parseAuthorizationHeader } from "./oauth-header.js";

export type { ParamInput, ParamList } from "./oauth-encoding.js";
// The Authorization header form lives in oauth-header.ts, body-hash signing of POX requests in
// oauth-body-hash.ts (signBodyHashRequest / verifyBodyHashRequest); both build on this file.
export { buildAuthorizationHeader, parseAuthorizationHeader } from "./oauth-header.js";

export const SIGNATURE_METHODS = ["HMAC-SHA1", "HMAC-SHA256"] as const;
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number];

/** The default freshness window: ±300 s, as the 1EdTech library (conformance case 33). */
export const DEFAULT_TIMESTAMP_WINDOW_SECONDS = 300;

const systemClock: Clock = { now: () => new Date() };
/** 128 random bits, hex: fresh for every request (case 36). */
export const randomNonce: NonceSource = () => randomBytes(16).toString("hex");

/**
 * The base string URI, §3.4.1.2, and the query's parameters (§3.4.1.3.1). "The scheme and host MUST be in
 * lowercase"; "The port MUST be included if it is not the default port for the scheme, and MUST be excluded
 * if it is the default" (WHATWG URL does both, and drops the fragment). The path keeps its case.
 */
export function normalizeRequestUrl(url: string): { baseUri: string; query: Array<[string, string]> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ParameterError("invalid_parameter", "url", "not an absolute URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ParameterError("invalid_parameter", "url", "not http or https");
  }
  const port = u.port === "" ? "" : `:${u.port}`;
  return { baseUri: `${u.protocol}//${u.hostname}${port}${u.pathname}`, query: parseFormEncoded(u.search) };
}

/**
 * The signature base string, §3.4.1.1: METHOD & enc(base URI) & enc(normalised parameters). `params` are the
 * protocol and form-body parameters; the URL's query parameters are added here. "The oauth_signature
 * parameter MUST be excluded from the signature base string if present" (§3.4.1.3.1).
 */
export function signatureBaseString(method: string, url: string, params: ParamInput): string {
  const { baseUri, query } = normalizeRequestUrl(url);
  const pairs = [...query, ...toParamList(params)]
    .filter(([name]) => name !== "oauth_signature")
    .map(([name, value]) => [percentEncode(name), percentEncode(value, name)] as const);
  // §3.4.1.3.2: "sorted by name, using ascending byte value ordering. If two or more parameters share the
  // same name, they are sorted by their value." Encoded strings are ASCII, so code-unit order is byte order.
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const normalized = pairs.map(([n, v]) => `${n}=${v}`).join("&");
  return `${percentEncode(method.toUpperCase())}&${percentEncode(baseUri)}&${percentEncode(normalized)}`;
}

/** HMAC over the base string, §3.4.2: key = enc(client secret) "&" enc(token secret), base64 digest. */
export function hmacSignature(
  baseString: string,
  secret: string,
  method: SignatureMethod = "HMAC-SHA1",
): string {
  const key = `${percentEncode(secret, "secret")}&`;
  return createHmac(method === "HMAC-SHA1" ? "sha1" : "sha256", key)
    .update(baseString)
    .digest("base64");
}

/** oauth_body_hash: base64(SHA-1(the exact entity body bytes)); a string body is hashed as UTF-8. */
export function bodyHash(body: string | Uint8Array): string {
  return createHash("sha1").update(body).digest("base64");
}

export interface SignOptions {
  clock?: Clock;
  nonce?: NonceSource;
  signatureMethod?: SignatureMethod;
}

/** Protocol parameters for a new request, before the signature (§3.1). */
function protocolParams(consumerKey: string, options: SignOptions): Record<string, string> {
  const now = (options.clock ?? systemClock).now();
  return {
    oauth_consumer_key: consumerKey,
    oauth_nonce: (options.nonce ?? randomNonce)(),
    oauth_signature_method: options.signatureMethod ?? "HMAC-SHA1",
    oauth_timestamp: String(Math.floor(now.getTime() / 1000)),
    oauth_version: "1.0",
  };
}

/**
 * Signs form parameters for a POST (or GET) to `url`: returns the parameters to send, i.e. `params` plus the
 * oauth_* protocol parameters and oauth_signature. The URL's own query parameters are signed but NOT copied
 * into the result (they travel in the URL). Conformance case 32: sign exactly what is posted, and never add
 * or change a parameter afterwards.
 */
export function signRequest(
  params: Readonly<Record<string, string>>,
  url: string,
  method: string,
  consumerKey: string,
  secret: string,
  options: SignOptions = {},
): Record<string, string> {
  const out: Record<string, string> = { ...params, ...protocolParams(consumerKey, options) };
  delete out.oauth_signature;
  const base = signatureBaseString(method, url, out);
  out.oauth_signature = hmacSignature(base, secret, options.signatureMethod);
  return out;
}

/**
 * Signs a request whose body is not a form (a POX XML document): the body enters the signature only through
 * oauth_body_hash. Returns the protocol parameters, for an Authorization header (see oauth-body-hash.ts).
 */
export function signBodyHashParams(
  url: string,
  method: string,
  body: string | Uint8Array,
  consumerKey: string,
  secret: string,
  options: SignOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {
    ...protocolParams(consumerKey, options),
    oauth_body_hash: bodyHash(body),
  };
  out.oauth_signature = hmacSignature(signatureBaseString(method, url, out), secret, options.signatureMethod);
  return out;
}

export interface OAuthRequest {
  method: string;
  /** The URL the client signed: the PUBLIC URL (scheme, host and port as the peer saw them) with its query. */
  url: string;
  /** Form-body parameters; §3.4.1.3.1 counts the body only when it is application/x-www-form-urlencoded. */
  params?: ParamInput;
  /** The Authorization header, when the protocol parameters travel there. */
  authorization?: string;
  /** The raw body of a non-form request (POX): its oauth_body_hash is then required and checked. */
  body?: string | Uint8Array;
}

export interface VerifyOptions {
  /** The consumer's shared secret, or a lookup by consumer key (undefined: unknown key). */
  secret: string | SecretLookup;
  clock: Clock;
  nonceStore: NonceStore;
  timestampWindowSeconds?: number;
  /** Accepted methods; default HMAC-SHA1 only (case 30: PLAINTEXT is never accepted). */
  signatureMethods?: readonly SignatureMethod[];
}

export interface VerifiedRequest {
  consumerKey: string;
  nonce: string;
  timestamp: number;
  signatureMethod: SignatureMethod;
  /** Every oauth_* protocol parameter received, by name. */
  oauth: Readonly<Record<string, string>>;
}

const REQUIRED = [
  "oauth_consumer_key",
  "oauth_signature_method",
  "oauth_signature",
  "oauth_timestamp",
  "oauth_nonce",
];

/** Every parameter of the request (query, body, header minus realm) and its oauth_* ones, checked unique. */
function collect(req: OAuthRequest): { all: Array<[string, string]>; oauth: Record<string, string> } {
  const header = isOAuthAuthorization(req.authorization)
    ? parseAuthorizationHeader(req.authorization)
    : undefined;
  // The URL's query is added by signatureBaseString; here it only matters for finding oauth_* parameters.
  const signed = [...toParamList(req.params), ...(header?.params ?? [])];
  const oauth: Record<string, string> = {};
  for (const [name, value] of [...normalizeRequestUrl(req.url).query, ...signed]) {
    if (!name.startsWith("oauth_")) continue;
    if (Object.hasOwn(oauth, name))
      throw new ParameterError("invalid_parameter", name, "sent more than once");
    oauth[name] = value;
  }
  return { all: signed, oauth };
}

/**
 * Verifies a signed request, in this order: protocol parameters present and well-formed, signature (constant
 * time), body hash (when `req.body` is given), timestamp window, then the nonce — recorded only for requests
 * that passed every other check, so forged requests cannot burn nonces. Resolves with the consumer key and
 * protocol parameters; rejects with a ParameterError or OAuthError.
 */
export async function verifyRequest(req: OAuthRequest, options: VerifyOptions): Promise<VerifiedRequest> {
  const { all, oauth } = collect(req);
  for (const name of REQUIRED) {
    if (!oauth[name]) throw new ParameterError("missing_parameter", name);
  }
  const consumerKey = oauth.oauth_consumer_key!;
  const nonce = oauth.oauth_nonce!;
  if (consumerKey.length > 255)
    throw new ParameterError("invalid_parameter", "oauth_consumer_key", "too long");
  if (nonce.length > 255) throw new ParameterError("invalid_parameter", "oauth_nonce", "too long");
  // §3.2: "If the oauth_version parameter is present, ensuring its value is 1.0."
  if (oauth.oauth_version !== undefined && oauth.oauth_version !== "1.0") {
    throw new ParameterError("invalid_parameter", "oauth_version", "must be 1.0");
  }
  const method = oauth.oauth_signature_method as SignatureMethod;
  if (!(options.signatureMethods ?? ["HMAC-SHA1"]).includes(method)) {
    throw new OAuthError("unsupported_signature_method", `Signature method ${method} is not accepted`, {
      consumerKey,
    });
  }
  // §3.3: "The timestamp value MUST be a positive integer."
  const tsText = oauth.oauth_timestamp!;
  if (!/^[1-9][0-9]{0,11}$/.test(tsText)) {
    throw new ParameterError("invalid_parameter", "oauth_timestamp", "not a positive integer");
  }
  const timestamp = Number(tsText);

  const secret = typeof options.secret === "string" ? options.secret : await options.secret(consumerKey);
  if (secret === undefined) {
    // Case 4: an unknown key is refused like a bad signature, without saying which of the two it was.
    throw new OAuthError("bad_signature", "Invalid OAuth signature", {
      consumerKey,
      reason: "unknown consumer key",
    });
  }
  // §3.2: servers "MUST validate it by: Recalculating the request signature independently ... and comparing
  // it to the value received". Compared in constant time (case 29).
  const expected = hmacSignature(signatureBaseString(req.method, req.url, all), secret, method);
  if (!safeEqual(expected, oauth.oauth_signature!)) {
    throw new OAuthError("bad_signature", "Invalid OAuth signature", {
      consumerKey,
      reason: "signature mismatch",
    });
  }
  if (req.body !== undefined) {
    // Body hash draft §4.2: the receiver recomputes the hash of the body it got; LTI POX requires it (case 48).
    const received = oauth.oauth_body_hash;
    if (received === undefined) throw new ParameterError("missing_parameter", "oauth_body_hash");
    if (!safeEqual(bodyHash(req.body), received)) {
      throw new OAuthError("bad_body_hash", "oauth_body_hash does not match the request body", {
        consumerKey,
      });
    }
  }
  const window = options.timestampWindowSeconds ?? DEFAULT_TIMESTAMP_WINDOW_SECONDS;
  const nowSeconds = Math.floor(options.clock.now().getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > window) {
    throw new OAuthError("stale_timestamp", `oauth_timestamp is more than ${window}s from the server clock`, {
      consumerKey,
      reason: `timestamp ${timestamp}, server ${nowSeconds}`,
    });
  }
  // §3.2: "ensuring that the combination of nonce/timestamp/token (if present) received from the client has
  // not been used before". Kept until the timestamp can no longer pass the window check (case 35).
  const expiresAt = new Date((Math.max(timestamp, nowSeconds) + window) * 1000);
  if (await options.nonceStore.seen(consumerKey, nonce, expiresAt)) {
    throw new OAuthError("replayed_nonce", "oauth_nonce has already been used", { consumerKey });
  }
  return { consumerKey, nonce, timestamp, signatureMethod: method, oauth };
}

/** Constant-time string comparison (crypto.timingSafeEqual needs equal lengths; a length mismatch is false). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
