// Grade sync to the consumer: each LTI user's grade — the course total for a published course, the
// activity grade for a published activity — as a 0..1 score, only when it changed since last sent,
// only after completion when that is required. The score goes out through the transport of the
// endpoint the consumer gave at launch (transport.ts: LTI 1.1 Basic Outcomes, LTI 1.3 AGS scores), with
// a timestamp strictly later than the last one sent; each send and each failure is logged per user.
// A grade change enqueues a send in the same transaction (outbox); the scheduled task catches up
// with everything still unsent, so a consumer that was down gets each pending grade once.
// Sends may overlap (the queued send and the scheduled run, two runs, two nodes on one database):
// a run sends a user's grade only while it holds the claim on the user's row, a lease in the
// database that ends by itself if the node stops, and gives it back with the value it sent.

import { randomUUID } from "node:crypto";
import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { laterTimestamp } from "../../../lti/services-client/ags.js";
import { addSeconds, iso } from "../../../shared/clock.js";
import { NotFoundError } from "../../../shared/errors.js";
import { isActivityComplete, isCourseComplete } from "../../completion/completion.service.js";
import { findCourse } from "../../courses/courses.service.js";
import { getInstance } from "../../enrolments/enrolments.service.js";
import {
  findActivityItem,
  findCourseTotalItem,
  findGrade,
  type GradeChange,
  type GradeDeps,
} from "../../grades/grades.service.js";
import { readAgsService } from "../launch/verified-launch.js";
import { servicePlatforms } from "../platforms/platforms.service.js";
import * as repo from "../publications/publications.repository.js";
import { TransportError } from "../transport-error.js";
import {
  type GradedThing,
  type GradeReceipt,
  type GradeTransports,
  gradeEndpointOf,
  type ServicePlatformLookup,
  transportFor,
} from "./transport.js";

export const SEND_GRADE_TASK = "lti_provider_send_grade";

/**
 * How long a run may hold a user's grade before another run may take it over (its node stopped).
 * Longer than a worker's slice can take: SLICE sends one after the other, each at most 10 s.
 */
export const GRADE_CLAIM_SECONDS = 300;
/** When a queued send finds the grade claimed by another run, it runs again this much later. */
export const BUSY_RETRY_SECONDS = 10;
/** Users claimed and sent one after the other by one worker of the scheduled run. */
const SLICE = 16;

/** A grade item a publication sends; `activityId` null for the course total. */
type Item = { id: number; maxGrade: number; activityId: number | null; graded: GradedThing };

/** What one run reads once: the platforms of LTI 1.3 users, and the activity items their links name. */
interface RunLookups {
  platformOf: ServicePlatformLookup;
  activityItem(courseId: number, activityId: number): Promise<Item | undefined>;
}

function runLookups(ctx: Pick<AppContext, "db">): RunLookups {
  const items = new Map<number, Promise<Item | undefined>>();
  return {
    platformOf: servicePlatforms(ctx.db),
    activityItem(courseId, activityId) {
      let p = items.get(activityId);
      if (!p) {
        p = findActivityItem(ctx.db, activityId).then((item) =>
          item && item.courseId === courseId && item.maxGrade > 0
            ? {
                id: item.id,
                maxGrade: item.maxGrade,
                activityId,
                graded: {
                  resourceId: `pluto:activity:${activityId}`,
                  label: item.name,
                  maxGrade: item.maxGrade,
                },
              }
            : undefined,
        );
        items.set(activityId, p);
      }
      return p;
    },
  };
}

/**
 * The grade item whose grade a publication sends, and what it is (for an AGS line item Pluto creates);
 * none while grade sync or the method is off.
 */
async function gradeSource(ctx: Pick<AppContext, "db">, pub: repo.Publication): Promise<Item | undefined> {
  if (!pub.gradeSync) return undefined;
  const instance = await getInstance(ctx.db, pub.instanceId).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (instance?.status !== "enabled") return undefined;
  const item = pub.activityId
    ? await findActivityItem(ctx.db, pub.activityId)
    : await findCourseTotalItem(ctx.db, pub.courseId);
  if (!item || item.maxGrade <= 0) return undefined;
  const label = pub.activityId ? item.name : (await findCourse(ctx.db, pub.courseId))?.fullname;
  return {
    id: item.id,
    maxGrade: item.maxGrade,
    activityId: pub.activityId,
    graded: {
      resourceId: pub.activityId ? `pluto:activity:${pub.activityId}` : `pluto:course:${pub.courseId}`,
      label: label || item.name,
      maxGrade: item.maxGrade,
    },
  };
}

