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
  v: { fullname: string; shortname: string; summary: string; visible: boolean; now: string },
): Promise<Course> {
  const r = await db
    .insertInto("courses")
    .values({
      fullname: v.fullname,
      shortname: v.shortname,
      summary: v.summary,
      visible: v.visible ? 1 : 0,
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
  v: Partial<{ fullname: string; shortname: string; summary: string; visible: boolean }> & { now: string },
): Promise<void> {
  const { visible, now, ...rest } = v;
  await db
    .updateTable("courses")
    .set({ ...rest, ...(visible !== undefined ? { visible: visible ? 1 : 0 } : {}), updated_at: now })
    .where("id", "=", id)
    .execute();
}

export async function deleteCourse(db: Db, id: number): Promise<void> {
  await db.deleteFrom("courses").where("id", "=", id).execute();
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
): Promise<number> {
  const r = await db
    .insertInto("sections")
    .values({ course_id: courseId, position, name, summary: "" })
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
