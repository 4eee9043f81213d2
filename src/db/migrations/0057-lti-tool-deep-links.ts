// Pluto as an LTI 1.3 tool: the Deep Linking requests a teacher is choosing content for. The verified
// request (the platform registration, deployment, deep_link_return_url, data, what was offered) is kept
// under the sha256 of a single-use choice token that the picker's form posts back, so the choice needs no
// cookie and may land on any node; the row is deleted by the choice that uses it, or when it expires.
import { type Db, fk, notNull } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("lti_tool_deep_links")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("registration_id", "integer", fk("lti_registrations"))
    .addColumn("request", "text", notNull)
    .addColumn("expires_at", "text", notNull)
    .execute();
  await db.schema
    .createIndex("lti_tool_deep_links_expires")
    .on("lti_tool_deep_links")
    .column("expires_at")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_tool_deep_links").ifExists().execute();
}
