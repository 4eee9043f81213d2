// The set of capabilities the requester holds in a course, for views that show or hide controls.
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../../app/context.js";
import { rolesInCourse } from "./access.service.js";
import { CAPABILITIES, type Capability, rolesGrant } from "./capabilities.js";

export async function courseCaps(
  ctx: AppContext,
  request: FastifyRequest,
  courseId: number,
): Promise<Set<Capability>> {
  if (!request.actor) return new Set();
  if (request.actor.siteAdmin) return new Set(CAPABILITIES);
  const roles = await rolesInCourse(ctx.db, request, courseId, ctx.clock.now());
  return new Set(CAPABILITIES.filter((c) => rolesGrant(roles, c)));
}
