// Where a launch of a Deep Linking item goes (tool.routes.tsx, inside the accepted launch's transaction): the
// item's custom `activity=<id>` beside `id=<publication uuid>` names one activity of a published course.
import type { Db } from "../../../db/database.js";
import { activityPath, findActivity } from "../../activities/activities.service.js";
import { LaunchRejected } from "../launch/rejection.js";

/** The custom parameter naming the activity a link lands on (beside `id=<publication uuid>`). */
export const ACTIVITY_PARAMETER = "activity";

/**
 * Where a launch of a Deep Linking item goes: for a course publication, the activity its custom `activity`
 * names, when it is one of the course's (refused, `tool_unavailable`, when it is gone, as a launch of a
 * published activity that is gone); otherwise `target`, the course or the one published activity.
 */
export async function activityTarget(
  db: Db,
  launched: { courseId: number; target: string; custom: Readonly<Record<string, string>> },
): Promise<string> {
  const v = launched.custom[ACTIVITY_PARAMETER];
  // An activity publication opens its own activity only (plan.ts's target), whatever the link names.
  if (v === undefined || v === "" || launched.target !== `/course/${launched.courseId}`)
    return launched.target;
  const id = /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  const a = Number.isSafeInteger(id) ? await findActivity(db, id) : undefined;
  if (a === undefined || a.courseId !== launched.courseId)
    throw new LaunchRejected("tool_unavailable", "The chosen activity no longer exists.");
  return activityPath(a.id);
}
