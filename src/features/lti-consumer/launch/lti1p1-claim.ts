// The LTI 1.1 migration claim of an upgraded tool's LTI 1.3 launches (conformance case 216): a site tool
// upgraded from 1.1 (tools/tool-registrations.service.ts `upgradeLti11Tool`) keeps its 1.1 consumer key
// and shared secret, and each id_token then carries `lti1p1` with that key, its sign over the token's own
// values, and the 1.1 ids where they differ from the 1.3 ones. The protocol is src/lti/v1p3/lti1p1-migration.ts.
import { type Lti11Ids, withLti1p1Claim } from "../../../lti/v1p3/lti1p1-migration.js";
import type { ToolType } from "../lti-consumer.repository.js";
import { opaqueUserId } from "../tokens.service.js";

/**
 * The ids Pluto's LTI 1.1 launch (launch.service.ts `buildSignedLaunch`) sends for this user, activity and
 * course: user_id (the opaque id from the site secret), resource_link_id, context_id and
 * tool_consumer_instance_guid.
 */
export function lti11IdsOf(v: {
  siteSecret: string;
  userId: number;
  activityId: number;
  courseId: number;
  publicUrl: string;
}): Lti11Ids {
  return {
    userId: opaqueUserId(v.siteSecret, v.userId),
    resourceLinkId: String(v.activityId),
    contextId: String(v.courseId),
    toolConsumerInstanceGuid: new URL(v.publicUrl).host,
  };
}

/** The id_token's claims, with `lti1p1` when the tool kept an LTI 1.1 key and secret; unchanged otherwise. */
export function withMigrationClaim<T extends Record<string, unknown>>(
  claims: T,
  tool: Pick<ToolType, "consumerKey" | "sharedSecret"> | undefined,
  lti11: Lti11Ids,
): T {
  if (!tool || tool.consumerKey === "" || tool.sharedSecret === "") return claims;
  return withLti1p1Claim(claims, { consumerKey: tool.consumerKey, secret: tool.sharedSecret, lti11 });
}
