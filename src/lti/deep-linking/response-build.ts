// The tool's side of LtiDeepLinkingResponse (Deep Linking 2.0 §4.5; conformance cases 143–146): the
// `ltiResourceLink` items a tool offers, the check that they fit the request's settings, the claims and the
// signed JWT a tool posts back as the form field `JWT`. Pluto-the-tool answers platforms with it
// (features/lti-provider/deep-linking/); Pluto-the-platform's tests sign with it too. The pair of response.ts
// (buildX / parseX).
import { randomBytes } from "node:crypto";
import { type CryptoKey, type KeyObject, SignJWT } from "jose";
import { DeepLinkingError } from "../errors.js";
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

/** A line item the platform is to create with the link (Deep Linking 2.0 §3.1, `lineItem`). */
export interface ResourceLinkLineItem {
  /** Required, > 0. */
  scoreMaximum: number;
  label?: string;
  resourceId?: string;
  tag?: string;
}

export interface ResourceLinkItemInput {
  /** The tool's launch URL for the link (optional in the spec: the platform then uses the tool's). */
  url?: string;
  title?: string;
  text?: string;
  /** Custom parameters the platform sends back on each launch of the link (strings only, case 146). */
  custom?: Readonly<Record<string, string>>;
  lineItem?: ResourceLinkLineItem;
}

/** An `ltiResourceLink` content item (Deep Linking 2.0 §3.1; case 146). */
export function buildResourceLinkItem(input: ResourceLinkItemInput): Record<string, unknown> {
  const item: Record<string, unknown> = { type: "ltiResourceLink" };
  if (input.url !== undefined) item.url = input.url;
  if (input.title !== undefined) item.title = input.title;
  if (input.text !== undefined && input.text !== "") item.text = input.text;
  if (input.custom !== undefined && Object.keys(input.custom).length > 0) item.custom = { ...input.custom };
  if (input.lineItem !== undefined) {
    const l = input.lineItem;
    // §3.1: "scoreMaximum ... Positive decimal value indicating the maximum score possible for this activity".
    if (!Number.isFinite(l.scoreMaximum) || l.scoreMaximum <= 0)
      throw new DeepLinkingError("dl_invalid_item", "A line item needs a positive scoreMaximum", {
        field: "lineItem.scoreMaximum",
      });
    const lineItem: Record<string, unknown> = { scoreMaximum: l.scoreMaximum };
    if (l.label !== undefined) lineItem.label = l.label;
    if (l.resourceId !== undefined) lineItem.resourceId = l.resourceId;
    if (l.tag !== undefined) lineItem.tag = l.tag;
    item.lineItem = lineItem;
  }
  return item;
}

/** What a Deep Linking request allows the response to hold (the request's `deep_linking_settings`). */
export interface ResponseAllowance {
  acceptTypes: readonly string[];
  /** Absent: at most one item (the platform did not say it takes several). */
  acceptMultiple?: boolean;
}

/**
 * Case 145: the response holds only items of the accepted types, and at most one when the platform does not
 * accept several. Throws `dl_type_not_accepted` / `dl_multiple_not_accepted`.
 */
export function requireAcceptedItems(
  items: readonly { readonly type?: unknown }[],
  allowance: ResponseAllowance,
): void {
  items.forEach((item, index) => {
    if (typeof item.type !== "string" || !allowance.acceptTypes.includes(item.type))
      throw new DeepLinkingError("dl_type_not_accepted", "The platform does not accept this item type here", {
        index,
        field: "type",
      });
  });
  // §4.4.1 accept_multiple: "Whether the platform allows multiple content items to be submitted".
  if (items.length > 1 && allowance.acceptMultiple !== true)
    throw new DeepLinkingError("dl_multiple_not_accepted", "The platform accepts one item here");
}
