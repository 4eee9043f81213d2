// Opening a course for the requester: who may see it at all. Used by every course-scoped page
// and API call before its own capability check.
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../../app/context.js";
import { courseCaps, requireActor } from "../../http/access.js";
import { ForbiddenError, NotFoundError } from "../../shared/errors.js";
import type { Capability } from "../roles/capabilities.js";
import { type Course, findCourse } from "./courses.service.js";

export interface OpenCourse {
  course: Course;
  caps: ReadonlySet<Capability>;
}

/**
 * The course and the requester's capabilities in it. Not logged in → 401; no such course → 404;
 * not enrolled (and not a site admin) → 403; a hidden course needs course:viewhidden.
 */
export async function openCourse(
  ctx: AppContext,
  request: FastifyRequest,
  courseId: number,
): Promise<OpenCourse> {
  requireActor(request);
  const course = await findCourse(ctx.db, courseId);
  if (!course) throw new NotFoundError("Course");
  const caps = await courseCaps(ctx, request, courseId);
  if (!caps.has("course:view")) throw new ForbiddenError("You are not enrolled in this course.");
  if (!course.visible && !caps.has("course:viewhidden"))
    throw new ForbiddenError("This course is hidden from students.");
  return { course, caps };
}

/** As openCourse, and the requester must hold `cap`. */
export async function openCourseWith(
  ctx: AppContext,
  request: FastifyRequest,
  courseId: number,
  cap: Capability,
): Promise<OpenCourse> {
  const opened = await openCourse(ctx, request, courseId);
  if (!opened.caps.has(cap)) throw new ForbiddenError();
  return opened;
}

/** Learners are tracked for completion: they take part but do not oversee others' progress. */
export function isLearner(caps: ReadonlySet<Capability>): boolean {
  return caps.has("activity:participate") && !caps.has("completion:viewall");
}
