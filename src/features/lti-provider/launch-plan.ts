// The plan of a launch: everything checked and read before anything is written — authenticity first
// (signature and timestamp; the nonce is checked by the write itself), then the parameters, the
// instance, the enrolment rules — and what the write then has to do.
import type { AppContext } from "../../app/context.js";
import { ParameterError } from "../../lti/errors.js";
import type { NonceStore } from "../../lti/ports.js";
import { type Lti11Launch, parseLaunch } from "../../lti/v1p1/launch.js";
import { verifyRequest } from "../../lti/v1p1/oauth.js";
import { checkEnrolmentOpen, type EnrolInstance, EnrolmentError } from "../enrolments/enrolments.service.js";
import type { LinkedUser } from "./accounts.repository.js";
import { findLaunchContext, type LaunchContext } from "./launch.repository.js";
import { LaunchRejected } from "./launch-rejection.js";
import type * as repo from "./provider.repository.js";
import { launchUrl } from "./publications.service.js";

/** Form fields exactly as posted, in order. */
export type LaunchParams = Array<[string, string]>;

export const first = (params: LaunchParams, name: string) => params.find(([k]) => k === name)?.[1] ?? "";

/** Outcome details are rewritten when they change, the time of the last launch at most every few minutes. */
const TOUCH_LAUNCH_AFTER_MS = 300_000;

export interface Plan {
  l: Lti11Launch;
  instance: EnrolInstance;
  target: string;
  role: string;
  /** The account already linked to (consumer key, user_id), if any. */
  known: LinkedUser | undefined;
  /** Enrolled through this instance, active, holding the mapped role: no enrolment write needed. */
  enrolled: boolean;
  /** The resource link needs writing (new, or a value changed). */
  writeLink: boolean;
  /** The user's outcome details (or time of last launch) need writing. */
  writeProviderUser: boolean;
}

/** Everything checked before the transaction: authenticity first, then the enrolment rules. */
export async function prepare(
  ctx: AppContext,
  read: LaunchContext,
  input: { params: LaunchParams },
  nonceStore: NonceStore,
): Promise<Plan> {
  const pub = read.publication;
  // 1. Authenticity: signature over the exact public URL and body, timestamp (nonce: see deferredNonce).
  await verifyRequest(
    { method: "POST", url: launchUrl(ctx, pub), params: input.params },
    { secret: pub.secret, clock: ctx.clock, nonceStore },
  );
  const l = parseLaunch(input.params);
  if (!l.userId) throw new ParameterError("missing_parameter", "user_id");
  // parseLaunch refuses repeated parameters, so these are the values the context was read for.
  const c =
    l.consumerKey === first(input.params, "oauth_consumer_key") &&
    l.userId === first(input.params, "user_id") &&
    l.resourceLink.id === first(input.params, "resource_link_id")
      ? read
      : ((await findLaunchContext(
          ctx.db,
          ctx.engine,
          pub.uuid,
          l.consumerKey,
          l.userId,
          l.resourceLink.id,
        )) ?? read);
  const { instance } = c;
  if (instance.status !== "enabled") throw new EnrolmentError("disabled", "This published tool is disabled.");
  let target = `/course/${pub.courseId}`;
  if (pub.activityId !== null || instance.settings.publish === "activity") {
    if (pub.activityId === null || !c.activityExists)
      throw new LaunchRejected("tool_unavailable", "The published activity no longer exists.");
    target = `/mod/${pub.activityId}`;
  }
  const role = l.isInstructor ? pub.roleInstructor : pub.roleLearner;
  // 2. Enrolment open and capacity left, checked before anything is written (enrolUser re-checks under lock).
  if (!c.enrolmentStatus) checkEnrolmentOpen(instance, ctx.clock.now(), ctx.config.timezone);
  const enrolled =
    c.user !== undefined &&
    c.enrolmentStatus === "active" &&
    (l.isInstructor ? c.hasInstructorRole : c.hasLearnerRole);
  const pu = c.providerUser;
  const outcomeUrl = l.outcome?.serviceUrl;
  const writeProviderUser =
    !pu ||
    pu.consumerKey !== l.consumerKey ||
    pu.remoteUserId !== l.userId ||
    (outcomeUrl !== undefined &&
      (pu.outcomeUrl !== outcomeUrl || pu.sourcedid !== (l.outcome?.sourcedId ?? null))) ||
    !pu.lastLaunchAt ||
    ctx.clock.now().getTime() - Date.parse(pu.lastLaunchAt) > TOUCH_LAUNCH_AFTER_MS;
  return {
    l,
    instance,
    target,
    role,
    known: c.user,
    enrolled,
    writeLink: resourceLinkChanged(c.resourceLink, resourceLinkOf(pub, l)),
    writeProviderUser,
  };
}

export function resourceLinkOf(pub: repo.Publication, l: Lti11Launch): Omit<repo.ResourceLink, "id"> {
  return {
    publicationId: pub.id,
    consumerKey: l.consumerKey,
    resourceLinkId: l.resourceLink.id,
    contextId: l.context?.id ?? "",
    contextTitle: (l.context?.title ?? "").slice(0, 255),
    title: (l.resourceLink.title ?? "").slice(0, 255),
    membershipsUrl: l.memberships?.url ?? null,
    membershipsId: l.memberships?.id ?? null,
    outcomeUrl: l.outcome?.serviceUrl ?? null,
    returnUrl: l.presentation.returnUrl ?? null,
  };
}

/** Whether the upsert would change anything (empty values keep what was recorded: see upsertResourceLink). */
function resourceLinkChanged(had: repo.ResourceLink | undefined, v: Omit<repo.ResourceLink, "id">): boolean {
  if (!had) return true;
  const keys = [
    "contextId",
    "contextTitle",
    "title",
    "membershipsUrl",
    "membershipsId",
    "outcomeUrl",
    "returnUrl",
  ] as const;
  return keys.some((k) => v[k] !== null && v[k] !== "" && v[k] !== had[k]);
}
