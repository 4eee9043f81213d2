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

export type { Grade, GradeItem, GradeItemKind, GradeProgress, GradeRow } from "./grades.repository.js";

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
    kind: "total",
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
      kind: "activity",
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
    // A tool's own columns go with their line items (lti-consumer's copy, through createToolItem).
    if (item.kind === "tool") continue;
    const activityId = item.activityId === null ? null : v.activityIds.get(item.activityId);
    if (activityId === undefined) continue;
    const copy = await repo.insertItem(trx, {
      courseId: v.toCourseId,
      activityId,
      name: item.name,
      maxGrade: item.maxGrade,
      passGrade: item.passGrade,
      kind: item.kind,
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

/** What a tool's score (LTI AGS) sets beside the value: none of it is a teacher's or a quiz's to set. */
export interface ToolGradeInput {
  itemId: number;
  userId: number;
  /** null: no value (a tool's score without scoreGiven clears it); may exceed the maximum (extra credit). */
  grade: number | null;
  /** The student-visible feedback ("" clears it). */
  feedback: string;
  progress: repo.GradeProgress;
  toolTypeId: number;
  /** The score's normalised timestamp. */
  scoreTimestamp: string;
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
    progress: "final",
    toolTypeId: null,
    scoreTimestamp: null,
  };
  await write(trx, deps, item, g, previous, input.activity);
  return g;
}

/**
 * Writes a grade an LTI tool gave on any item (an activity's or the tool's own column), with its progress,
 * the tool and the score's timestamp, its history row (source "external", the tool named) and the
 * recomputed course total. A value above the maximum is kept (AGS: scores may exceed scoreMaximum).
 * Returns the grade it replaced.
 */
export async function setToolGrade(
  trx: Db,
  deps: GradeDeps,
  input: ToolGradeInput,
): Promise<{ grade: repo.Grade; previous: repo.Grade | undefined }> {
  const found = await repo.findItemWithGrade(trx, input.itemId, input.userId);
  if (!found || found.item.kind === "total") throw new NotFoundError("Grade item");
  const { item, grade: previous } = found;
  if (input.grade !== null && (!Number.isFinite(input.grade) || input.grade < 0)) {
    throw new ValidationError("Grade must be a number of at least 0", [
      { field: "grade", message: "Grade must be a number of at least 0" },
    ]);
  }
  const g: repo.Grade = {
    itemId: item.id,
    userId: input.userId,
    grade: input.grade,
    feedback: input.feedback,
    source: "external",
    actorId: null,
    updatedAt: iso(deps.clock.now()),
    progress: input.progress,
    toolTypeId: input.toolTypeId,
    scoreTimestamp: input.scoreTimestamp,
  };
  await write(trx, deps, item, g, previous, input.activity);
  return { grade: g, previous };
}

/** A user's grade on an item, for a tool reading it back (its stored score timestamp among it). */
export async function findItemGrade(db: Db, itemId: number, userId: number) {
  return repo.findItemWithGrade(db, itemId, userId);
}

/** A pending grade counts for nothing yet: the course total and completion see no value. */
const countedGrade = (g: repo.Grade | undefined) => (g && g.progress === "final" ? g.grade : null);

async function write(
  trx: Db,
  deps: GradeDeps,
  item: repo.GradeItem,
  g: repo.Grade,
  previous: repo.Grade | undefined,
  activity: Activity | undefined,
) {
  await repo.upsertGrade(trx, g);
  await repo.insertHistory(trx, g);
  const change: GradeChange = {
    courseId: item.courseId,
    item,
    userId: g.userId,
    grade: countedGrade(g),
    previous: countedGrade(previous),
    source: g.source as GradeSource,
    ...(activity ? { activity } : {}),
  };
  await announce(trx, deps, [change, ...(await recomputeCourseTotal(trx, deps, change))]);
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
    progress: "final",
    toolTypeId: null,
  });
  const change: GradeChange = {
    courseId: item.courseId,
    item,
    userId: v.userId,
    grade: null,
    previous: countedGrade(previous),
    source: v.source,
    ...(v.activity ? { activity: v.activity } : {}),
  };
  await announce(trx, deps, [change, ...(await recomputeCourseTotal(trx, deps, change))]);
}

/** Creates a tool's own column (LTI AGS line item), counted in the course total; in the caller's transaction. */
export async function createToolItem(
  trx: Db,
  v: { courseId: number; name: string; maxGrade: number; attachedActivityId: number | null },
): Promise<repo.GradeItem> {
  const item = await repo.insertItem(trx, {
    courseId: v.courseId,
    activityId: null,
    name: v.name,
    maxGrade: v.maxGrade,
    passGrade: null,
    kind: "tool",
    attachedActivityId: v.attachedActivityId,
  });
  await refreshCourseTotalMax(trx, v.courseId);
  return item;
}

/**
 * Renames a tool's column or changes its maximum; a new maximum rescales the grades given on it (AGS
 * §3.2.6), each rescaled grade with its history row and the users' totals recomputed.
 */
export async function updateToolItem(
  trx: Db,
  deps: GradeDeps,
  itemId: number,
  v: { name: string; maxGrade: number },
): Promise<repo.GradeItem> {
  const item = await repo.findItem(trx, itemId);
  if (item?.kind !== "tool") throw new NotFoundError("Grade item");
  await repo.updateItem(trx, itemId, { name: v.name, maxGrade: v.maxGrade });
  const updated = { ...item, name: v.name, maxGrade: v.maxGrade };
  if (v.maxGrade !== item.maxGrade) {
    await refreshCourseTotalMax(trx, item.courseId);
    const factor = v.maxGrade / item.maxGrade;
    for (const previous of await repo.listItemGrades(trx, itemId)) {
      if (previous.grade === null) continue;
      const g = {
        ...previous,
        grade: Math.round(previous.grade * factor * 100000) / 100000,
        source: "system",
        actorId: null,
        updatedAt: iso(deps.clock.now()),
      };
      await write(trx, deps, updated, g, previous, undefined);
    }
  }
  return updated;
}

/** Deletes a tool's column with its grades and history; the users' course totals follow. */
export async function removeToolItem(trx: Db, deps: GradeDeps, itemId: number): Promise<void> {
  const item = await repo.findItem(trx, itemId);
  if (item?.kind !== "tool") throw new NotFoundError("Grade item");
  const graded = await repo.listItemGrades(trx, itemId);
  await repo.deleteItem(trx, itemId);
  await refreshCourseTotalMax(trx, item.courseId);
  for (const g of graded) {
    const change: GradeChange = {
      courseId: item.courseId,
      item,
      userId: g.userId,
      grade: null,
      previous: countedGrade(g),
      source: "external",
    };
    await announce(trx, deps, [change, ...(await recomputeCourseTotal(trx, deps, change))]);
  }
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
    progress: "final",
    toolTypeId: null,
    scoreTimestamp: null,
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
export const findItem = repo.findItem;
export const findCourseTotalItem = repo.findCourseTotalItem;
export const findGrade = repo.findGrade;
export const listHistory = repo.listHistory;
export const listItemGrades = repo.listItemGrades;
