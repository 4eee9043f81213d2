// Opening an activity for the requester: the course must be open to them, and a hidden activity
// only to those who may see hidden material.
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireActor } from "../../http/access.js";
import { ForbiddenError } from "../../shared/errors.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { type OpenCourse, openCourse } from "../courses/course-access.js";
import type { Capability } from "../roles/capabilities.js";
import { getActivity, typeOf } from "./activities.service.js";
import type { Activity, ActivityType } from "./activity-types.js";

export interface OpenActivity extends OpenCourse {
  activity: Activity;
  type: ActivityType;
}

export const idParams = z.object({ id: idParam });

export async function openActivity(
  ctx: AppContext,
  request: FastifyRequest,
  id: number,
): Promise<OpenActivity> {
  requireActor(request);
  const activity = await getActivity(ctx.db, id);
  const opened = await openCourse(ctx, request, activity.courseId);
  if (!activity.visible && !opened.caps.has("course:viewhidden")) {
    throw new ForbiddenError("This activity is hidden from students.");
  }
  return { ...opened, activity, type: typeOf(activity) };
}

/** As openActivity for the `:id` route parameter, and the requester must hold `cap`. */
export async function openActivityWith(
  ctx: AppContext,
  request: FastifyRequest,
  cap: Capability | null,
): Promise<OpenActivity> {
  const { id } = parseInput(idParams, request.params);
  const opened = await openActivity(ctx, request, id);
  if (cap && !opened.caps.has(cap)) throw new ForbiddenError();
  return opened;
}
