// Names used by Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0): the LTI objects inside
// the OpenID documents (§3.4, §3.5.2) and the scopes a tool may ask for (AGS 2.0 §3.1, NRPS 2.0 §2.1). Kept
// here; the claim and scope URIs themselves are vocab/claims.ts's.

import { AGS_SCOPE, NRPS_SCOPE_MEMBERSHIP_READONLY } from "../vocab/claims.js";

export const PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration";
export const TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration";

/** Service scopes (the `scope` of a registration and of a client_credentials token), from vocab/claims.ts. */
export const LTI_SCOPES = {
  agsLineItem: AGS_SCOPE.lineItem,
  agsLineItemReadOnly: AGS_SCOPE.lineItemReadOnly,
  agsResultReadOnly: AGS_SCOPE.resultReadOnly,
  agsScore: AGS_SCOPE.score,
  nrpsContextMembershipReadOnly: NRPS_SCOPE_MEMBERSHIP_READONLY,
} as const;

export const AGS_SCOPES: readonly string[] = [
  LTI_SCOPES.agsLineItem,
  LTI_SCOPES.agsLineItemReadOnly,
  LTI_SCOPES.agsResultReadOnly,
  LTI_SCOPES.agsScore,
];
export const NRPS_SCOPES: readonly string[] = [LTI_SCOPES.nrpsContextMembershipReadOnly];

/** OpenID Connect standard claims a tool may ask for (OIDC Core §5.1), by what they disclose. */
export const NAME_CLAIMS: readonly string[] = [
  "name",
  "given_name",
  "family_name",
  "middle_name",
  "nickname",
];
export const EMAIL_CLAIMS: readonly string[] = ["email"];
export const PICTURE_CLAIMS: readonly string[] = ["picture"];

/** The message types a registration may list (LTI 1.3 Core §5.1, Deep Linking 2.0 §4.4). */
export const MESSAGE_TYPES = {
  resourceLink: "LtiResourceLinkRequest",
  deepLinkingRequest: "LtiDeepLinkingRequest",
} as const;

/**
 * An absolute URL a registration may name: https, or http on a loopback host when `allowInsecureLoopback`
 * (tests and local tools; RFC 8252 §7.3 treats loopback as the one http exception). Returns undefined if not.
 */
export function registrationUrl(value: unknown, allowInsecureLoopback = false): string | undefined {
  if (typeof value !== "string" || value.length > 2048) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol === "https:") return value;
  if (u.protocol === "http:" && allowInsecureLoopback && isLoopback(u.hostname)) return value;
  return undefined;
}

/** A loopback host name: localhost, any 127.0.0.0/8 address, or [::1]. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "[::1]";
}
