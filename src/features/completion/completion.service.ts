// Activity completion (rules: viewed, received a grade, received a passing grade) and course
// completion (every visible activity with a rule is complete). Both are derived state, recomputed
// inside the transaction that changed their inputs: a view, a grade change (onGradeChanged) or
// an activity edit (onActivityChanged). Course completion is withdrawn when it stops holding
// (e.g. a new required activity is added), so the row always means "complete now".
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";
import {
  type ActivityListener,
  findActivity,
  listCourseActivities,
} from "../activities/activities.service.js";
import type { Activity, CompletionRule } from "../activities/activity-types.js";
import { listParticipants } from "../enrolments/enrolments.service.js";
import { findActivityItem, findGrade, type GradeDeps, type GradeListener } from "../grades/grades.service.js";
import * as repo from "./completion.repository.js";

export type { ActivityCompletion, CourseCompletion } from "./completion.repository.js";

type CompletionDeps = Pick<GradeDeps, "clock">;

export const RULE_LABELS: Record<CompletionRule, string> = {
  none: "Do not track completion",
  viewed: "Student must view this activity",
  graded: "Student must receive a grade",
  passing: "Student must receive a passing grade",
};

/** Whether a rule holds for what the user did. */
export function ruleMet(
  rule: CompletionRule,
  passGrade: number | null,
  state: { viewed: boolean; grade: number | null },
): boolean {
  switch (rule) {
    case "none":
      return false;
    case "viewed":
      return state.viewed;
    case "graded":
      return state.grade !== null;
    case "passing":
      return state.grade !== null && passGrade !== null && state.grade >= passGrade;
  }
}

async function gradeOf(trx: Db, activityId: number, userId: number): Promise<number | null> {
  const item = await findActivityItem(trx, activityId);
  if (!item) return null;
  const g = await findGrade(trx, item.id, userId);
  // A pending grade (a tool's score not fully graded yet) has not been received.
  return g?.progress === "final" ? g.grade : null;
}

/** Records that the user viewed the activity, and what follows for completion (once per user). */
export async function recordView(
  db: Db,
  deps: CompletionDeps,
  activity: Activity,
  userId: number,
): Promise<void> {
  if ((await repo.findActivityCompletion(db, activity.id, userId))?.viewed) return;
  await db.transaction().execute((trx) => evaluateActivity(trx, deps, activity, userId, { viewed: true }));
}

/**
 * Records, inside the caller's transaction, that the user did the activity as far as its "viewed" rule goes
 * (an LTI tool reporting the activity submitted or completed); nothing to do when already recorded.
 */
export async function recordViewIn(
  trx: Db,
  deps: CompletionDeps,
  activity: Activity,
  userId: number,
): Promise<void> {
  if ((await repo.findActivityCompletion(trx, activity.id, userId))?.viewed) return;
  await evaluateActivity(trx, deps, activity, userId, { viewed: true });
}

/** Recomputes one user's completion of one activity, then of the course. */
export async function evaluateActivity(
  trx: Db,
  deps: CompletionDeps,
  activity: Activity,
  userId: number,
  opts: { viewed?: boolean } = {},
): Promise<boolean> {
  const existing = await repo.findActivityCompletion(trx, activity.id, userId);
  const viewed = opts.viewed ?? existing?.viewed ?? false;
  const needsGrade = activity.completionRule === "graded" || activity.completionRule === "passing";
  const grade = needsGrade ? await gradeOf(trx, activity.id, userId) : null;
  const complete = ruleMet(activity.completionRule, activity.completionPassGrade, { viewed, grade });
  if (existing?.viewed !== viewed || existing?.complete !== complete) {
    if (existing || viewed || complete) {
      await repo.upsertActivityCompletion(trx, {
        activityId: activity.id,
        userId,
        viewed,
        complete,
        updatedAt: iso(deps.clock.now()),
      });
    }
    await evaluateCourse(trx, deps, activity.courseId, userId);
  }
  return complete;
}

