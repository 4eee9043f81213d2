// The gradebook: a grade item per gradable activity plus the course total (natural aggregation:
// the sum of the user's activity grades out of the sum of their maxima). Every change is kept in
// the history with its source, and announced to listeners inside the same transaction, so a
// feature that must act on it (completion, LTI grade sync) writes its follow-up atomically.
import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.js";
import type { AppContext } from "../../http/context.js";
import { iso } from "../../shared/clock.js";
import { NotFoundError, ValidationError } from "../../shared/errors.js";
import * as repo from "./grades.repository.js";

export type { Grade, GradeItem, GradeRow } from "./grades.repository.js";

export type Trx = Transaction<Database>;
export type GradeSource = "teacher" | "quiz" | "external" | "system";
export type GradeDeps = Pick<AppContext, "clock" | "jobs">;

export interface GradeChange {
  courseId: number;
  item: repo.GradeItem;
  userId: number;
  grade: number | null;
  previous: number | null;
  source: GradeSource;
}

type Listener = (trx: Trx, deps: GradeDeps, change: GradeChange) => Promise<void>;
const listeners: Listener[] = [];

/** Features subscribe to grade changes (completion, LTI grade sync); called inside the writer's transaction. */
export function onGradeChanged(listener: Listener): void {
  listeners.push(listener);
}

export async function ensureCourseTotalItem(trx: repo.Q, courseId: number): Promise<repo.GradeItem> {
  const existing = await repo.findCourseTotalItem(trx, courseId);
  if (existing) return existing;
  return repo.insertItem(trx, {
    courseId,
    activityId: null,
    name: "Course total",
    maxGrade: 0,
    passGrade: null,
  });
}

/** Creates or updates the grade item of a gradable activity and keeps the course total's maximum in step. */
export async function upsertActivityItem(
  trx: repo.Q,
  v: { courseId: number; activityId: number; name: string; maxGrade: number; passGrade: number | null },
): Promise<repo.GradeItem> {
  const existing = await repo.findActivityItem(trx, v.activityId);
  let item: repo.GradeItem;
  if (existing) {
    await repo.updateItem(trx, existing.id, { name: v.name, maxGrade: v.maxGrade, passGrade: v.passGrade });
    item = { ...existing, name: v.name, maxGrade: v.maxGrade, passGrade: v.passGrade };
  } else {
    item = await repo.insertItem(trx, {
      courseId: v.courseId,
      activityId: v.activityId,
      name: v.name,
      maxGrade: v.maxGrade,
      passGrade: v.passGrade,
    });
  }
  await refreshCourseTotalMax(trx, v.courseId);
  return item;
}

/** Removes an activity's grade item (when it stops being gradable or is deleted). */
export async function removeActivityItem(trx: repo.Q, courseId: number, activityId: number): Promise<void> {
  const item = await repo.findActivityItem(trx, activityId);
  if (item) await repo.deleteItem(trx, item.id);
  await refreshCourseTotalMax(trx, courseId);
}

async function refreshCourseTotalMax(trx: repo.Q, courseId: number): Promise<void> {
  const total = await ensureCourseTotalItem(trx, courseId);
  await repo.updateItem(trx, total.id, { maxGrade: await repo.sumActivityMax(trx, courseId) });
}

export interface SetGradeInput {
  activityId: number;
  userId: number;
  /** null removes the grade value (kept in history as such) */
  grade: number | null;
  feedback?: string;
  source: GradeSource;
  actorId: number | null;
}

/** Writes one activity grade, its history row and the recomputed course total, in the caller's transaction. */
export async function setGrade(trx: Trx, deps: GradeDeps, input: SetGradeInput): Promise<repo.Grade> {
  const item = await repo.findActivityItem(trx, input.activityId);
  if (!item) throw new NotFoundError("Grade item for this activity");
  if (
    input.grade !== null &&
    (!Number.isFinite(input.grade) || input.grade < 0 || input.grade > item.maxGrade)
  ) {
    throw new ValidationError(`Grade must be between 0 and ${item.maxGrade}`, [
      { field: "grade", message: `Grade must be between 0 and ${item.maxGrade}` },
    ]);
  }
  const previous = await repo.findGrade(trx, item.id, input.userId);
  const g: repo.Grade = {
    itemId: item.id,
    userId: input.userId,
    grade: input.grade,
    feedback: input.feedback ?? previous?.feedback ?? "",
    source: input.source,
    actorId: input.actorId,
    updatedAt: iso(deps.clock.now()),
  };
  await repo.upsertGrade(trx, g);
  await repo.insertHistory(trx, g);
  await announce(trx, deps, {
    courseId: item.courseId,
    item,
    userId: input.userId,
    grade: g.grade,
    previous: previous?.grade ?? null,
    source: input.source,
  });
  await recomputeCourseTotal(trx, deps, item.courseId, input.userId, input.source);
  return g;
}

/** Deletes an activity grade (e.g. an external tool's deleteResult), recording it in the history. */
export async function clearGrade(
  trx: Trx,
  deps: GradeDeps,
  v: { activityId: number; userId: number; source: GradeSource; actorId: number | null },
) {
  const item = await repo.findActivityItem(trx, v.activityId);
  if (!item) throw new NotFoundError("Grade item for this activity");
  const previous = await repo.findGrade(trx, item.id, v.userId);
  if (!previous) return;
  await repo.deleteGrade(trx, item.id, v.userId);
  await repo.insertHistory(trx, {
    ...previous,
    grade: null,
    feedback: "",
    source: v.source,
    actorId: v.actorId,
    updatedAt: iso(deps.clock.now()),
  });
  await announce(trx, deps, {
    courseId: item.courseId,
    item,
    userId: v.userId,
    grade: null,
    previous: previous.grade,
    source: v.source,
  });
  await recomputeCourseTotal(trx, deps, item.courseId, v.userId, v.source);
}

async function recomputeCourseTotal(
  trx: Trx,
  deps: GradeDeps,
  courseId: number,
  userId: number,
  source: GradeSource,
) {
  const total = await ensureCourseTotalItem(trx, courseId);
  const { sum, count } = await repo.sumActivityGrades(trx, courseId, userId);
  const previous = await repo.findGrade(trx, total.id, userId);
  const value = count === 0 ? null : sum;
  if ((previous?.grade ?? null) === value) return;
  const g: repo.Grade = {
    itemId: total.id,
    userId,
    grade: value,
    feedback: "",
    source: "system",
    actorId: null,
    updatedAt: iso(deps.clock.now()),
  };
  await repo.upsertGrade(trx, g);
  await repo.insertHistory(trx, g);
  await announce(trx, deps, {
    courseId,
    item: total,
    userId,
    grade: value,
    previous: previous?.grade ?? null,
    source,
  });
}

async function announce(trx: Trx, deps: GradeDeps, change: GradeChange) {
  for (const l of listeners) await l(trx, deps, change);
}

export const listItems = repo.listItems;
export const listCourseGrades = repo.listCourseGrades;
export const findActivityItem = repo.findActivityItem;
export const findCourseTotalItem = repo.findCourseTotalItem;
export const findGrade = repo.findGrade;
export const listHistory = repo.listHistory;
