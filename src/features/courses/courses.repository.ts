// The only file that touches the courses and sections tables.

import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";

export interface Course {
  id: number;
  fullname: string;
  shortname: string;
  summary: string;
  visible: boolean;
  /** YYYY-MM-DD, or null */
  startDate: string | null;
  /** The course this one was copied from, or null. */
  originalCourseId: number | null;
  createdAt: string;
}

export interface Section {
  id: number;
  courseId: number;
  position: number;
  name: string;
  summary: string;
}

const toCourse = (r: Selectable<Database["courses"]>): Course => ({
  id: r.id,
  fullname: r.fullname,
  shortname: r.shortname,
  summary: r.summary,
  visible: r.visible === 1,
  startDate: r.start_date,
  originalCourseId: r.original_course_id,
  createdAt: r.created_at,
});

export async function findCourse(db: Db, id: number): Promise<Course | undefined> {
  const r = await db.selectFrom("courses").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toCourse(r) : undefined;
}

export async function findCourseByShortname(db: Db, shortname: string): Promise<Course | undefined> {
  const r = await db.selectFrom("courses").selectAll().where("shortname", "=", shortname).executeTakeFirst();
  return r ? toCourse(r) : undefined;
}

export async function listCourses(
  db: Db,
  opts: { ids?: number[]; includeHidden: boolean; limit?: number },
): Promise<Course[]> {
  let q = db.selectFrom("courses").selectAll().orderBy("fullname");
  if (opts.ids) {
    if (opts.ids.length === 0) return [];
    q = q.where("id", "in", opts.ids);
  }
  if (!opts.includeHidden) q = q.where("visible", "=", 1);
  if (opts.limit) q = q.limit(opts.limit);
  return (await q.execute()).map(toCourse);
}

export async function insertCourse(
  db: Db,
  v: {
    fullname: string;
    shortname: string;
    summary: string;
    visible: boolean;
    startDate?: string | null;
    originalCourseId?: number | null;
    now: string;
  },
): Promise<Course> {
  const r = await db
    .insertInto("courses")
    .values({
      fullname: v.fullname,
      shortname: v.shortname,
      summary: v.summary,
      visible: v.visible ? 1 : 0,
      start_date: v.startDate ?? null,
      original_course_id: v.originalCourseId ?? null,
      created_at: v.now,
      updated_at: v.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCourse(r);
}

export async function updateCourse(
  db: Db,
  id: number,
  v: Partial<{
    fullname: string;
    shortname: string;
    summary: string;
    visible: boolean;
    startDate: string | null;
  }> & { now: string },
): Promise<void> {
  const { visible, startDate, now, ...rest } = v;
  await db
    .updateTable("courses")
    .set({
      ...rest,
      ...(visible !== undefined ? { visible: visible ? 1 : 0 } : {}),
      ...(startDate !== undefined ? { start_date: startDate } : {}),
      updated_at: now,
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteCourse(db: Db, id: number): Promise<void> {
  await db.deleteFrom("courses").where("id", "=", id).execute();
}

/**
 * The ids of the courses this one was copied from, newest first (its source, the source's source, …).
 * Stops at a course that was not a copy, at a deleted one (whose id is still listed) and at a cycle.
 */
export async function listCourseAncestorIds(db: Db, courseId: number, limit = 1000): Promise<number[]> {
  const out: number[] = [];
  const seen = new Set<number>([courseId]);
  let id: number | null = courseId;
  while (id !== null && out.length < limit) {
    const r: { original_course_id: number | null } | undefined = await db
      .selectFrom("courses")
      .select("original_course_id")
      .where("id", "=", id)
      .executeTakeFirst();
    const parent: number | null = r?.original_course_id ?? null;
    if (parent === null || seen.has(parent)) break;
    out.push(parent);
    seen.add(parent);
    id = parent;
  }
  return out;
}

export async function listSections(db: Db, courseId: number): Promise<Section[]> {
  const rows = await db
    .selectFrom("sections")
    .selectAll()
    .where("course_id", "=", courseId)
    .orderBy("position")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    courseId: r.course_id,
    position: r.position,
    name: r.name,
    summary: r.summary,
  }));
}

const toSection = (r: Selectable<Database["sections"]>): Section => ({
  id: r.id,
  courseId: r.course_id,
  position: r.position,
  name: r.name,
  summary: r.summary,
});

export async function findSection(db: Db, id: number): Promise<Section | undefined> {
  const r = await db.selectFrom("sections").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toSection(r) : undefined;
}

export async function findSectionByPosition(
  db: Db,
  courseId: number,
  position: number,
): Promise<Section | undefined> {
  const r = await db
    .selectFrom("sections")
    .selectAll()
    .where("course_id", "=", courseId)
    .where("position", "=", position)
    .executeTakeFirst();
  return r ? toSection(r) : undefined;
}

export async function insertSection(
  db: Db,
  courseId: number,
  position: number,
  name: string,
  summary = "",
): Promise<number> {
  const r = await db
    .insertInto("sections")
    .values({ course_id: courseId, position, name, summary })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateSection(
  db: Db,
  id: number,
  v: { name?: string; summary?: string },
): Promise<void> {
  await db.updateTable("sections").set(v).where("id", "=", id).execute();
}
