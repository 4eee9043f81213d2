// The only file that touches the activities table.

import { type Selectable, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import type { Activity, CompletionRule } from "./activity-types.js";

const RULES: readonly CompletionRule[] = ["none", "viewed", "graded", "passing"];

function parseSettings(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toActivity(r: Selectable<Database["activities"]>): Activity {
  return {
    id: r.id,
    courseId: r.course_id,
    sectionId: r.section_id,
    position: r.position,
    type: r.type,
    name: r.name,
    settings: parseSettings(r.settings),
    visible: r.visible === 1,
    completionRule: (RULES as readonly string[]).includes(r.completion_rule)
      ? (r.completion_rule as CompletionRule)
      : "none",
    completionPassGrade: r.completion_pass_grade,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findActivity(db: Db, id: number): Promise<Activity | undefined> {
  // Read on every activity page and grade write: an SQL text, as the builder cost more than the query.
  const { rows } = await sql<
    Selectable<Database["activities"]>
  >`select * from activities where id = ${id}`.execute(db);
  const r = rows[0];
  return r ? toActivity(r) : undefined;
}

/** The course's activities in display order (by section position, then activity position). */
export async function listCourseActivities(
  db: Db,
  courseId: number,
  opts: { includeHidden: boolean },
): Promise<Activity[]> {
  // Read on every course page: one SQL text, as Kysely's builder cost more than the query.
  const { rows } = await sql<Selectable<Database["activities"]>>`
    select a.* from activities a join sections s on s.id = a.section_id
    where a.course_id = ${courseId} ${opts.includeHidden ? sql`` : sql`and a.visible = 1`}
    order by s.position, a.position, a.id`.execute(db);
  return rows.map(toActivity);
}

export async function listSectionActivities(db: Db, sectionId: number): Promise<Activity[]> {
  const rows = await db
    .selectFrom("activities")
    .selectAll()
    .where("section_id", "=", sectionId)
    .orderBy("position")
    .orderBy("id")
    .execute();
  return rows.map(toActivity);
}

export async function nextPosition(db: Db, sectionId: number): Promise<number> {
  const r = await db
    .selectFrom("activities")
    .select((eb) => eb.fn.max<number | null>("position").as("max"))
    .where("section_id", "=", sectionId)
    .executeTakeFirst();
  return r?.max === null || r?.max === undefined ? 0 : Number(r.max) + 1;
}

export interface ActivityValues {
  courseId: number;
  sectionId: number;
  position: number;
  type: string;
  name: string;
  settings: Record<string, unknown>;
  visible: boolean;
  completionRule: CompletionRule;
  completionPassGrade: number | null;
}

export async function insertActivity(
  db: Db,
  v: ActivityValues & { now: string; originalActivityId?: number | null },
): Promise<Activity> {
  const r = await db
    .insertInto("activities")
    .values({
      course_id: v.courseId,
      section_id: v.sectionId,
      position: v.position,
      type: v.type,
      name: v.name,
      settings: JSON.stringify(v.settings),
      visible: v.visible ? 1 : 0,
      completion_rule: v.completionRule,
      completion_pass_grade: v.completionPassGrade,
      original_activity_id: v.originalActivityId ?? null,
      created_at: v.now,
      updated_at: v.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toActivity(r);
}

export async function updateActivity(
  db: Db,
  id: number,
  v: Partial<Omit<ActivityValues, "courseId" | "type">> & { now: string },
): Promise<void> {
  await db
    .updateTable("activities")
    .set({
      ...(v.sectionId !== undefined ? { section_id: v.sectionId } : {}),
      ...(v.position !== undefined ? { position: v.position } : {}),
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.settings !== undefined ? { settings: JSON.stringify(v.settings) } : {}),
      ...(v.visible !== undefined ? { visible: v.visible ? 1 : 0 } : {}),
      ...(v.completionRule !== undefined ? { completion_rule: v.completionRule } : {}),
      ...(v.completionPassGrade !== undefined ? { completion_pass_grade: v.completionPassGrade } : {}),
      updated_at: v.now,
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteActivity(db: Db, id: number): Promise<void> {
  await db.deleteFrom("activities").where("id", "=", id).execute();
}

/**
 * The ids of the activities this one was copied from, newest first (course copy lineage). Stops at an
 * activity that was not a copy, at a deleted one (whose id is still listed) and at a cycle.
 */
export async function listActivityAncestorIds(db: Db, activityId: number, limit = 1000): Promise<number[]> {
  const out: number[] = [];
  const seen = new Set<number>([activityId]);
  let id = activityId;
  while (out.length < limit) {
    const r = await db
      .selectFrom("activities")
      .select("original_activity_id")
      .where("id", "=", id)
      .executeTakeFirst();
    const parent = r?.original_activity_id ?? null;
    if (parent === null || seen.has(parent)) break;
    out.push(parent);
    seen.add(parent);
    id = parent;
  }
  return out;
}
