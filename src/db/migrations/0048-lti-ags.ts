// LTI Assignment and Grade Services 2.0 (Pluto as the platform). A grade item gets a kind: "activity" (an
// activity's own item), "total" (the course total, until now told by a null activity_id) and "tool" (a
// column a tool created through AGS, tied to no activity, so it is not mistaken for the course total). A
// grade gets a progress ("final", or "pending" / "needs_grading" while the tool has not fully graded it:
// not counted in the course total nor by completion), the timestamp of the tool's score that set it (a
// staler score never overwrites it) and the tool that set it, kept in its history row too.
// lti_line_items (owned by lti-consumer) is a tool's view of a grade item: the tool it belongs to, the
// resource link (activity) it is attached to, if any, and the attributes AGS lets the tool set.
import { sql } from "kysely";
import { type Db, fk, notNull, text, withId } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .alterTable("grade_items")
    .addColumn("kind", "varchar(10)", (c) => c.notNull().defaultTo("activity"))
    .execute();
  await sql`update grade_items set kind = 'total' where activity_id is null`.execute(db);
  for (const table of ["grades", "grade_history"]) {
    await db.schema
      .alterTable(table)
      .addColumn("progress", "varchar(16)", (c) => c.notNull().defaultTo("final"))
      .execute();
    await db.schema.alterTable(table).addColumn("tool_type_id", "integer").execute();
  }
  await db.schema.alterTable("grades").addColumn("score_timestamp", "varchar(40)").execute();

  await withId(db, db.schema.createTable("lti_line_items"))
    .addColumn("tool_type_id", "integer", fk("lti_tool_types"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("grade_item_id", "integer", fk("grade_items"))
    // The resource link: the activity the line item is attached to (null: a column of the tool's own).
    .addColumn("activity_id", "integer", (c) => c.references("activities.id").onDelete("set null"))
    .addColumn("resource_id", "varchar(255)", text)
    .addColumn("tag", "varchar(255)", text)
    .addColumn("start_date_time", "varchar(40)")
    .addColumn("end_date_time", "varchar(40)")
    .addColumn("grades_released", "integer")
    .addColumn("created_at", "varchar(30)", notNull)
    .addUniqueConstraint("lti_line_items_grade_item", ["grade_item_id"])
    .execute();
  await db.schema
    .createIndex("lti_line_items_course_tool")
    .on("lti_line_items")
    .columns(["course_id", "tool_type_id"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_line_items").execute();
  await db.schema.alterTable("grades").dropColumn("score_timestamp").execute();
  for (const table of ["grade_history", "grades"]) {
    await db.schema.alterTable(table).dropColumn("tool_type_id").execute();
    await db.schema.alterTable(table).dropColumn("progress").execute();
  }
  await db.schema.alterTable("grade_items").dropColumn("kind").execute();
}
