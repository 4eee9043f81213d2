// The gradebook pages: GET /course/:id/grades shows teachers (grade:viewall) the grader report and
// students (grade:viewown) their own user report; one grade's page has the edit form (grade:edit)
// and the history. Activities hidden from students are marked for those with course:viewhidden and
// left out, with the course total recomputed without them, for everyone else (grades-seen.service).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { courseCaps, requireActor, requireCapability } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../../shared/errors.js";
import { parseInput, rowId } from "../../shared/validation.js";
import { renderPage } from "../../views/html.js";
import { addCourseAdminLink } from "../../views/nav.js";
import { getCourse } from "../courses/courses.service.js";
import { listParticipants } from "../enrolments/enrolments.service.js";
import type { Capability } from "../roles/capabilities.js";
import { findUserById } from "../users/users.service.js";
import { graderReport, type ReportUser, userReport } from "./gradebook.js";
import { registerGradesApi } from "./grades.api.js";
import { findGrade, listHistory, setGrade } from "./grades.service.js";
import {
  GRADEBOOK_TITLE,
  GradePage,
  GraderReportPage,
  gradebookUrl,
  UserReportPage,
} from "./grades.views.js";
import { findItemSeen, gradebookSeen, type ReportItem } from "./grades-seen.service.js";

const courseParams = z.object({ id: rowId });
const userParams = z.object({ id: rowId, userId: rowId });
const gradeParams = z.object({ id: rowId, itemId: rowId, userId: rowId });
export const MAX_FEEDBACK = 10_000;
const gradeForm = z.object({
  grade: z.string({ error: "Grade must be a number" }).trim().max(30, "Grade must be a number").default(""),
  feedback: z
    .string({ error: "Feedback must be text" })
    .max(MAX_FEEDBACK, `Feedback must be at most ${MAX_FEEDBACK} characters`)
    .default(""),
});

const html = "text/html; charset=utf-8";

