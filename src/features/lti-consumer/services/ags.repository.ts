// The only file that touches lti_line_items: a tool's line items (AGS 2.0), each over a grade item of the
// grades feature, which keeps the label (name), maximum and the grades themselves.
import type { Selectable } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export interface LineItemRow {
  id: number;
  toolTypeId: number;
  courseId: number;
  gradeItemId: number;
  /** The resource link (External tool activity) it is attached to. */
  activityId: number | null;
  resourceId: string;
  tag: string;
  startDateTime: string | null;
  endDateTime: string | null;
  gradesReleased: boolean | null;
}

export type LineItemFields = Omit<LineItemRow, "id">;

const toRow = (r: Selectable<Database["lti_line_items"]>): LineItemRow => ({
  id: r.id,
  toolTypeId: r.tool_type_id,
  courseId: r.course_id,
  gradeItemId: r.grade_item_id,
  activityId: r.activity_id,
  resourceId: r.resource_id,
  tag: r.tag,
  startDateTime: r.start_date_time,
  endDateTime: r.end_date_time,
  gradesReleased: r.grades_released === null ? null : r.grades_released === 1,
});

const columns = (f: Omit<LineItemFields, "toolTypeId" | "courseId" | "gradeItemId">) => ({
  activity_id: f.activityId,
  resource_id: f.resourceId,
  tag: f.tag,
  start_date_time: f.startDateTime,
  end_date_time: f.endDateTime,
  grades_released: f.gradesReleased === null ? null : f.gradesReleased ? 1 : 0,
});

export async function insertLineItem(db: Db, f: LineItemFields, now: string): Promise<LineItemRow> {
  const r = await db
    .insertInto("lti_line_items")
    .values({
      tool_type_id: f.toolTypeId,
      course_id: f.courseId,
      grade_item_id: f.gradeItemId,
      ...columns(f),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRow(r);
}

export async function updateLineItem(
  db: Db,
  id: number,
  f: Omit<LineItemFields, "toolTypeId" | "courseId" | "gradeItemId">,
): Promise<void> {
  await db.updateTable("lti_line_items").set(columns(f)).where("id", "=", id).execute();
}

export async function deleteLineItem(db: Db, id: number): Promise<void> {
  await db.deleteFrom("lti_line_items").where("id", "=", id).execute();
}

export async function findLineItem(db: Db, id: number): Promise<LineItemRow | undefined> {
  const r = await db.selectFrom("lti_line_items").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toRow(r) : undefined;
}

export async function findLineItemOfGradeItem(db: Db, gradeItemId: number): Promise<LineItemRow | undefined> {
  const r = await db
    .selectFrom("lti_line_items")
    .selectAll()
    .where("grade_item_id", "=", gradeItemId)
    .executeTakeFirst();
  return r ? toRow(r) : undefined;
}

/** A tool's line items in a course, by id, optionally of one resource link, resource id and tag. */
export async function listLineItems(
  db: Db,
  v: { courseId: number; toolTypeId: number; activityId?: number; resourceId?: string; tag?: string },
): Promise<LineItemRow[]> {
  let q = db
    .selectFrom("lti_line_items")
    .selectAll()
    .where("course_id", "=", v.courseId)
    .where("tool_type_id", "=", v.toolTypeId);
  if (v.activityId !== undefined) q = q.where("activity_id", "=", v.activityId);
  if (v.resourceId !== undefined) q = q.where("resource_id", "=", v.resourceId);
  if (v.tag !== undefined) q = q.where("tag", "=", v.tag);
  return (await q.orderBy("id").execute()).map(toRow);
}

/** Every line item of a course (course copy). */
export async function listCourseLineItems(db: Db, courseId: number): Promise<LineItemRow[]> {
  const rows = await db
    .selectFrom("lti_line_items")
    .selectAll()
    .where("course_id", "=", courseId)
    .orderBy("id")
    .execute();
  return rows.map(toRow);
}
