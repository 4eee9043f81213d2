// The tool's side of LtiDeepLinkingResponse (Deep Linking 2.0 §4.5; conformance cases 143–145): the claims
// and the signed JWT a tool posts back as the form field `JWT`. Pluto is the platform; this serves its tests
// and any test tool that talks to it, and is the pair of response.ts (buildX / parseX).
import { randomBytes } from "node:crypto";
import { type CryptoKey, type KeyObject, SignJWT } from "jose";
import type { Clock } from "../ports.js";
import { LTI13_MESSAGE_TYPES, LTI13_VERSION } from "../vocab/messages.js";
import { CORE_CLAIMS, DL_CLAIMS } from "./claims.js";

export interface DeepLinkingResponseInput {
  clientId: string;
  platformIssuer: string;
  deploymentId: string;
  /** The request's `data`, echoed when the request had one. */
  data?: string;
  /** Content items as JSON (the tool's words: `{type: "ltiResourceLink", title, url, …}`). */
  contentItems: readonly unknown[];
  msg?: string;
  log?: string;
  errormsg?: string;
  errorlog?: string;
  /** Default: 128 fresh random bits. */
  nonce?: string;
}

/** The response claims, without iat and exp (signDeepLinkingResponse adds them). */
export function buildDeepLinkingResponseClaims(input: DeepLinkingResponseInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: input.clientId,
    aud: input.platformIssuer,
    nonce: input.nonce ?? randomBytes(16).toString("hex"),
    [CORE_CLAIMS.messageType]: LTI13_MESSAGE_TYPES.deepLinkingResponse,
    [CORE_CLAIMS.version]: LTI13_VERSION,
    [CORE_CLAIMS.deploymentId]: input.deploymentId,
    [DL_CLAIMS.contentItems]: [...input.contentItems],
  };
  if (input.data !== undefined) claims[DL_CLAIMS.data] = input.data;
  if (input.msg !== undefined) claims[DL_CLAIMS.msg] = input.msg;
  if (input.log !== undefined) claims[DL_CLAIMS.log] = input.log;
  if (input.errormsg !== undefined) claims[DL_CLAIMS.errormsg] = input.errormsg;
  if (input.errorlog !== undefined) claims[DL_CLAIMS.errorlog] = input.errorlog;
  return claims;
}

export interface SignOptions {
  /** The tool's private key (RS256). */
  key: CryptoKey | KeyObject;
  kid: string;
  clock: Clock;
  /** Default 300 s. */
  expiresInSeconds?: number;
}

/** Signs response claims with RS256 and the tool's `kid` (case 144). */
export async function signDeepLinkingResponse(
  claims: Record<string, unknown>,
  options: SignOptions,
): Promise<string> {
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: options.kid, typ: "JWT" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? 300))
    .sign(options.key);
}
