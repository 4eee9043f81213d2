// The only file that touches enrol_instances, enrolments and role_assignments.

import { type Selectable, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";

export interface EnrolInstance {
  id: number;
  courseId: number;
  method: string;
  name: string;
  status: "enabled" | "disabled";
  enrolPeriod: number | null;
  enrolStart: string | null;
  enrolEnd: string | null;
  maxEnrolled: number;
  role: string;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export function toInstance(r: Selectable<Database["enrol_instances"]>): EnrolInstance {
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(r.settings) as Record<string, unknown>;
  } catch {
    settings = {};
  }
  return {
    id: r.id,
    courseId: r.course_id,
    method: r.method,
    name: r.name,
    status: r.status === "disabled" ? "disabled" : "enabled",
    enrolPeriod: r.enrol_period,
    enrolStart: r.enrol_start,
    enrolEnd: r.enrol_end,
    maxEnrolled: r.max_enrolled,
    role: r.role,
    settings,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findInstance(db: Db, id: number): Promise<EnrolInstance | undefined> {
  const r = await db.selectFrom("enrol_instances").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toInstance(r) : undefined;
}

/** Locks the instance row until the transaction ends (PostgreSQL); SQLite transactions are serial. */
export async function lockInstance(
  db: Db,
  id: number,
  postgres: boolean,
): Promise<EnrolInstance | undefined> {
  let q = db.selectFrom("enrol_instances").selectAll().where("id", "=", id);
  if (postgres) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toInstance(r) : undefined;
}

export async function listInstances(db: Db, courseId: number, method?: string): Promise<EnrolInstance[]> {
  let q = db.selectFrom("enrol_instances").selectAll().where("course_id", "=", courseId).orderBy("id");
  if (method) q = q.where("method", "=", method);
  return (await q.execute()).map(toInstance);
}

export async function insertInstance(
  db: Db,
  v: Omit<EnrolInstance, "id" | "createdAt" | "updatedAt"> & { now: string },
): Promise<EnrolInstance> {
  const r = await db
    .insertInto("enrol_instances")
    .values({
      course_id: v.courseId,
      method: v.method,
      name: v.name,
      status: v.status,
      enrol_period: v.enrolPeriod,
      enrol_start: v.enrolStart,
      enrol_end: v.enrolEnd,
      max_enrolled: v.maxEnrolled,
      role: v.role,
      settings: JSON.stringify(v.settings),
      created_at: v.now,
      updated_at: v.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInstance(r);
}

export async function updateInstance(
  db: Db,
  id: number,
  v: Partial<Omit<EnrolInstance, "id" | "courseId" | "method" | "createdAt" | "updatedAt">> & { now: string },
): Promise<void> {
  await db
    .updateTable("enrol_instances")
    .set({
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.status !== undefined ? { status: v.status } : {}),
      ...(v.enrolPeriod !== undefined ? { enrol_period: v.enrolPeriod } : {}),
      ...(v.enrolStart !== undefined ? { enrol_start: v.enrolStart } : {}),
      ...(v.enrolEnd !== undefined ? { enrol_end: v.enrolEnd } : {}),
      ...(v.maxEnrolled !== undefined ? { max_enrolled: v.maxEnrolled } : {}),
      ...(v.role !== undefined ? { role: v.role } : {}),
      ...(v.settings !== undefined ? { settings: JSON.stringify(v.settings) } : {}),
      updated_at: v.now,
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteInstance(db: Db, id: number): Promise<void> {
  await db.deleteFrom("enrol_instances").where("id", "=", id).execute();
}

export async function countEnrolments(db: Db, instanceId: number): Promise<number> {
  const r = await db
    .selectFrom("enrolments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("instance_id", "=", instanceId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export interface Enrolment {
  id: number;
  instanceId: number;
  courseId: number;
  userId: number;
  status: string;
  timeStart: string | null;
  timeEnd: string | null;
}

const toEnrolment = (r: Selectable<Database["enrolments"]>): Enrolment => ({
  id: r.id,
  instanceId: r.instance_id,
  courseId: r.course_id,
  userId: r.user_id,
  status: r.status,
  timeStart: r.time_start,
  timeEnd: r.time_end,
});

export async function findEnrolment(
  db: Db,
  instanceId: number,
  userId: number,
): Promise<Enrolment | undefined> {
  const r = await db
    .selectFrom("enrolments")
    .selectAll()
    .where("instance_id", "=", instanceId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? toEnrolment(r) : undefined;
}

/** Inserts an active enrolment; undefined when the user already had one through the instance. */
export async function insertEnrolment(
  db: Db,
  v: {
    instanceId: number;
    courseId: number;
    userId: number;
    timeStart: string | null;
    timeEnd: string | null;
    now: string;
  },
): Promise<Enrolment | undefined> {
  const r = await db
    .insertInto("enrolments")
    .values({
      instance_id: v.instanceId,
      course_id: v.courseId,
      user_id: v.userId,
      status: "active",
      time_start: v.timeStart,
      time_end: v.timeEnd,
      created_at: v.now,
    })
    .onConflict((oc) => oc.columns(["instance_id", "user_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  return r ? toEnrolment(r) : undefined;
}

export async function updateEnrolment(
  db: Db,
  id: number,
  v: { status?: string; timeStart?: string | null; timeEnd?: string | null },
) {
  await db
    .updateTable("enrolments")
    .set({
      ...(v.status !== undefined ? { status: v.status } : {}),
      ...(v.timeStart !== undefined ? { time_start: v.timeStart } : {}),
      ...(v.timeEnd !== undefined ? { time_end: v.timeEnd } : {}),
    })
    .where("id", "=", id)
    .execute();
}

export async function deleteEnrolment(db: Db, instanceId: number, userId: number): Promise<void> {
  await db
    .deleteFrom("enrolments")
    .where("instance_id", "=", instanceId)
    .where("user_id", "=", userId)
    .execute();
}

export async function countUserEnrolmentsInCourse(db: Db, courseId: number, userId: number): Promise<number> {
  const r = await db
    .selectFrom("enrolments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("course_id", "=", courseId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function insertRole(
  db: Db,
  v: { courseId: number; userId: number; role: string; instanceId: number | null; now: string },
) {
  await db
    .insertInto("role_assignments")
    .values({
      course_id: v.courseId,
      user_id: v.userId,
      role: v.role,
      instance_id: v.instanceId,
      created_at: v.now,
    })
    .onConflict((oc) => oc.columns(["course_id", "user_id", "role"]).doNothing())
    .execute();
}

export async function deleteRoles(
  db: Db,
  courseId: number,
  userId: number,
  opts: { instanceId?: number; role?: string } = {},
) {
  let q = db.deleteFrom("role_assignments").where("course_id", "=", courseId).where("user_id", "=", userId);
  if (opts.instanceId !== undefined) q = q.where("instance_id", "=", opts.instanceId);
  if (opts.role !== undefined) q = q.where("role", "=", opts.role);
  await q.execute();
}

export interface Participant {
  userId: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
  roles: string[];
  enrolMethodId: number;
  enrolMethod: string;
  status: string;
  timeStart: string | null;
  timeEnd: string | null;
  lastLoginAt: string | null;
}

export async function listParticipants(db: Db, courseId: number): Promise<Participant[]> {
  const rows = await db
    .selectFrom("enrolments as e")
    .innerJoin("users as u", "u.id", "e.user_id")
    .innerJoin("enrol_instances as i", "i.id", "e.instance_id")
    .select([
      "u.id",
      "u.username",
      "u.firstname",
      "u.lastname",
      "u.email",
      "u.auth",
      "u.last_login_at",
      "e.instance_id",
      "i.method",
      "e.status",
      "e.time_start",
      "e.time_end",
    ])
    .where("e.course_id", "=", courseId)
    .orderBy("u.lastname")
    .orderBy("u.firstname")
    .orderBy("u.id")
    .execute();
  const roles = await db
    .selectFrom("role_assignments")
    .select(["user_id", "role"])
    .where("course_id", "=", courseId)
    .execute();
  const byUser = new Map<number, string[]>();
  for (const r of roles) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.role]);
  const seen = new Set<number>();
  const out: Participant[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({
      userId: r.id,
      username: r.username,
      firstname: r.firstname,
      lastname: r.lastname,
      email: r.email,
      auth: r.auth,
      roles: byUser.get(r.id) ?? [],
      enrolMethodId: r.instance_id,
      enrolMethod: r.method,
      status: r.status,
      timeStart: r.time_start,
      timeEnd: r.time_end,
      lastLoginAt: r.last_login_at,
    });
  }
  return out;
}

/** One enrolment of a course with its method instance, for the participants page. */
export interface CourseEnrolment {
  userId: number;
  instanceId: number;
  instanceName: string;
  method: string;
  instanceStatus: "enabled" | "disabled";
  status: string;
  timeStart: string | null;
  timeEnd: string | null;
}

export async function listCourseEnrolments(
  db: Db,
  courseId: number,
  userId?: number,
): Promise<CourseEnrolment[]> {
  let q = db
    .selectFrom("enrolments as e")
    .innerJoin("enrol_instances as i", "i.id", "e.instance_id")
    .select([
      "e.user_id",
      "e.instance_id",
      "i.name",
      "i.method",
      "i.status as instance_status",
      "e.status",
      "e.time_start",
      "e.time_end",
    ])
    .where("e.course_id", "=", courseId)
    .orderBy("e.instance_id");
  if (userId !== undefined) q = q.where("e.user_id", "=", userId);
  return (await q.execute()).map((r) => ({
    userId: r.user_id,
    instanceId: r.instance_id,
    instanceName: r.name,
    method: r.method,
    instanceStatus: r.instance_status === "disabled" ? "disabled" : "enabled",
    status: r.status,
    timeStart: r.time_start,
    timeEnd: r.time_end,
  }));
}

/** Enrolled users per instance of a course. */
export async function countEnrolmentsByInstance(db: Db, courseId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom("enrolments")
    .select(["instance_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("course_id", "=", courseId)
    .groupBy("instance_id")
    .execute();
  return new Map(rows.map((r) => [r.instance_id, Number(r.n)]));
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

/** The users enrolled through an instance. */
export async function listInstanceUserIds(db: Db, instanceId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("enrolments")
    .select("user_id")
    .where("instance_id", "=", instanceId)
    .execute();
  return rows.map((r) => r.user_id);
}

/** Deletes the enrolments made through an instance and the roles it gave. */
export async function deleteInstanceEnrolments(db: Db, instanceId: number): Promise<void> {
  await db.deleteFrom("role_assignments").where("instance_id", "=", instanceId).execute();
  await db.deleteFrom("enrolments").where("instance_id", "=", instanceId).execute();
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
