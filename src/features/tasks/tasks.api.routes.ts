// JSON API for the task runner: list the scheduled tasks, run one now.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { addApiOperation } from "../../http/openapi.js";
import { parseInput } from "../../shared/validation.js";
import { requireApiSiteAdmin } from "../users/api-actor.js";
import { taskNameSchema } from "./tasks.routes.js";
import { listScheduledTasks, runTaskNow } from "./tasks.service.js";

const nameParams = z.object({ name: taskNameSchema });

addApiOperation({
  method: "get",
  path: "/tasks",
  summary: "Scheduled tasks with last run, next run and failures (site admin)",
  tag: "tasks",
  responses: { 200: "An array of scheduled tasks" },
});
addApiOperation({
  method: "post",
  path: "/tasks/{name}/run",
  summary: "Run a scheduled task now (site admin)",
  tag: "tasks",
  responses: { 200: "{task, status, message, durationMs}; status is ok or failed" },
});

export function registerTaskApiRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/api/v1/tasks", async (request) => {
    requireApiSiteAdmin(request);
    return listScheduledTasks(ctx.db);
  });

  app.post("/api/v1/tasks/:name/run", async (request) => {
    const actor = requireApiSiteAdmin(request);
    const { name } = parseInput(nameParams, request.params);
    const summary = await runTaskNow(ctx, name);
    request.log.info({ task: name, actorId: actor.id, status: summary.status }, "task run through the API");
    return summary;
  });
}
