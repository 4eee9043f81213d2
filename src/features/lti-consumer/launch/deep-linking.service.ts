// LTI Deep Linking, Pluto as the platform: a teacher's "Select content" in the External tool form sends an
// LtiDeepLinkingRequest to a site tool that supports it (the OIDC login of lti13-launch.service.ts with
// message type LtiDeepLinkingRequest), and the tool's response, posted to DEEP_LINKING_RETURN_PATH as the
// form field `JWT`, becomes one activity per content item, in order, in the chosen section (or, for a
// re-link, replaces the link of the activity the request was made from).
//
// Without the session cookie: the tool's frame is cross-site, so the response is matched to its request by
// the `data` claim alone. `data` is the key of a pending request row (lti_deep_link_requests, the same on
// every node) that names the user, course, section and tool, lives ten minutes and is deleted in the
// transaction that creates the activities, which makes it single use. The response's unverified payload is
// read only to find that row (and so the tool's keyset); then it is verified in full.
import { decodeJwt } from "jose";
import type { Actor, AppContext } from "../../../app/context.js";
import { DL_CLAIMS } from "../../../lti/deep-linking/claims.js";
import { newDeepLinkingData } from "../../../lti/deep-linking/request.js";
import {
  type DeepLinkItem,
  type DeepLinkingResponse,
  type ResourceLinkItem,
  verifyDeepLinkingResponse,
} from "../../../lti/deep-linking/response.js";
import { DeepLinkingError, isLtiError } from "../../../lti/errors.js";
import { verifyToolJwt } from "../../../lti/v1p3/jwt-verify.js";
import { buildLoginInitiation, signMessageHint } from "../../../lti/v1p3/login.js";
import { iso } from "../../../shared/clock.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../../../shared/errors.js";
import { createActivities, getActivity, updateActivity } from "../../activities/activities.service.js";
import type { Activity } from "../../activities/activity-types.js";
import { writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { toolNonceStore } from "../../lti-common/nonces.service.js";
import { capsInCourse } from "../../roles/access.service.js";
import { getUser } from "../../users/users.service.js";
import * as repo from "../lti-consumer.repository.js";
import { applyDeepLinkLineItem } from "../services/ags.service.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";
import { toolKeyset } from "../tool-keysets.service.js";
import { readLtiSettings } from "../tools/lti-settings.js";
import {
  findRegistrationOf,
  platformDetails,
  type ToolRegistration,
} from "../tools/tool-registrations.service.js";
import { findToolType } from "../tools/tool-types.service.js";
import {
  ACCEPT_TYPES,
  DEEP_LINKING_REQUEST,
  type Lti13Login,
  messageHintSecret,
} from "./lti13-launch.service.js";

export { DEEP_LINKING_RETURN_PATH } from "./lti13-launch.service.js";

/** How long a teacher has to pick content. */
export const DEEP_LINKING_TTL_SECONDS = 600;

/** The site tool (a 1.3 tool with Deep Linking, active), or undefined. */
export async function deepLinkingToolOf(
  ctx: AppContext,
  toolTypeId: number,
): Promise<ToolRegistration | undefined> {
  const r = await findRegistrationOf(ctx.db, toolTypeId);
  return r?.deepLinking && r.deepLinkingUrl !== "" && r.status === "active" ? r : undefined;
}

/**
 * Starts a Deep Linking request: stores the pending request and answers the login initiation to post to the
 * tool. `activityId`: a re-link of that External tool activity (which must use the tool).
 */
export async function startDeepLinking(
  ctx: AppContext,
  user: Actor,
  v: { courseId: number; section: number; toolTypeId: number; activityId?: number },
): Promise<Lti13Login> {
  const caps = await capsInCourse(ctx.db, user, v.courseId, ctx.clock.now());
  if (!caps.has("course:managematerial"))
    throw new ForbiddenError("Only teachers of this course can add content from a tool.");
  const reg = await deepLinkingToolOf(ctx, v.toolTypeId);
  if (!reg) throw new NotFoundError("Tool with content selection");
  let activity: Activity | undefined;
  if (v.activityId !== undefined) {
    activity = await getActivity(ctx.db, v.activityId);
    if (
      activity.courseId !== v.courseId ||
      activity.type !== "lti" ||
      readLtiSettings(activity.settings).toolTypeId !== v.toolTypeId
    )
      throw new NotFoundError("External tool activity using this tool");
  }
  const now = ctx.clock.now();
  const data = newDeepLinkingData();
  await repo.deleteExpiredDeepLinks(ctx.db, iso(now));
  await repo.insertPendingDeepLink(
    ctx.db,
    {
      data,
      toolTypeId: v.toolTypeId,
      userId: user.id,
      courseId: v.courseId,
      section: v.section,
      activityId: activity?.id ?? null,
      expiresAt: iso(new Date(now.getTime() + DEEP_LINKING_TTL_SECONDS * 1000)),
    },
    iso(now),
  );
  const loginHint = opaqueUserId(await siteSecret(ctx.db, ctx.clock), user.id);
  const messageHint = await signMessageHint(
    {
      userId: String(user.id),
      clientId: reg.clientId,
      deploymentId: reg.deploymentId,
      messageType: DEEP_LINKING_REQUEST,
      ref: data,
    },
    { secret: await messageHintSecret(ctx), clock: ctx.clock },
  );
  const fields = buildLoginInitiation({
    issuer: platformDetails(ctx.config.publicUrl).issuer,
    loginHint,
    targetLinkUri: reg.deepLinkingUrl,
    messageHint,
    clientId: reg.clientId,
    deploymentId: reg.deploymentId,
  });
  await writeLaunchLog(ctx.db, now, {
    direction: "out",
    courseId: v.courseId,
    activityId: activity?.id ?? null,
    deploymentId: null,
    consumerKey: reg.clientId,
    remoteUserId: loginHint,
    userId: user.id,
    result: "ok",
    reason: DEEP_LINKING_REQUEST,
    message: activity ? "Deep Linking request (re-link)" : "Deep Linking request",
  });
  return { url: reg.initiateLoginUrl, fields: { ...fields }, clientId: reg.clientId, loginHint };
}

/** What the return endpoint shows. */
export type DeepLinkingOutcome =
  | { kind: "added"; courseId: number; section: number; count: number; activities: Activity[] }
  | { kind: "relinked"; courseId: number; activity: Activity }
  | { kind: "cancelled"; courseId: number; message: string | undefined };

function refuse(code: ConstructorParameters<typeof DeepLinkingError>[0], message: string): never {
  throw new DeepLinkingError(code, message);
}

/** The `data` and `iss` the response claims, read without verification, only to find its request. */
function peek(jwt: unknown): { data: string; iss: string } {
  if (typeof jwt !== "string" || jwt === "") refuse("dl_invalid_jwt", "The response has no JWT");
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(jwt);
  } catch {
    refuse("dl_invalid_jwt", "The response JWT cannot be read");
  }
  const data = payload[DL_CLAIMS.data];
  if (typeof data !== "string" || data === "")
    refuse("dl_data_mismatch", "The response names no content selection request");
  return { data, iss: typeof payload.iss === "string" ? payload.iss : "" };
}

