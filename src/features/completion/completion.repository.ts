// The only file that touches activity_completions and course_completions.

import { sql } from "kysely";
import type { Db } from "../../db/database.js";

export interface ActivityCompletion {
  activityId: number;
  userId: number;
  viewed: boolean;
  complete: boolean;
  updatedAt: string;
}

export interface CourseCompletion {
  courseId: number;
  userId: number;
  completedAt: string;
}

export async function findActivityCompletion(
  db: Db,
  activityId: number,
  userId: number,
): Promise<ActivityCompletion | undefined> {
  const r = await db
    .selectFrom("activity_completions")
    .selectAll()
    .where("activity_id", "=", activityId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r
    ? {
        activityId: r.activity_id,
        userId: r.user_id,
        viewed: r.viewed === 1,
        complete: r.complete === 1,
        updatedAt: r.updated_at,
      }
    : undefined;
}

/** Completion rows of the given activities, for one user or for everyone. */
export async function listActivityCompletions(
  db: Db,
  activityIds: number[],
  userId?: number,
): Promise<ActivityCompletion[]> {
  if (activityIds.length === 0) return [];
  let q = db.selectFrom("activity_completions").selectAll().where("activity_id", "in", activityIds);
  if (userId !== undefined) q = q.where("user_id", "=", userId);
  const rows = await q.execute();
  return rows.map((r) => ({
    activityId: r.activity_id,
    userId: r.user_id,
    viewed: r.viewed === 1,
    complete: r.complete === 1,
    updatedAt: r.updated_at,
  }));
}

/**
 * For the course page, in one query: which of the given activities the user has completed, and
 * whether they completed the course (the row whose activity_id is null).
 */
export async function findLearnerProgress(
  db: Db,
  courseId: number,
  activityIds: number[],
  userId: number,
): Promise<{ completedIds: number[]; courseComplete: boolean }> {
  const activities =
    activityIds.length > 0
      ? sql`select activity_id from activity_completions
          where user_id = ${userId} and complete = 1 and activity_id in (${sql.join(activityIds)})
          union all `
      : sql``;
  const { rows } = await sql<{ activity_id: number | null }>`
    ${activities}
    select null as activity_id from course_completions
    where course_id = ${courseId} and user_id = ${userId}`.execute(db);
  return {
    completedIds: rows.flatMap((r) => (r.activity_id === null ? [] : [Number(r.activity_id)])),
    courseComplete: rows.some((r) => r.activity_id === null),
  };
}

export async function upsertActivityCompletion(db: Db, c: ActivityCompletion): Promise<void> {
  const values = { viewed: c.viewed ? 1 : 0, complete: c.complete ? 1 : 0, updated_at: c.updatedAt };
  await db
    .insertInto("activity_completions")
    .values({ activity_id: c.activityId, user_id: c.userId, ...values })
    .onConflict((oc) => oc.columns(["activity_id", "user_id"]).doUpdateSet(values))
    .execute();
}

export async function findCourseCompletion(
  db: Db,
  courseId: number,
  userId: number,
): Promise<CourseCompletion | undefined> {
  const r = await db
    .selectFrom("course_completions")
    .selectAll()
    .where("course_id", "=", courseId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? { courseId: r.course_id, userId: r.user_id, completedAt: r.completed_at } : undefined;
}

export async function listCourseCompletions(db: Db, courseId: number): Promise<CourseCompletion[]> {
  const rows = await db
    .selectFrom("course_completions")
    .selectAll()
    .where("course_id", "=", courseId)
    .execute();
  return rows.map((r) => ({ courseId: r.course_id, userId: r.user_id, completedAt: r.completed_at }));
}

export async function insertCourseCompletion(db: Db, c: CourseCompletion): Promise<void> {
  await db
    .insertInto("course_completions")
    .values({ course_id: c.courseId, user_id: c.userId, completed_at: c.completedAt })
    .onConflict((oc) => oc.columns(["course_id", "user_id"]).doNothing())
    .execute();
}

export async function deleteCourseCompletion(db: Db, courseId: number, userId: number): Promise<void> {
  await db
    .deleteFrom("course_completions")
    .where("course_id", "=", courseId)
    .where("user_id", "=", userId)
    .execute();
}
