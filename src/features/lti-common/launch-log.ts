// The launch log: every LTI launch in (a consumer launching a published course) and out (Pluto
// launching an external tool), with its result and, when rejected, the reason code.
import type { Kysely, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";

type Q = Kysely<Database> | Transaction<Database>;

export interface LaunchLogEntry {
  direction: "in" | "out";
  courseId: number | null;
  publicationId?: number | null;
  activityId?: number | null;
  consumerKey: string;
  remoteUserId: string;
  userId: number | null;
  result: "ok" | "rejected";
  reason: string;
  message: string;
}

export async function writeLaunchLog(db: Q, at: Date, e: LaunchLogEntry): Promise<void> {
  await db
    .insertInto("lti_launch_log")
    .values({
      created_at: at.toISOString(),
      direction: e.direction,
      course_id: e.courseId,
      publication_id: e.publicationId ?? null,
      activity_id: e.activityId ?? null,
      consumer_key: e.consumerKey.slice(0, 255),
      remote_user_id: e.remoteUserId.slice(0, 255),
      user_id: e.userId,
      result: e.result,
      reason: e.reason.slice(0, 60),
      message: e.message.slice(0, 1000),
    })
    .execute();
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
    consumerKey: r.consumer_key,
    remoteUserId: r.remote_user_id,
    userId: r.user_id,
    username: r.username,
    result: r.result,
    reason: r.reason,
    message: r.message,
  }));
}
