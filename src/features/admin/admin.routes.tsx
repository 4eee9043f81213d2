// The site admin area: its index (groups of links from src/views/nav.ts) and the course list
// with deletion. Users and Tasks register their own pages and links.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { SITE_ADMINISTRATION } from "../../views/admin-layout.js";
import { pageCount } from "../../views/format.js";
import { addSiteAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import {
  COURSES_PER_PAGE,
  courseDeletionSummary,
  courseOverview,
  deleteCourseWithContents,
} from "./admin.service.js";
import { AdminIndexPage, CoursesAdminPage, DeleteCoursePage } from "./admin.views.js";

export const listQuerySchema = z.object({
  q: z.string().trim().max(100, "Search must be at most 100 characters").default(""),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

const idParams = z.object({ id: idParam });
const confirmSchema = z.object({ confirm: z.literal("yes", { error: "Confirm the deletion" }) });

export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/admin", async (request, reply) => {
    requireSiteAdmin(request);
    return sendPage(reply, <AdminIndexPage pc={pageContext(ctx, request, reply)} />);
  });

  app.get("/admin/courses", async (request, reply) => {
    requireSiteAdmin(request);
    const { q, page } = parseInput(listQuerySchema, request.query);
    const { courses, total } = await courseOverview(ctx.db, { search: q, page });
    const pc = pageContext(ctx, request, reply);
    const pages = pageCount(total, COURSES_PER_PAGE);
    return sendPage(
      reply,
      <CoursesAdminPage pc={pc} courses={courses} total={total} page={page} pages={pages} search={q} />,
    );
  });

  app.get("/admin/courses/:id/delete", async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const summary = await courseDeletionSummary(ctx.db, id);
    return sendPage(reply, <DeleteCoursePage pc={pageContext(ctx, request, reply)} {...summary} />);
  });

  app.post("/admin/courses/:id/delete", async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    parseInput(confirmSchema, request.body);
    const course = await deleteCourseWithContents(ctx.db, id);
    request.log.info({ courseId: id, actorId: actor.id }, "course deleted");
    return redirectWithFlash(reply, "/admin/courses", `Course ${course.shortname} deleted.`);
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerAdminLinks(): void {
  addSiteAdminLink({
    label: "Courses",
    href: "/admin/courses",
    group: SITE_ADMINISTRATION,
    order: 20,
    description: "Every course with its visibility and number of participants: add, edit or delete a course.",
  });
}
