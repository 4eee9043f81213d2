// The enrolments feature's tables (enrol_instances, enrolments, role_assignments, membership_changes):
// instances and enrolments here; every write of an enrolment or a role adds to the membership change log
// (membership-changes.repository.ts) in the caller's transaction; role assignments in role-assignments.repository.ts and the participants list in
// participants.repository.ts, re-exported below so the service reads one module.

import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import { logMembershipChanges } from "./membership-changes.repository.js";

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
  if (r) await logMembershipChanges(db, [{ courseId: r.course_id, userId: r.user_id }], v.now);
  return r ? toEnrolment(r) : undefined;
}

export async function updateEnrolment(
  db: Db,
  id: number,
  v: { status?: string; timeStart?: string | null; timeEnd?: string | null; now: string },
) {
  const rows = await db
    .updateTable("enrolments")
    .set({
      ...(v.status !== undefined ? { status: v.status } : {}),
      ...(v.timeStart !== undefined ? { time_start: v.timeStart } : {}),
      ...(v.timeEnd !== undefined ? { time_end: v.timeEnd } : {}),
    })
    .where("id", "=", id)
    .returning(["course_id", "user_id"])
    .execute();
  await logMembershipChanges(
    db,
    rows.map((r) => ({ courseId: r.course_id, userId: r.user_id })),
    v.now,
  );
}

export async function deleteEnrolment(
  db: Db,
  instanceId: number,
  userId: number,
  now: string,
): Promise<void> {
  const rows = await db
    .deleteFrom("enrolments")
    .where("instance_id", "=", instanceId)
    .where("user_id", "=", userId)
    .returning(["course_id", "user_id"])
    .execute();
  await logMembershipChanges(
    db,
    rows.map((r) => ({ courseId: r.course_id, userId: r.user_id })),
    now,
  );
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
export async function deleteInstanceEnrolments(db: Db, instanceId: number, now: string): Promise<void> {
  await db.deleteFrom("role_assignments").where("instance_id", "=", instanceId).execute();
  const rows = await db
    .deleteFrom("enrolments")
    .where("instance_id", "=", instanceId)
    .returning(["course_id", "user_id"])
    .execute();
  await logMembershipChanges(
    db,
    rows.map((r) => ({ courseId: r.course_id, userId: r.user_id })),
    now,
  );
}

export * from "./membership-changes.repository.js";
export * from "./participants.repository.js";
export * from "./role-assignments.repository.js";
