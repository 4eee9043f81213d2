// Course copy (Course admin → Copy course, POST /api/v1/courses/{id}/copy): a new course with the
// source's sections, activities with their settings, grade items and enrolment methods, and no user data
// (no enrolments, grades, attempts, submissions or completions). Each feature copies its own rows; this
// orchestrates them in one transaction, so a failure leaves no half-copied course.
//
// The copy records its source course and each copied activity its source activity: the copy's context
// and resource links get new ids (the course's and activities' own), and an LTI launch names the earlier
// ones in $Context.id.history and $ResourceLink.id.history (conformance cases 211 and 218).
import { z } from "zod";
import type { Actor, AppContext } from "../../app/context.js";
import { isUniqueViolation } from "../../db/errors.js";
import { iso } from "../../shared/clock.js";
import { ConflictError, NotFoundError } from "../../shared/errors.js";
import { parseInput, requiredText } from "../../shared/validation.js";
import { activityAncestorIds, copyCourseActivities } from "../activities/activities.service.js";
import {
  addEnrolInstance,
  copyEnrolInstances,
  enrolUser,
  type SkippedInstance,
} from "../enrolments/enrolments.service.js";
import { copyGradeItems } from "../grades/grades.service.js";
import { copyLineItems } from "../lti-consumer/services/ags.service.js";
import * as repo from "./courses.repository.js";
import { startDateSchema } from "./courses.service.js";

export const courseCopySchema = z.object({
  fullname: requiredText(254, "Course full name"),
  shortname: requiredText(100, "Course short name"),
  /** Left out: the source's start date. */
  startDate: startDateSchema.optional(),
});

export interface CourseCopy {
  course: repo.Course;
  /** Enrolment methods of the source that were not copied, with the reason. */
  notCopied: SkippedInstance[];
  /** Source activity id → the copy's, and source grade item id → the copy's. */
  activityIds: Map<number, number>;
  gradeItemIds: Map<number, number>;
}

/**
 * Copies course `sourceId` for `actor`. A copier who is not a site admin is enrolled in the copy as a
 * Manager (through its manual method), as nobody else is: otherwise they could not open what they made.
 */
export async function copyCourse(
  ctx: AppContext,
  actor: Actor,
  sourceId: number,
  input: unknown,
): Promise<CourseCopy> {
  const v = parseInput(courseCopySchema, input);
  const taken = () => new ConflictError(`Short name ${v.shortname} is already used by another course`);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const source = await repo.findCourse(trx, sourceId);
      if (!source) throw new NotFoundError("Course");
      if (await repo.findCourseByShortname(trx, v.shortname)) throw taken();
      const now = iso(ctx.clock.now());
      const course = await repo.insertCourse(trx, {
        fullname: v.fullname,
        shortname: v.shortname,
        summary: source.summary,
        visible: source.visible,
        startDate: v.startDate === undefined ? source.startDate : v.startDate,
        originalCourseId: source.id,
        now,
      });
      const sectionIds = new Map<number, number>();
      for (const s of await repo.listSections(trx, source.id)) {
        sectionIds.set(s.id, await repo.insertSection(trx, course.id, s.position, s.name, s.summary));
      }
      const activityIds = await copyCourseActivities(trx, ctx, {
        fromCourseId: source.id,
        toCourseId: course.id,
        sectionIds,
      });
      const gradeItemIds = await copyGradeItems(trx, {
        fromCourseId: source.id,
        toCourseId: course.id,
        activityIds,
      });
      // AGS §3.2.15: the tools' line items of the copied links, with their attributes, on the new links.
      await copyLineItems(trx, ctx, {
        fromCourseId: source.id,
        toCourseId: course.id,
        activityIds,
        gradeItemIds,
      });
      const { copied, skipped } = await copyEnrolInstances(trx, ctx, {
        fromCourseId: source.id,
        toCourseId: course.id,
      });
      if (!actor.siteAdmin) {
        const manual =
          copied.find((i) => i.method === "manual") ??
          (await addEnrolInstance(trx, ctx.clock, course.id, {
            method: "manual",
            name: "Manual enrolments",
            role: "student",
          }));
        await enrolUser(
          trx,
          { clock: ctx.clock, engine: ctx.engine },
          { instanceId: manual.id, userId: actor.id, role: "manager", checkOpen: false },
        );
      }
      return { course, notCopied: skipped, activityIds, gradeItemIds };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}

/** The ids of the courses this one was copied from, newest first: $Context.id.history (empty for an original). */
export const courseAncestorIds = (db: AppContext["db"], courseId: number) =>
  repo.listCourseAncestorIds(db, courseId);

/**
 * The values of $Context.id.history and $ResourceLink.id.history for a launch of `activityId` in
 * `courseId`: the earlier ids, comma-separated, newest first, empty when there is none. Ids are digits,
 * so the URL-encoding the variables ask for changes nothing.
 */
export async function launchHistory(
  db: AppContext["db"],
  v: { courseId: number; activityId: number },
): Promise<{ "$Context.id.history": string; "$ResourceLink.id.history": string }> {
  const [courses, activities] = await Promise.all([
    courseAncestorIds(db, v.courseId),
    activityAncestorIds(db, v.activityId),
  ]);
  return {
    "$Context.id.history": courses.join(","),
    "$ResourceLink.id.history": activities.join(","),
  };
}
