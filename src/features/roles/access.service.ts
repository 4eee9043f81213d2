// Who may do what in a course: roles come from role assignments backed by an active enrolment
// (enabled method, inside its time window). Site admins may do everything.
import type { FastifyRequest } from "fastify";
import { sql } from "kysely";
import type { Actor } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";
import { ForbiddenError, UnauthenticatedError } from "../../shared/errors.js";
import { type Capability, rolesGrant } from "./capabilities.js";

/**
 * The user's roles in the course. Asked on every course page and API call, so written as one SQL
 * text: Kysely's builder took ~60 µs to assemble this join with its OR conditions, the query itself
 * a few µs (bench/core.bench.ts).
 */
export async function courseRolesOf(db: Db, userId: number, courseId: number, now: Date): Promise<string[]> {
  const t = iso(now);
  const { rows } = await sql<{ role: string }>`
    select distinct ra.role from role_assignments ra
    join enrolments e on e.course_id = ra.course_id and e.user_id = ra.user_id
    join enrol_instances i on i.id = e.instance_id
    where ra.course_id = ${courseId} and ra.user_id = ${userId}
      and e.status = 'active' and i.status = 'enabled'
      and (e.time_start is null or e.time_start <= ${t})
      and (e.time_end is null or e.time_end > ${t})`.execute(db);
  return rows.map((r) => r.role);
}

/** Per-request memo of course roles, so a page asking several capabilities queries once. */
const memo = new WeakMap<FastifyRequest, Map<number, Promise<string[]>>>();

export function rolesInCourse(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  now: Date,
): Promise<string[]> {
  const actor = request.actor;
  if (!actor) return Promise.resolve([]);
  let m = memo.get(request);
  if (!m) {
    m = new Map();
    memo.set(request, m);
  }
  let p = m.get(courseId);
  if (!p) {
    p = courseRolesOf(db, actor.id, courseId, now);
    m.set(courseId, p);
  }
  return p;
}

export async function can(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  cap: Capability,
  now: Date,
): Promise<boolean> {
  const actor = request.actor;
  if (!actor) return false;
  if (actor.siteAdmin) return true;
  return rolesGrant(await rolesInCourse(db, request, courseId, now), cap);
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthenticatedError();
  return request.actor;
}

export async function requireCapability(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  cap: Capability,
  now: Date,
): Promise<Actor> {
  const actor = requireActor(request);
  if (!(await can(db, request, courseId, cap, now))) throw new ForbiddenError();
  return actor;
}

export function requireSiteAdmin(request: FastifyRequest): Actor {
  const actor = requireActor(request);
  if (!actor.siteAdmin) throw new ForbiddenError("Only site administrators can do that");
  return actor;
}
