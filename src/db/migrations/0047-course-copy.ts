// Course copy: a course's start date, and the lineage of copies. A copied course records the course it
// was copied from and a copied activity the activity it was copied from, so the LTI launch can offer
// $Context.id.history and $ResourceLink.id.history (the ancestors' ids, newest first). No foreign key:
// the source may be deleted later and its id must still be named in the history.
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable("courses").addColumn("start_date", "varchar(10)").execute();
  await db.schema.alterTable("courses").addColumn("original_course_id", "integer").execute();
  await db.schema.alterTable("activities").addColumn("original_activity_id", "integer").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable("activities").dropColumn("original_activity_id").execute();
  await db.schema.alterTable("courses").dropColumn("original_course_id").execute();
  await db.schema.alterTable("courses").dropColumn("start_date").execute();
}