/** The score to send now, or why nothing is sent. */
async function currentScore(
  ctx: Pick<AppContext, "db">,
  pub: repo.Publication,
  item: Item,
  userId: number,
): Promise<{ score: number } | { skip: "no_grade" | "not_complete" }> {
  const grade = await findGrade(ctx.db, item.id, userId);
  if (!grade || grade.grade === null) return { skip: "no_grade" };
  if (pub.gradeSyncCompletion) {
    const complete = item.activityId
      ? await isActivityComplete(ctx.db, item.activityId, userId)
      : await isCourseComplete(ctx.db, pub.courseId, userId);
    if (!complete) return { skip: "not_complete" };
  }
  return { score: Math.min(1, Math.max(0, grade.grade / item.maxGrade)) };
}

/** busy: another run holds this user's grade (it is being sent); nothing was done. */
export type SendResult = "sent" | "unchanged" | "skipped" | "busy";

function newClaim(ctx: Pick<AppContext, "clock" | "jobs">): repo.GradeClaim {
  const now = ctx.clock.now();
  return {
    token: `${ctx.jobs.workerId}:${randomUUID().slice(0, 8)}`,
    until: iso(addSeconds(now, GRADE_CLAIM_SECONDS)),
    now: iso(now),
  };
}

/**
 * Sends one user's grade if it changed; throws TransportError when the consumer fails.
 * Only the run that claims the user's row sends, so a queued send, a scheduled run and a "run now",
 * on this node or another, never send one grade twice; "busy" when another run holds it.
 */
export async function sendGrade(
  ctx: AppContext,
  transports: GradeTransports,
  providerUserId: number,
  signal?: AbortSignal,
): Promise<SendResult> {
  const claim = newClaim(ctx);
  const [pu] = await repo.claimGradeUsers(ctx.db, [providerUserId], claim, ctx.engine === "postgres");
  if (!pu) return (await repo.providerUserExists(ctx.db, providerUserId)) ? "busy" : "skipped";
  let result: SendResult = "skipped";
  try {
    const pub = await repo.findPublication(ctx.db, pu.publicationId);
    const item = pub && (await gradeSource(ctx, pub));
    if (pub && item)
      result = await sendClaimed(ctx, transports, pub, item, pu, claim.token, runLookups(ctx), signal);
    return result;
  } finally {
    if (result !== "sent") await repo.releaseGradeClaims(ctx.db, [pu.id], claim.token);
  }
}

/**
 * Sends the grade of a user whose row this run has claimed. The last grade sent was read with the
 * claim and the grade is read after it, so the comparison sees every earlier send. A grade that
 * was sent is recorded and its claim given back; otherwise the caller gives the claim back.
 */
async function sendClaimed(
  ctx: AppContext,
  transports: GradeTransports,
  pub: repo.Publication,
  publicationItem: Item,
  pu: repo.ClaimedGradeUser,
  token: string,
  lookups: RunLookups,
  signal: AbortSignal | undefined,
): Promise<SendResult> {
  // A Deep Linking item of a published course names one activity (custom `activity`): its link's line item
  // takes that activity's grade, not the course total.
  const named = pub.activityId === null ? readAgsService(pu.agsEndpoint)?.activityId : undefined;
  const source = named === undefined ? publicationItem : await lookups.activityItem(pub.courseId, named);
  if (!source) return "skipped";
  const item = source;
  const endpoint = await gradeEndpointOf(pub, pu, item.graded, lookups.platformOf);
  if (!endpoint) return "skipped";
  const s = await currentScore(ctx, pub, item, pu.userId);
  if (!("score" in s)) return "skipped";
  // Scores are compared at the precision they are sent with.
  const score = Math.round(s.score * 1e6) / 1e6;
  if (pu.lastGradeSent !== null && Math.abs(pu.lastGradeSent - score) < 1e-9) return "unchanged";
  // Strictly later than the last score sent for this user (AGS §3.4.9): the row is claimed, so no other
  // run sends between this read and the record below.
  const timestamp = laterTimestamp(ctx.clock.now(), pu.lastGradeSentAt);
  const base = {
    providerUserId: pu.id,
    publicationId: pub.id,
    remoteUserId: pu.remoteUserId,
    kind: endpoint.kind,
    endpoint: endpoint.kind === "ags" ? (endpoint.lineItemUrl ?? endpoint.lineItemsUrl) : endpoint.serviceUrl,
    score,
    timestamp,
  };
  // On the scale of what is graded: an AGS platform shows 8 / 10, Basic Outcomes takes the fraction.
  const scoreGiven = Math.round(score * item.maxGrade * 1e6) / 1e6;
  let receipt: GradeReceipt;
  try {
    receipt = await transportFor(transports, endpoint).send(
      endpoint,
      {
        scoreGiven,
        scoreMaximum: item.maxGrade,
        timestamp,
        reference: `pluto-${pu.id}-${Date.now()}`,
      },
      signal,
    );
  } catch (err) {
    if (err instanceof TransportError && !signal?.aborted) {
      ctx.log.warn(
        {
          ...base,
          event: "lti_grade_send_failed",
          reason: err.reason,
          status: err.status,
          retryable: err.retryable,
        },
        `LTI grade not sent: ${err.message}`,
      );
    }
    throw err;
  }
  await repo.markGradeSent(ctx.db, pu.id, token, { grade: score, at: timestamp });
  ctx.log.info({ ...base, event: "lti_grade_sent", answer: receipt.description }, "LTI grade sent");
  return "sent";
}

