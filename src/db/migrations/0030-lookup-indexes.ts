// Indexes for lookups on hot paths that no earlier index served: an activity's grade item is found by
// activity alone (grade_items' unique constraint leads with course_id), on every grade written.
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema.createIndex("grade_items_activity_id").on("grade_items").column("activity_id").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex("grade_items_activity_id").execute();
}
