// Receiving an LTI 1.1 basic launch on a published course or activity: verify everything before
// any write, then provision the remote user (exactly once, even under simultaneous first
// launches), enrol them with the mapped role (capacity holds under parallel launches), record the
// resource link and outcome details, and say where to send the user.
//
// Performance: the launch reads everything it needs in one query (launch.repository.ts) and writes
// everything (nonce, account, enrolment, outcome details, launch log, and the caller's session) in
// ONE transaction, shared with other launches on SQLite (write-batch.ts). A returning user who is
// already enrolled with the role needs no enrolment write, so no lock on the instance row
// (PostgreSQL); an unchanged resource link is not rewritten (every launch from one consumer link
// would otherwise queue on that row), nor the user's outcome details.

import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import { isUniqueViolation } from "../../db/errors.js";
import { writeBatcher } from "../../db/write-batch.js";
import { OAuthError } from "../../lti/errors.js";
import type { NonceStore } from "../../lti/ports.js";
import type { Lti11Launch } from "../../lti/v1p1/launch.js";
import { iso } from "../../shared/clock.js";
import { enrolUser } from "../enrolments/enrolments.service.js";
import { type LaunchLogEntry, writeLaunchLog } from "../lti-common/launch-log.js";
import { dbNonceStore } from "../lti-common/nonce-store.js";
import { findLaunchContext } from "./launch.repository.js";
import { first, type LaunchParams, type Plan, prepare, resourceLinkOf } from "./launch-plan.js";
import { LaunchRejected, rejectionOf } from "./launch-rejection.js";
import type * as repo from "./provider.repository.js";
import { upsertProviderUser, upsertResourceLink } from "./provider.repository.js";
import { provisionUser, refreshProfile } from "./provision.service.js";

export { LaunchRejected } from "./launch-rejection.js";

export interface LaunchInput {
  uuid: string;
  params: LaunchParams;
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
export type OnAccepted = (trx: Db, outcome: LaunchOutcome) => Promise<void>;

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
    async record(trx: Db): Promise<boolean> {
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
  const consumerKey = first(input.params, "oauth_consumer_key");
  const remoteUserId = first(input.params, "user_id");
  const c = await findLaunchContext(
    ctx.db,
    ctx.engine,
    input.uuid,
    consumerKey,
    remoteUserId,
    first(input.params, "resource_link_id"),
  );
  if (!c) throw new LaunchRejected("unknown_tool", "There is no published tool at this address.");
  const pub = c.publication;
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
    const plan = await prepare(ctx, c, input, nonce.store);
    return await withRetry(() =>
      writeBatcher(ctx.db, ctx.engine).run(async (trx) => {
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
            { clock: ctx.clock, engine: ctx.engine, timeZone: ctx.config.timezone },
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

/** The account and outcome details of an accepted launch, in the caller's transaction. */
async function apply(trx: Db, ctx: AppContext, pub: repo.Publication, p: Plan): Promise<LaunchOutcome> {
  const { l } = p;
  const now = iso(ctx.clock.now());
  let userId: number;
  if (p.known) {
    await refreshProfile(trx, ctx, p.known, l);
    userId = p.known.id;
  } else userId = await provisionUser(trx, ctx, pub, l, true);
  if (p.writeProviderUser || !p.known)
    await upsertProviderUser(trx, {
      publicationId: pub.id,
      userId,
      consumerKey: l.consumerKey,
      remoteUserId: l.userId ?? "",
      outcomeUrl: l.outcome?.serviceUrl ?? null,
      sourcedid: l.outcome?.sourcedId ?? null,
      launchedAt: now,
      now,
    });
  if (p.writeLink) await upsertResourceLink(trx, { ...resourceLinkOf(pub, l), now });
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