/** Grade changes of LTI users enqueue a send in the same transaction (one lookup per write, not per change). */
export async function enqueueOnGradeChange(
  trx: Db,
  deps: GradeDeps,
  changes: readonly GradeChange[],
): Promise<void> {
  const first = changes[0];
  if (!first) return;
  const pubs = await repo.listGradeSyncPublications(trx, first.courseId);
  for (const change of changes) {
    for (const pub of pubs) {
      // A course publication sends the total, or (a Deep Linking item's link) one activity's grade.
      const relevant =
        pub.courseId === change.courseId &&
        (pub.activityId === null
          ? change.item.kind === "total" || change.item.activityId !== null
          : change.item.activityId === pub.activityId);
      if (!relevant) continue;
      const pu = await repo.findProviderUser(trx, pub.id, change.userId);
      if (!pu?.outcomeUrl && !pu?.agsEndpoint) continue;
      await deps.jobs.enqueue(
        trx,
        SEND_GRADE_TASK,
        { providerUserId: pu.id },
        { dedupeKey: `lti-grade:${pu.id}` },
      );
    }
  }
}

export interface SyncTotals {
  sent: number;
  unchanged: number;
  skipped: number;
  /** users whose grade another run was sending */
  busy: number;
  failed: number;
  firstError?: string;
}

/**
 * The scheduled catch-up: every LTI user of every grade-syncing publication, a few workers in
 * parallel. Each worker claims a slice of users in one statement, sends their grades one after the
 * other and gives back the claims of those not sent in one statement; users another run holds are
 * left to it. `signal` (the process is stopping) ends the run: claims are given back, and it throws
 * the signal's reason.
 */
export async function syncAllGrades(
  ctx: AppContext,
  transports: GradeTransports,
  concurrency = 8,
  signal?: AbortSignal,
): Promise<SyncTotals> {
  const totals: SyncTotals = { sent: 0, unchanged: 0, skipped: 0, busy: 0, failed: 0 };
  const postgres = ctx.engine === "postgres";
  const lookups = runLookups(ctx);
  for (const pub of await repo.listPublications(ctx.db, { gradeSync: true })) {
    const ids = await repo.listGradeSyncUserIds(ctx.db, pub.id);
    const item = ids.length > 0 ? await gradeSource(ctx, pub) : undefined;
    if (!item) {
      totals.skipped += ids.length;
      continue;
    }
    const slice = Math.min(SLICE, Math.ceil(ids.length / concurrency));
    let next = 0;
    const worker = async () => {
      while (next < ids.length && !signal?.aborted) {
        const claim = newClaim(ctx);
        const wanted = ids.slice(next, next + slice);
        next += slice;
        const claimed = await repo.claimGradeUsers(ctx.db, wanted, claim, postgres);
        totals.busy += wanted.length - claimed.length;
        const unsent: number[] = [];
        try {
          for (const pu of claimed) {
            let result: SendResult = "skipped";
            try {
              if (signal?.aborted) throw signal.reason;
              result = await sendClaimed(ctx, transports, pub, item, pu, claim.token, lookups, signal);
            } catch (err) {
              if (signal?.aborted) {
                unsent.push(pu.id);
                continue;
              }
              totals.failed++;
              totals.firstError ??= err instanceof Error ? err.message : String(err);
              unsent.push(pu.id);
              continue;
            }
            totals[result]++;
            if (result !== "sent") unsent.push(pu.id);
          }
        } finally {
          await repo.releaseGradeClaims(ctx.db, unsent, claim.token);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    signal?.throwIfAborted();
  }
  return totals;
}
