// Course material of every registered type: create, edit, move, hide, delete. Each change runs in
// one transaction together with the activity's grade item (kept in step with type.maxGrade) and
// the listeners (completion) that must follow it.
// Past ~300 lines: every change shares the transaction, grade item and listener steps written here once.
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";
import { type FieldError, NotFoundError, ValidationError } from "../../shared/errors.js";
import { parseInput, requiredText } from "../../shared/validation.js";
import { findSection, findSectionByPosition } from "../courses/courses.service.js";
import {
  clearGrade,
  type GradeDeps,
  listCourseGrades,
  removeActivityItem,
  upsertActivityItem,
} from "../grades/grades.service.js";
import * as repo from "./activities.repository.js";
import { type Activity, type ActivityType, findActivityType } from "./activity-types.js";

export const COMPLETION_RULES = ["none", "viewed", "graded", "passing"] as const;

/** The fields every activity has, as the API names them. */
export const activityFieldsSchema = z.object({
  name: requiredText(254, "Activity name"),
  settings: z.unknown().default({}),
  visible: z.boolean().default(true),
  completionRule: z.enum(COMPLETION_RULES).default("none"),
  completionPassGrade: z.number().finite().min(0).max(1_000_000).nullable().default(null),
});

export const newActivitySchema = activityFieldsSchema.extend({
  type: z.string({ error: "Activity type is required" }).trim().min(1, "Activity type is required").max(40),
  /** The section's position number: 0 is the general section at the top. */
  section: z.number().int().min(0).max(10_000).default(0),
});

export interface ActivityChange {
  kind: "created" | "updated" | "deleted";
  activity: Activity;
}
export type ActivityListener = (trx: Db, deps: GradeDeps, change: ActivityChange) => Promise<void>;
const listeners: ActivityListener[] = [];

/** Features that derive state from activities (completion) follow changes inside the same transaction. */
export function onActivityChanged(listener: ActivityListener): void {
  listeners.push(listener);
}

async function announce(trx: Db, deps: GradeDeps, change: ActivityChange) {
  for (const l of listeners) await l(trx, deps, change);
}

export function activityPath(id: number): string {
  return `/mod/${id}`;
}

/** The type of an activity; an activity whose type is no longer registered cannot be used. */
export function typeOf(activity: Pick<Activity, "type">): ActivityType {
  const type = findActivityType(activity.type);
  if (!type) throw new NotFoundError(`Activity type ${activity.type}`);
  return type;
}

export async function getActivity(db: Db, id: number): Promise<Activity> {
  const a = await repo.findActivity(db, id);
  if (!a) throw new NotFoundError("Activity");
  return a;
}

interface Checked {
  name: string;
  settings: Record<string, unknown>;
  visible: boolean;
  completionRule: Activity["completionRule"];
  completionPassGrade: number | null;
}

/** Validates the common fields and the type's settings together, so a form shows every problem at once. */
async function check(
  ctx: AppContext,
  courseId: number,
  type: ActivityType,
  input: unknown,
): Promise<Checked> {
  const fields: FieldError[] = [];
  // A type with defaultName may take its name from the prepared settings when none is given.
  const rawName = input && typeof input === "object" && "name" in input ? input.name : undefined;
  const nameLater =
    type.defaultName !== undefined &&
    (rawName === undefined || (typeof rawName === "string" && rawName.trim() === ""));
  const fieldsSchema = nameLater
    ? activityFieldsSchema.extend({ name: z.unknown().transform(() => "") })
    : activityFieldsSchema;
  const v = collect(fields, "", () => parseInput(fieldsSchema, input));
  const raw = input && typeof input === "object" && "settings" in input ? input.settings : undefined;
  const settings = collect(fields, "settings.", () => parseInput(type.settingsSchema, raw ?? {}));
  if (v && settings) {
    const max = type.maxGrade(settings);
    if ((v.completionRule === "graded" || v.completionRule === "passing") && max === null) {
      fields.push({
        field: "completionRule",
        message: "This activity is not graded: completion cannot depend on a grade.",
      });
    }
    if (v.completionRule === "passing") {
      if (v.completionPassGrade === null) {
        fields.push({ field: "completionPassGrade", message: "Enter the grade to pass." });
      } else if (max !== null && v.completionPassGrade > max) {
        fields.push({ field: "completionPassGrade", message: `The grade to pass must be at most ${max}.` });
      }
    }
  }
  if (!v || !settings || fields.length > 0)
    throw new ValidationError(fields.map((f) => f.message).join(" "), fields);
  const prepared = type.prepare ? await prepareSettings(type, ctx, courseId, settings) : settings;
  const name = v.name || type.defaultName?.(prepared)?.trim().slice(0, 254) || "";
  if (!name) {
    const message = "Activity name is required";
    throw new ValidationError(message, [{ field: "name", message }]);
  }
  return {
    name,
    settings: prepared,
    visible: v.visible,
    completionRule: v.completionRule,
    completionPassGrade: v.completionRule === "passing" ? v.completionPassGrade : null,
  };
}

