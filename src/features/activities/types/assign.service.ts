// Assignment: each student keeps one text submission (editable); teachers grade it out of the
// assignment's maximum with feedback. Grades go through the gradebook (source "teacher"), which
// keeps the history and recomputes the course total in the same transaction.
import { z } from "zod";
import type { Db } from "../../../db/database.js";
import { type Clock, iso } from "../../../shared/clock.js";
import { NotFoundError } from "../../../shared/errors.js";
import { parseInput, requiredText, trimmed } from "../../../shared/validation.js";
import { listParticipants } from "../../enrolments/enrolments.service.js";
import { type GradeDeps, setGrade } from "../../grades/grades.service.js";
import type { Activity } from "../activity-types.js";
import * as repo from "./assign.repository.js";

export type { Submission } from "./assign.repository.js";

export const MAX_GRADE_LIMIT = 10_000;

export interface AssignSettings extends Record<string, unknown> {
  maxGrade: number;
  instructions: string;
}

export const maxGradeSchema = z
  .number({ error: "Maximum grade must be a number" })
  .finite("Maximum grade must be a number")
  .positive("Maximum grade must be more than 0")
  .max(MAX_GRADE_LIMIT, `Maximum grade must be at most ${MAX_GRADE_LIMIT}`);

export const assignSettingsSchema = z.object({
  maxGrade: maxGradeSchema,
  instructions: trimmed(20_000).default(""),
});

export const submissionSchema = z.object({ text: requiredText(50_000, "Submission text") });

export const gradeInputSchema = z.object({
  grade: z
    .number({ error: "Grade must be a number" })
    .finite("Grade must be a number")
    .min(0, "Grade must be at least 0"),
  feedback: trimmed(10_000).default(""),
});

export async function saveSubmission(
  db: Db,
  clock: Clock,
  activity: Activity,
  userId: number,
  input: unknown,
) {
  const v = parseInput(submissionSchema, input);
  await repo.upsertSubmission(db, { activityId: activity.id, userId, text: v.text, now: iso(clock.now()) });
}

/** Grades a participant's work (submitted or not), writing history and the course total. */
export async function gradeSubmission(
  db: Db,
  deps: GradeDeps,
  activity: Activity,
  v: { userId: number; actorId: number },
  input: unknown,
) {
  const g = parseInput(gradeInputSchema, input);
  const participants = await listParticipants(db, activity.courseId);
  if (!participants.some((p) => p.userId === v.userId)) throw new NotFoundError("Participant");
  return db.transaction().execute((trx) =>
    setGrade(trx, deps, {
      activityId: activity.id,
      activity,
      userId: v.userId,
      grade: g.grade,
      feedback: g.feedback,
      source: "teacher",
      actorId: v.actorId,
    }),
  );
}

export const findSubmission = repo.findSubmission;
export const listSubmissions = repo.listSubmissions;
