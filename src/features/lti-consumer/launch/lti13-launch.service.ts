// The LTI 1.3 launch of an External tool activity whose "Preconfigured tool" is an LTI 1.3 site tool: the
// OIDC third-party-initiated login (login initiation out, authentication request in, id_token out).
// Conformance §J (cases 88–97) and §K (98–114).
//
// Without the session cookie. The tool's frame is cross-site: Pluto's session cookie is SameSite=Lax, so
// the tool's redirect (or form post) back to the authentication endpoint inside that frame arrives
// without it, and with third-party cookies blocked no cookie setting would bring it. So the user is bound
// by the signed `lti_message_hint` instead: Pluto issues it only to the launching user's browser, inside
// the login initiation of one activity for one tool; it is signed with a site secret, lives five minutes,
// names the user, the tool (client_id) and the activity, and is spent on first use. The request must
// also carry the `login_hint` Pluto gave that user, and the id_token goes only to one of the tool's
// registered redirection URIs: whoever holds the hint can at most deliver that one launch to the tool it
// was made for. When the session cookie does arrive, its user must be the hint's.
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { Actor, AppContext } from "../../../app/context.js";
import { CORE_CLAIMS } from "../../../lti/deep-linking/claims.js";
import { buildDeepLinkingRequestClaims } from "../../../lti/deep-linking/request.js";
import { AuthRequestError, MessageHintError } from "../../../lti/errors.js";
import type { NonceStore, ToolClient } from "../../../lti/ports.js";
import {
  type AuthRequestParams,
  type AuthResponse,
  buildAuthErrorResponse,
  buildAuthResponse,
  checkAuthRequest,
  type VerifiedMessageHint,
} from "../../../lti/v1p3/auth-request.js";
import { buildResourceLinkClaims } from "../../../lti/v1p3/id-token.js";
import { type PlatformSigningKey, signPlatformJwt } from "../../../lti/v1p3/keys.js";
import { buildLoginInitiation, signMessageHint, verifyMessageHint } from "../../../lti/v1p3/login.js";
import type { Lti13Role } from "../../../lti/vocab/roles.js";
import { iso } from "../../../shared/clock.js";
import { resolveTimeZone } from "../../../shared/time-zone.js";
import { getActivity } from "../../activities/activities.service.js";
import type { Activity } from "../../activities/activity-types.js";
import { launchHistory } from "../../courses/course-copy.service.js";
import { type Course, getCourse } from "../../courses/courses.service.js";
import { writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { toolNonceStore } from "../../lti-common/nonces.service.js";
import { capsInCourse } from "../../roles/access.service.js";
import { getUser } from "../../users/users.service.js";
import * as repo from "../lti-consumer.repository.js";
import { agsClaimFor } from "../services/ags.service.js";
import { nrpsLaunchClaim } from "../services/nrps.service.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";
import { effectiveMaxGrade, type ResolvedTool, readLtiSettings, resolveTool } from "../tools/lti-settings.js";
import {
  findRegistrationByClientId,
  findRegistrationOf,
  platformDetails,
  type ToolRegistration,
} from "../tools/tool-registrations.service.js";
import { findToolType } from "../tools/tool-types.service.js";
import type { Launcher } from "./launch.service.js";
import { lti11IdsOf, withMigrationClaim } from "./lti1p1-claim.js";

const RESOURCE_LINK = "LtiResourceLinkRequest";
export const DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest";
/** Where tools post Deep Linking responses (deep-linking.service.ts). */
export const DEEP_LINKING_RETURN_PATH = "/lti/deep-linking/return";
/** The content item types a Deep Linking request offers (a re-link: ltiResourceLink only). */
export const ACCEPT_TYPES = ["ltiResourceLink", "link", "html", "file", "image"] as const;
const PRODUCT = { name: "Pluto LMS", productFamilyCode: "pluto", version: "0.1.0" };

/** The launching user's claims; buildResourceLinkClaims keeps only what the privacy settings allow. */
function personOf(sub: string, actor: Actor) {
  const fullName = `${actor.firstname} ${actor.lastname}`.trim();
  return {
    sub,
    name: fullName || undefined,
    givenName: actor.firstname || undefined,
    familyName: actor.lastname || undefined,
    email: actor.email || undefined,
  };
}

function contextOf(course: { id: number; shortname: string; fullname: string }) {
  return {
    id: String(course.id),
    label: course.shortname,
    title: course.fullname,
    type: ["CourseSection"] as const,
  };
}

function toolPlatformOf(base: string) {
  return {
    guid: new URL(base).host,
    name: PRODUCT.name,
    version: PRODUCT.version,
    productFamilyCode: PRODUCT.productFamilyCode,
    url: base,
  };
}

/** The last key derived, with the site secret it was derived from. */
let hintKey: { site: string; key: KeyObject } | undefined;

/** The key behind `lti_message_hint`s: derived from the site secret (lti_consumer_keys), the same on every node. */
export async function messageHintSecret(ctx: AppContext): Promise<KeyObject> {
  const site = await siteSecret(ctx.db, ctx.clock);
  if (hintKey?.site !== site)
    hintKey = {
      site,
      key: createSecretKey(createHmac("sha256", site).update("lti13 lti_message_hint").digest()),
    };
  return hintKey.key;
}

/**
 * The activity's LTI 1.3 site tool and its registration, when it launches by LTI 1.3. `known`, a
 * registration the caller already read (the authentication request's, by client_id), is taken as the
 * tool's when it is that tool type's (a tool type has one registration) rather than read again.
 */
export async function lti13ToolOf(
  ctx: AppContext,
  activity: Activity,
  known?: ToolRegistration,
): Promise<{ tool: ResolvedTool; registration: ToolRegistration } | undefined> {
  const s = readLtiSettings(activity.settings);
  const tool = await resolveTool(ctx, s);
  // The chosen tool, or (no key of its own, toolTypeId null) the one its URL matched: a tool upgraded from 1.1.
  if (tool.toolType?.ltiVersion !== "1.3" || (s.toolTypeId !== null && tool.toolType.id !== s.toolTypeId))
    return undefined;
  const registration =
    known?.toolTypeId === tool.toolType.id ? known : await findRegistrationOf(ctx.db, tool.toolType.id);
  return registration ? { tool, registration } : undefined;
}

export interface Lti13Login {
  /** The tool's Initiate login URL, to auto-post `fields` to. */
  url: string;
  fields: Record<string, string>;
  clientId: string;
  loginHint: string;
}

/**
 * Where a tool posts its Platform Storage messages when Pluto offers storage (cases 201–209): the
 * activity page that frames the launch answers them (public/lti-storage.js), so the tool posts to its
 * parent window.
 */
export const STORAGE_TARGET = "_parent";

/**
 * The login initiation for `user` opening `activity` (case 78–83: every parameter, hint signed and bound).
 * `storageTarget` offers Platform Storage; the hint carries it so the auth response echoes it (case 209).
 */
export async function buildLti13Login(
  ctx: AppContext,
  v: {
    activity: Activity;
    user: Launcher;
    tool: ResolvedTool;
    registration: ToolRegistration;
    storageTarget?: string;
  },
): Promise<Lti13Login> {
  const r = v.registration;
  const loginHint = opaqueUserId(await siteSecret(ctx.db, ctx.clock), v.user.id);
  const messageHint = await signMessageHint(
    {
      userId: String(v.user.id),
      clientId: r.clientId,
      deploymentId: r.deploymentId,
      messageType: RESOURCE_LINK,
      ref: String(v.activity.id),
      storageTarget: v.storageTarget,
    },
    { secret: await messageHintSecret(ctx), clock: ctx.clock },
  );
  const fields = buildLoginInitiation({
    issuer: platformDetails(ctx.config.publicUrl).issuer,
    loginHint,
    targetLinkUri: v.tool.launchUrl,
    messageHint,
    clientId: r.clientId,
    deploymentId: r.deploymentId,
    storageTarget: v.storageTarget,
  });
  return { url: r.initiateLoginUrl, fields: { ...fields }, clientId: r.clientId, loginHint };
}

/** What the authentication endpoint answers: a form to post (id_token, or an error for the tool), or a page. */
export type AuthOutcome =
  | { kind: "post"; response: AuthResponse; ok: boolean }
  | { kind: "page"; error: AuthRequestError };

/**
 * Refusals found after the request's own checks passed: posted to the tool like checkAuthRequest's, with
 * the storage target the login offered, so the tool can still find its state there.
 */
function launchRefused(
  ok: { redirectUri: string; state: string | undefined; hint: { storageTarget?: string } },
  message: string,
) {
  const fields: Record<string, string> = { error: "access_denied", error_description: message };
  if (ok.state !== undefined) fields.state = ok.state;
  if (ok.hint.storageTarget !== undefined) fields.lti_storage_target = ok.hint.storageTarget;
  return { redirectUri: ok.redirectUri, fields };
}

/**
 * Answers an authentication request (GET query or POST body): checks it (checkAuthRequest), then signs
 * the id_token for the hint's user and activity. Every refusal is written to the launch log (direction
 * "in", its code as reason).
 */
export async function answerAuthRequest(
  ctx: AppContext,
  params: AuthRequestParams,
  sessionUser: Actor | undefined,
  signingKey: () => Promise<PlatformSigningKey>,
): Promise<AuthOutcome> {
  const secret = await messageHintSecret(ctx);
  const site = await siteSecret(ctx.db, ctx.clock);
  let registration: ToolRegistration | undefined;
  const findClient = async (clientId: string): Promise<ToolClient | undefined> => {
    registration = await findRegistrationByClientId(ctx.db, clientId);
    return registration
      ? { clientId, redirectUris: registration.redirectUris, enabled: registration.status === "active" }
      : undefined;
  };
  // Spending the hint records its jti under the tool's deployment (made then if it had none), so the
  // launch needs no other deployment lookup.
  const nonceStore: NonceStore = {
    seen: (key, nonce, expiresAt) =>
      toolNonceStore(ctx.db, ctx.clock, { toolTypeId: registration?.toolTypeId ?? 0 }).seen(
        key,
        nonce,
        expiresAt,
      ),
  };
  // The user: the session's when the cookie came, else the one the hint names (see the header). The
  // hint verified here is not verified again by checkAuthRequest, which checks its user and spends it.
  let userId = sessionUser ? String(sessionUser.id) : undefined;
  let verifiedHint: VerifiedMessageHint | undefined;
  if (
    userId === undefined &&
    typeof params.lti_message_hint === "string" &&
    typeof params.client_id === "string"
  ) {
    const hint = params.lti_message_hint;
    const clientId = params.client_id;
    const outcome = await verifyMessageHint(hint, { secret, clock: ctx.clock, clientId }).catch((e) => {
      if (!(e instanceof MessageHintError)) throw e;
      return e;
    });
    verifiedHint = { hint, clientId, outcome };
    if (!(outcome instanceof MessageHintError)) userId = outcome.userId;
  }
  const currentUser =
    userId === undefined ? undefined : { userId, loginHint: opaqueUserId(site, Number(userId)) };
  const refuse = async (
    code: string,
    message: string,
    extra: { activityId?: number; courseId?: number } = {},
  ) =>
    writeLaunchLog(ctx.db, ctx.clock.now(), {
      direction: "in",
      courseId: extra.courseId ?? null,
      activityId: extra.activityId ?? null,
      deploymentId: null,
      consumerKey: typeof params.client_id === "string" ? params.client_id : "",
      remoteUserId: typeof params.login_hint === "string" ? params.login_hint : "",
      userId: userId === undefined ? null : Number(userId),
      result: "rejected",
      reason: code,
      message,
    });

  let ok: Awaited<ReturnType<typeof checkAuthRequest>>;
  try {
    ok = await checkAuthRequest(params, {
      findClient,
      messageHintSecret: secret,
      clock: ctx.clock,
      nonceStore,
      currentUser,
      verifiedHint,
    });
  } catch (e) {
    if (!(e instanceof AuthRequestError)) throw e;
    await refuse(e.code, e.message);
    const response = buildAuthErrorResponse(e);
    if (response) return { kind: "post", response, ok: false };
    return { kind: "page", error: e };
  }
  const reg = registration;
  if (!reg) throw new Error("checkAuthRequest passed without a registration");

  if (ok.hint.messageType === DEEP_LINKING_REQUEST)
    return answerDeepLinking(ctx, { ok, reg, sub: currentUser!.loginHint, refuse, signingKey });

  // The hint's activity, still this tool's, opened by a user who may still open it.
  const activityId = Number(ok.hint.ref);
  const activity = Number.isSafeInteger(activityId)
    ? await getActivity(ctx.db, activityId).catch(() => undefined)
    : undefined;
  const found = activity && activity.type === "lti" ? await lti13ToolOf(ctx, activity, reg) : undefined;
  if (!activity || !found || found.registration.id !== reg.id || ok.hint.messageType !== RESOURCE_LINK) {
    const message = "The activity this launch was for no longer uses this tool";
    await refuse("launch_activity_changed", message, { activityId });
    return { kind: "post", response: launchRefused(ok, message), ok: false };
  }
  if (found.tool.refusal) {
    await refuse(found.tool.refusal.reason, found.tool.refusal.message, {
      activityId,
      courseId: activity.courseId,
    });
    return { kind: "post", response: launchRefused(ok, found.tool.refusal.message), ok: false };
  }
  const user = await getUser(ctx.db, Number(ok.hint.userId)).catch(() => undefined);
  const course = await getCourse(ctx.db, activity.courseId);
  const actor: Actor | undefined = user && !user.suspended ? { ...user } : undefined;
  const caps = await capsInCourse(ctx.db, actor, course.id, ctx.clock.now());
  const instructor = caps.has("course:managematerial");
  if (
    !actor ||
    !(instructor || caps.has("activity:participate")) ||
    (!activity.visible && !caps.has("course:viewhidden"))
  ) {
    const message = "The user may no longer open this activity";
    await refuse("launch_access_denied", message, { activityId, courseId: course.id });
    return { kind: "post", response: launchRefused(ok, message), ok: false };
  }
  // AGS 2.0 §3.1: the endpoint claim when the tool may send grades and the activity takes them.
  const ags = found.tool.toolType
    ? await agsClaimFor(ctx, {
        activity,
        tool: found.tool.toolType,
        registration: reg,
        acceptsGrades: effectiveMaxGrade(found.tool, readLtiSettings(activity.settings)) !== null,
      })
    : undefined;
  const launch = lti13Launch(ctx, {
    activity,
    course,
    actor,
    instructor,
    tool: found.tool,
    reg,
    nonce: ok.nonce,
    sub: currentUser!.loginHint,
    history: await launchHistory(ctx.db, { courseId: course.id, activityId: activity.id }),
  });
  // A tool upgraded from LTI 1.1 also gets the lti1p1 claim (lti1p1-claim.ts).
  const lti11 = { siteSecret: site, userId: actor.id, activityId: activity.id, courseId: course.id };
  const idToken = await signPlatformJwt(
    withMigrationClaim(
      buildResourceLinkClaims({ ...launch, ...(ags ? { ags } : {}) }, { clock: ctx.clock }),
      found.tool.toolType,
      lti11IdsOf({ ...lti11, publicUrl: ctx.config.publicUrl }),
    ),
    await signingKey(),
  );
  return {
    kind: "post",
    response: buildAuthResponse({
      redirectUri: ok.redirectUri,
      idToken,
      state: ok.state,
      storageTarget: ok.hint.storageTarget,
    }),
    ok: true,
  };
}

/**
 * The id_token claims that make the launch of pending request `data` a Deep Linking request, or the
 * refusal (code and message) when the request is gone, expired, another tool's or another user's.
 */
async function deepLinkingClaimsFor(
  ctx: AppContext,
  v: { data: string; userId: string; reg: ToolRegistration },
): Promise<
  | { ok: true; courseId: number; targetLinkUri: string; claims: Record<string, unknown> }
  | { ok: false; code: string; message: string; courseId?: number }
> {
  const p = await repo.findPendingDeepLink(ctx.db, v.data);
  if (!p || p.toolTypeId !== v.reg.toolTypeId || String(p.userId) !== v.userId)
    return { ok: false, code: "dl_data_mismatch", message: "This content selection request is unknown" };
  if (p.expiresAt < iso(ctx.clock.now()))
    return {
      ok: false,
      code: "dl_expired",
      message: "This content selection request has expired",
      courseId: p.courseId,
    };
  const relink = p.activityId !== null;
  const claims = buildDeepLinkingRequestClaims({
    deepLinkReturnUrl: `${platformDetails(ctx.config.publicUrl).issuer}${DEEP_LINKING_RETURN_PATH}`,
    acceptTypes: relink ? ["ltiResourceLink"] : ACCEPT_TYPES,
    acceptPresentationDocumentTargets: ["iframe", "window"],
    acceptMultiple: !relink,
    acceptLineItem: true,
    data: p.data,
  });
  return { ok: true, courseId: p.courseId, targetLinkUri: v.reg.deepLinkingUrl, claims };
}

/** The Deep Linking request's id_token: the user (a teacher of the course) picking content for the pending request. */
async function answerDeepLinking(
  ctx: AppContext,
  v: {
    ok: {
      redirectUri: string;
      state: string | undefined;
      nonce: string;
      hint: { userId: string; ref: string; storageTarget?: string };
    };
    reg: ToolRegistration;
    sub: string;
    refuse: (code: string, message: string, extra?: { courseId?: number }) => Promise<void>;
    signingKey: () => Promise<PlatformSigningKey>;
  },
): Promise<AuthOutcome> {
  const { ok, reg } = v;
  const found = await deepLinkingClaimsFor(ctx, { data: ok.hint.ref, userId: ok.hint.userId, reg });
  const user = found.ok ? await getUser(ctx.db, Number(ok.hint.userId)).catch(() => undefined) : undefined;
  const actor: Actor | undefined = user && !user.suspended ? { ...user } : undefined;
  const caps = found.ok ? await capsInCourse(ctx.db, actor, found.courseId, ctx.clock.now()) : new Set();
  if (!found.ok || !actor || !caps.has("course:managematerial")) {
    const code = found.ok ? "launch_access_denied" : found.code;
    const message = found.ok ? "The user may no longer add content to this course" : found.message;
    await v.refuse(code, message, { courseId: found.courseId });
    return { kind: "post", response: launchRefused(ok, message), ok: false };
  }
  const course = await getCourse(ctx.db, found.courseId);
  const base = platformDetails(ctx.config.publicUrl).issuer;
  const roles: Lti13Role[] = [{ kind: "context", name: "Instructor" }];
  if (actor.siteAdmin) roles.push({ kind: "system", name: "Administrator" });
  const tool = await findToolType(ctx.db, reg.toolTypeId);
  const claims = buildResourceLinkClaims(
    {
      issuer: base,
      clientId: reg.clientId,
      deploymentId: reg.deploymentId,
      nonce: ok.nonce,
      targetLinkUri: found.targetLinkUri,
      // Built as a resource link launch, then made a Deep Linking request (which has no resource_link).
      resourceLink: { id: "deep-linking" },
      user: personOf(v.sub, actor),
      privacy: { shareName: tool?.shareName ?? false, shareEmail: tool?.shareEmail ?? false },
      roles,
      context: contextOf(course),
      toolPlatform: toolPlatformOf(base),
      launchPresentation: { documentTarget: "iframe", locale: actor.lang || "en" },
    },
    { clock: ctx.clock },
  );
  delete claims[CORE_CLAIMS.resourceLink];
  const idToken = await signPlatformJwt({ ...claims, ...found.claims }, await v.signingKey());
  return {
    kind: "post",
    response: buildAuthResponse({ redirectUri: ok.redirectUri, idToken, state: ok.state }),
    ok: true,
  };
}

/** The id_token's content (§K) for this user, activity and tool, within the tool's privacy settings. */
function lti13Launch(
  ctx: AppContext,
  v: {
    activity: Activity;
    course: Course;
    actor: Actor;
    instructor: boolean;
    tool: ResolvedTool;
    reg: ToolRegistration;
    nonce: string;
    sub: string;
    /** $Context.id.history and $ResourceLink.id.history (course copy lineage). */
    history: Readonly<Record<string, string>>;
  },
) {
  const base = platformDetails(ctx.config.publicUrl).issuer;
  const { activity, course, actor } = v;
  const s = readLtiSettings(activity.settings);
  const roles: Lti13Role[] = [{ kind: "context", name: v.instructor ? "Instructor" : "Learner" }];
  if (actor.siteAdmin) roles.push({ kind: "system", name: "Administrator" });
  const { shareName, shareEmail } = v.tool.privacy;
  const roleNames = v.instructor ? "Instructor" : "Learner";
  return {
    issuer: base,
    clientId: v.reg.clientId,
    deploymentId: v.reg.deploymentId,
    nonce: v.nonce,
    targetLinkUri: v.tool.launchUrl,
    resourceLink: { id: String(activity.id), title: activity.name, description: s.description || undefined },
    user: personOf(v.sub, actor),
    privacy: { shareName, shareEmail },
    roles,
    context: contextOf(course),
    toolPlatform: toolPlatformOf(base),
    launchPresentation: {
      documentTarget: s.launchContainer === "window" ? ("window" as const) : ("iframe" as const),
      returnUrl: `${base}/mod/lti/${activity.id}/return`,
      locale: actor.lang || "en",
    },
    custom: v.tool.custom,
    substitutions: {
      ...v.history,
      "$User.username": shareName ? actor.username : undefined,
      "$CourseSection.title": course.fullname,
      "$CourseSection.label": course.shortname,
      "$CourseSection.longDescription": course.summary,
      "$CourseOffering.title": course.fullname,
      "$CourseOffering.label": course.shortname,
      "$Membership.role": roleNames,
      "$Person.address.timezone": resolveTimeZone(actor.timezone, ctx.config.timezone),
    },
    lis: { courseSectionSourcedId: String(course.id) },
    nrps: nrpsLaunchClaim(ctx.config.publicUrl, v.tool.toolType, v.reg, course.id),
  };
}