/** The type's own checks with I/O; its field errors concern the settings, so they are named settings.<field>. */
async function prepareSettings(
  type: ActivityType,
  ctx: AppContext,
  courseId: number,
  settings: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    return (await type.prepare?.(ctx, courseId, settings)) ?? settings;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.message,
      err.fields.map((f) => ({ ...f, field: `settings.${f.field}` })),
    );
  }
}

function collect<T>(fields: FieldError[], prefix: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    fields.push(...err.fields.map((f) => ({ field: `${prefix}${f.field}`, message: f.message })));
    return undefined;
  }
}

export async function createActivity(
  db: Db,
  ctx: AppContext,
  courseId: number,
  input: unknown,
): Promise<Activity> {
  const [activity] = await createActivities(db, ctx, courseId, [input]);
  if (!activity) throw new Error("createActivities returned nothing");
  return activity;
}

/**
 * Creates several activities in one transaction, in order (each checked first: one bad input creates
 * none). `first`, when given, runs inside that transaction before them: what it throws undoes them all.
 */
export async function createActivities(
  db: Db,
  ctx: AppContext,
  courseId: number,
  inputs: readonly unknown[],
  first?: (trx: Db) => Promise<void>,
): Promise<Activity[]> {
  const checked: CheckedNew[] = [];
  for (const input of inputs) {
    const head = parseInput(newActivitySchema.pick({ type: true, section: true }), input);
    const type = findActivityType(head.type);
    if (!type) {
      const message = `Unknown activity type ${head.type}`;
      throw new ValidationError(message, [{ field: "type", message }]);
    }
    checked.push({ head, type, v: await check(ctx, courseId, type, input) });
  }
  return db.transaction().execute(async (trx) => {
    await first?.(trx);
    const out: Activity[] = [];
    for (const c of checked) out.push(await insertChecked(trx, ctx, courseId, c));
    return out;
  });
}

type CheckedNew = { head: { section: number }; type: ActivityType; v: Checked };

async function insertChecked(
  trx: Db,
  ctx: AppContext,
  courseId: number,
  { head, type, v }: CheckedNew,
): Promise<Activity> {
  const section = await findSectionByPosition(trx, courseId, head.section);
  if (!section) {
    const message = `This course has no section ${head.section}`;
    throw new ValidationError(message, [{ field: "section", message }]);
  }
  const now = iso(ctx.clock.now());
  const activity = await repo.insertActivity(trx, {
    ...v,
    courseId,
    sectionId: section.id,
    position: await repo.nextPosition(trx, section.id),
    type: type.type,
    now,
  });
  await syncGradeItem(trx, ctx, type, activity);
  await announce(trx, ctx, { kind: "created", activity });
  return activity;
}

/** Updates an activity; `first`, when given, runs in the same transaction before the update. */
export async function updateActivity(
  db: Db,
  ctx: AppContext,
  id: number,
  input: unknown,
  first?: (trx: Db) => Promise<void>,
): Promise<Activity> {
  const existing = await getActivity(db, id);
  const type = typeOf(existing);
  const v = await check(ctx, existing.courseId, type, input);
  return db.transaction().execute(async (trx) => {
    await first?.(trx);
    await repo.updateActivity(trx, id, { ...v, now: iso(ctx.clock.now()) });
    const activity = await getActivity(trx, id);
    await syncGradeItem(trx, ctx, type, activity);
    await announce(trx, ctx, { kind: "updated", activity });
    return activity;
  });
}

/** Creates, renames or removes the grade item; grades of an activity that stops being graded are cleared. */
async function syncGradeItem(trx: Db, deps: GradeDeps, type: ActivityType, a: Activity): Promise<void> {
  const maxGrade = type.maxGrade(a.settings);
  if (maxGrade === null) {
    await clearActivityGrades(trx, deps, a);
    await removeActivityItem(trx, a.courseId, a.id);
    return;
  }
  await upsertActivityItem(trx, {
    courseId: a.courseId,
    activityId: a.id,
    name: a.name,
    maxGrade,
    passGrade: a.completionRule === "passing" ? a.completionPassGrade : null,
  });
}

