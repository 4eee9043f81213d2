// Receiving an LTI 1.1 basic launch on a published course or activity: verify everything before
// any write, then provision the remote user (exactly once, even under simultaneous first
// launches), enrol them with the mapped role (capacity holds under parallel launches), record the
// resource link and outcome details, and say where to send the user.
//
// Performance: everything an accepted launch writes (nonce, account, enrolment, outcome details,
// launch log, and the caller's session) goes in ONE transaction, so one commit per launch; reads
// happen before it. A returning user who is already enrolled with the role needs no enrolment
// write, so no lock on the instance row (PostgreSQL), and an unchanged resource link is not
// rewritten (every launch from one consumer link would otherwise queue on that row).
import type { AppContext } from "../../http/context.js";
import { isLtiError, OAuthError, ParameterError } from "../../lti/errors.js";
import type { NonceStore } from "../../lti/ports.js";
import { type Lti11Launch, parseLaunch } from "../../lti/v1p1/launch.js";
import { verifyRequest } from "../../lti/v1p1/oauth.js";
import { iso } from "../../shared/clock.js";
import { AppError } from "../../shared/errors.js";
import { findActivity } from "../activities/activities.service.js";
import {
  checkEnrolmentOpen,
  type EnrolInstance,
  EnrolmentError,
  enrolUser,
  findEnrolment,
  getInstance,
  listUserRoles,
} from "../enrolments/enrolments.service.js";
import { type LaunchLogEntry, writeLaunchLog } from "../lti-common/launch-log.js";
import { dbNonceStore } from "../lti-common/nonce-store.js";
import { isUniqueViolation } from "../users/users.service.js";
import * as repo from "./provider.repository.js";
import { provisionUser, refreshProfile } from "./provision.service.js";
import { launchUrl } from "./publications.service.js";


/** Why a launch was refused: a stable code for the log and tests, and a sentence for the user. */
export class LaunchRejected extends AppError {
  override name = "LaunchRejected";
  constructor(
    readonly reason: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 = 400,
  ) {
    super("lti", message);
  }
}

export interface LaunchInput {
  uuid: string;
  /** Form fields exactly as posted, in order. */
  params: Array<[string, string]>;
}

export interface LaunchOutcome {
  userId: number;
  courseId: number;
  /** Where to send the user: the published course or activity. */
  target: string;
  embedded: boolean;
  returnUrl: string | undefined;
  publicationId: number;
  launch: Lti11Launch;
}

/** Runs inside the accepted launch's transaction (the route opens the session there). */
export type OnAccepted = (trx: repo.Q, outcome: LaunchOutcome) => Promise<void>;

const MESSAGES: Record<string, [string, LaunchRejected["status"]]> = {
  bad_signature: ["The launch request's signature is not valid. Check the consumer key and secret.", 401],
  stale_timestamp: ["The launch request is too old (or the consumer's clock is wrong). Try again.", 401],
  replayed_nonce: ["This launch request was already used. Start the launch again from your course.", 401],
  unsupported_signature_method: [
    "The launch request uses a signature method Pluto does not accept (use HMAC-SHA1).",
    401,
  ],
  missing_parameter: ["The launch request is missing a required parameter", 400],
  invalid_parameter: ["The launch request has an invalid parameter", 400],
  unsupported_message_type: ["Only basic LTI launch requests are accepted here.", 400],
  unsupported_version: ["This LTI version is not supported (LTI-1p0 and LTI-1p2 are).", 400],
};

function rejectionOf(err: unknown): LaunchRejected {
  if (err instanceof LaunchRejected) return err;
  if (err instanceof EnrolmentError) {
    const status = err.reason === "full" ? 409 : 403;
    return new LaunchRejected(
      err.reason === "full"
        ? "course_full"
        : err.reason === "disabled"
          ? "method_disabled"
          : `enrolment_${err.reason}`,
      err.message,
      status,
    );
  }
  if (isLtiError(err)) {
    const [text, status] = MESSAGES[err.code] ?? ["The launch request was rejected.", 400];
    const detail = err instanceof ParameterError ? `: ${err.parameter}.` : "";
    return new LaunchRejected(err.code, `${text}${detail}`, status);
  }
  throw err;
}

