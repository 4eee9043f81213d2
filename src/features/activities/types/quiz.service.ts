// Quiz: multiple-choice questions, auto-graded on submit. Every attempt is kept; the gradebook
// holds the BEST attempt (grade = maxGrade × correct / questions), written with source "quiz" in
// the attempt's transaction, so a later weaker attempt never lowers a student's grade. Attempts
// are unlimited.
import { z } from "zod";
import type { Db } from "../../../db/database.js";
import { iso } from "../../../shared/clock.js";
import { ValidationError } from "../../../shared/errors.js";
import { parseInput, requiredText } from "../../../shared/validation.js";
import { findActivityItem, findGrade, type GradeDeps, setGrade } from "../../grades/grades.service.js";
import type { Activity } from "../activity-types.js";
import { maxGradeSchema } from "./assign.service.js";
import * as repo from "./quiz.repository.js";
import type { Question } from "./quiz-format.js";

export type { Attempt } from "./quiz.repository.js";

export const MAX_QUESTIONS = 100;
export const MAX_CHOICES = 10;

export interface QuizSettings extends Record<string, unknown> {
  maxGrade: number;
  questions: Question[];
}

const questionSchema = z
  .object({
    text: requiredText(2000, "Question text"),
    choices: z
      .array(requiredText(500, "Choice text"), { error: "choices must be a list of texts" })
      .min(2, "A question needs at least two choices")
      .max(MAX_CHOICES, `A question has at most ${MAX_CHOICES} choices`),
    correct: z.number({ error: "correct must be the index of the right choice" }).int().min(0),
  })
  .refine((q) => q.correct < q.choices.length, {
    message: "correct must be the index of one of the choices (0 is the first)",
    path: ["correct"],
  });

export const quizSettingsSchema = z.object({
  maxGrade: maxGradeSchema,
  questions: z
    .array(questionSchema, { error: "questions must be a list" })
    .min(1, "A quiz needs at least one question")
    .max(MAX_QUESTIONS, `A quiz has at most ${MAX_QUESTIONS} questions`),
});

export const attemptSchema = z.object({
  answers: z
    .array(z.number({ error: "each answer must be a choice index or null" }).int().min(0).nullable(), {
      error: "answers must be a list of choice indexes",
    })
    .max(MAX_QUESTIONS),
});

const round = (n: number) => Math.round(n * 100_000) / 100_000;

/** Grade of a set of answers: maxGrade × correct / total. An unanswered question counts as wrong. */
export function scoreAnswers(settings: QuizSettings, answers: ReadonlyArray<number | null>) {
  const total = settings.questions.length;
  const correct = settings.questions.filter((q, i) => answers[i] === q.correct).length;
  return { correct, total, grade: total === 0 ? 0 : round((settings.maxGrade * correct) / total) };
}

export interface AttemptResult {
  attempt: repo.Attempt;
  correct: number;
  total: number;
  grade: number;
  maxGrade: number;
  /** The best attempt's grade (what the gradebook holds now). */
  bestGrade: number;
}

export async function submitAttempt(
  db: Db,
  deps: GradeDeps,
  activity: Activity<QuizSettings>,
  userId: number,
  input: unknown,
): Promise<AttemptResult> {
  const { answers } = parseInput(attemptSchema, input);
  const { questions, maxGrade } = activity.settings;
  if (answers.length !== questions.length) {
    const message = `Give one answer per question: this quiz has ${questions.length}`;
    throw new ValidationError(message, [{ field: "answers", message }]);
  }
  const bad = answers.findIndex((a, i) => a !== null && a >= (questions[i]?.choices.length ?? 0));
  if (bad >= 0) {
    const message = `Question ${bad + 1} has no choice ${answers[bad]}`;
    throw new ValidationError(message, [{ field: `answers.${bad}`, message }]);
  }
  const score = scoreAnswers(activity.settings, answers);
  return db.transaction().execute(async (trx) => {
    const attempt = await repo.insertAttempt(trx, {
      activityId: activity.id,
      userId,
      answers,
      grade: score.grade,
      maxGrade,
      createdAt: iso(deps.clock.now()),
    });
    // Earlier attempts are rescaled in case the maximum grade changed since.
    const all = await repo.listAttempts(trx, activity.id, userId);
    const bestGrade = Math.max(
      ...all.map((a) => round(a.maxGrade > 0 ? (a.grade / a.maxGrade) * maxGrade : 0)),
    );
    const item = await findActivityItem(trx, activity.id);
    const current = item ? await findGrade(trx, item.id, userId) : undefined;
    if (current?.grade !== bestGrade) {
      await setGrade(trx, deps, {
        activityId: activity.id,
        activity,
        userId,
        grade: bestGrade,
        source: "quiz",
        actorId: userId,
      });
    }
    return { attempt, correct: score.correct, total: score.total, grade: score.grade, maxGrade, bestGrade };
  });
}

export const listAttempts = repo.listAttempts;
