// OAuth Request Body Hash (draft-eaton-oauth-bodyhash-00) for LTI POX services: Basic Outcomes requests are
// XML bodies signed through `oauth_body_hash` = base64(SHA-1(body)) with the protocol parameters in an
// `Authorization: OAuth ...` header (LTI 1.1 Implementation Guide §6; conformance case 48).

import {
  type OAuthRequest,
  type SignOptions,
  signBodyHashParams,
  type VerifiedRequest,
  type VerifyOptions,
  verifyRequest,
} from "./oauth.js";
import { buildAuthorizationHeader } from "./oauth-header.js";

export interface BodyHashRequest {
  url: string;
  /** Default POST. */
  method?: string;
  /** The exact bytes that will be sent (a string is sent as UTF-8). */
  body: string | Uint8Array;
  consumerKey: string;
  secret: string;
}

export interface SignedBodyHashRequest {
  /** The `Authorization` header value to send. */
  authorization: string;
  /** The protocol parameters it carries (oauth_body_hash and oauth_signature included). */
  oauth: Record<string, string>;
}

/** Signs a POX request. The body hash draft: consumers "MUST NOT include" it on form-encoded bodies. */
export function signBodyHashRequest(
  req: BodyHashRequest,
  options: SignOptions & { realm?: string } = {},
): SignedBodyHashRequest {
  const oauth = signBodyHashParams(
    req.url,
    req.method ?? "POST",
    req.body,
    req.consumerKey,
    req.secret,
    options,
  );
  return { authorization: buildAuthorizationHeader(oauth, options.realm ?? ""), oauth };
}

/**
 * Verifies a POX request: signature over the URL and header parameters, oauth_body_hash against the exact
 * body received (required: a missing one is missing_parameter, a wrong one bad_body_hash), timestamp and
 * nonce. The caller caps the body size before calling.
 */
export function verifyBodyHashRequest(
  req: { method?: string; url: string; authorization: string | undefined; body: string | Uint8Array },
  options: VerifyOptions,
): Promise<VerifiedRequest> {
  const request: OAuthRequest = { method: req.method ?? "POST", url: req.url, body: req.body };
  if (req.authorization !== undefined) request.authorization = req.authorization;
  return verifyRequest(request, options);
}
