// LTI Dynamic Registration (Pluto is the platform): the tool's registration request as it was accepted
// (JSON, for the admin who approves a Pending tool) and the registration tokens already spent (single use,
// kept until they expire).
import { type Db, text } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable("lti_registrations").addColumn("registration_request", "text", text).execute();
  await db.schema
    .createTable("lti_spent_tokens")
    .addColumn("jti", "varchar(255)", (c) => c.primaryKey())
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_spent_tokens").execute();
  await db.schema.alterTable("lti_registrations").dropColumn("registration_request").execute();
}
