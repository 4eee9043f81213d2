// The LMS core: accounts, courses, activities, completion, grades, enrolment, tasks.
import { type Db, fk, notNull, realType, text, withId, zero } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  const real = realType(db);

  await withId(db, db.schema.createTable("users"))
    .addColumn("username", "varchar(100)", (c) => c.notNull().unique())
    .addColumn("password_hash", "text")
    .addColumn("email", "varchar(254)", text)
    .addColumn("firstname", "varchar(100)", text)
    .addColumn("lastname", "varchar(100)", text)
    .addColumn("country", "varchar(2)", text)
    .addColumn("city", "varchar(120)", text)
    .addColumn("timezone", "varchar(100)", text)
    .addColumn("lang", "varchar(30)", text)
    .addColumn("institution", "varchar(255)", text)
    .addColumn("auth", "varchar(20)", (c) => c.notNull().defaultTo("manual"))
    .addColumn("suspended", "integer", zero)
    .addColumn("site_admin", "integer", zero)
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .addColumn("last_login_at", "text")
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("csrf_token", "varchar(64)", notNull)
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", notNull)
    .addColumn("expires_at", "text", notNull)
    .addColumn("last_seen_at", "text", notNull)
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expires").on("sessions").column("expires_at").execute();

  await withId(db, db.schema.createTable("api_tokens"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("name", "varchar(100)", notNull)
    .addColumn("token_hash", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("created_at", "text", notNull)
    .addColumn("last_used_at", "text")
    .execute();

  await db.schema
    .createTable("login_attempts")
    .addColumn("key", "varchar(200)", (c) => c.primaryKey())
    .addColumn("window_start", "text", notNull)
    .addColumn("failures", "integer", zero)
    .execute();

  await withId(db, db.schema.createTable("courses"))
    .addColumn("fullname", "varchar(254)", notNull)
    .addColumn("shortname", "varchar(100)", (c) => c.notNull().unique())
    .addColumn("summary", "text", text)
    .addColumn("visible", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();

  await withId(db, db.schema.createTable("sections"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("position", "integer", notNull)
    .addColumn("name", "varchar(254)", text)
    .addColumn("summary", "text", text)
    .addUniqueConstraint("sections_course_position", ["course_id", "position"])
    .execute();

  await withId(db, db.schema.createTable("activities"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("section_id", "integer", fk("sections"))
    .addColumn("position", "integer", notNull)
    .addColumn("type", "varchar(40)", notNull)
    .addColumn("name", "varchar(254)", notNull)
    .addColumn("settings", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("visible", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("completion_rule", "varchar(20)", (c) => c.notNull().defaultTo("none"))
    .addColumn("completion_pass_grade", real)
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
  await db.schema
    .createIndex("activities_course")
    .on("activities")
    .columns(["course_id", "section_id"])
    .execute();

  await db.schema
    .createTable("activity_completions")
    .addColumn("activity_id", "integer", fk("activities"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("viewed", "integer", zero)
    .addColumn("complete", "integer", zero)
    .addColumn("updated_at", "text", notNull)
    .addPrimaryKeyConstraint("activity_completions_pk", ["activity_id", "user_id"])
    .execute();

  await db.schema
    .createTable("course_completions")
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("completed_at", "text", notNull)
    .addPrimaryKeyConstraint("course_completions_pk", ["course_id", "user_id"])
    .execute();

  await withId(db, db.schema.createTable("quiz_attempts"))
    .addColumn("activity_id", "integer", fk("activities"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("answers", "text", notNull)
    .addColumn("grade", real, notNull)
    .addColumn("max_grade", real, notNull)
    .addColumn("created_at", "text", notNull)
    .execute();
  await db.schema
    .createIndex("quiz_attempts_user")
    .on("quiz_attempts")
    .columns(["activity_id", "user_id"])
    .execute();

  await withId(db, db.schema.createTable("assign_submissions"))
    .addColumn("activity_id", "integer", fk("activities"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("text", "text", notNull)
    .addColumn("submitted_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .addUniqueConstraint("assign_submissions_user", ["activity_id", "user_id"])
    .execute();

  await withId(db, db.schema.createTable("grade_items"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("activity_id", "integer", (c) => c.references("activities.id").onDelete("cascade"))
    .addColumn("name", "varchar(254)", notNull)
    .addColumn("max_grade", real, notNull)
    .addColumn("pass_grade", real)
    .addUniqueConstraint("grade_items_activity", ["course_id", "activity_id"])
    .execute();

  await withId(db, db.schema.createTable("grades"))
    .addColumn("item_id", "integer", fk("grade_items"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("grade", real)
    .addColumn("feedback", "text", text)
    .addColumn("source", "varchar(20)", notNull)
    .addColumn("actor_id", "integer")
    .addColumn("updated_at", "text", notNull)
    .addUniqueConstraint("grades_item_user", ["item_id", "user_id"])
    .execute();
  await db.schema.createIndex("grades_user").on("grades").column("user_id").execute();

  await withId(db, db.schema.createTable("grade_history"))
    .addColumn("item_id", "integer", fk("grade_items"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("grade", real)
    .addColumn("feedback", "text", text)
    .addColumn("source", "varchar(20)", notNull)
    .addColumn("actor_id", "integer")
    .addColumn("created_at", "text", notNull)
    .execute();
  await db.schema
    .createIndex("grade_history_item")
    .on("grade_history")
    .columns(["item_id", "user_id"])
    .execute();

  await withId(db, db.schema.createTable("enrol_instances"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("method", "varchar(40)", notNull)
    .addColumn("name", "varchar(254)", text)
    .addColumn("status", "varchar(20)", (c) => c.notNull().defaultTo("enabled"))
    .addColumn("enrol_period", "integer")
    .addColumn("enrol_start", "text")
    .addColumn("enrol_end", "text")
    .addColumn("max_enrolled", "integer", zero)
    .addColumn("role", "varchar(40)", notNull)
    .addColumn("settings", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
  await db.schema.createIndex("enrol_instances_course").on("enrol_instances").column("course_id").execute();

  await withId(db, db.schema.createTable("enrolments"))
    .addColumn("instance_id", "integer", fk("enrol_instances"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("status", "varchar(20)", (c) => c.notNull().defaultTo("active"))
    .addColumn("time_start", "text")
    .addColumn("time_end", "text")
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("enrolments_instance_user", ["instance_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("enrolments_course_user")
    .on("enrolments")
    .columns(["course_id", "user_id"])
    .execute();

  await withId(db, db.schema.createTable("role_assignments"))
    .addColumn("course_id", "integer", fk("courses"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("role", "varchar(40)", notNull)
    .addColumn("instance_id", "integer", (c) => c.references("enrol_instances.id").onDelete("cascade"))
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("role_assignments_unique", ["course_id", "user_id", "role"])
    .execute();
  await db.schema
    .createIndex("role_assignments_user")
    .on("role_assignments")
    .columns(["user_id", "course_id"])
    .execute();

  await db.schema
    .createTable("scheduled_tasks")
    .addColumn("name", "varchar(100)", (c) => c.primaryKey())
    .addColumn("interval_seconds", "integer", notNull)
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("next_run_at", "text", notNull)
    .addColumn("last_run_at", "text")
    .addColumn("last_status", "varchar(20)")
    .addColumn("last_message", "text")
    .addColumn("last_duration_ms", "integer")
    .addColumn("failures", "integer", zero)
    .execute();

  await withId(db, db.schema.createTable("jobs"))
    .addColumn("name", "varchar(100)", notNull)
    .addColumn("payload", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("status", "varchar(20)", (c) => c.notNull().defaultTo("pending"))
    .addColumn("run_at", "text", notNull)
    .addColumn("attempts", "integer", zero)
    .addColumn("max_attempts", "integer", notNull)
    .addColumn("last_error", "text")
    .addColumn("locked_until", "text")
    .addColumn("locked_by", "varchar(100)")
    .addColumn("dedupe_key", "varchar(200)")
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["status", "run_at"]).execute();
  await db.schema.createIndex("jobs_dedupe").on("jobs").columns(["dedupe_key", "status"]).execute();

  await withId(db, db.schema.createTable("task_log"))
    .addColumn("task", "varchar(100)", notNull)
    .addColumn("job_id", "integer")
    .addColumn("started_at", "text", notNull)
    .addColumn("duration_ms", "integer", notNull)
    .addColumn("status", "varchar(20)", notNull)
    .addColumn("message", "text", text)
    .execute();
  await db.schema.createIndex("task_log_task").on("task_log").columns(["task", "started_at"]).execute();
}

export async function down(db: Db): Promise<void> {
  for (const t of [
    "task_log",
    "jobs",
    "scheduled_tasks",
    "role_assignments",
    "enrolments",
    "enrol_instances",
    "grade_history",
    "grades",
    "grade_items",
    "assign_submissions",
    "quiz_attempts",
    "course_completions",
    "activity_completions",
    "activities",
    "sections",
    "courses",
    "login_attempts",
    "api_tokens",
    "sessions",
    "users",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
