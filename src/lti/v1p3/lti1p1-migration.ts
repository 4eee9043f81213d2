// The LTI 1.1 → 1.3 migration claim (`https://purl.imsglobal.org/spec/lti/claim/lti1p1`, LTI 1.3
// migration guide; conformance cases 215–216). A platform that moved a tool from 1.1 to 1.3 sends it in
// every 1.3 launch: the 1.1 consumer key, a sign proving the platform holds the 1.1 secret, and the 1.1
// ids (user_id, context_id, resource_link_id) where they differ from the 1.3 ones, so the tool can map its
// 1.1 users and links to the 1.3 launch. The sign is base64(HMAC-SHA256(1.1 secret,
// `oauth_consumer_key&deployment_id&iss&client_id&exp&nonce`)) over the id_token's own values (V4).
import { createHmac, timingSafeEqual } from "node:crypto";
import { ParameterError } from "../errors.js";
import { LTI_CLAIM } from "../vocab/claims.js";

export const LTI1P1_CLAIM = LTI_CLAIM.lti1p1;

/** What the sign covers: the 1.1 key and the id_token's deployment_id, iss, client_id (aud), exp and nonce. */
export interface Lti1p1SignInput {
  consumerKey: string;
  deploymentId: string;
  issuer: string;
  clientId: string;
  /** The id_token's `exp`, in seconds. */
  exp: number;
  nonce: string;
}

/** The claim's value. Key names as in the migration guide (no trailing space: case 217). */
export interface Lti1p1Claim {
  oauth_consumer_key: string;
  oauth_consumer_key_sign: string;
  user_id?: string;
  context_id?: string;
  resource_link_id?: string;
  tool_consumer_instance_guid?: string;
}

/** The string the sign is computed over. */
export function lti1p1SignBaseString(v: Lti1p1SignInput): string {
  return [v.consumerKey, v.deploymentId, v.issuer, v.clientId, String(v.exp), v.nonce].join("&");
}

/** base64(HMAC-SHA256(secret, key&deployment_id&iss&client_id&exp&nonce)). */
export function lti1p1Sign(secret: string, v: Lti1p1SignInput): string {
  if (secret === "") throw new ParameterError("missing_parameter", "secret");
  if (v.consumerKey === "") throw new ParameterError("missing_parameter", "consumerKey");
  return createHmac("sha256", secret).update(lti1p1SignBaseString(v), "utf8").digest("base64");
}