const name = (...candidates: Array<string | undefined>) =>
  (candidates.find((c) => c !== undefined && c.trim() !== "") ?? "").trim().slice(0, 254);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function customLinesOf(custom: Record<string, string>): string {
  return Object.entries(custom)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

function resourceLinkSettings(item: ResourceLinkItem, toolTypeId: number, base: Record<string, unknown>) {
  const settings: Record<string, unknown> = {
    ...base,
    toolTypeId,
    toolUrl: item.url ?? "",
    customParameters: customLinesOf(item.custom),
  };
  if (item.text !== undefined) settings.description = item.text;
  if (item.lineItem) settings.maxGrade = item.lineItem.scoreMaximum;
  // Deep Linking 2.0 §3.1: the platform creates a line item for a link that has a `lineItem`; a new
  // activity from a link without one is not graded (no gradebook column weighing on the course total).
  // A re-link keeps the activity's grading.
  else if (base.acceptGrades === undefined) settings.acceptGrades = false;
  if (item.window) settings.launchContainer = "window";
  else if (item.iframe) settings.launchContainer = "embed";
  return settings;
}

/** The activity input for one content item (activities service shape). */
function activityInput(item: DeepLinkItem, section: number, toolTypeId: number, toolName: string) {
  const text = item.text ? `<p>${escapeHtml(item.text)}</p>` : "";
  switch (item.type) {
    case "ltiResourceLink":
      return {
        type: "lti",
        section,
        name: name(item.title, toolName),
        settings: resourceLinkSettings(item, toolTypeId, {}),
      };
    case "html":
      return { type: "page", section, name: name(item.title, "Content"), settings: { content: item.html } };
    case "image":
      return {
        type: "page",
        section,
        name: name(item.title, item.url),
        settings: {
          content: `<p><img src="${escapeHtml(item.url)}" alt="${escapeHtml(item.title ?? "")}" /></p>${text}`,
        },
      };
    case "link":
    case "file":
      return {
        type: "page",
        section,
        name: name(item.title, item.url),
        settings: {
          content: `<p><a href="${escapeHtml(item.url)}" target="_blank">${escapeHtml(item.title ?? item.url)}</a></p>${text}`,
        },
      };
  }
}

/**
 * Accepts a tool's Deep Linking response (`JWT` form field), verified against its pending request, and
 * creates the activities; writes the launch log (in: accepted, or rejected with the code). Throws
 * DeepLinkingError / JwtError (LtiErrors) with the code.
 */
export async function acceptDeepLinkingResponse(ctx: AppContext, jwt: unknown): Promise<DeepLinkingOutcome> {
  let courseId: number | null = null;
  let clientId = "";
  let userId: number | null = null;
  const log = (result: "ok" | "rejected", reason: string, message: string) =>
    writeLaunchLog(ctx.db, ctx.clock.now(), {
      direction: "in",
      courseId,
      activityId: null,
      deploymentId: null,
      consumerKey: clientId,
      remoteUserId: "",
      userId,
      result,
      reason,
      message,
    });
  try {
    const { data, iss } = peek(jwt);
    clientId = iss.slice(0, 255);
    const p = await repo.findPendingDeepLink(ctx.db, data);
    if (!p) refuse("dl_data_mismatch", "This content selection request is unknown or was already answered");
    courseId = p.courseId;
    userId = p.userId;
    if (p.expiresAt < iso(ctx.clock.now()))
      refuse("dl_expired", "This content selection request has expired");
    const reg = await findRegistrationOf(ctx.db, p.toolTypeId);
    if (!reg) refuse("dl_data_mismatch", "The tool of this content selection request is gone");
    clientId = reg.clientId;
    const keys = await toolKeyset(
      ctx,
      reg.publicKeyType === "key" ? { publicKey: reg.publicKey } : { jwksUrl: reg.publicKeysetUrl },
    );
    const platformIssuer = platformDetails(ctx.config.publicUrl).issuer;
    const relink = p.activityId !== null;
    const response: DeepLinkingResponse = await verifyDeepLinkingResponse(jwt as string, {
      clientId: reg.clientId,
      platformIssuer,
      deploymentId: reg.deploymentId,
      data: p.data,
      acceptTypes: relink ? ["ltiResourceLink"] : ACCEPT_TYPES,
      acceptMultiple: !relink,
      acceptLineItem: true,
      clock: ctx.clock,
      nonceStore: toolNonceStore(ctx.db, ctx.clock, { toolTypeId: reg.toolTypeId }),
      verifyJwt: async (token) =>
        (
          await verifyToolJwt(token, {
            expectedIssuer: reg.clientId,
            expectedAudience: platformIssuer,
            keys,
            clock: ctx.clock,
          })
        ).payload,
    });
    // The user the request was made for must still manage the course's material.
    const user = await getUser(ctx.db, p.userId).catch(() => undefined);
    const caps = await capsInCourse(
      ctx.db,
      user && !user.suspended ? { ...user } : undefined,
      p.courseId,
      ctx.clock.now(),
    );
    if (!caps.has("course:managematerial"))
      refuse("dl_data_mismatch", "The user of this content selection request may no longer add content");
    const spend = async (trx: typeof ctx.db) => {
      if (!(await repo.deletePendingDeepLink(trx, p.data)))
        refuse("dl_data_mismatch", "This content selection request was already answered");
    };
    if (response.cancelled) {
      await spend(ctx.db);
      await log("ok", "cancelled", response.errorLog ?? response.log ?? "content selection cancelled");
      return { kind: "cancelled", courseId: p.courseId, message: response.errorMessage ?? response.message };
    }
    const tool = await findToolType(ctx.db, p.toolTypeId);
    let outcome: DeepLinkingOutcome;
    try {
      if (p.activityId !== null) {
        const item = response.items[0];
        if (response.items.length !== 1 || item?.type !== "ltiResourceLink")
          refuse("dl_multiple_not_accepted", "A re-link takes exactly one tool link");
        const existing = await getActivity(ctx.db, p.activityId);
        const activity = await updateActivity(
          ctx.db,
          ctx,
          existing.id,
          {
            name: name(item.title, existing.name),
            settings: resourceLinkSettings(item, p.toolTypeId, existing.settings),
            visible: existing.visible,
            completionRule: existing.completionRule,
            completionPassGrade: existing.completionPassGrade,
          },
          spend,
        );
        outcome = { kind: "relinked", courseId: p.courseId, activity };
      } else {
        const inputs = response.items.map((item) =>
          activityInput(item, p.section, p.toolTypeId, tool?.name ?? "External tool"),
        );
        const activities = await createActivities(ctx.db, ctx, p.courseId, inputs, spend);
        // AGS: a tool link's lineItem resourceId and tag go on the new activity's line item.
        for (const [i, item] of response.items.entries()) {
          const activity = activities[i];
          if (item.type === "ltiResourceLink" && item.lineItem && activity)
            await applyDeepLinkLineItem(ctx, activity, p.toolTypeId, item.lineItem);
        }
        outcome = {
          kind: "added",
          courseId: p.courseId,
          section: p.section,
          count: activities.length,
          activities,
        };
      }
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      refuse("dl_invalid_item", `A content item cannot be added: ${e.message}`);
    }
    await log(
      "ok",
      outcome.kind,
      outcome.kind === "added" ? `${outcome.count} item(s) added` : "link replaced",
    );
    return outcome;
  } catch (e) {
    if (isLtiError(e)) await log("rejected", e.code, e.message);
    throw e;
  }
}