/** Writes or withdraws the user's course completion. */
export async function evaluateCourse(
  trx: Db,
  deps: CompletionDeps,
  courseId: number,
  userId: number,
): Promise<boolean> {
  const required = (await listCourseActivities(trx, courseId, { includeHidden: false })).filter(
    (a) => a.completionRule !== "none",
  );
  const rows = await repo.listActivityCompletions(
    trx,
    required.map((a) => a.id),
    userId,
  );
  const done = new Set(rows.filter((r) => r.complete).map((r) => r.activityId));
  const complete = required.length > 0 && required.every((a) => done.has(a.id));
  const existing = await repo.findCourseCompletion(trx, courseId, userId);
  if (complete && !existing) {
    await repo.insertCourseCompletion(trx, { courseId, userId, completedAt: iso(deps.clock.now()) });
  } else if (!complete && existing) {
    await repo.deleteCourseCompletion(trx, courseId, userId);
  }
  return complete;
}

export async function isActivityComplete(db: Db, activityId: number, userId: number): Promise<boolean> {
  return (await repo.findActivityCompletion(db, activityId, userId))?.complete ?? false;
}

export async function isCourseComplete(db: Db, courseId: number, userId: number): Promise<boolean> {
  return (await repo.findCourseCompletion(db, courseId, userId)) !== undefined;
}

export const findCourseCompletion = repo.findCourseCompletion;

/** For the course page: which of the tracked activities the user has completed, and the course. */
export async function learnerProgress(
  db: Db,
  courseId: number,
  trackedActivityIds: number[],
  userId: number,
): Promise<{ completed: Set<number>; courseComplete: boolean }> {
  const p = await repo.findLearnerProgress(db, courseId, trackedActivityIds, userId);
  return { completed: new Set(p.completedIds), courseComplete: p.courseComplete };
}

export interface CompletionReport {
  activities: Activity[];
  rows: Array<{
    userId: number;
    username: string;
    firstname: string;
    lastname: string;
    complete: Set<number>;
    courseCompletedAt: string | null;
  }>;
}

/** Participants × activities with a completion rule. */
export async function completionReport(db: Db, courseId: number): Promise<CompletionReport> {
  // As for course completion, hidden activities do not count.
  const activities = (await listCourseActivities(db, courseId, { includeHidden: false })).filter(
    (a) => a.completionRule !== "none",
  );
  const participants = await listParticipants(db, courseId);
  const states = await repo.listActivityCompletions(
    db,
    activities.map((a) => a.id),
  );
  const courseDone = new Map(
    (await repo.listCourseCompletions(db, courseId)).map((c) => [c.userId, c.completedAt]),
  );
  return {
    activities,
    rows: participants.map((p) => ({
      userId: p.userId,
      username: p.username,
      firstname: p.firstname,
      lastname: p.lastname,
      complete: new Set(states.filter((s) => s.userId === p.userId && s.complete).map((s) => s.activityId)),
      courseCompletedAt: courseDone.get(p.userId) ?? null,
    })),
  };
}

/** A grade change may complete (or un-complete) a graded activity, in the grade writer's transaction. */
export const completeOnGradeChange: GradeListener = async (trx, deps, changes) => {
  for (const change of changes) {
    if (change.item.activityId === null) continue;
    const activity = change.activity ?? (await findActivity(trx, change.item.activityId));
    if (!activity || (activity.completionRule !== "graded" && activity.completionRule !== "passing"))
      continue;
    await evaluateActivity(trx, deps, activity, change.userId);
  }
};

/** A changed rule, pass grade or visibility, a new or a deleted activity changes everyone's state. */
export const reevaluateOnActivityChange: ActivityListener = async (trx, deps, change) => {
  const { activity } = change;
  if (change.kind === "created") {
    // Nobody has done a new activity yet: it can only withdraw course completions already given.
    if (activity.completionRule === "none" || !activity.visible) return;
    for (const c of await repo.listCourseCompletions(trx, activity.courseId)) {
      await evaluateCourse(trx, deps, activity.courseId, c.userId);
    }
    return;
  }
  for (const p of await listParticipants(trx, activity.courseId)) {
    if (change.kind !== "deleted") await evaluateActivity(trx, deps, activity, p.userId);
    await evaluateCourse(trx, deps, activity.courseId, p.userId);
  }
};