export function registerGradebookRoutes(app: FastifyInstance, ctx: AppContext) {
  registerGradesApi(app, ctx);
  async function frame(request: FastifyRequest, reply: FastifyReply, courseId: number, cap?: Capability) {
    const actor = requireActor(request);
    const course = await getCourse(ctx.db, courseId);
    if (cap) await requireCapability(ctx.db, request, courseId, cap, ctx.clock.now());
    const caps = await courseCaps(ctx, request, courseId);
    return { actor, pc: pageContext(ctx, request, reply), course, caps };
  }

  /** A participant of the course, for whom grades are shown; 404 otherwise. */
  async function participant(courseId: number, userId: number): Promise<ReportUser> {
    const p = (await listParticipants(ctx.db, courseId)).find((x) => x.userId === userId);
    if (!p) throw new NotFoundError("Participant");
    return p;
  }

  /** A grade item of the course that the requester may see; 404 otherwise, hidden or not. */
  async function itemOf(f: Awaited<ReturnType<typeof frame>>, itemId: number): Promise<ReportItem> {
    const item = await findItemSeen(ctx.db, f.course.id, itemId, {
      includeHidden: f.caps.has("course:viewhidden"),
    });
    if (!item) throw new NotFoundError("Grade item");
    return item;
  }

  async function renderUserReport(
    reply: FastifyReply,
    f: Awaited<ReturnType<typeof frame>>,
    user: ReportUser,
  ) {
    const { items, grades } = await gradebookSeen(ctx.db, f.course.id, {
      userId: user.userId,
      includeHidden: f.caps.has("course:viewhidden"),
    });
    const lines = userReport(items, user.userId, grades);
    return reply
      .type(html)
      .send(renderPage(h(UserReportPage, { ...f, user, lines, own: user.userId === f.actor.id })));
  }

  app.get("/course/:id/grades", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    const f = await frame(request, reply, id);
    if (f.caps.has("grade:viewall")) {
      const students = (await listParticipants(ctx.db, id)).filter((p) => p.roles.includes("student"));
      const { items, grades } = await gradebookSeen(ctx.db, id, {
        includeHidden: f.caps.has("course:viewhidden"),
      });
      const report = graderReport(items, students, grades);
      return reply
        .type(html)
        .send(renderPage(h(GraderReportPage, { ...f, report, canEdit: f.caps.has("grade:edit") })));
    }
    if (!f.caps.has("grade:viewown")) throw new ForbiddenError();
    return renderUserReport(reply, f, await participant(id, f.actor.id));
  });

  app.get("/course/:id/grades/user/:userId", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    const f = await frame(request, reply, id);
    const own = userId === f.actor.id && f.caps.has("grade:viewown");
    if (!own && !f.caps.has("grade:viewall")) throw new ForbiddenError();
    return renderUserReport(reply, f, await participant(id, userId));
  });

  async function renderGradePage(
    request: FastifyRequest,
    reply: FastifyReply,
    ids: { id: number; itemId: number; userId: number },
    submitted?: { form: { grade: string; feedback: string }; errors: ValidationError["fields"] },
  ) {
    const f = await frame(request, reply, ids.id, "grade:viewall");
    const item = await itemOf(f, ids.itemId);
    const user = await participant(ids.id, ids.userId);
    const current = await findGrade(ctx.db, item.id, user.userId);
    const rows = await listHistory(ctx.db, item.id, user.userId);
    const names = new Map<number, string>();
    for (const actorId of new Set(rows.map((r) => r.actor_id).filter((x): x is number => x !== null))) {
      const a = await findUserById(ctx.db, actorId);
      names.set(actorId, a ? `${a.firstname} ${a.lastname}`.trim() || a.username : `user ${actorId}`);
    }
    const history = rows.map((r) => ({
      createdAt: r.created_at,
      grade: r.grade,
      feedback: r.feedback,
      source: r.source,
      actor: r.actor_id === null ? "–" : (names.get(r.actor_id) ?? ""),
    }));
    const editable = f.caps.has("grade:edit") && item.activityId !== null;
    const form = editable
      ? (submitted?.form ?? {
          grade: current?.grade === null || current === undefined ? "" : String(current.grade),
          feedback: current?.feedback ?? "",
        })
      : undefined;
    const errors = submitted?.errors ?? [];
    const page = h(GradePage, { ...f, item, user, current, form, errors, history });
    return reply
      .status(errors.length > 0 ? 400 : 200)
      .type(html)
      .send(renderPage(page));
  }

  app.get("/course/:id/grades/:itemId/:userId", async (request, reply) => {
    return renderGradePage(request, reply, parseInput(gradeParams, request.params));
  });

  app.post("/course/:id/grades/:itemId/:userId", async (request, reply) => {
    const ids = parseInput(gradeParams, request.params);
    const f = await frame(request, reply, ids.id, "grade:edit");
    const item = await itemOf(f, ids.itemId);
    await participant(ids.id, ids.userId);
    if (item.activityId === null)
      throw new ValidationError(
        "The course total is calculated from the activity grades and cannot be edited",
      );
    const activityId = item.activityId;
    const raw = request.body as Record<string, unknown> | undefined;
    const echo = {
      grade: typeof raw?.grade === "string" ? raw.grade.slice(0, 30) : "",
      feedback: typeof raw?.feedback === "string" ? raw.feedback.slice(0, MAX_FEEDBACK) : "",
    };
    const parsed = gradeForm.safeParse(raw ?? {});
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        field: String(i.path[0] ?? "_"),
        message: i.message,
      }));
      return renderGradePage(request, reply, ids, { form: echo, errors });
    }
    const grade = parsed.data.grade === "" ? null : Number(parsed.data.grade);
    if (grade !== null && !Number.isFinite(grade)) {
      return renderGradePage(request, reply, ids, {
        form: echo,
        errors: [{ field: "grade", message: "Grade must be a number" }],
      });
    }
    try {
      await ctx.db.transaction().execute((trx) =>
        setGrade(trx, ctx, {
          activityId,
          userId: ids.userId,
          grade,
          feedback: parsed.data.feedback,
          source: "teacher",
          actorId: f.actor.id,
        }),
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderGradePage(request, reply, ids, { form: echo, errors: err.fields });
    }
    return redirectWithFlash(reply, gradebookUrl(ids.id), `Saved the grade for ${item.name}.`);
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerGradesLinks(): void {
  addCourseAdminLink({ label: GRADEBOOK_TITLE, href: gradebookUrl, capability: "grade:viewown", order: 30 });
}
