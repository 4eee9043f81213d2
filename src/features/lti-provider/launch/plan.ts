// The plan of a launch: everything checked and read before anything is written — the verified
// launch (its version's adapter checked authenticity; the nonce is checked by the write itself),
// the instance, the enrolment rules — and what the write then has to do. Version-neutral.
import type { AppContext } from "../../../app/context.js";
import {
  checkEnrolmentOpen,
  type EnrolInstance,
  EnrolmentError,
} from "../../enrolments/enrolments.service.js";
import type { LinkedUser } from "../accounts/accounts.repository.js";
import type * as repo from "../publications/publications.repository.js";
import type { LaunchContext } from "./launch.repository.js";
import { LaunchRejected } from "./rejection.js";
import { agsServiceJson, type VerifiedLaunch } from "./verified-launch.js";

/** Outcome details are rewritten when they change, the time of the last launch at most every few minutes. */
const TOUCH_LAUNCH_AFTER_MS = 300_000;

export interface Plan {
  l: VerifiedLaunch;
  instance: EnrolInstance;
  target: string;
  role: string;
  /** The account already linked to the remote user within the deployment's account scope, if any. */
  known: LinkedUser | undefined;
  /** `known` is the LTI 1.1 account a verified lti1p1 claim named: the write links the 1.3 user to it. */
  linkKnown: boolean;
  /** Enrolled through this instance, active, holding the mapped role: no enrolment write needed. */
  enrolled: boolean;
  /** The resource link needs writing (new, or a value changed). */
  writeLink: boolean;
  /** The user's outcome details (or time of last launch) need writing. */
  writeProviderUser: boolean;
}

/** The enrolment rules and what to write, for a verified launch and what was read for it. */
export function plan(ctx: AppContext, c: LaunchContext, l: VerifiedLaunch, migrated = false): Plan {
  const pub = c.publication;
  const { instance } = c;
  if (instance.status !== "enabled") throw new EnrolmentError("disabled", "This published tool is disabled.");
  let target = `/course/${pub.courseId}`;
  if (pub.activityId !== null || instance.settings.publish === "activity") {
    if (pub.activityId === null || !c.activityExists)
      throw new LaunchRejected("tool_unavailable", "The published activity no longer exists.");
    target = `/mod/${pub.activityId}`;
  }
  const instructor = l.roles.instructor;
  const role = instructor ? pub.roleInstructor : pub.roleLearner;
  // Enrolment open and capacity left, checked before anything is written (enrolUser re-checks under lock).
  if (!c.enrolmentStatus) checkEnrolmentOpen(instance, ctx.clock.now(), ctx.config.timezone);
  const enrolled =
    c.user !== undefined &&
    c.enrolmentStatus === "active" &&
    (instructor ? c.hasInstructorRole : c.hasLearnerRole);
  const pu = c.providerUser;
  const grades = providerUserServices(l);
  const writeProviderUser =
    !pu ||
    l.deployment.id === undefined ||
    pu.deploymentId !== l.deployment.id ||
    pu.remoteUserId !== l.userId ||
    (grades.outcomeUrl !== null &&
      (pu.outcomeUrl !== grades.outcomeUrl || pu.sourcedid !== grades.sourcedid)) ||
    (grades.agsEndpoint !== null && pu.agsEndpoint !== grades.agsEndpoint) ||
    !pu.lastLaunchAt ||
    ctx.clock.now().getTime() - Date.parse(pu.lastLaunchAt) > TOUCH_LAUNCH_AFTER_MS;
  return {
    l,
    instance,
    target,
    role,
    known: c.user,
    linkKnown: migrated && c.user !== undefined,
    enrolled,
    writeLink: resourceLinkChanged(c.resourceLink, resourceLinkOf(pub, l)),
    writeProviderUser,
  };
}

/** The grade service a launch gives, as a remote user's row records it (null: none of that kind). */
export function providerUserServices(l: VerifiedLaunch): {
  outcomeUrl: string | null;
  sourcedid: string | null;
  agsEndpoint: string | null;
} {
  const g = l.gradeService;
  return {
    outcomeUrl: g?.kind === "basic-outcomes" ? g.url : null,
    sourcedid: g?.kind === "basic-outcomes" ? g.sourcedid : null,
    agsEndpoint: g?.kind === "ags" ? agsServiceJson(g) : null,
  };
}

/** The resource link a launch names, as recorded (the deployment is added by the write). */
export function resourceLinkOf(
  pub: repo.Publication,
  l: VerifiedLaunch,
): Omit<repo.ResourceLink, "id" | "deploymentId"> {
  const m = l.membershipService;
  const g = l.gradeService;
  return {
    publicationId: pub.id,
    resourceLinkId: l.resourceLink.id,
    contextId: l.context?.id ?? "",
    contextTitle: (l.context?.title ?? "").slice(0, 255),
    title: (l.resourceLink.title ?? "").slice(0, 255),
    membershipsUrl: m?.kind === "memberships-ext" ? m.url : null,
    membershipsId: m?.kind === "memberships-ext" ? m.id : null,
    outcomeUrl: g?.kind === "basic-outcomes" ? g.url : null,
    returnUrl: l.returnUrl ?? null,
    nrpsUrl: m?.kind === "nrps" ? m.contextMembershipsUrl : null,
  };
}

/** Whether the upsert would change anything (empty values keep what was recorded: see upsertResourceLink). */
function resourceLinkChanged(
  had: repo.ResourceLink | undefined,
  v: Omit<repo.ResourceLink, "id" | "deploymentId">,
): boolean {
  if (!had) return true;
  const keys = [
    "contextId",
    "contextTitle",
    "title",
    "membershipsUrl",
    "membershipsId",
    "outcomeUrl",
    "returnUrl",
    "nrpsUrl",
  ] as const;
  return keys.some((k) => v[k] !== null && v[k] !== "" && v[k] !== had[k]);
}
