// LTI Deep Linking on the consumer side (Pluto is the platform): whether a site tool offers content
// selection and at which URL (lti_registrations), and the pending Deep Linking requests the tools'
// responses are matched to by their `data` claim (lti_deep_link_requests; section is the position number; one row per request, deleted
// by the response it answers, so each is single use on every node).
import { type Db, flag, notNull, text } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable("lti_registrations").addColumn("deep_linking", "integer", flag(0)).execute();
  await db.schema.alterTable("lti_registrations").addColumn("deep_linking_url", "text", text).execute();
  await db.schema
    .createTable("lti_deep_link_requests")
    // The request's `data`: 256 random bits, base64url.
    .addColumn("data", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tool_type_id", "integer", notNull)
    .addColumn("user_id", "integer", notNull)
    .addColumn("course_id", "integer", notNull)
    .addColumn("section", "integer", notNull)
    // Set for a re-link: the External tool activity whose link the response replaces.
    .addColumn("activity_id", "integer")
    .addColumn("expires_at", "varchar(30)", notNull)
    .addColumn("created_at", "varchar(30)", notNull)
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_deep_link_requests").execute();
  await db.schema.alterTable("lti_registrations").dropColumn("deep_linking_url").execute();
  await db.schema.alterTable("lti_registrations").dropColumn("deep_linking").execute();
}
