// JSON API for courses: create (site admins), list what the caller may see, read one with its
// sections and activities.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireActor, requireSiteAdmin } from "../../http/access.js";
import { addApiOperation } from "../../http/openapi.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { activityPath, listCourseActivities } from "../activities/activities.service.js";
import { rolesGrant } from "../roles/capabilities.js";
import { openCourse } from "./course-access.js";
import {
  type Course,
  courseSchema,
  createCourse,
  listCourses,
  listCoursesOfUser,
  listSections,
} from "./courses.service.js";

export function presentCourse(publicUrl: string, c: Course) {
  return {
    id: c.id,
    url: `${publicUrl}/course/${c.id}`,
    fullname: c.fullname,
    shortname: c.shortname,
    summary: c.summary,
    visible: c.visible,
    startDate: c.startDate,
    originalCourseId: c.originalCourseId,
    createdAt: c.createdAt,
  };
}

const idParams = z.object({ id: idParam });

addApiOperation({
  method: "post",
  path: "/courses",
  summary: "Create a course (site admins). Returns the course with its absolute url.",
  tag: "Courses",
  body: courseSchema,
  responses: { 201: "The new course: {id, url, fullname, shortname, summary, visible, createdAt}" },
});
addApiOperation({
  method: "get",
  path: "/courses",
  summary: "Courses the caller may see: their own (hidden ones only to staff); every course for site admins.",
  tag: "Courses",
  responses: { 200: "[course]" },
});
addApiOperation({
  method: "get",
  path: "/courses/{id}",
  summary: "One course with its sections (by position) and the activities the caller may see.",
  tag: "Courses",
  responses: {
    200: "course with sections: [{position, name, summary, activities: [{id, type, name, url, visible}]}]",
  },
});

export function registerCourseApi(app: FastifyInstance, ctx: AppContext) {
  const base = ctx.config.publicUrl;

  app.post("/api/v1/courses", async (request, reply) => {
    requireSiteAdmin(request);
    const course = await createCourse(ctx.db, ctx.clock, request.body);
    return reply.status(201).send(presentCourse(base, course));
  });

  app.get("/api/v1/courses", async (request) => {
    const actor = requireActor(request);
    if (actor.siteAdmin)
      return (await listCourses(ctx.db, { includeHidden: true })).map((c) => presentCourse(base, c));
    const mine = await listCoursesOfUser(ctx.db, actor.id, ctx.clock.now());
    return mine
      .filter(
        (c) => rolesGrant(c.roles, "course:view") && (c.visible || rolesGrant(c.roles, "course:viewhidden")),
      )
      .map((c) => presentCourse(base, c));
  });

  app.get("/api/v1/courses/:id", async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { course, caps } = await openCourse(ctx, request, id);
    const [sections, activities] = await Promise.all([
      listSections(ctx.db, id),
      listCourseActivities(ctx.db, id, { includeHidden: caps.has("course:viewhidden") }),
    ]);
    return {
      ...presentCourse(base, course),
      sections: sections.map((s) => ({
        position: s.position,
        name: s.name,
        summary: s.summary,
        activities: activities
          .filter((a) => a.sectionId === s.id)
          .map((a) => ({
            id: a.id,
            type: a.type,
            name: a.name,
            url: `${base}${activityPath(a.id)}`,
            visible: a.visible,
          })),
      })),
    };
  });
}