/** The tool's check of a received claim's sign with the 1.1 secret it holds (constant time). */
export function verifyLti1p1Sign(secret: string, sign: string, v: Lti1p1SignInput): boolean {
  const expected = Buffer.from(lti1p1Sign(secret, v));
  const given = Buffer.from(sign);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The ids a tool saw in the 1.1 launches of the same user, course and link. */
export interface Lti11Ids {
  userId?: string;
  contextId?: string;
  resourceLinkId?: string;
  toolConsumerInstanceGuid?: string;
}

/** The same ids as the 1.3 launch names them (sub, context.id, resource_link.id, tool_platform.guid). */
export interface Lti13Ids {
  sub: string;
  contextId?: string;
  resourceLinkId?: string;
  toolPlatformGuid?: string;
}

/** The claim: the key and sign always, each 1.1 id only where it differs from its 1.3 counterpart (case 216). */
export function buildLti1p1Claim(
  v: Lti1p1SignInput & { secret: string; lti11: Lti11Ids; lti13: Lti13Ids },
): Lti1p1Claim {
  const claim: Lti1p1Claim = {
    oauth_consumer_key: v.consumerKey,
    oauth_consumer_key_sign: lti1p1Sign(v.secret, v),
  };
  const differs = (old: string | undefined, now: string | undefined): old is string =>
    old !== undefined && old !== "" && old !== now;
  if (differs(v.lti11.userId, v.lti13.sub)) claim.user_id = v.lti11.userId;
  if (differs(v.lti11.contextId, v.lti13.contextId)) claim.context_id = v.lti11.contextId;
  if (differs(v.lti11.resourceLinkId, v.lti13.resourceLinkId))
    claim.resource_link_id = v.lti11.resourceLinkId;
  if (differs(v.lti11.toolConsumerInstanceGuid, v.lti13.toolPlatformGuid))
    claim.tool_consumer_instance_guid = v.lti11.toolConsumerInstanceGuid;
  return claim;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const field = (o: unknown, k: string): string | undefined =>
  o && typeof o === "object" ? str((o as Record<string, unknown>)[k]) : undefined;

/**
 * Adds the claim to an id_token's claims (before signing), the sign over that token's own iss, aud,
 * deployment_id, exp and nonce, and the 1.1 ids compared with its sub, context, resource link and platform.
 */
export function withLti1p1Claim<T extends Record<string, unknown>>(
  claims: T,
  v: { consumerKey: string; secret: string; lti11: Lti11Ids },
): T & { [LTI1P1_CLAIM]: Lti1p1Claim } {
  const aud = Array.isArray(claims.aud) ? str(claims.aud[0]) : str(claims.aud);
  const issuer = str(claims.iss);
  const deploymentId = str(claims[LTI_CLAIM.deploymentId]);
  const nonce = str(claims.nonce);
  const exp = claims.exp;
  const sub = str(claims.sub);
  if (issuer === undefined) throw new ParameterError("missing_parameter", "iss");
  if (aud === undefined) throw new ParameterError("missing_parameter", "aud");
  if (deploymentId === undefined) throw new ParameterError("missing_parameter", "deploymentId");
  if (nonce === undefined) throw new ParameterError("missing_parameter", "nonce");
  if (typeof exp !== "number" || !Number.isInteger(exp)) throw new ParameterError("missing_parameter", "exp");
  if (sub === undefined) throw new ParameterError("missing_parameter", "sub");
  const claim = buildLti1p1Claim({
    consumerKey: v.consumerKey,
    secret: v.secret,
    deploymentId,
    issuer,
    clientId: aud,
    exp,
    nonce,
    lti11: v.lti11,
    lti13: {
      sub,
      contextId: field(claims[LTI_CLAIM.context], "id"),
      resourceLinkId: field(claims[LTI_CLAIM.resourceLink], "id"),
      toolPlatformGuid: field(claims[LTI_CLAIM.toolPlatform], "guid"),
    },
  });
  return { ...claims, [LTI1P1_CLAIM]: claim };
}

/** What a tool makes of a received claim: the 1.1 identity it proves, or why it proves none. */
export type Lti1p1Check =
  | { ok: true; consumerKey: string /** the 1.1 user_id: the claim's, else the 1.3 sub */; userId: string }
  | { ok: false; reason: "lti1p1_malformed" | "lti1p1_sign_mismatch"; message: string };

/**
 * The tool's check of a verified id_token's lti1p1 claim with the 1.1 secret of the key it names (migration
 * guide: "the tool MUST verify the signature"): the key and sign present, the sign over this token's own
 * deployment_id, iss, aud, exp and nonce. The 1.1 user is the claim's user_id where it differs, else `sub`.
 */
export function checkLti1p1Claim(
  value: unknown,
  secretOf: (consumerKey: string) => string | undefined,
  token: { issuer: string; clientId: string; deploymentId: string; exp: number; nonce: string; sub: string },
): Lti1p1Check {
  const key = field(value, "oauth_consumer_key");
  const sign = field(value, "oauth_consumer_key_sign");
  if (key === undefined || key === "" || sign === undefined || sign === "")
    return {
      ok: false,
      reason: "lti1p1_malformed",
      message: "The lti1p1 claim lacks oauth_consumer_key or oauth_consumer_key_sign",
    };
  const secret = secretOf(key);
  const input = { consumerKey: key, ...token };
  if (secret === undefined || secret === "" || !verifyLti1p1Sign(secret, sign, input))
    return {
      ok: false,
      reason: "lti1p1_sign_mismatch",
      message: `The lti1p1 sign does not verify with the LTI 1.1 secret of consumer key ${key.slice(0, 100)}`,
    };
  const userId = field(value, "user_id");
  return { ok: true, consumerKey: key, userId: userId !== undefined && userId !== "" ? userId : token.sub };
}
