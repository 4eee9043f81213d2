// The authentication endpoint of every LTI 1.3 launch finds the tool's registration by the client_id the
// tool sent, and so does the token endpoint; no index led with client_id (the unique constraints lead with
// publication_id or tool_type_id), so each lookup scanned the registrations or the deployments.
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createIndex("lti_registrations_client_id")
    .on("lti_registrations")
    .column("client_id")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex("lti_registrations_client_id").execute();
}
