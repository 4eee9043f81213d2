// A tool's own gradebook column (grade_items.kind "tool", a line item a tool created through AGS) may be
// attached to a resource link, an activity; its grade item now names that activity, so the column is
// hidden from students with it, as the activity's own item is. Existing tool columns take the activity of
// their line item. Deleting the activity detaches the column, as it detaches the line item.
import { sql } from "kysely";
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .alterTable("grade_items")
    .addColumn("attached_activity_id", "integer", (c) => c.references("activities.id").onDelete("set null"))
    .execute();
  await sql`update grade_items set attached_activity_id = (select li.activity_id from lti_line_items li
    where li.grade_item_id = grade_items.id) where kind = 'tool'`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable("grade_items").dropColumn("attached_activity_id").execute();
}
