// Role assignments (role_assignments): the roles a user holds in a course, each given by an enrolment
// instance or by hand (instance_id null). Part of the enrolments feature's tables (enrolments.repository.ts).
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import { logMembershipChanges } from "./membership-changes.repository.js";

export async function insertRole(
  db: Db,
  v: { courseId: number; userId: number; role: string; instanceId: number | null; now: string },
) {
  const rows = await db
    .insertInto("role_assignments")
    .values({
      course_id: v.courseId,
      user_id: v.userId,
      role: v.role,
      instance_id: v.instanceId,
      created_at: v.now,
    })
    .onConflict((oc) => oc.columns(["course_id", "user_id", "role"]).doNothing())
    .returning("id")
    .execute();
  if (rows.length > 0) await logMembershipChanges(db, [{ courseId: v.courseId, userId: v.userId }], v.now);
}

export async function deleteRoles(
  db: Db,
  courseId: number,
  userId: number,
  now: string,
  opts: { instanceId?: number; role?: string } = {},
) {
  let q = db.deleteFrom("role_assignments").where("course_id", "=", courseId).where("user_id", "=", userId);
  if (opts.instanceId !== undefined) q = q.where("instance_id", "=", opts.instanceId);
  if (opts.role !== undefined) q = q.where("role", "=", opts.role);
  const rows = await q.returning("id").execute();
  if (rows.length > 0) await logMembershipChanges(db, [{ courseId, userId }], now);
}

export async function listRoles(db: Db, courseId: number, userId: number): Promise<string[]> {
  const rows = await db
    .selectFrom("role_assignments")
    .select("role")
    .where("course_id", "=", courseId)
    .where("user_id", "=", userId)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.role);
}

/**
 * The roles a user holds in a course through an active enrolment (enabled method, inside its time
 * window). Asked on every course page and API call, so written as one SQL text: Kysely's builder took
 * ~60 µs to assemble this join with its OR conditions, the query itself a few µs (bench/core.bench.ts).
 */
export async function listActiveRoles(
  db: Db,
  userId: number,
  courseId: number,
  at: string,
): Promise<string[]> {
  const { rows } = await sql<{ role: string }>`
    select distinct ra.role from role_assignments ra
    join enrolments e on e.course_id = ra.course_id and e.user_id = ra.user_id
    join enrol_instances i on i.id = e.instance_id
    where ra.course_id = ${courseId} and ra.user_id = ${userId}
      and e.status = 'active' and i.status = 'enabled'
      and (e.time_start is null or e.time_start <= ${at})
      and (e.time_end is null or e.time_end > ${at})`.execute(db);
  return rows.map((r) => r.role);
}

/**
 * The courses where the user has an active enrolment (enabled method, inside its time window),
 * each with the roles held there (possibly none).
 */
export async function listActiveEnrolmentRoles(
  db: Db,
  userId: number,
  at: string,
): Promise<Array<{ courseId: number; role: string | null }>> {
  const rows = await db
    .selectFrom("enrolments as e")
    .innerJoin("enrol_instances as i", "i.id", "e.instance_id")
    .leftJoin("role_assignments as ra", (j) =>
      j.onRef("ra.course_id", "=", "e.course_id").onRef("ra.user_id", "=", "e.user_id"),
    )
    .select(["e.course_id", "ra.role"])
    .where("e.user_id", "=", userId)
    .where("e.status", "=", "active")
    .where("i.status", "=", "enabled")
    .where((eb) => eb.or([eb("e.time_start", "is", null), eb("e.time_start", "<=", at)]))
    .where((eb) => eb.or([eb("e.time_end", "is", null), eb("e.time_end", ">", at)]))
    .execute();
  return rows.map((r) => ({ courseId: r.course_id, role: r.role }));
}
