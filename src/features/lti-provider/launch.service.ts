// Receiving an LTI 1.1 basic launch on a published course or activity: verify everything before
// any write, then provision the remote user (exactly once, even under simultaneous first
// launches), enrol them with the mapped role (capacity holds under parallel launches), record the
// resource link and outcome details, and say where to send the user.
import { createHash } from "node:crypto";
import type { AppContext } from "../../http/context.js";
import { isLtiError, ParameterError } from "../../lti/errors.js";
import { type Lti11Launch, parseLaunch } from "../../lti/v1p1/launch.js";
import { verifyRequest } from "../../lti/v1p1/oauth.js";
import { iso } from "../../shared/clock.js";
import { AppError } from "../../shared/errors.js";
import { findActivity } from "../activities/activities.service.js";
import {
  checkEnrolmentOpen,
  EnrolmentError,
  enrolUser,
  findEnrolment,
  getInstance,
} from "../enrolments/enrolments.service.js";
import { writeLaunchLog } from "../lti-common/launch-log.js";
import { dbNonceStore } from "../lti-common/nonce-store.js";
import { isUniqueViolation } from "../users/users.service.js";
import * as repo from "./provider.repository.js";
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

/** Handles one launch; every outcome, accepted or not, is written to the launch log. */
export async function handleLaunch(ctx: AppContext, input: LaunchInput): Promise<LaunchOutcome> {
  const consumerKey = input.params.find(([k]) => k === "oauth_consumer_key")?.[1] ?? "";
  const remoteUserId = input.params.find(([k]) => k === "user_id")?.[1] ?? "";
  const pub = await repo.findPublicationByUuid(ctx.db, input.uuid);
  if (!pub) throw new LaunchRejected("unknown_tool", "There is no published tool at this address.", 404);
  try {
    const out = await launch(ctx, pub, input);
    await writeLaunchLog(ctx.db, ctx.clock.now(), {
      direction: "in",
      courseId: pub.courseId,
      publicationId: pub.id,
      activityId: pub.activityId,
      consumerKey,
      remoteUserId,
      userId: out.userId,
      result: "ok",
      reason: "",
      message: out.launch.isInstructor ? "instructor" : "learner",
    });
    return out;
  } catch (err) {
    const r = rejectionOf(err);
    ctx.log.info({ reason: r.reason, consumerKey, publicationId: pub.id }, "LTI launch rejected");
    await writeLaunchLog(ctx.db, ctx.clock.now(), {
      direction: "in",
      courseId: pub.courseId,
      publicationId: pub.id,
      activityId: pub.activityId,
      consumerKey,
      remoteUserId,
      userId: null,
      result: "rejected",
      reason: r.reason,
      message: r.message,
    });
    throw r;
  }
}

async function launch(ctx: AppContext, pub: repo.Publication, input: LaunchInput): Promise<LaunchOutcome> {
  // 1. Authenticity first: signature over the exact public URL and body, timestamp, nonce.
  await verifyRequest(
    { method: "POST", url: launchUrl(ctx, pub), params: input.params },
    { secret: pub.secret, clock: ctx.clock, nonceStore: dbNonceStore(ctx.db, "in") },
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
  const now = ctx.clock.now();
  const linkedUserId = await repo.findUserLink(ctx.db, l.consumerKey, l.userId);
  // 2. Enrolment open and capacity left, checked before anything is written (enrolUser re-checks under lock).
  if (!linkedUserId || !(await findEnrolment(ctx.db, instance.id, linkedUserId)))
    checkEnrolmentOpen(instance, now);

  const role = l.isInstructor ? pub.roleInstructor : pub.roleLearner;
  const userId = await withRetry(() =>
    ctx.db.transaction().execute(async (trx) => {
      const uid = await provisionUser(trx, ctx, pub, l);
      await enrolUser(
        trx,
        { clock: ctx.clock, engine: ctx.engine },
        { instanceId: instance.id, userId: uid, role },
      );
      await repo.upsertProviderUser(trx, {
        publicationId: pub.id,
        userId: uid,
        consumerKey: l.consumerKey,
        remoteUserId: l.userId ?? "",
        outcomeUrl: l.outcome?.serviceUrl ?? null,
        sourcedid: l.outcome?.sourcedId ?? null,
        launchedAt: iso(now),
        now: iso(now),
      });
      await repo.upsertResourceLink(trx, {
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
        now: iso(now),
      });
      return uid;
    }),
  );
  const target2 = l.presentation.documentTarget;
  return {
    userId,
    courseId: pub.courseId,
    target,
    embedded:
      target2 === "iframe" || target2 === "frame" || target2 === "embed" || l.custom.force_embed === "1",
    returnUrl: l.presentation.returnUrl,
    publicationId: pub.id,
    launch: l,
  };
}

/** The local account of a remote user: found by (consumer key, user_id), created once, refreshed on each launch. */
export async function provisionUser(
  trx: repo.Q,
  ctx: AppContext,
  pub: repo.Publication,
  l: Pick<Lti11Launch, "consumerKey" | "userId" | "person">,
): Promise<number> {
  const remote = l.userId ?? "";
  const now = iso(ctx.clock.now());
  const names = personNames(l.person, remote);
  const email = validEmail(l.person.email);
  const existing = await repo.findUserLink(trx, l.consumerKey, remote);
  if (existing) {
    const u = await trx
      .selectFrom("users")
      .select(["firstname", "lastname", "email", "auth"])
      .where("id", "=", existing)
      .executeTakeFirst();
    if (u && u.auth === "lti") {
      const changes: { firstname?: string; lastname?: string; email?: string } = {};
      if (l.person.givenName || l.person.fullName) {
        if (u.firstname !== names.firstname) changes.firstname = names.firstname;
        if (u.lastname !== names.lastname) changes.lastname = names.lastname;
      }
      if (email && u.email !== email) changes.email = email;
      if (Object.keys(changes).length > 0)
        await trx
          .updateTable("users")
          .set({ ...changes, updated_at: now })
          .where("id", "=", existing)
          .execute();
    }
    return existing;
  }
  const d = pub.defaults;
  const created = await trx
    .insertInto("users")
    .values({
      username: ltiUsername(l.consumerKey, remote),
      password_hash: null,
      email: email ?? "",
      firstname: names.firstname,
      lastname: names.lastname,
      country: d.country,
      city: d.city,
      timezone: d.timezone,
      lang: d.lang,
      institution: d.institution,
      auth: "lti",
      suspended: 0,
      site_admin: 0,
      created_at: now,
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await repo.insertUserLink(trx, {
    consumerKey: l.consumerKey,
    remoteUserId: remote,
    userId: created.id,
    now,
  });
  return created.id;
}

/** A stable, opaque username per (consumer key, remote user id); collisions between launches are the point. */
export function ltiUsername(consumerKey: string, remoteUserId: string): string {
  return `lti_${createHash("sha256").update(`${consumerKey}\n${remoteUserId}`).digest("hex").slice(0, 32)}`;
}

function personNames(p: Lti11Launch["person"], remoteId: string): { firstname: string; lastname: string } {
  const clip = (s: string) => s.trim().slice(0, 100);
  if (p.givenName || p.familyName)
    return { firstname: clip(p.givenName ?? ""), lastname: clip(p.familyName ?? "") };
  if (p.fullName) {
    const [first, ...rest] = p.fullName.trim().split(/\s+/);
    return { firstname: clip(first ?? ""), lastname: clip(rest.join(" ")) };
  }
  return { firstname: "User", lastname: clip(remoteId) };
}

function validEmail(e: string | undefined): string | undefined {
  return e && e.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(e) ? e : undefined;
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