/**
 * The nonce check of verifyRequest, deferred into the launch's transaction: verification records
 * the nonce here, the transaction inserts it first and refuses a replay (nothing else is written).
 */
function deferredNonce() {
  let pending: { consumerKey: string; nonce: string; expiresAt: Date } | undefined;
  const store: NonceStore = {
    async seen(consumerKey, nonce, expiresAt) {
      pending = { consumerKey, nonce, expiresAt };
      return false;
    },
  };
  return {
    store,
    /** Records the nonce in `trx`; false when it was recorded before (a replay). */
    async record(trx: repo.Q): Promise<boolean> {
      if (!pending) return true;
      return !(await dbNonceStore(trx, "in").seen(pending.consumerKey, pending.nonce, pending.expiresAt));
    },
    get pending() {
      return pending !== undefined;
    },
  };
}

/** Handles one launch; every outcome, accepted or not, is written to the launch log. */
export async function handleLaunch(
  ctx: AppContext,
  input: LaunchInput,
  onAccepted?: OnAccepted,
): Promise<LaunchOutcome> {
  const consumerKey = input.params.find(([k]) => k === "oauth_consumer_key")?.[1] ?? "";
  const remoteUserId = input.params.find(([k]) => k === "user_id")?.[1] ?? "";
  const pub = await repo.findPublicationByUuid(ctx.db, input.uuid);
  if (!pub) throw new LaunchRejected("unknown_tool", "There is no published tool at this address.", 404);
  const log = (e: Pick<LaunchLogEntry, "userId" | "result" | "reason" | "message">): LaunchLogEntry => ({
    direction: "in",
    courseId: pub.courseId,
    publicationId: pub.id,
    activityId: pub.activityId,
    consumerKey,
    remoteUserId,
    ...e,
  });
  const nonce = deferredNonce();
  try {
    const plan = await prepare(ctx, pub, input, nonce.store);
    return await withRetry(() =>
      ctx.db.transaction().execute(async (trx) => {
        if (!(await nonce.record(trx)))
          throw new OAuthError("replayed_nonce", "oauth_nonce has already been used", { consumerKey });
        const out = await apply(trx, ctx, pub, plan);
        await writeLaunchLog(
          trx,
          ctx.clock.now(),
          log({
            userId: out.userId,
            result: "ok",
            reason: "",
            message: plan.l.isInstructor ? "instructor" : "learner",
          }),
        );
        await onAccepted?.(trx, out);
        // Last, so the instance row (locked for the capacity count on PostgreSQL) is held only to the commit.
        if (!plan.enrolled)
          await enrolUser(
            trx,
            { clock: ctx.clock, engine: ctx.engine },
            { instanceId: plan.instance.id, userId: out.userId, role: plan.role },
          );
        return out;
      }),
    );
  } catch (err) {
    const r = rejectionOf(err);
    ctx.log.info({ reason: r.reason, consumerKey, publicationId: pub.id }, "LTI launch rejected");
    await ctx.db.transaction().execute(async (trx) => {
      // A request that passed verification has used its nonce, whatever refused it afterwards.
      if (nonce.pending && r.reason !== "replayed_nonce") await nonce.record(trx);
      await writeLaunchLog(
        trx,
        ctx.clock.now(),
        log({ userId: null, result: "rejected", reason: r.reason, message: r.message }),
      );
    });
    throw r;
  }
}

interface Plan {
  l: Lti11Launch;
  instance: EnrolInstance;
  target: string;
  role: string;
  /** The account already linked to (consumer key, user_id), if any. */
  known: repo.LinkedUser | undefined;
  /** Enrolled through this instance, active, holding the mapped role: no enrolment write needed. */
  enrolled: boolean;
  /** The resource link needs writing (new, or a value changed). */
  writeLink: boolean;
}

