// Pluto as an LTI 1.3 tool keeps the services a platform offers at launch, as 1.1 keeps its outcome and
// memberships URLs: a remote user's AGS endpoint (the claim's line item or container, its scopes, the
// resource link it came with) as JSON on lti_provider_users, and a resource link's NRPS context
// memberships URL on lti_resource_links. The platform's token URL and client_id are not copied: they are
// read from the platform's registration when a grade or a member list is sent or read, so an edited
// registration takes effect at once. Both columns are null for 1.1 rows. The launch log gets an index on its
// deployment: the platforms and consumers pages count each deployment's launches.
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable("lti_provider_users").addColumn("ags_endpoint", "text").execute();
  await db.schema.alterTable("lti_resource_links").addColumn("nrps_url", "text").execute();
  await db.schema
    .createIndex("lti_launch_log_deployment")
    .on("lti_launch_log")
    .column("deployment_id")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex("lti_launch_log_deployment").ifExists().execute();
  await db.schema.alterTable("lti_provider_users").dropColumn("ags_endpoint").execute();
  await db.schema.alterTable("lti_resource_links").dropColumn("nrps_url").execute();
}
