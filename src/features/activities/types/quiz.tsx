// Quiz: multiple-choice questions written in a textarea (see quiz-format.ts), auto-graded on
// submit through the form or the API; the best attempt is the grade (see quiz.service.ts).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireActor } from "../../../http/access.js";
import { redirectWithFlash } from "../../../http/app.js";
import { addApiOperation } from "../../../http/openapi.js";
import { ForbiddenError, ValidationError } from "../../../shared/errors.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { type Errors, TextArea, TextField } from "../../../views/forms.js";
import { listParticipants } from "../../enrolments/enrolments.service.js";
import { type OpenActivity, openActivity, openActivityWith } from "../activity-access.js";
import type { Activity, ActivityType } from "../activity-types.js";
import { fmt } from "./assign.views.js";
import { formNumber } from "./form-values.js";
import {
  attemptSchema,
  listAttempts,
  type QuizSettings,
  quizSettingsSchema,
  submitAttempt,
} from "./quiz.service.js";
import { LearnerQuizView, type QuizSummaryRow, StaffQuizView } from "./quiz.views.js";
import { formatQuestionsText, parseQuestionsText, type Question } from "./quiz-format.js";

function asQuiz(o: OpenActivity): Activity<QuizSettings> {
  if (o.activity.type !== "quiz") {
    const message = "This activity is not a quiz.";
    throw new ValidationError(message, [{ field: "id", message }]);
  }
  return o.activity as Activity<QuizSettings>;
}

/** Radio buttons q0…qN: a missing one is unanswered; anything but a choice number is refused. */
function answersFromForm(body: unknown, count: number): unknown[] {
  const b = (body ?? {}) as Record<string, unknown>;
  return Array.from({ length: count }, (_, i) => {
    const v = b[`q${i}`];
    if (v === undefined || v === "") return null;
    return typeof v === "string" && /^\d{1,3}$/.test(v) ? Number(v) : v;
  });
}

/** Errors of questions.N.… are shown at the textarea as "Question N+1: …". */
function questionErrors(errors: Errors): string | undefined {
  const messages = (errors ?? [])
    .filter((e) => e.field === "questionsText" || e.field.startsWith("questions"))
    .map((e) => {
      const m = /^questions\.(\d+)/.exec(e.field);
      if (!m) return e.message;
      return `Question ${Number(m[1]) + 1}: ${e.message.replace(/^[\w.]+: /, "")}`;
    });
  return messages.length ? messages.join(" ") : undefined;
}

function routes(app: FastifyInstance, ctx: AppContext) {
  const attempt = async (request: FastifyRequest, o: OpenActivity, input: unknown) => {
    const actor = requireActor(request);
    return submitAttempt(ctx.db, ctx, asQuiz(o), actor.id, input);
  };

  app.post("/mod/:id/attempt", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "activity:participate");
    const quiz = asQuiz(o);
    const r = await attempt(request, o, {
      answers: answersFromForm(request.body, quiz.settings.questions.length),
    });
    const message = `Your grade for this attempt: ${fmt(r.grade)} / ${fmt(r.maxGrade)} (${r.correct} of ${r.total} correct).`;
    return redirectWithFlash(reply, `/mod/${quiz.id}`, message);
  });

  addApiOperation({
    method: "post",
    path: "/activities/{id}/attempts",
    summary:
      "Submit a quiz attempt as the calling user (needs activity:participate). answers[i] is the index of the chosen choice " +
      "of question i, or null. The gradebook keeps the best attempt.",
    tag: "Activities",
    body: attemptSchema,
    responses: { 201: "{attemptId, grade, maxGrade, correct, total, bestGrade}" },
  });
  app.post("/api/v1/activities/:id/attempts", async (request, reply) => {
    const { id } = parseInput(z.object({ id: idParam }), request.params);
    const o = await openActivity(ctx, request, id);
    if (!o.caps.has("activity:participate"))
      throw new ForbiddenError("You cannot take part in this activity.");
    const r = await attempt(request, o, request.body);
    return reply.status(201).send({
      attemptId: r.attempt.id,
      grade: r.grade,
      maxGrade: r.maxGrade,
      correct: r.correct,
      total: r.total,
      bestGrade: r.bestGrade,
    });
  });
}

export const quizType: ActivityType<QuizSettings> = {
  type: "quiz",
  label: "Quiz",
  description: "Multiple-choice questions, graded automatically when the student submits.",
  gradable: true,
  settingsSchema: quizSettingsSchema,
  settingsFromForm: (body) => ({
    maxGrade: formNumber(body.maxGrade),
    questions: parseQuestionsText(body.questionsText),
  }),
  maxGrade: (s) => s.maxGrade,
  SettingsFields: ({ settings, errors }) => {
    const raw = (settings as { questionsText?: unknown }).questionsText;
    const text =
      typeof raw === "string"
        ? raw
        : Array.isArray(settings.questions)
          ? formatQuestionsText(settings.questions as Question[])
          : "";
    const error = questionErrors(errors);
    return (
      <>
        <TextField
          name="maxGrade"
          label="Maximum grade"
          type="number"
          step="any"
          min={0}
          value={
            typeof settings.maxGrade === "number" || typeof settings.maxGrade === "string"
              ? settings.maxGrade
              : 10
          }
          errors={errors}
          required
        />
        <TextArea
          name="questionsText"
          label="Questions"
          value={text}
          rows={16}
          required
          errors={error ? [{ field: "questionsText", message: error }] : []}
          help={
            "One question per block, with a blank line between questions. First the question text, then one line per " +
            "choice: start the correct choice with “*” and the others with “-”. Example: “What is 2 + 2?” / “- 3” / “* 4”."
          }
        />
      </>
    );
  },
  view: async ({ ctx, pc, activity, caps, request }) => {
    if (caps.has("grade:viewall")) {
      const [attempts, participants] = await Promise.all([
        listAttempts(ctx.db, activity.id),
        listParticipants(ctx.db, activity.courseId),
      ]);
      const rows: QuizSummaryRow[] = participants
        .map((p) => {
          const mine = attempts.filter((a) => a.userId === p.userId);
          const best = mine.length
            ? Math.max(...mine.map((a) => (a.grade / a.maxGrade) * activity.settings.maxGrade))
            : null;
          return {
            userId: p.userId,
            name: `${p.firstname} ${p.lastname}`.trim() || p.username,
            attempts: mine.length,
            best,
          };
        })
        .filter((r) => r.attempts > 0);
      return h(StaffQuizView, { activity, rows });
    }
    const actor = request.actor;
    if (!actor || !caps.has("activity:participate"))
      return <p>Only course participants can take this quiz.</p>;
    return h(LearnerQuizView, { pc, activity, attempts: await listAttempts(ctx.db, activity.id, actor.id) });
  },
  routes,
};
