// What a Deep Linking request is offered (deep-linking.service.ts): the publication the request's custom
// `id=<uuid>` (or target link URI `id`) names, or, without one, every LTI Advantage publication whose method
// is enabled; a course publication offers its course and each visible activity (with its maximum grade when
// graded), an activity publication that activity.
import type { AppContext } from "../../../app/context.js";
import type { VerifiedToolLaunch } from "../../../lti/v1p3/tool-launch-verify.js";
import { findActivity, listCourseActivities } from "../../activities/activities.service.js";
import { findCourse } from "../../courses/courses.service.js";
import { findEnrolInstance } from "../../enrolments/enrolments.service.js";
import { findActivityItem } from "../../grades/grades.service.js";
import { LaunchRejected } from "../launch/rejection.js";
import { selectedPublication } from "../launch/v1p3.adapter.js";
import {
  findPublicationByUuid,
  listPublications,
  type Publication,
} from "../publications/publications.service.js";

type Ctx = Pick<AppContext, "db">;

/** One thing the picker offers: the published course, or one of its activities. */
export interface OfferedItem {
  uuid: string;
  courseId: number;
  activityId?: number;
  title: string;
  /** The course's name, for an activity; "" for the course. */
  text: string;
  /** The activity's maximum grade when it is graded. */
  maxGrade?: number;
}

/** The course and activities of the publications, in course order. */
export async function offeredItems(ctx: Ctx, pubs: readonly Publication[]): Promise<OfferedItem[]> {
  const out: OfferedItem[] = [];
  for (const pub of pubs) {
    const course = await findCourse(ctx.db, pub.courseId);
    if (course === undefined) continue;
    const activity = async (id: number): Promise<OfferedItem | undefined> => {
      const a = await findActivity(ctx.db, id);
      if (a === undefined || a.courseId !== pub.courseId) return undefined;
      const grade = await findActivityItem(ctx.db, a.id);
      return {
        uuid: pub.uuid,
        courseId: pub.courseId,
        activityId: a.id,
        title: a.name,
        text: course.fullname,
        ...(grade !== undefined && grade.maxGrade > 0 ? { maxGrade: grade.maxGrade } : {}),
      };
    };
    if (pub.activityId !== null) {
      const a = await activity(pub.activityId);
      if (a !== undefined) out.push(a);
      continue;
    }
    out.push({ uuid: pub.uuid, courseId: pub.courseId, title: course.fullname, text: "" });
    for (const a of await listCourseActivities(ctx.db, pub.courseId, { includeHidden: false })) {
      const item = await activity(a.id);
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

async function enabled(ctx: Ctx, pub: Publication): Promise<boolean> {
  return (await findEnrolInstance(ctx.db, pub.instanceId))?.status === "enabled";
}

/** The publications a request may choose from: the one it names, else every enabled LTI Advantage one. */
export async function publicationsFor(ctx: Ctx, launch: VerifiedToolLaunch): Promise<Publication[]> {
  const uuid = selectedPublication(launch.custom, launch.targetLinkUri);
  if (uuid === "") {
    const out: Publication[] = [];
    for (const p of await listPublications(ctx.db))
      if (p.ltiVersion === "1.3" && (await enabled(ctx, p))) out.push(p);
    return out;
  }
  const pub = await findPublicationByUuid(ctx.db, uuid);
  if (pub === undefined)
    throw new LaunchRejected("unknown_tool", "There is no published tool at this address.");
  if (pub.ltiVersion !== "1.3")
    throw new LaunchRejected(
      "lti_version_mismatch",
      "This tool is published for Legacy LTI (1.1); Deep Linking needs LTI Advantage (LTI 1.3).",
    );
  if (!(await enabled(ctx, pub)))
    throw new LaunchRejected("method_disabled", "This published tool is disabled.");
  return [pub];
}
