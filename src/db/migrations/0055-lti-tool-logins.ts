// Pluto as an LTI 1.3 tool: the logins a platform started and has not launched yet. The login
// initiation creates state and nonce; the launch, on whichever node it lands, finds them again by the
// state (stored as its sha256) and deletes the row. The binding (platform, nonce, deployment, the
// Platform Storage frame and origin) is JSON; rows expire with the login (five minutes).
import { type Db, fk, notNull } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("lti_tool_logins")
    .addColumn("state_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("registration_id", "integer", fk("lti_registrations"))
    .addColumn("binding", "text", notNull)
    .addColumn("expires_at", "text", notNull)
    .execute();
  await db.schema.createIndex("lti_tool_logins_expires").on("lti_tool_logins").column("expires_at").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_tool_logins").ifExists().execute();
}
