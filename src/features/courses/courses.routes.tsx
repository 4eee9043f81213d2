// Course pages: My courses, the course page, editing mode, course settings and sections.
import type { FastifyInstance } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireActor, requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { updateSessionData } from "../../http/session.js";
import { ConflictError, UnauthenticatedError, ValidationError } from "../../shared/errors.js";
import { idParam, parseInput, trimmed } from "../../shared/validation.js";
import { sendPage } from "../../views/send-page.js";
import { listCourseActivities } from "../activities/activities.service.js";
import { learnerProgress } from "../completion/completion.service.js";
import { rolesGrant } from "../roles/capabilities.js";
import { isLearner, openCourse, openCourseWith } from "./course-access.js";
import { registerCourseCopyRoutes } from "./course-copy.routes.js";
import { CoursePage } from "./course-page.views.js";
import { registerCourseApi } from "./courses.api.js";
import {
  addSection,
  courseSchema,
  createCourse,
  listCourses,
  listCoursesOfUser,
  listSections,
  updateCourse,
} from "./courses.service.js";
import { type CourseFormValues, EditCoursePage, MyCoursesPage, NewCoursePage } from "./courses.views.js";

const idParams = z.object({ id: idParam });

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function courseFormValues(body: unknown): CourseFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    fullname: str(b.fullname),
    shortname: str(b.shortname),
    summary: str(b.summary),
    visible: str(b.visible) === "1",
    startDate: str(b.startDate) ?? "",
  };
}

/** Form problems shown beside their fields: validation (400) and a taken short name (409). */
function formErrors(
  err: unknown,
): { status: number; code: string; errors: { field: string; message: string }[] } | undefined {
  if (err instanceof ValidationError) return { status: 400, code: err.code, errors: err.fields };
  if (err instanceof ConflictError)
    return { status: 409, code: err.code, errors: [{ field: "shortname", message: err.message }] };
  return undefined;
}

export function registerCourseRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/my", async (request, reply) => {
    const actor = requireActor(request);
    const mine = await listCoursesOfUser(ctx.db, actor.id, ctx.clock.now());
    const courses = mine.filter(
      (c) => c.visible || actor.siteAdmin || rolesGrant(c.roles, "course:viewhidden"),
    );
    const allCourses = actor.siteAdmin
      ? await listCourses(ctx.db, { includeHidden: true, limit: 500 })
      : undefined;
    return sendPage(reply, h(MyCoursesPage, { pc: pageContext(ctx, request, reply), courses, allCourses }));
  });

  app.get("/course/new", async (request, reply) => {
    requireSiteAdmin(request);
    return sendPage(
      reply,
      h(NewCoursePage, { pc: pageContext(ctx, request, reply), values: {}, errors: [] }),
    );
  });

  app.post("/course/new", async (request, reply) => {
    requireSiteAdmin(request);
    const values = courseFormValues(request.body);
    try {
      const course = await createCourse(ctx.db, ctx.clock, values);
      return redirectWithFlash(reply, `/course/${course.id}`, `Course “${course.fullname}” created.`);
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        h(NewCoursePage, { pc, values, errors: shown.errors, code: shown.code }),
        shown.status,
      );
    }
  });

  app.get("/course/:id", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const actor = requireActor(request);
    const { course, caps } = await openCourse(ctx, request, id);
    const editing = caps.has("course:managematerial") && request.session?.data.editing === true;
    const [sections, activities] = await Promise.all([
      listSections(ctx.db, id),
      listCourseActivities(ctx.db, id, { includeHidden: caps.has("course:viewhidden") }),
    ]);
    let completed: ReadonlySet<number> | null = null;
    let courseComplete = false;
    if (isLearner(caps)) {
      const tracked = activities.filter((a) => a.completionRule !== "none").map((a) => a.id);
      ({ completed, courseComplete } = await learnerProgress(ctx.db, id, tracked, actor.id));
    }
    const pc = pageContext(ctx, request, reply);
    return sendPage(
      reply,
      h(CoursePage, { pc, course, caps, sections, activities, editing, completed, courseComplete }),
    );
  });

  app.post("/course/:id/editing", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    await openCourseWith(ctx, request, id, "course:managematerial");
    const session = request.session;
    if (!session) throw new UnauthenticatedError();
    const editing = session.data.editing !== true;
    await updateSessionData(ctx, session, { ...session.data, editing });
    return reply.redirect(`/course/${id}`, 303);
  });

  app.get("/course/:id/edit", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const { course, caps } = await openCourseWith(ctx, request, id, "course:update");
    const pc = pageContext(ctx, request, reply);
    const values = { ...course, startDate: course.startDate ?? "" };
    return sendPage(reply, h(EditCoursePage, { pc, course, caps, values, errors: [] }));
  });

  app.post("/course/:id/edit", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const { course, caps } = await openCourseWith(ctx, request, id, "course:update");
    const values = courseFormValues(request.body);
    try {
      // The form always sends every field: a missing one is an error, not "leave unchanged".
      await updateCourse(ctx.db, ctx.clock, id, parseInput(courseSchema, values));
      return redirectWithFlash(reply, `/course/${id}`, "Course settings saved.");
    } catch (err) {
      const shown = formErrors(err);
      if (!shown) throw err;
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        h(EditCoursePage, { pc, course, caps, values, errors: shown.errors, code: shown.code }),
        shown.status,
      );
    }
  });

  app.post("/course/:id/sections", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    await openCourseWith(ctx, request, id, "course:managematerial");
    const { name } = parseInput(z.object({ name: trimmed(254).default("") }), request.body);
    await addSection(ctx.db, id, name);
    return redirectWithFlash(reply, `/course/${id}`, "Section added.");
  });

  registerCourseApi(app, ctx);
  registerCourseCopyRoutes(app, ctx);
}
