// The gradebook: a grade item per gradable activity plus the course total (natural aggregation:
// the sum of the user's activity grades out of the sum of their maxima). Every change is kept in
// the history with its source, and announced to listeners inside the same transaction, so a
// feature that must act on it (completion, LTI grade sync) writes its follow-up atomically.

import type { Deps } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";
import { NotFoundError, ValidationError } from "../../shared/errors.js";
import type { Activity } from "../activities/activity-types.js";
import * as repo from "./grades.repository.js";

export type { Grade, GradeItem, GradeRow } from "./grades.repository.js";

export type GradeSource = "teacher" | "quiz" | "external" | "system";
export type GradeDeps = Pick<Deps, "clock" | "jobs">;

export interface GradeChange {
  courseId: number;
  item: repo.GradeItem;
  userId: number;
  grade: number | null;
  previous: number | null;
  source: GradeSource;
  /** The graded activity, when the writer had it loaded (spares listeners a lookup). */
  activity?: Activity;
}

/**
 * Called inside the writer's transaction with every change one write made, the activity grade first and
 * the course total after it.
 */
export type GradeListener = (trx: Db, deps: GradeDeps, changes: readonly GradeChange[]) => Promise<void>;
const listeners: GradeListener[] = [];

/** Features subscribe to grade changes (completion, LTI grade sync); called inside the writer's transaction. */
export function onGradeChanged(listener: GradeListener): void {
  listeners.push(listener);
}

export async function ensureCourseTotalItem(trx: Db, courseId: number): Promise<repo.GradeItem> {
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
  trx: Db,
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

/**
 * Copies the grade items of course `fromCourseId` into `toCourseId` (course copy): the course total and
 * each activity's item, with their names, maximum and pass grades, attached to the copied activity
 * (`activityIds`: source activity id → copy's). No grades and no history go along. Runs in the caller's
 * transaction. Returns source item id → copy's item id, so a line-item layer can follow its items.
 */
export async function copyGradeItems(
  trx: Db,
  v: { fromCourseId: number; toCourseId: number; activityIds: ReadonlyMap<number, number> },
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  for (const item of await repo.listItems(trx, v.fromCourseId)) {
    const activityId = item.activityId === null ? null : v.activityIds.get(item.activityId);
    if (activityId === undefined) continue;
    const copy = await repo.insertItem(trx, {
      courseId: v.toCourseId,
      activityId,
      name: item.name,
      maxGrade: item.maxGrade,
      passGrade: item.passGrade,
    });
    ids.set(item.id, copy.id);
  }
  await refreshCourseTotalMax(trx, v.toCourseId);
  return ids;
}

/** Removes an activity's grade item (when it stops being gradable or is deleted). */
export async function removeActivityItem(trx: Db, courseId: number, activityId: number): Promise<void> {
  const item = await repo.findActivityItem(trx, activityId);
  if (item) await repo.deleteItem(trx, item.id);
  await refreshCourseTotalMax(trx, courseId);
}

async function refreshCourseTotalMax(trx: Db, courseId: number): Promise<void> {
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
  /** The activity, when the caller has it loaded. */
  activity?: Activity;
}

/** Writes one activity grade, its history row and the recomputed course total, in the caller's transaction. */
export async function setGrade(trx: Db, deps: GradeDeps, input: SetGradeInput): Promise<repo.Grade> {
  const found = await repo.findActivityItemWithGrade(trx, input.activityId, input.userId);
  if (!found) throw new NotFoundError("Grade item for this activity");
  const { item, grade: previous } = found;
  if (
    input.grade !== null &&
    (!Number.isFinite(input.grade) || input.grade < 0 || input.grade > item.maxGrade)
  ) {
    throw new ValidationError(`Grade must be between 0 and ${item.maxGrade}`, [
      { field: "grade", message: `Grade must be between 0 and ${item.maxGrade}` },
    ]);
  }
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
  const change: GradeChange = {
    courseId: item.courseId,
    item,
    userId: input.userId,
    grade: g.grade,
    previous: previous?.grade ?? null,
    source: input.source,
    ...(input.activity ? { activity: input.activity } : {}),
  };
  await announce(trx, deps, [change, ...(await recomputeCourseTotal(trx, deps, change))]);
  return g;
}

/** Deletes an activity grade (e.g. an external tool's deleteResult), recording it in the history. */
export async function clearGrade(
  trx: Db,
  deps: GradeDeps,
  v: { activityId: number; userId: number; source: GradeSource; actorId: number | null; activity?: Activity },
) {
  const found = await repo.findActivityItemWithGrade(trx, v.activityId, v.userId);
  if (!found) throw new NotFoundError("Grade item for this activity");
  const { item, grade: previous } = found;
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
  const change: GradeChange = {
    courseId: item.courseId,
    item,
    userId: v.userId,
    grade: null,
    previous: previous.grade,
    source: v.source,
    ...(v.activity ? { activity: v.activity } : {}),
  };
  await announce(trx, deps, [change, ...(await recomputeCourseTotal(trx, deps, change))]);
}

/** Brings the user's course total in step with an activity grade change; returns the total's change, if any. */
async function recomputeCourseTotal(trx: Db, deps: GradeDeps, cause: GradeChange): Promise<GradeChange[]> {
  const { courseId, userId } = cause;
  const state =
    (await repo.findCourseTotalState(trx, courseId, userId)) ??
    (await ensureCourseTotalItem(trx, courseId).then(() => repo.findCourseTotalState(trx, courseId, userId)));
  if (!state) throw new NotFoundError("Course total");
  if (state.current === state.sum) return [];
  const g: repo.Grade = {
    itemId: state.item.id,
    userId,
    grade: state.sum,
    feedback: "",
    source: "system",
    actorId: null,
    updatedAt: iso(deps.clock.now()),
  };
  await repo.upsertGrade(trx, g);
  await repo.insertHistory(trx, g);
  return [
    { courseId, item: state.item, userId, grade: state.sum, previous: state.current, source: cause.source },
  ];
}

async function announce(trx: Db, deps: GradeDeps, changes: readonly GradeChange[]) {
  for (const l of listeners) await l(trx, deps, changes);
}

export const listItems = repo.listItems;
export const listCourseGrades = repo.listCourseGrades;
export const findActivityItem = repo.findActivityItem;
export const findCourseTotalItem = repo.findCourseTotalItem;
export const findGrade = repo.findGrade;
export const listHistory = repo.listHistory;
