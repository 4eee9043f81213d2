// Grade sync to the consumer (LTI 1.1 Basic Outcomes replaceResult): each LTI user's grade — the
// course total for a published course, the activity grade for a published activity — as a 0..1
// score, only when it changed since last sent, only after completion when that is required.
// A grade change enqueues a send in the same transaction (outbox); the scheduled task catches up
// with everything still unsent, so a consumer that was down gets each pending grade once.
import type { AppContext } from "../../http/context.js";
import { signBodyHashRequest } from "../../lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest, parseOutcomeResponse } from "../../lti/v1p1/outcomes.js";
import { iso } from "../../shared/clock.js";
import { UpstreamError } from "../../shared/errors.js";
import { outboundFetch } from "../../shared/outbound.js";
import { isActivityComplete, isCourseComplete } from "../completion/completion.service.js";
import {
  findActivityItem,
  findCourseTotalItem,
  findGrade,
  type GradeChange,
  type GradeDeps,
  type Trx,
} from "../grades/grades.service.js";
import * as repo from "./provider.repository.js";

export const SEND_GRADE_TASK = "lti_provider_send_grade";

/** The score to send now, or why nothing is sent. */
export async function currentScore(
  ctx: Pick<AppContext, "db">,
  pub: repo.Publication,
  userId: number,
): Promise<{ score: number } | { skip: "no_grade" | "not_complete" | "no_maximum" }> {
  const item = pub.activityId
    ? await findActivityItem(ctx.db, pub.activityId)
    : await findCourseTotalItem(ctx.db, pub.courseId);
  if (!item || item.maxGrade <= 0) return { skip: "no_maximum" };
  const grade = await findGrade(ctx.db, item.id, userId);
  if (!grade || grade.grade === null) return { skip: "no_grade" };
  if (pub.gradeSyncCompletion) {
    const complete = pub.activityId
      ? await isActivityComplete(ctx.db, pub.activityId, userId)
      : await isCourseComplete(ctx.db, pub.courseId, userId);
    if (!complete) return { skip: "not_complete" };
  }
  return { score: Math.min(1, Math.max(0, grade.grade / item.maxGrade)) };
}

export type SendResult = "sent" | "unchanged" | "skipped";

/** Sends in progress in this process, per database, by provider user. */
const inFlight = new WeakMap<object, Map<number, Promise<SendResult>>>();

/**
 * Sends one user's grade if it changed; throws UpstreamError (retryable) when the consumer fails.
 * A send for the same user that is already under way (the queued send and the scheduled catch-up,
 * or a "run now" during a scheduled run) is waited for first, so the grade is sent once, not twice.
 */
export async function sendGrade(ctx: AppContext, providerUserId: number): Promise<SendResult> {
  let sends = inFlight.get(ctx.db);
  if (!sends) {
    sends = new Map();
    inFlight.set(ctx.db, sends);
  }
  for (let running = sends.get(providerUserId); running; running = sends.get(providerUserId))
    await running.catch(() => undefined);
  const send = sendGradeNow(ctx, providerUserId);
  sends.set(providerUserId, send);
  try {
    return await send;
  } finally {
    if (sends.get(providerUserId) === send) sends.delete(providerUserId);
  }
}

async function sendGradeNow(ctx: AppContext, providerUserId: number): Promise<SendResult> {
  const pu = await ctx.db
    .selectFrom("lti_provider_users")
    .selectAll()
    .where("id", "=", providerUserId)
    .executeTakeFirst();
  if (!pu?.outcome_url || !pu.sourcedid) return "skipped";
  const pub = await repo.findPublication(ctx.db, pu.publication_id);
  if (!pub?.gradeSync) return "skipped";
  const instance = await ctx.db
    .selectFrom("enrol_instances")
    .select("status")
    .where("id", "=", pub.instanceId)
    .executeTakeFirst();
  if (instance?.status !== "enabled") return "skipped";
  const s = await currentScore(ctx, pub, pu.user_id);
  if (!("score" in s)) return "skipped";
  // Scores are compared at the precision they are sent with.
  const score = Math.round(s.score * 1e6) / 1e6;
  if (pu.last_grade_sent !== null && Math.abs(pu.last_grade_sent - score) < 1e-9) return "unchanged";
  const body = buildReplaceResultRequest({
    sourcedId: pu.sourcedid,
    score,
    messageIdentifier: `pluto-${pu.id}-${Date.now()}`,
  });
  const { authorization } = signBodyHashRequest({
    url: pu.outcome_url,
    body,
    consumerKey: pu.consumer_key,
    secret: pub.secret,
  });
  const res = await outboundFetch(pu.outcome_url, {
    allow: ctx.config.outboundAllow,
    method: "POST",
    body,
    headers: { "content-type": "application/xml", authorization },
    timeoutMs: 10_000,
    maxBytes: 256 * 1024,
    acceptAnyStatus: true,
  });
  let success = false;
  let description = `HTTP ${res.status}`;
  try {
    const parsed = parseOutcomeResponse(res.body);
    success = parsed.success && res.status < 300;
    description = parsed.description || description;
  } catch {
    success = false;
  }
  if (!success) throw new UpstreamError(`the consumer refused the grade: ${description}`.slice(0, 300), true);
  await repo.markGradeSent(ctx.db, pu.id, score, iso(ctx.clock.now()));
  return "sent";
}

/** Grade changes of LTI users enqueue a send in the same transaction (one lookup per write, not per change). */
export async function enqueueOnGradeChange(
  trx: Trx,
  deps: GradeDeps,
  changes: readonly GradeChange[],
): Promise<void> {
  const first = changes[0];
  if (!first) return;
  const pubs = await repo.listPublications(trx, { courseId: first.courseId, gradeSync: true });
  for (const change of changes) {
    for (const pub of pubs) {
      const relevant =
        pub.courseId === change.courseId &&
        (pub.activityId === null
          ? change.item.activityId === null
          : change.item.activityId === pub.activityId);
      if (!relevant) continue;
      const pu = await repo.findProviderUser(trx, pub.id, change.userId);
      if (!pu?.outcomeUrl) continue;
      await deps.jobs.enqueue(
        trx,
        SEND_GRADE_TASK,
        { providerUserId: pu.id },
        { dedupeKey: `lti-grade:${pu.id}` },
      );
    }
  }
}

/** The scheduled catch-up: every LTI user of every grade-syncing publication, a few in parallel. */
export async function syncAllGrades(
  ctx: AppContext,
  concurrency = 8,
): Promise<{ sent: number; unchanged: number; skipped: number; failed: number; firstError?: string }> {
  const totals = { sent: 0, unchanged: 0, skipped: 0, failed: 0 } as {
    sent: number;
    unchanged: number;
    skipped: number;
    failed: number;
    firstError?: string;
  };
  for (const pub of await repo.listPublications(ctx.db, { gradeSync: true })) {
    const users = (await repo.listProviderUsers(ctx.db, pub.id)).filter((u) => u.outcomeUrl && u.sourcedid);
    let next = 0;
    const worker = async () => {
      while (next < users.length) {
        const u = users[next++];
        if (!u) break;
        try {
          totals[await sendGrade(ctx, u.id)]++;
        } catch (err) {
          totals.failed++;
          totals.firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
  }
  return totals;
}