/** Everything checked and read before the transaction: authenticity first, then the enrolment rules. */
async function prepare(
  ctx: AppContext,
  pub: repo.Publication,
  input: LaunchInput,
  nonceStore: NonceStore,
): Promise<Plan> {
  // 1. Authenticity: signature over the exact public URL and body, timestamp (nonce: see deferredNonce).
  await verifyRequest(
    { method: "POST", url: launchUrl(ctx, pub), params: input.params },
    { secret: pub.secret, clock: ctx.clock, nonceStore },
  );
  const l = parseLaunch(input.params);
  if (!l.userId) throw new ParameterError("missing_parameter", "user_id");
  const instance = await getInstance(ctx.db, pub.instanceId);
  if (instance.status !== "enabled") throw new EnrolmentError("disabled", "This published tool is disabled.");
  let target = `/course/${pub.courseId}`;
  if (pub.activityId !== null || instance.settings.publish === "activity") {
    const activity = pub.activityId ? await findActivity(ctx.db, pub.activityId) : undefined;
    if (!activity)
      throw new LaunchRejected("tool_unavailable", "The published activity no longer exists.", 404);
    target = `/mod/${activity.id}`;
  }
  const role = l.isInstructor ? pub.roleInstructor : pub.roleLearner;
  const known = await repo.findLinkedUser(ctx.db, l.consumerKey, l.userId);
  const enrolment = known ? await findEnrolment(ctx.db, instance.id, known.id) : undefined;
  // 2. Enrolment open and capacity left, checked before anything is written (enrolUser re-checks under lock).
  if (!enrolment) checkEnrolmentOpen(instance, ctx.clock.now());
  const enrolled =
    known !== undefined &&
    enrolment?.status === "active" &&
    (await listUserRoles(ctx.db, pub.courseId, known.id)).includes(role);
  const link = await repo.findResourceLink(ctx.db, pub.id, l.consumerKey, l.resourceLink.id);
  return {
    l,
    instance,
    target,
    role,
    known,
    enrolled,
    writeLink: resourceLinkChanged(link, resourceLinkOf(pub, l)),
  };
}

function resourceLinkOf(pub: repo.Publication, l: Lti11Launch): Omit<repo.ResourceLink, "id"> {
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

/** The account and outcome details of an accepted launch, in the caller's transaction. */
async function apply(trx: repo.Q, ctx: AppContext, pub: repo.Publication, p: Plan): Promise<LaunchOutcome> {
  const { l } = p;
  const now = iso(ctx.clock.now());
  let userId: number;
  if (p.known) {
    await refreshProfile(trx, ctx, p.known, l);
    userId = p.known.id;
  } else userId = await provisionUser(trx, ctx, pub, l);
  await repo.upsertProviderUser(trx, {
    publicationId: pub.id,
    userId,
    consumerKey: l.consumerKey,
    remoteUserId: l.userId ?? "",
    outcomeUrl: l.outcome?.serviceUrl ?? null,
    sourcedid: l.outcome?.sourcedId ?? null,
    launchedAt: now,
    now,
  });
  if (p.writeLink) await repo.upsertResourceLink(trx, { ...resourceLinkOf(pub, l), now });
  const docTarget = l.presentation.documentTarget;
  return {
    userId,
    courseId: pub.courseId,
    target: p.target,
    embedded:
      docTarget === "iframe" ||
      docTarget === "frame" ||
      docTarget === "embed" ||
      l.custom.force_embed === "1",
    returnUrl: l.presentation.returnUrl,
    publicationId: pub.id,
    launch: l,
  };
}

/** Retries a transaction that lost a race (unique key taken by a simultaneous launch, serialization failure). */
async function withRetry<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const retryable =
        isUniqueViolation(err) || code === "40001" || code === "40P01" || code === "SQLITE_BUSY";
      if (!retryable || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 5 * i));
    }
  }
}
