// Capability checks at the HTTP edge: the actor comes from the request, and a request's course
// roles are looked up once however many capabilities its page asks (features/roles/access.service.ts
// holds the checks themselves, which need no request).
import type { FastifyRequest } from "fastify";
import type { Actor, AppContext } from "../app/context.js";
import type { Db } from "../db/database.js";
import * as access from "../features/roles/access.service.js";
import type { Capability } from "../features/roles/capabilities.js";

/** Per-request memo of course roles, so a page asking several capabilities queries once. */
const memo = new WeakMap<FastifyRequest, Map<number, Promise<string[]>>>();

function memoized(db: Db, request: FastifyRequest, now: Date): access.RoleLookup {
  return (courseId) => {
    const actor = request.actor;
    if (!actor) return Promise.resolve([]);
    let m = memo.get(request);
    if (!m) {
      m = new Map();
      memo.set(request, m);
    }
    let p = m.get(courseId);
    if (!p) {
      p = access.courseRolesOf(db, actor.id, courseId, now);
      m.set(courseId, p);
    }
    return p;
  };
}

export function rolesInCourse(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  now: Date,
): Promise<string[]> {
  return memoized(db, request, now)(courseId);
}

export function can(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  cap: Capability,
  now: Date,
): Promise<boolean> {
  return access.can(db, request.actor, courseId, cap, now, memoized(db, request, now));
}

export function requireActor(request: FastifyRequest): Actor {
  return access.requireActor(request.actor);
}

export function requireCapability(
  db: Db,
  request: FastifyRequest,
  courseId: number,
  cap: Capability,
  now: Date,
): Promise<Actor> {
  return access.requireCapability(db, request.actor, courseId, cap, now, memoized(db, request, now));
}

export function requireSiteAdmin(request: FastifyRequest): Actor {
  return access.requireSiteAdmin(request.actor);
}

/** The set of capabilities the requester holds in a course, for views that show or hide controls. */
export function courseCaps(
  ctx: AppContext,
  request: FastifyRequest,
  courseId: number,
): Promise<Set<Capability>> {
  const now = ctx.clock.now();
  return access.capsInCourse(ctx.db, request.actor, courseId, now, memoized(ctx.db, request, now));
}
