// "Publish as LTI tool": publications, remote user links, resource links, nonces, launch log.
import { type Db, fk, notNull, realType, text, withId, zero } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  const real = realType(db);

  await withId(db, db.schema.createTable("lti_publications"))
    .addColumn("instance_id", "integer", (c) =>
      c.notNull().unique().references("enrol_instances.id").onDelete("cascade"),
    )
    .addColumn("uuid", "varchar(36)", (c) => c.notNull().unique())
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("activity_id", "integer", (c) => c.references("activities.id").onDelete("set null"))
    .addColumn("lti_version", "varchar(10)", (c) => c.notNull().defaultTo("1.1"))
    .addColumn("secret", "varchar(128)", notNull)
    .addColumn("grade_sync", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("grade_sync_completion", "integer", zero)
    .addColumn("member_sync", "integer", zero)
    .addColumn("member_sync_mode", "varchar(30)", (c) => c.notNull().defaultTo("enrol_and_unenrol"))
    .addColumn("role_instructor", "varchar(40)", (c) => c.notNull().defaultTo("editingteacher"))
    .addColumn("role_learner", "varchar(40)", (c) => c.notNull().defaultTo("student"))
    .addColumn("defaults", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
  await db.schema.createIndex("lti_publications_course").on("lti_publications").column("course_id").execute();

  await withId(db, db.schema.createTable("lti_user_links"))
    .addColumn("consumer_key", "varchar(255)", notNull)
    .addColumn("remote_user_id", "varchar(255)", notNull)
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_user_links_remote", ["consumer_key", "remote_user_id"])
    .execute();

  await withId(db, db.schema.createTable("lti_provider_users"))
    .addColumn("publication_id", "integer", fk("lti_publications"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("consumer_key", "varchar(255)", notNull)
    .addColumn("remote_user_id", "varchar(255)", notNull)
    .addColumn("outcome_url", "text")
    .addColumn("sourcedid", "text")
    .addColumn("last_grade_sent", real)
    .addColumn("last_grade_sent_at", "text")
    .addColumn("last_launch_at", "text")
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_provider_users_unique", ["publication_id", "user_id"])
    .execute();
  await db.schema.createIndex("lti_provider_users_user").on("lti_provider_users").column("user_id").execute();

  await withId(db, db.schema.createTable("lti_resource_links"))
    .addColumn("publication_id", "integer", fk("lti_publications"))
    .addColumn("consumer_key", "varchar(255)", notNull)
    .addColumn("resource_link_id", "varchar(255)", notNull)
    .addColumn("context_id", "varchar(255)", text)
    .addColumn("context_title", "varchar(255)", text)
    .addColumn("title", "varchar(255)", text)
    .addColumn("memberships_url", "text")
    .addColumn("memberships_id", "text")
    .addColumn("outcome_url", "text")
    .addColumn("return_url", "text")
    .addColumn("last_member_sync_at", "text")
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .addUniqueConstraint("lti_resource_links_unique", ["publication_id", "consumer_key", "resource_link_id"])
    .execute();

  await db.schema
    .createTable("lti_nonces")
    .addColumn("consumer_key", "varchar(255)", notNull)
    .addColumn("nonce", "varchar(255)", notNull)
    .addColumn("expires_at", "text", notNull)
    .addPrimaryKeyConstraint("lti_nonces_pk", ["consumer_key", "nonce"])
    .execute();
  await db.schema.createIndex("lti_nonces_expires").on("lti_nonces").column("expires_at").execute();

  // One-time tokens that let a launched user continue in a new window when the browser keeps no
  // cookie inside the consumer's frame.
  await db.schema
    .createTable("lti_handoffs")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("target", "text", notNull)
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("expires_at", "text", notNull)
    .execute();

  await withId(db, db.schema.createTable("lti_launch_log"))
    .addColumn("created_at", "text", notNull)
    .addColumn("direction", "varchar(4)", notNull)
    .addColumn("course_id", "integer", (c) => c.references("courses.id").onDelete("cascade"))
    .addColumn("publication_id", "integer", (c) => c.references("lti_publications.id").onDelete("set null"))
    .addColumn("activity_id", "integer", (c) => c.references("activities.id").onDelete("set null"))
    .addColumn("consumer_key", "varchar(255)", text)
    .addColumn("remote_user_id", "varchar(255)", text)
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("result", "varchar(20)", notNull)
    .addColumn("reason", "varchar(60)", text)
    .addColumn("message", "text", text)
    .execute();
  await db.schema
    .createIndex("lti_launch_log_course")
    .on("lti_launch_log")
    .columns(["course_id", "created_at"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  for (const t of [
    "lti_launch_log",
    "lti_handoffs",
    "lti_nonces",
    "lti_resource_links",
    "lti_provider_users",
    "lti_user_links",
    "lti_publications",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
