// The "Tasks" admin page, "Run now", and switching a schedule on and off.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { parseInput } from "../../shared/validation.js";
import { SITE_ADMINISTRATION } from "../../views/admin-layout.js";
import { addSiteAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import { runTaskNow, setTaskEnabled, tasksOverview } from "./tasks.service.js";
import { TasksPage } from "./tasks.views.js";

export const taskNameSchema = z
  .string()
  .max(100, "Task name is too long")
  .regex(/^[a-z0-9_.:-]+$/, "Task names contain only a-z, 0-9 and _ . : -");
const nameParams = z.object({ name: taskNameSchema });
const toggleParams = z.object({ name: taskNameSchema, action: z.enum(["enable", "disable"]) });

export function registerTaskAdminRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/admin/tasks", async (request, reply) => {
    requireSiteAdmin(request);
    const overview = await tasksOverview(ctx.db);
    return sendPage(reply, <TasksPage pc={pageContext(ctx, request, reply)} {...overview} />);
  });

  app.post("/admin/tasks/:name/run", async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { name } = parseInput(nameParams, request.params);
    const summary = await runTaskNow(ctx, name);
    request.log.info({ task: name, actorId: actor.id, status: summary.status }, "task run from admin page");
    const detail = summary.message ? `: ${summary.message}` : "";
    return redirectWithFlash(
      reply,
      "/admin/tasks",
      `${name} ran (${summary.status}) in ${summary.durationMs} ms${detail}`,
    );
  });

  app.post("/admin/tasks/:name/:action", async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { name, action } = parseInput(toggleParams, request.params);
    await setTaskEnabled(ctx.db, name, action === "enable");
    request.log.info({ task: name, actorId: actor.id, action }, "scheduled task toggled");
    return redirectWithFlash(
      reply,
      "/admin/tasks",
      `${name} ${action === "enable" ? "enabled" : "disabled"}.`,
    );
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerTasksLinks(): void {
  addSiteAdminLink({
    label: "Tasks",
    href: "/admin/tasks",
    group: SITE_ADMINISTRATION,
    order: 30,
    description:
      "Scheduled tasks such as grade and member sync, when each last ran and runs next, with Run now; queued and failed jobs; the task log.",
  });
}
