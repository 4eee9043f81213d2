// The LTI 1.1 memberships extension Pluto offers tools (basic-lis-readmembershipsforcontext; conformance cases
// 61–65): a signed form POST whose `id` is the ext_ims_lis_memberships_id given at launch (a tamper-proof
// token naming the activity), answered with the course's current participants, their roles and — as the
// activity's privacy settings allow — names and emails.
import type { AppContext } from "../../../app/context.js";
import { isLtiError, type LtiError, type LtiErrorCode, ParameterError } from "../../../lti/errors.js";
import {
  buildMembershipsResponse,
  type Member,
  parseMembershipsRequest,
} from "../../../lti/v1p1/memberships.js";
import { verifyRequest } from "../../../lti/v1p1/oauth.js";
import type { ParamInput } from "../../../lti/v1p1/oauth-encoding.js";
import { launchRoles } from "../../../lti/vocab/roles.js";
import { iso } from "../../../shared/clock.js";
import { findActivity } from "../../activities/activities.service.js";
import { listParticipants } from "../../enrolments/enrolments.service.js";
import { toolNonceStore } from "../../lti-common/nonces.service.js";
import { rolesGrant } from "../../roles/capabilities.js";
import { buildSourcedId, opaqueUserId, siteSecret, verifyMembershipsId } from "../tokens.service.js";
import { effectiveMaxGrade, readLtiSettings, resolveTool, toolDeploymentOf } from "../tools/lti-settings.js";

export const MEMBERSHIPS_PATH = "/lti/memberships";
export const MEMBERSHIPS_BODY_LIMIT = 64 * 1024;

/** Why a memberships request was refused; src/http/lti-errors.ts gives each its status. */
export type MembershipsReason =
  | LtiErrorCode
  | "oauth_missing_parameter"
  | "oauth_invalid_parameter"
  | "invalid_id"
  | "unknown_id"
  | "unsupported_media_type"
  | "too_large"
  | "invalid_request"
  | "unavailable"
  | "internal";

export interface MembershipsReply {
  xml: string;
  /** Why it failed (absent: it succeeded), for the status and the log. */
  reason?: MembershipsReason;
}

const AUTH_FAILURES = new Set([
  "bad_signature",
  "bad_body_hash",
  "stale_timestamp",
  "replayed_nonce",
  "unsupported_signature_method",
]);

export function membershipsFailure(reason: MembershipsReason, description: string): MembershipsReply {
  return {
    reason,
    xml: buildMembershipsResponse({ members: [], codeMajor: "Failure", description }),
  };
}

function single(params: ParamInput, name: string): string | undefined {
  const v = (params as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

export async function handleMembershipsRequest(
  ctx: AppContext,
  params: ParamInput,
): Promise<MembershipsReply> {
  const secret = await siteSecret(ctx.db, ctx.clock);
  const id = single(params, "id");
  const activityId = id === undefined ? undefined : verifyMembershipsId(secret, id);
  if (activityId === undefined) return membershipsFailure("invalid_id", "The memberships id is not valid.");
  const activity = await findActivity(ctx.db, activityId);
  if (activity?.type !== "lti")
    return membershipsFailure("unknown_id", "The memberships id names no current link.");
  const settings = readLtiSettings(activity.settings);
  const tool = await resolveTool(ctx, settings);
  try {
    await verifyRequest(
      { method: "POST", url: `${ctx.config.publicUrl}${MEMBERSHIPS_PATH}`, params },
      {
        secret: (key) => (tool.consumerKey && key === tool.consumerKey ? tool.sharedSecret : undefined),
        clock: ctx.clock,
        nonceStore: toolNonceStore(ctx.db, ctx.clock, toolDeploymentOf(activity.id, tool)),
      },
    );
    parseMembershipsRequest(params);
  } catch (err) {
    if (!isLtiError(err)) throw err;
    const e = err as LtiError;
    const oauthParameter = e instanceof ParameterError && e.parameter.startsWith("oauth_");
    const auth = AUTH_FAILURES.has(e.code) || oauthParameter;
    const reason: MembershipsReason = oauthParameter ? `oauth_${e.code}` : e.code;
    return membershipsFailure(reason, auth ? "The request is not signed correctly." : e.message);
  }

  const now = iso(ctx.clock.now());
  const grades = effectiveMaxGrade(tool, settings) !== null;
  const { shareName, shareEmail } = tool.privacy;
  const members: Member[] = [];
  for (const p of await listParticipants(ctx.db, activity.courseId)) {
    const current =
      p.status === "active" && (!p.timeStart || p.timeStart <= now) && (!p.timeEnd || p.timeEnd > now);
    if (!current || p.roles.length === 0) continue;
    const instructor = rolesGrant(p.roles, "course:managematerial");
    const m: Member = {
      userId: opaqueUserId(secret, p.userId),
      roles: launchRoles([instructor ? "Instructor" : "Learner"]).split(","),
    };
    if (shareName) {
      if (p.firstname) m.givenName = p.firstname;
      if (p.lastname) m.familyName = p.lastname;
      const full = `${p.firstname} ${p.lastname}`.trim();
      if (full) m.fullName = full;
    }
    if (shareEmail && p.email) m.email = p.email;
    if (grades && !instructor) m.resultSourcedId = buildSourcedId(secret, activity.id, p.userId);
    members.push(m);
  }
  return { xml: buildMembershipsResponse({ members }) };
}
