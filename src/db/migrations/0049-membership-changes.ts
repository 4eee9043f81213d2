// The membership change log of a course: a row each time a user's enrolment or roles there were added,
// changed or removed, written by the enrolments repository in the same transaction as the change. NRPS
// differences (`?since=`) read it to list the members added, changed or removed since a point; rows older
// than the retention period are pruned by a scheduled task. No foreign key on the user: a removed
// user's row must still name them.
import { type Db, fk, notNull, withId } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await withId(db, db.schema.createTable("membership_changes"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("user_id", "integer", notNull)
    .addColumn("changed_at", "varchar(30)", notNull)
    .execute();
  await db.schema
    .createIndex("membership_changes_course_id")
    .on("membership_changes")
    .columns(["course_id", "id"])
    .execute();
  await db.schema
    .createIndex("membership_changes_changed_at")
    .on("membership_changes")
    .column("changed_at")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("membership_changes").execute();
}
