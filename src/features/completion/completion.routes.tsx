// The course's "Completion" report (Course admin menu).
import type { FastifyInstance } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { pageContext } from "../../http/app.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { addCourseAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import { openCourseWith } from "../courses/course-access.js";
import { listParticipants } from "../enrolments/enrolments.service.js";
import { rolesGrant } from "../roles/capabilities.js";
import { completionReport } from "./completion.service.js";
import { CompletionReportPage } from "./completion.views.js";

export function registerCompletionRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/course/:id/completion", async (request, reply) => {
    const { id } = parseInput(z.object({ id: idParam }), request.params);
    const { course, caps } = await openCourseWith(ctx, request, id, "completion:viewall");
    const report = await completionReport(ctx.db, id);
    // Learners only: those who take part without overseeing others.
    const learners = new Set(
      (await listParticipants(ctx.db, id))
        .filter(
          (p) => rolesGrant(p.roles, "activity:participate") && !rolesGrant(p.roles, "completion:viewall"),
        )
        .map((p) => p.userId),
    );
    const shown = { ...report, rows: report.rows.filter((r) => learners.has(r.userId)) };
    return sendPage(
      reply,
      h(CompletionReportPage, { pc: pageContext(ctx, request, reply), course, caps, report: shown }),
    );
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerCompletionLinks(): void {
  addCourseAdminLink({
    label: "Completion",
    href: (courseId) => `/course/${courseId}/completion`,
    capability: "completion:viewall",
    order: 40,
  });
}
