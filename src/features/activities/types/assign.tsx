// Assignment: students submit text; teachers with grade:edit grade it out of maxGrade with feedback.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireActor } from "../../../http/access.js";
import { pageContext, redirectWithFlash } from "../../../http/app.js";
import { NotFoundError, ValidationError } from "../../../shared/errors.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { TextArea, TextField } from "../../../views/forms.js";
import { sendPage } from "../../../views/send-page.js";
import { listParticipants } from "../../enrolments/enrolments.service.js";
import { findActivityItem, findGrade, listCourseGrades, listHistory } from "../../grades/grades.service.js";
import { findUserById } from "../../users/users.service.js";
import { type OpenActivity, openActivityWith } from "../activity-access.js";
import type { Activity, ActivityType } from "../activity-types.js";
import {
  type AssignSettings,
  assignSettingsSchema,
  findSubmission,
  gradeSubmission,
  listSubmissions,
  saveSubmission,
} from "./assign.service.js";
import {
  GradeSubmissionPage,
  type HistoryRow,
  Instructions,
  StudentAssignView,
  TeacherAssignView,
} from "./assign.views.js";
import { formNumber } from "./form-values.js";

const nameOf = (u: { firstname: string; lastname: string; username: string }) =>
  `${u.firstname} ${u.lastname}`.trim() || u.username;

function asAssign(o: OpenActivity): Activity<AssignSettings> {
  if (o.activity.type !== "assign") throw new NotFoundError("Assignment");
  return o.activity as Activity<AssignSettings>;
}

async function submissionRows(ctx: AppContext, activity: Activity<AssignSettings>) {
  const [participants, submissions, grades] = await Promise.all([
    listParticipants(ctx.db, activity.courseId),
    listSubmissions(ctx.db, activity.id),
    listCourseGrades(ctx.db, activity.courseId),
  ]);
  const byUser = new Map(submissions.map((s) => [s.userId, s]));
  const gradeOf = new Map(grades.filter((g) => g.activityId === activity.id).map((g) => [g.userId, g.grade]));
  return participants
    .filter((p) => p.roles.includes("student") || byUser.has(p.userId))
    .map((p) => ({
      userId: p.userId,
      name: nameOf(p),
      submission: byUser.get(p.userId),
      grade: gradeOf.get(p.userId) ?? null,
    }));
}

const gradeParams = z.object({ id: idParam, userId: idParam });

async function gradePage(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  form?: { values: { grade?: string; feedback?: string }; errors: { field: string; message: string }[] },
) {
  const o = await openActivityWith(ctx, request, "grade:edit");
  const activity = asAssign(o);
  const { userId } = parseInput(gradeParams, request.params);
  const participants = await listParticipants(ctx.db, activity.courseId);
  const student = participants.find((p) => p.userId === userId);
  if (!student) throw new NotFoundError("Participant");
  const item = await findActivityItem(ctx.db, activity.id);
  const current = item ? await findGrade(ctx.db, item.id, userId) : undefined;
  const raw = item ? await listHistory(ctx.db, item.id, userId) : [];
  const names = new Map<number, string>();
  for (const id of new Set(raw.map((r) => r.actor_id).filter((x): x is number => x !== null))) {
    const u = await findUserById(ctx.db, id);
    if (u) names.set(id, nameOf(u));
  }
  const history: HistoryRow[] = raw.map((r) => ({
    at: r.created_at,
    grade: r.grade,
    feedback: r.feedback,
    source: r.source,
    by: r.actor_id === null ? "" : (names.get(r.actor_id) ?? ""),
  }));
  const values = form?.values ?? { grade: current?.grade ?? undefined, feedback: current?.feedback ?? "" };
  const pc = pageContext(ctx, request, reply);
  const page = h(GradeSubmissionPage, {
    pc,
    course: o.course,
    caps: o.caps,
    activity,
    student: { id: userId, name: nameOf(student) },
    submission: await findSubmission(ctx.db, activity.id, userId),
    values: { grade: values.grade === undefined ? "" : String(values.grade), feedback: values.feedback },
    errors: form?.errors ?? [],
    history,
  });
  return sendPage(reply, page, form ? 400 : 200);
}

function routes(app: FastifyInstance, ctx: AppContext) {
  app.post("/mod/:id/submission", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "activity:participate");
    const activity = asAssign(o);
    const actor = requireActor(request);
    await saveSubmission(ctx.db, ctx.clock, activity, actor.id, request.body);
    return redirectWithFlash(reply, `/mod/${activity.id}`, "Your submission has been saved.");
  });

  app.get("/mod/:id/grade/:userId", (request, reply) => gradePage(ctx, request, reply));

  app.post("/mod/:id/grade/:userId", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "grade:edit");
    const activity = asAssign(o);
    const { userId } = parseInput(gradeParams, request.params);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const grade = typeof body.grade === "string" ? body.grade : undefined;
    const feedback = typeof body.feedback === "string" ? body.feedback : undefined;
    try {
      const actorId = requireActor(request).id;
      await gradeSubmission(
        ctx.db,
        ctx,
        activity,
        { userId, actorId },
        { grade: formNumber(grade), feedback },
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return gradePage(ctx, request, reply, { values: { grade, feedback }, errors: err.fields });
    }
    return redirectWithFlash(reply, `/mod/${activity.id}`, "Grade saved.");
  });
}

export const assignType: ActivityType<AssignSettings> = {
  type: "assign",
  label: "Assignment",
  description: "Students hand in text; teachers grade it with feedback.",
  gradable: true,
  settingsSchema: assignSettingsSchema,
  settingsFromForm: (body) => ({ maxGrade: formNumber(body.maxGrade), instructions: body.instructions }),
  maxGrade: (s) => s.maxGrade,
  SettingsFields: ({ settings, errors }) => (
    <>
      <TextArea
        name="instructions"
        label="Instructions"
        value={typeof settings.instructions === "string" ? settings.instructions : ""}
        errors={errors}
        rows={6}
      />
      <TextField
        name="maxGrade"
        label="Maximum grade"
        type="number"
        step="any"
        min={0}
        value={
          typeof settings.maxGrade === "number" || typeof settings.maxGrade === "string"
            ? settings.maxGrade
            : 100
        }
        errors={errors}
        required
      />
    </>
  ),
  view: async ({ ctx, pc, activity, caps, request }) => {
    if (caps.has("grade:edit"))
      return h(TeacherAssignView, { pc, activity, rows: await submissionRows(ctx, activity) });
    const actor = request.actor;
    if (!actor || !caps.has("activity:participate"))
      return h(Instructions, { text: activity.settings.instructions });
    const item = await findActivityItem(ctx.db, activity.id);
    const grade = item ? await findGrade(ctx.db, item.id, actor.id) : undefined;
    const submission = await findSubmission(ctx.db, activity.id, actor.id);
    return h(StudentAssignView, { pc, activity, submission, grade });
  },
  routes,
};