async function clearActivityGrades(trx: Db, deps: GradeDeps, a: Activity): Promise<void> {
  const grades = (await listCourseGrades(trx, a.courseId)).filter((g) => g.activityId === a.id);
  for (const g of grades) {
    await clearGrade(trx, deps, { activityId: a.id, userId: g.userId, source: "system", actorId: null });
  }
}

export async function setActivityVisible(
  db: Db,
  deps: GradeDeps,
  id: number,
  visible: boolean,
): Promise<Activity> {
  return db.transaction().execute(async (trx) => {
    await getActivity(trx, id);
    await repo.updateActivity(trx, id, { visible, now: iso(deps.clock.now()) });
    const activity = await getActivity(trx, id);
    await announce(trx, deps, { kind: "updated", activity });
    return activity;
  });
}

/** Moves an activity one place up or down within its section; at either end nothing changes. */
export async function moveActivity(
  db: Db,
  deps: GradeDeps,
  id: number,
  direction: "up" | "down",
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await getActivity(trx, id);
    const list = await repo.listSectionActivities(trx, a.sectionId);
    const i = list.findIndex((x) => x.id === id);
    const j = direction === "up" ? i - 1 : i + 1;
    const other = list[j];
    if (i < 0 || !other) return;
    list[j] = a;
    list[i] = other;
    await renumber(trx, list, iso(deps.clock.now()));
  });
}

/** Moves an activity to the end of another section of the same course (by section position). */
export async function moveActivityToSection(
  db: Db,
  deps: GradeDeps,
  id: number,
  sectionPosition: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await getActivity(trx, id);
    const section = await findSectionByPosition(trx, a.courseId, sectionPosition);
    if (!section) {
      const message = `This course has no section ${sectionPosition}`;
      throw new ValidationError(message, [{ field: "section", message }]);
    }
    if (section.id === a.sectionId) return;
    const now = iso(deps.clock.now());
    await repo.updateActivity(trx, id, {
      sectionId: section.id,
      position: await repo.nextPosition(trx, section.id),
      now,
    });
    await renumber(trx, await repo.listSectionActivities(trx, a.sectionId), now);
  });
}

async function renumber(trx: Db, ordered: Activity[], now: string): Promise<void> {
  for (const [position, x] of ordered.entries()) {
    if (x.position !== position) await repo.updateActivity(trx, x.id, { position, now });
  }
}

/** Deletes an activity with its grades (recording the removal in the grade history), attempts and submissions. */
export async function deleteActivity(db: Db, deps: GradeDeps, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const activity = await getActivity(trx, id);
    await clearActivityGrades(trx, deps, activity);
    await removeActivityItem(trx, activity.courseId, activity.id);
    await repo.deleteActivity(trx, id);
    await announce(trx, deps, { kind: "deleted", activity });
  });
}

/** The section (with its position number) an activity sits in. */
export async function sectionOf(db: Db, activity: Activity) {
  const s = await findSection(db, activity.sectionId);
  if (!s) throw new NotFoundError("Section");
  return s;
}

/**
 * Copies every activity of course `fromCourseId` into `toCourseId` (course copy), with its settings,
 * visibility and completion rule, into the copied section (`sectionIds`: source section id → copy's).
 * Each copy records its source, so its LTI launch names the source in $ResourceLink.id.history. No
 * user data goes along (attempts, submissions, completions, grades); grade items are the grades
 * feature's to copy. Runs in the caller's transaction. Returns source activity id → copy's id.
 */
export async function copyCourseActivities(
  trx: Db,
  deps: GradeDeps,
  v: { fromCourseId: number; toCourseId: number; sectionIds: ReadonlyMap<number, number> },
): Promise<Map<number, number>> {
  const now = iso(deps.clock.now());
  const ids = new Map<number, number>();
  for (const a of await repo.listCourseActivities(trx, v.fromCourseId, { includeHidden: true })) {
    const sectionId = v.sectionIds.get(a.sectionId);
    if (sectionId === undefined) continue;
    const copy = await repo.insertActivity(trx, {
      courseId: v.toCourseId,
      sectionId,
      position: a.position,
      type: a.type,
      name: a.name,
      settings: a.settings,
      visible: a.visible,
      completionRule: a.completionRule,
      completionPassGrade: a.completionPassGrade,
      originalActivityId: a.id,
      now,
    });
    ids.set(a.id, copy.id);
    await announce(trx, deps, { kind: "created", activity: copy });
  }
  return ids;
}

/** The ids of the activities this one was copied from, newest first (empty for an original). */
export const activityAncestorIds = (db: Db, activityId: number) =>
  repo.listActivityAncestorIds(db, activityId);

export const findActivity = repo.findActivity;
export const listCourseActivities = repo.listCourseActivities;
