// Grade sync claims: the node that sends an LTI user's grade holds a lease on the row that records
// what was last sent, so two nodes (or two runs) never send the same grade at once. The lease
// expires, so a node that stopped mid-send does not hold the row for ever.
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds a single column.
  await db.schema.alterTable("lti_provider_users").addColumn("grade_claimed_by", "varchar(100)").execute();
  await db.schema.alterTable("lti_provider_users").addColumn("grade_claimed_until", "text").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable("lti_provider_users").dropColumn("grade_claimed_until").execute();
  await db.schema.alterTable("lti_provider_users").dropColumn("grade_claimed_by").execute();
}
