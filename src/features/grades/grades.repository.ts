// The only file that touches grade_items, grades and grade_history (reads join activities for
// their visibility).
// Past ~300 lines: three tables that change together (an item, its grades, their history) in one file.

import { type RawBuilder, type Selectable, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";

/** An activity's own item, the course total, or a column an LTI tool created (tied to no activity). */
export type GradeItemKind = "activity" | "total" | "tool";

export interface GradeItem {
  id: number;
  courseId: number;
  activityId: number | null;
  name: string;
  maxGrade: number;
  passGrade: number | null;
  kind: GradeItemKind;
}

/** final, or not yet (the tool's gradingProgress was not FullyGraded): not counted in totals nor completion. */
export type GradeProgress = "final" | "pending" | "needs_grading";

export interface Grade {
  itemId: number;
  userId: number;
  grade: number | null;
  feedback: string;
  source: string;
  actorId: number | null;
  updatedAt: string;
  progress: GradeProgress;
  /** The LTI tool whose score set it. */
  toolTypeId: number | null;
  /** The normalised timestamp of that score (AGS §3.4.9). */
  scoreTimestamp: string | null;
}

const kindOf = (k: string): GradeItemKind => (k === "total" || k === "tool" ? k : "activity");
export const progressOf = (p: string | null | undefined): GradeProgress =>
  p === "pending" || p === "needs_grading" ? p : "final";

const toItem = (r: Selectable<Database["grade_items"]>): GradeItem => ({
  id: r.id,
  courseId: r.course_id,
  activityId: r.activity_id,
  name: r.name,
  maxGrade: r.max_grade,
  passGrade: r.pass_grade,
  kind: kindOf(r.kind),
});

export async function findCourseTotalItem(db: Db, courseId: number): Promise<GradeItem | undefined> {
  const r = await db
    .selectFrom("grade_items")
    .selectAll()
    .where("course_id", "=", courseId)
    .where("kind", "=", "total")
    .executeTakeFirst();
  return r ? toItem(r) : undefined;
}

export async function findActivityItem(db: Db, activityId: number): Promise<GradeItem | undefined> {
  const r = await db
    .selectFrom("grade_items")
    .selectAll()
    .where("activity_id", "=", activityId)
    .executeTakeFirst();
  return r ? toItem(r) : undefined;
}

export async function listItems(db: Db, courseId: number): Promise<GradeItem[]> {
  const rows = await db
    .selectFrom("grade_items")
    .selectAll()
    .where("course_id", "=", courseId)
    .orderBy("id")
    .execute();
  return rows.map(toItem);
}

/** `attachedActivityId`: the activity a tool's column is attached to, hidden from students with it. */
export async function insertItem(
  db: Db,
  v: Omit<GradeItem, "id"> & { attachedActivityId?: number | null },
): Promise<GradeItem> {
  const r = await db
    .insertInto("grade_items")
    .values({
      course_id: v.courseId,
      activity_id: v.activityId,
      name: v.name,
      max_grade: v.maxGrade,
      pass_grade: v.passGrade,
      kind: v.kind,
      attached_activity_id: v.attachedActivityId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toItem(r);
}

export async function updateItem(
  db: Db,
  id: number,
  v: Partial<Pick<GradeItem, "name" | "maxGrade" | "passGrade">>,
): Promise<void> {
  await db
    .updateTable("grade_items")
    .set({
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.maxGrade !== undefined ? { max_grade: v.maxGrade } : {}),
      ...(v.passGrade !== undefined ? { pass_grade: v.passGrade } : {}),
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteItem(db: Db, id: number): Promise<void> {
  await db.deleteFrom("grade_items").where("id", "=", id).execute();
}

const toGrade = (r: Omit<Selectable<Database["grades"]>, "id">): Grade => ({
  itemId: r.item_id,
  userId: r.user_id,
  grade: r.grade,
  feedback: r.feedback,
  source: r.source,
  actorId: r.actor_id,
  updatedAt: r.updated_at,
  progress: progressOf(r.progress),
  toolTypeId: r.tool_type_id,
  scoreTimestamp: r.score_timestamp,
});

export async function findItem(db: Db, id: number): Promise<GradeItem | undefined> {
  const r = await db.selectFrom("grade_items").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toItem(r) : undefined;
}

/** The grades given on an item (every user's), by user id. */
export async function listItemGrades(db: Db, itemId: number): Promise<Grade[]> {
  const rows = await db
    .selectFrom("grades")
    .selectAll()
    .where("item_id", "=", itemId)
    .orderBy("user_id")
    .execute();
  return rows.map(toGrade);
}

export async function findGrade(db: Db, itemId: number, userId: number): Promise<Grade | undefined> {
  const r = await db
    .selectFrom("grades")
    .selectAll()
    .where("item_id", "=", itemId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? toGrade(r) : undefined;
}

// The statements every grade write runs (an external tool's replaceResult, a quiz attempt, a teacher's grade)
// are SQL texts: Kysely's builder cost more to assemble them than SQLite took to run them.

type ItemWithGradeRow = Selectable<Database["grade_items"]> & {
  g_user_id: number | null;
  g_grade: number | null;
  g_feedback: string | null;
  g_source: string | null;
  g_actor_id: number | null;
  g_updated_at: string | null;
  g_progress: string | null;
  g_tool_type_id: number | null;
  g_score_timestamp: string | null;
};

function itemWithGradeOf(r: ItemWithGradeRow | undefined) {
  if (!r) return undefined;
  const item = toItem(r);
  const grade =
    r.g_user_id === null
      ? undefined
      : toGrade({
          item_id: r.id,
          user_id: r.g_user_id,
          grade: r.g_grade,
          feedback: r.g_feedback ?? "",
          source: r.g_source ?? "",
          actor_id: r.g_actor_id,
          updated_at: r.g_updated_at ?? "",
          progress: r.g_progress ?? "final",
          tool_type_id: r.g_tool_type_id,
          score_timestamp: r.g_score_timestamp,
        });
  return { item, grade };
}

/** A grade item, picked by `where` (its activity or its id), with the user's current grade on it, in one statement. */
async function itemWithGrade(
  db: Db,
  where: RawBuilder<unknown>,
  userId: number,
): Promise<{ item: GradeItem; grade: Grade | undefined } | undefined> {
  const { rows } = await sql<ItemWithGradeRow>`select i.*, g.user_id as g_user_id, g.grade as g_grade,
      g.feedback as g_feedback, g.source as g_source, g.actor_id as g_actor_id, g.updated_at as g_updated_at,
      g.progress as g_progress, g.tool_type_id as g_tool_type_id, g.score_timestamp as g_score_timestamp
    from grade_items i left join grades g on g.item_id = i.id and g.user_id = ${userId}
    where ${where}`.execute(db);
  return itemWithGradeOf(rows[0]);
}

/** An activity's grade item with the user's current grade on it, in one statement. */
export function findActivityItemWithGrade(db: Db, activityId: number, userId: number) {
  return itemWithGrade(db, sql`i.activity_id = ${activityId}`, userId);
}

/** A grade item (by id) with the user's current grade on it, in one statement. */
export function findItemWithGrade(db: Db, itemId: number, userId: number) {
  return itemWithGrade(db, sql`i.id = ${itemId}`, userId);
}

/**
 * What recomputing a user's course total needs, in one statement: the course total item, the user's
 * current total, and the sum of their activity grades (null when they have none).
 */
export async function findCourseTotalState(
  db: Db,
  courseId: number,
  userId: number,
): Promise<{ item: GradeItem; current: number | null; sum: number | null } | undefined> {
  const { rows } = await sql<
    Selectable<Database["grade_items"]> & { current: number | null; sum: number | null }
  >`
    select t.*,
      (select c.grade from grades c where c.item_id = t.id and c.user_id = ${userId}) as "current",
      (select sum(g.grade) from grades g join grade_items i on i.id = g.item_id
        where i.course_id = ${courseId} and i.kind <> 'total' and g.user_id = ${userId}
          and g.progress = 'final') as "sum"
    from grade_items t where t.course_id = ${courseId} and t.kind = 'total'`.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  return {
    item: toItem(r),
    current: r.current ?? null,
    sum: r.sum === null || r.sum === undefined ? null : Number(r.sum),
  };
}

export async function upsertGrade(db: Db, g: Grade): Promise<void> {
  await sql`insert into grades (item_id, user_id, grade, feedback, source, actor_id, updated_at, progress,
      tool_type_id, score_timestamp)
    values (${g.itemId}, ${g.userId}, ${g.grade}, ${g.feedback}, ${g.source}, ${g.actorId}, ${g.updatedAt},
      ${g.progress}, ${g.toolTypeId}, ${g.scoreTimestamp})
    on conflict (item_id, user_id) do update set grade = excluded.grade, feedback = excluded.feedback,
      source = excluded.source, actor_id = excluded.actor_id, updated_at = excluded.updated_at,
      progress = excluded.progress, tool_type_id = excluded.tool_type_id,
      score_timestamp = excluded.score_timestamp`.execute(db);
}

export async function insertHistory(db: Db, g: Grade): Promise<void> {
  await sql`insert into grade_history (item_id, user_id, grade, feedback, source, actor_id, created_at, progress,
      tool_type_id)
    values (${g.itemId}, ${g.userId}, ${g.grade}, ${g.feedback}, ${g.source}, ${g.actorId}, ${g.updatedAt},
      ${g.progress}, ${g.toolTypeId})`.execute(db);
}

export async function deleteGrade(db: Db, itemId: number, userId: number): Promise<void> {
  await db.deleteFrom("grades").where("item_id", "=", itemId).where("user_id", "=", userId).execute();
}

/** Sum of the user's activity grades and of those items' maxima, for natural aggregation. */
export async function sumActivityGrades(
  db: Db,
  courseId: number,
  userId: number,
): Promise<{ sum: number | null; count: number }> {
  const r = await db
    .selectFrom("grades as g")
    .innerJoin("grade_items as i", "i.id", "g.item_id")
    .select((eb) => [
      eb.fn.sum<number | null>("g.grade").as("sum"),
      eb.fn.count<number>("g.grade").as("count"),
    ])
    .where("i.course_id", "=", courseId)
    .where("i.kind", "<>", "total")
    .where("g.user_id", "=", userId)
    .where("g.grade", "is not", null)
    .where("g.progress", "=", "final")
    .executeTakeFirst();
  return {
    sum: r?.sum === null || r?.sum === undefined ? null : Number(r.sum),
    count: Number(r?.count ?? 0),
  };
}

export async function sumActivityMax(db: Db, courseId: number): Promise<number> {
  const r = await db
    .selectFrom("grade_items")
    .select((eb) => eb.fn.sum<number | null>("max_grade").as("sum"))
    .where("course_id", "=", courseId)
    .where("kind", "<>", "total")
    .executeTakeFirst();
  return Number(r?.sum ?? 0);
}

/** A grade item as the gradebook reports show it: hidden when its activity is hidden from students. */
export interface ReportItem extends GradeItem {
  hidden: boolean;
}

/**
 * The activity whose visibility an item has: its own, or, for a tool's column, the one it is attached to.
 * The course total is never hidden.
 */
const SHOWN_WITH = sql<number | null>`coalesce(i.activity_id, i.attached_activity_id)`;

/** The course's grade items (by id) with their activity's visibility. */
export async function listReportItems(db: Db, courseId: number): Promise<ReportItem[]> {
  const rows = await db
    .selectFrom("grade_items as i")
    .leftJoin("activities as a", (j) => j.on("a.id", "=", SHOWN_WITH))
    .selectAll("i")
    .select("a.visible")
    .where("i.course_id", "=", courseId)
    .orderBy("i.id")
    .execute();
  return rows.map(({ visible, ...r }) => ({ ...toItem(r), hidden: visible === 0 }));
}

export interface GradeRow {
  userId: number;
  itemId: number;
  activityId: number | null;
  grade: number | null;
  maxGrade: number;
  feedback: string;
  source: string;
  updatedAt: string;
  /** The grade of an activity hidden from students. */
  hidden: boolean;
  progress: GradeProgress;
}

export async function listCourseGrades(db: Db, courseId: number, userId?: number): Promise<GradeRow[]> {
  let q = db
    .selectFrom("grades as g")
    .innerJoin("grade_items as i", "i.id", "g.item_id")
    .leftJoin("activities as a", (j) => j.on("a.id", "=", SHOWN_WITH))
    .select([
      "g.user_id",
      "g.item_id",
      "i.activity_id",
      "g.grade",
      "i.max_grade",
      "g.feedback",
      "g.source",
      "g.updated_at",
      "g.progress",
      "a.visible",
    ])
    .where("i.course_id", "=", courseId)
    .orderBy("g.user_id")
    .orderBy("i.id");
  if (userId !== undefined) q = q.where("g.user_id", "=", userId);
  const rows = await q.execute();
  return rows.map((r) => ({
    userId: r.user_id,
    itemId: r.item_id,
    activityId: r.activity_id,
    grade: r.grade,
    maxGrade: r.max_grade,
    feedback: r.feedback,
    source: r.source,
    updatedAt: r.updated_at,
    hidden: r.visible === 0,
    progress: progressOf(r.progress),
  }));
}

export async function listHistory(db: Db, itemId: number, userId: number) {
  return db
    .selectFrom("grade_history")
    .selectAll()
    .where("item_id", "=", itemId)
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .execute();
}
