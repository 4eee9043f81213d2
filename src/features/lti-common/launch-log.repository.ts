// The launch log: every LTI launch in (a consumer launching a published course) and out (Pluto
// launching an external tool), with its result and, when rejected, the reason code. The table's
// statements; the LTI features write and list it through launch-log.service.ts.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";

export interface LaunchLogEntry {
  direction: "in" | "out";
  courseId: number | null;
  publicationId?: number | null;
  activityId?: number | null;
  /** The deployment that launched (in) or was launched (out); null when none was established. */
  deploymentId: number | null;
  /** The consumer key the launch was signed with, as sent. */
  consumerKey: string;
  remoteUserId: string;
  userId: number | null;
  result: "ok" | "rejected";
  reason: string;
  message: string;
}

/** Written on every launch, in and out: an SQL text, as the builder cost more than the insert. */
export async function writeLaunchLog(db: Db, at: Date, e: LaunchLogEntry): Promise<void> {
  await sql`insert into lti_launch_log (created_at, direction, course_id, publication_id, activity_id,
      deployment_id, consumer_key, remote_user_id, user_id, result, reason, message)
    values (${at.toISOString()}, ${e.direction}, ${e.courseId}, ${e.publicationId ?? null}, ${e.activityId ?? null},
      ${e.deploymentId}, ${e.consumerKey.slice(0, 255)}, ${e.remoteUserId.slice(0, 255)}, ${e.userId}, ${e.result},
      ${e.reason.slice(0, 60)}, ${e.message.slice(0, 1000)})`.execute(db);
}

export interface LaunchLogRow {
  id: number;
  createdAt: string;
  direction: string;
  courseId: number | null;
  courseName: string | null;
  publicationId: number | null;
  activityId: number | null;
  activityName: string | null;
  deploymentId: number | null;
  consumerKey: string;
  remoteUserId: string;
  userId: number | null;
  username: string | null;
  result: string;
  reason: string;
  message: string;
}

export async function listLaunchLog(
  db: Db,
  filter: { courseId?: number; direction?: "in" | "out"; limit: number; offset?: number },
): Promise<LaunchLogRow[]> {
  let q = db
    .selectFrom("lti_launch_log as l")
    .leftJoin("users as u", "u.id", "l.user_id")
    .leftJoin("courses as c", "c.id", "l.course_id")
    .leftJoin("activities as a", "a.id", "l.activity_id")
    .select([
      "l.id",
      "l.created_at",
      "l.direction",
      "l.course_id",
      "c.fullname as course_name",
      "l.publication_id",
      "l.activity_id",
      "a.name as activity_name",
      "l.deployment_id",
      "l.consumer_key",
      "l.remote_user_id",
      "l.user_id",
      "u.username",
      "l.result",
      "l.reason",
      "l.message",
    ])
    .orderBy("l.id", "desc")
    .limit(filter.limit)
    .offset(filter.offset ?? 0);
  if (filter.courseId !== undefined) q = q.where("l.course_id", "=", filter.courseId);
  if (filter.direction) q = q.where("l.direction", "=", filter.direction);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    direction: r.direction,
    courseId: r.course_id,
    courseName: r.course_name,
    publicationId: r.publication_id,
    activityId: r.activity_id,
    activityName: r.activity_name,
    deploymentId: r.deployment_id,
    consumerKey: r.consumer_key,
    remoteUserId: r.remote_user_id,
    userId: r.user_id,
    username: r.username,
    result: r.result,
    reason: r.reason,
    message: r.message,
  }));
}

/** How many launches (accepted or refused) the launch log has of each deployment given. */
export async function countLaunches(db: Db, deploymentIds: readonly number[]): Promise<Map<number, number>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("lti_launch_log")
    .select(["deployment_id", (eb) => eb.fn.countAll().as("n")])
    .where("deployment_id", "in", deploymentIds)
    .groupBy("deployment_id")
    .execute();
  return new Map(rows.map((r) => [Number(r.deployment_id), Number(r.n)]));
}
