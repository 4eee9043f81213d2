// Who may do what in a course: roles come from role assignments backed by an active enrolment
// (enabled method, inside its time window). Site admins may do everything. These checks take the
// actor, not a request, so a job can ask "may this user …" as a page does; src/http/access.ts
// adds the per-request memo and reads the actor off the request.
import type { Actor } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import { ForbiddenError, UnauthenticatedError } from "../../shared/errors.js";
import { activeCourseRoles } from "../enrolments/enrolments.service.js";
import { CAPABILITIES, type Capability, rolesGrant } from "./capabilities.js";

/** The roles a user holds in a course; a caller that asks often passes a memoized one. */
export type RoleLookup = (courseId: number) => Promise<string[]>;

/** The user's roles in the course at `now`. */
export function courseRolesOf(db: Db, userId: number, courseId: number, now: Date): Promise<string[]> {
  return activeCourseRoles(db, userId, courseId, now);
}

function lookupFor(db: Db, actor: Actor, now: Date, roles?: RoleLookup): RoleLookup {
  return roles ?? ((courseId) => courseRolesOf(db, actor.id, courseId, now));
}

/** Whether the actor (undefined: nobody logged in) holds `cap` in the course. */
export async function can(
  db: Db,
  actor: Actor | null | undefined,
  courseId: number,
  cap: Capability,
  now: Date,
  roles?: RoleLookup,
): Promise<boolean> {
  if (!actor) return false;
  if (actor.siteAdmin) return true;
  return rolesGrant(await lookupFor(db, actor, now, roles)(courseId), cap);
}

/** Every capability the actor holds in the course, for views that show or hide controls. */
export async function capsInCourse(
  db: Db,
  actor: Actor | null | undefined,
  courseId: number,
  now: Date,
  roles?: RoleLookup,
): Promise<Set<Capability>> {
  if (!actor) return new Set();
  if (actor.siteAdmin) return new Set(CAPABILITIES);
  const held = await lookupFor(db, actor, now, roles)(courseId);
  return new Set(CAPABILITIES.filter((c) => rolesGrant(held, c)));
}

export function requireActor(actor: Actor | null | undefined): Actor {
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

export async function requireCapability(
  db: Db,
  actor: Actor | null | undefined,
  courseId: number,
  cap: Capability,
  now: Date,
  roles?: RoleLookup,
): Promise<Actor> {
  const a = requireActor(actor);
  if (!(await can(db, a, courseId, cap, now, roles))) throw new ForbiddenError();
  return a;
}

export function requireSiteAdmin(actor: Actor | null | undefined): Actor {
  const a = requireActor(actor);
  if (!a.siteAdmin) throw new ForbiddenError("Only site administrators can do that");
  return a;
}
