// JSON API of the gradebook: GET /courses/{id}/grades (teachers: everyone's; students: their own,
// without activities hidden from them and with the course total recomputed without those) and
// PUT /activities/{id}/grades/{userId} (grade:edit; the user must be a participant).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { can, requireCapability } from "../../http/access.js";
import { addApiOperation } from "../../http/openapi.js";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "../../shared/errors.js";
import { parseInput, rowId } from "../../shared/validation.js";
import { getCourse } from "../courses/courses.service.js";
import { isParticipant } from "../enrolments/enrolments.service.js";
import { findActivityItem, type Grade, type GradeItem, setGrade } from "./grades.service.js";
import { listGradesSeen } from "./grades-seen.service.js";

export const putGradeBody = z.object({
  grade: z
    .number()
    .min(0)
    .max(1e9)
    .nullable()
    .describe("between 0 and the activity's maximum; null removes the grade"),
  feedback: z.string().max(10_000).optional(),
});

const courseParams = z.object({ id: rowId });
const gradeParams = z.object({ id: rowId, userId: rowId });

addApiOperation({
  method: "get",
  path: "/courses/{id}/grades",
  summary: "Grades of the course (a student gets only their own)",
  tag: "Grades",
  responses: {
    200:
      "[{userId, itemId, activityId (null for the course total), grade, maxGrade, feedback, source, updatedAt, " +
      "hidden (the activity is hidden from students)}]. Without course:viewhidden: no hidden activity, " +
      "and the course total (grade and maximum) counts only the visible ones.",
  },
});
addApiOperation({
  method: "put",
  path: "/activities/{id}/grades/{userId}",
  summary: "Set a participant's grade for a gradable activity (source: teacher)",
  tag: "Grades",
  body: putGradeBody,
  responses: { 200: "the grade" },
});

function apiActor(request: FastifyRequest) {
  if (!request.viaToken || !request.actor)
    throw new UnauthenticatedError("An API token is required (Authorization: Bearer)");
  return request.actor;
}

const present = (
  item: GradeItem,
  g: Pick<Grade, "userId" | "grade" | "feedback" | "source" | "updatedAt">,
) => ({
  userId: g.userId,
  activityId: item.activityId,
  grade: g.grade,
  maxGrade: item.maxGrade,
  feedback: g.feedback,
  source: g.source,
  updatedAt: g.updatedAt,
});

export function registerGradesApi(app: FastifyInstance, ctx: AppContext) {
  app.get("/api/v1/courses/:id/grades", async (request) => {
    const actor = apiActor(request);
    const { id } = parseInput(courseParams, request.params);
    await getCourse(ctx.db, id);
    const now = ctx.clock.now();
    let onlyUser: number | undefined;
    if (!(await can(ctx.db, request, id, "grade:viewall", now))) {
      if (!(await can(ctx.db, request, id, "grade:viewown", now))) throw new ForbiddenError();
      onlyUser = actor.id;
    }
    const includeHidden = await can(ctx.db, request, id, "course:viewhidden", now);
    const rows = await listGradesSeen(ctx.db, id, { userId: onlyUser, includeHidden });
    return rows.map((r) => ({
      userId: r.userId,
      itemId: r.itemId,
      activityId: r.activityId,
      grade: r.grade,
      maxGrade: r.maxGrade,
      feedback: r.feedback,
      source: r.source,
      updatedAt: r.updatedAt,
      hidden: r.hidden,
    }));
  });

  app.put("/api/v1/activities/:id/grades/:userId", async (request) => {
    const actor = apiActor(request);
    const { id, userId } = parseInput(gradeParams, request.params);
    const item = await findActivityItem(ctx.db, id);
    if (!item) throw new NotFoundError("Gradable activity");
    await requireCapability(ctx.db, request, item.courseId, "grade:edit", ctx.clock.now());
    const v = parseInput(putGradeBody, request.body);
    if (!(await isParticipant(ctx.db, item.courseId, userId))) throw new NotFoundError("Participant");
    const g = await ctx.db.transaction().execute((trx) =>
      setGrade(trx, ctx, {
        activityId: id,
        userId,
        grade: v.grade,
        feedback: v.feedback,
        source: "teacher",
        actorId: actor.id,
      }),
    );
    return present(item, g);
  });
}
