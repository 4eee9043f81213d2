// Test factories: build the data a test needs through the services (append-only file: each
// feature adds its own factories below).

import type { AppContext } from "../../src/app/context.js";
import { type Course, createCourse, listSections } from "../../src/features/courses/courses.service.js";
import { enrolUser, manualInstance } from "../../src/features/enrolments/enrolments.service.js";
import { upsertActivityItem } from "../../src/features/grades/grades.service.js";
import { iso } from "../../src/shared/clock.js";

type WithCtx = { ctx: AppContext };

let courseSeq = 0;

/** A course with its sections, course-total grade item and manual enrolment method. */
export async function makeCourse(
  t: WithCtx,
  fields: { fullname?: string; shortname?: string } = {},
): Promise<Course> {
  courseSeq += 1;
  const shortname = fields.shortname ?? `C${courseSeq}-${Math.random().toString(36).slice(2, 7)}`;
  return createCourse(t.ctx.db, t.ctx.clock, {
    fullname: fields.fullname ?? `Course ${shortname}`,
    shortname,
  });
}

/** Enrols a user through the course's manual method with a role. */
export async function enrolAs(t: WithCtx, courseId: number, userId: number, role = "student"): Promise<void> {
  const manual = await manualInstance(t.ctx.db, courseId);
  await t.ctx.db
    .transaction()
    .execute((trx) =>
      enrolUser(
        trx,
        { clock: t.ctx.clock, engine: t.ctx.engine },
        { instanceId: manual.id, userId, role, checkOpen: false },
      ),
    );
}

/**
 * A gradable activity row in the course's first section and its grade item, without going through
 * the activity types (for gradebook tests).
 */
export async function makeGradableActivity(
  t: WithCtx,
  courseId: number,
  v: { name?: string; maxGrade?: number; type?: string } = {},
): Promise<{ id: number; itemId: number; name: string; maxGrade: number }> {
  const [section] = await listSections(t.ctx.db, courseId);
  if (!section) throw new Error("course without sections");
  const now = iso(t.ctx.clock.now());
  const name = v.name ?? "Assignment";
  const maxGrade = v.maxGrade ?? 100;
  return t.ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("activities")
      .values({
        course_id: courseId,
        section_id: section.id,
        position: 0,
        type: v.type ?? "assign",
        name,
        settings: JSON.stringify({ maxGrade }),
        visible: 1,
        completion_rule: "none",
        completion_pass_grade: null,
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const item = await upsertActivityItem(trx, {
      courseId,
      activityId: row.id,
      name,
      maxGrade,
      passGrade: null,
    });
    return { id: row.id, itemId: item.id, name, maxGrade };
  });
}

// --- courses, activities, completion ---

type NewActivity = { type: string; name: string; settings: Record<string, unknown>; section?: number };

/** An activity added through the activities service (as the form and API do), in section `section`. */
export async function addActivity(
  t: WithCtx,
  courseId: number,
  v: NewActivity & Record<string, unknown>,
): Promise<import("../../src/features/activities/activity-types.js").Activity> {
  const { createActivity } = await import("../../src/features/activities/activities.service.js");
  return createActivity(t.ctx.db, t.ctx, courseId, { section: 0, ...v });
}

/** A quiz of `n` questions whose correct answer is always choice 1 ("B"). */
export function quizSettings(n: number, maxGrade = 10) {
  const questions = Array.from({ length: n }, (_, i) => ({
    text: `Question ${i + 1}?`,
    choices: ["A", "B", "C"],
    correct: 1,
  }));
  return { maxGrade, questions };
}
