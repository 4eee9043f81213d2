// The LTI 1.1 basic launch of an External tool activity: the signed form fields the browser posts to the tool
// (conformance cases 17–20, 32, 36), and the launch log row that records it.
import type { AppContext } from "../../../app/context.js";
import { buildLaunchParams } from "../../../lti/v1p1/launch.js";
import { signRequest } from "../../../lti/v1p1/oauth.js";
import { type ContextRole, launchRoles } from "../../../lti/vocab/roles.js";
import { iso } from "../../../shared/clock.js";
import { AppError } from "../../../shared/errors.js";
import { resolveTimeZone } from "../../../shared/time-zone.js";
import type { Activity } from "../../activities/activity-types.js";
import { launchHistory } from "../../courses/course-copy.service.js";
import type { Course } from "../../courses/courses.service.js";
import { ensureDeployment } from "../../lti-common/deployments.service.js";
import { writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { MEMBERSHIPS_PATH } from "../services/memberships.service.js";
import { OUTCOMES_PATH } from "../services/outcomes.service.js";
import { buildMembershipsId, buildSourcedId, opaqueUserId, siteSecret } from "../tokens.service.js";
import { readLtiSettings, resolveTool, toolDeploymentOf } from "../tools/lti-settings.js";
import { buildLti13Login, lti13ToolOf, STORAGE_TARGET } from "./lti13-launch.service.js";

export const PRODUCT_FAMILY_CODE = "pluto";
export const PRODUCT_VERSION = "0.1.0";

export const launchPath = (activityId: number) => `/mod/lti/${activityId}/launch`;
/** The launch as the activity page's frame, which answers Platform Storage messages (public/lti-storage.js). */
export const framedLaunchPath = (activityId: number) => `${launchPath(activityId)}?frame=1`;
export const returnPath = (activityId: number) => `/mod/lti/${activityId}/return`;

export interface Launcher {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  lang: string;
  /** The profile's zone; empty for a user who keeps the site's. */
  timezone: string;
}

export interface SignedLaunch {
  url: string;
  /** Exactly the fields to post, signature included (never add one afterwards). */
  fields: Record<string, string>;
  consumerKey: string;
  remoteUserId: string;
  /** Pluto's deployment of the tool: what the launch log points at. */
  deployment: { activityId: number } | { toolTypeId: number };
}

/** A launch that cannot be made: the tool is not (or no longer) configured. */
export class LaunchUnavailableError extends AppError {
  override name = "LaunchUnavailableError";
  constructor(
    readonly reason: "no_launch_url" | "no_credentials" | "tool_url_mismatch" | "tool_pending",
    message: string,
  ) {
    super("conflict", message);
  }
}

/** The launch parameters for `user` opening `activity`, signed with the tool's key and secret. */
export async function buildSignedLaunch(
  ctx: AppContext,
  v: { activity: Activity; course: Course; user: Launcher; instructor: boolean },
): Promise<SignedLaunch> {
  const s = readLtiSettings(v.activity.settings);
  const tool = await resolveTool(ctx, s);
  if (tool.refusal) throw new LaunchUnavailableError(tool.refusal.reason, tool.refusal.message);
  if (!tool.launchUrl) {
    throw new LaunchUnavailableError(
      "no_launch_url",
      "This external tool has no launch URL: its site-wide tool may have been removed.",
    );
  }
  if (!tool.consumerKey || !tool.sharedSecret) {
    throw new LaunchUnavailableError(
      "no_credentials",
      "This external tool has no consumer key and shared secret.",
    );
  }
  const secret = await siteSecret(ctx.db, ctx.clock);
  const base = ctx.config.publicUrl;
  const userId = opaqueUserId(secret, v.user.id);
  const role: ContextRole = v.instructor ? "Instructor" : "Learner";
  const roles = launchRoles([role]);
  const fullName = `${v.user.firstname} ${v.user.lastname}`.trim();
  const { course, activity } = v;
  const { shareName, shareEmail, acceptGrades } = tool.privacy;
  const history = await launchHistory(ctx.db, { courseId: course.id, activityId: activity.id });
  const params = buildLaunchParams({
    resourceLink: { id: String(activity.id), title: activity.name, description: s.description || undefined },
    user: {
      id: userId,
      roles,
      ...(shareName
        ? {
            givenName: v.user.firstname || undefined,
            familyName: v.user.lastname || undefined,
            fullName: fullName || undefined,
          }
        : {}),
      ...(shareEmail && v.user.email ? { email: v.user.email } : {}),
    },
    context: {
      id: String(course.id),
      title: course.fullname,
      label: course.shortname,
      type: "CourseSection",
    },
    // Case 19: the result sourcedid goes to learners on graded links only.
    ...(acceptGrades && !v.instructor
      ? {
          outcome: {
            serviceUrl: `${base}${OUTCOMES_PATH}`,
            sourcedId: buildSourcedId(secret, activity.id, v.user.id),
          },
        }
      : {}),
    memberships: { url: `${base}${MEMBERSHIPS_PATH}`, id: buildMembershipsId(secret, activity.id) },
    presentation: {
      locale: v.user.lang || "en",
      documentTarget: s.launchContainer === "window" ? "window" : "iframe",
      returnUrl: `${base}${returnPath(activity.id)}`,
    },
    toolConsumer: {
      instanceGuid: new URL(base).host,
      instanceName: "Pluto LMS",
      productFamilyCode: PRODUCT_FAMILY_CODE,
      version: PRODUCT_VERSION,
    },
    custom: tool.custom,
    substitutions: {
      ...history,
      "$User.username": shareName ? v.user.username : undefined,
      "$CourseSection.title": course.fullname,
      "$CourseSection.label": course.shortname,
      "$CourseSection.longDescription": course.summary,
      "$CourseOffering.title": course.fullname,
      "$CourseOffering.label": course.shortname,
      "$Membership.role": roles,
      // The zone the user sees times in: their own, else the site's (never the empty profile value).
      "$Person.address.timezone": resolveTimeZone(v.user.timezone, ctx.config.timezone),
    },
  });
  const fields = signRequest(params, tool.launchUrl, "POST", tool.consumerKey, tool.sharedSecret, {
    clock: ctx.clock,
  });
  return {
    url: tool.launchUrl,
    fields,
    consumerKey: tool.consumerKey,
    remoteUserId: userId,
    deployment: toolDeploymentOf(activity.id, tool),
  };
}

/**
 * For an activity whose preconfigured tool is an LTI 1.3 site tool: the login initiation to post to the
 * tool's Initiate login URL (the id_token follows at the authentication endpoint). Undefined otherwise.
 */
async function buildLti13Launch(
  ctx: AppContext,
  v: { activity: Activity; user: Launcher; framed?: boolean },
): Promise<SignedLaunch | undefined> {
  const found = await lti13ToolOf(ctx, v.activity);
  if (!found) return undefined;
  const { tool, registration } = found;
  if (tool.refusal) throw new LaunchUnavailableError(tool.refusal.reason, tool.refusal.message);
  if (registration.status !== "active") {
    throw new LaunchUnavailableError(
      "tool_pending",
      "This external tool is waiting for a site administrator to activate it.",
    );
  }
  const login = await buildLti13Login(ctx, {
    activity: v.activity,
    user: v.user,
    tool,
    registration,
    storageTarget: v.framed ? STORAGE_TARGET : undefined,
  });
  return {
    url: login.url,
    fields: login.fields,
    consumerKey: login.clientId,
    remoteUserId: login.loginHint,
    deployment: { toolTypeId: registration.toolTypeId },
  };
}

/**
 * Builds the launch and records it (or why it could not be made) in the launch log, direction "out".
 * `framed`: the launch runs in the activity page's frame, whose page answers Platform Storage messages, so
 * an LTI 1.3 login initiation offers storage (`lti_storage_target`); a new window has no such listener.
 */
export async function launchAndLog(
  ctx: AppContext,
  v: { activity: Activity; course: Course; user: Launcher; instructor: boolean; framed?: boolean },
): Promise<SignedLaunch> {
  const entry = {
    direction: "out" as const,
    courseId: v.course.id,
    activityId: v.activity.id,
    userId: v.user.id,
  };
  try {
    const launch = (await buildLti13Launch(ctx, v)) ?? (await buildSignedLaunch(ctx, v));
    const now = ctx.clock.now();
    await writeLaunchLog(ctx.db, now, {
      ...entry,
      deploymentId: await ensureDeployment(ctx.db, launch.deployment, iso(now)),
      consumerKey: launch.consumerKey,
      remoteUserId: launch.remoteUserId,
      result: "ok",
      reason: "",
      message: `Launched ${hostOf(launch.url)} as ${v.instructor ? "Instructor" : "Learner"}`,
    });
    return launch;
  } catch (err) {
    if (err instanceof LaunchUnavailableError) {
      await writeLaunchLog(ctx.db, ctx.clock.now(), {
        ...entry,
        deploymentId: null,
        consumerKey: "",
        remoteUserId: "",
        result: "rejected",
        reason: err.reason,
        message: err.message,
      });
    }
    throw err;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
