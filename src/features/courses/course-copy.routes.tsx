// Course admin → Copy course: the form (full name, short name, start date) and the copy, then the new
// course with a notice saying what was left out; and POST /api/v1/courses/{id}/copy.
import type { FastifyInstance } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireActor } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { addApiOperation } from "../../http/openapi.js";
import { ConflictError, ValidationError } from "../../shared/errors.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { addCourseAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import { openCourseWith } from "./course-access.js";
import { type CourseCopy, copyCourse, courseCopySchema } from "./course-copy.service.js";
import { CopyCoursePage, type CopyFormValues } from "./course-copy.views.js";
import { presentCourse } from "./courses.api.js";

export const COPY_TITLE = "Copy course";
export const copyUrl = (courseId: number) => `/course/${courseId}/copy`;

const idParams = z.object({ id: idParam });
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

addApiOperation({
  method: "post",
  path: "/courses/{id}/copy",
  summary:
    "Copy a course (course:copy: managers and site admins): sections, activities with their settings, grade items and enrolment methods, without users or their data. Published-tool methods are not copied (listed in notCopied). The copy's External tool activities launch with new resource link ids and name the earlier ones in $ResourceLink.id.history, the course's in $Context.id.history.",
  tag: "Courses",
  body: courseCopySchema,
  responses: {
    201: "The new course: {id, url, fullname, shortname, summary, visible, startDate, originalCourseId, createdAt, notCopied: [{id, name, method, reason}]}",
    400: "A field is missing or malformed",
    403: "The caller may not copy this course",
    409: "The short name is already used by another course",
  },
});

function presentCopy(publicUrl: string, copy: CourseCopy) {
  return { ...presentCourse(publicUrl, copy.course), notCopied: copy.notCopied };
}

/** The notice shown on the new course: what was copied from where, and what was left out and why. */
export function copyNotice(sourceName: string, copy: CourseCopy): string {
  const head = `Course “${copy.course.fullname}” copied from “${sourceName}”, without its users.`;
  const left = copy.notCopied.map((m) => ` Not copied: the enrolment method “${m.name}”. ${m.reason}`);
  return head + left.join("");
}

export function registerCourseCopyLinks(): void {
  addCourseAdminLink({ label: COPY_TITLE, href: copyUrl, capability: "course:copy", order: 50 });
}

export function registerCourseCopyRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/course/:id/copy", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const { course, caps } = await openCourseWith(ctx, request, id, "course:copy");
    const pc = pageContext(ctx, request, reply);
    const values: CopyFormValues = {
      fullname: `${course.fullname} copy`,
      shortname: `${course.shortname}_1`,
      startDate: course.startDate ?? "",
    };
    return sendPage(reply, h(CopyCoursePage, { pc, course, caps, values, errors: [] }));
  });

  app.post("/course/:id/copy", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const actor = requireActor(request);
    const { course, caps } = await openCourseWith(ctx, request, id, "course:copy");
    const b = (request.body ?? {}) as Record<string, unknown>;
    const values: CopyFormValues = {
      fullname: str(b.fullname),
      shortname: str(b.shortname),
      startDate: str(b.startDate) ?? "",
    };
    try {
      const copy = await copyCourse(ctx, actor, id, values);
      request.log.info(
        { courseId: id, copyId: copy.course.id, notCopied: copy.notCopied.length },
        "course copied",
      );
      return redirectWithFlash(reply, `/course/${copy.course.id}`, copyNotice(course.fullname, copy));
    } catch (err) {
      let shown: { status: number; code: string; errors: { field: string; message: string }[] } | undefined;
      if (err instanceof ValidationError) shown = { status: 400, code: err.code, errors: err.fields };
      if (err instanceof ConflictError)
        shown = { status: 409, code: err.code, errors: [{ field: "shortname", message: err.message }] };
      if (!shown) throw err;
      request.log.info({ courseId: id, code: shown.code }, "course copy refused");
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        h(CopyCoursePage, { pc, course, caps, values, errors: shown.errors, code: shown.code }),
        shown.status,
      );
    }
  });

  app.post("/api/v1/courses/:id/copy", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const actor = requireActor(request);
    await openCourseWith(ctx, request, id, "course:copy");
    const copy = await copyCourse(ctx, actor, id, request.body);
    request.log.info(
      { courseId: id, copyId: copy.course.id, notCopied: copy.notCopied.length },
      "course copied",
    );
    return reply.status(201).send(presentCopy(ctx.config.publicUrl, copy));
  });
}
