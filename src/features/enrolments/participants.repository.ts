// The participants list of a course: enrolments with their users' names and their roles, in one read
// (the one join of users, listed in test/table-ownership.test.ts). Part of the enrolments feature's
// tables (enrolments.repository.ts).
import type { Db } from "../../db/database.js";

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
