// Housekeeping tasks of the core.

import { exponentialBackoff, type TaskDefinition } from "../../jobs/registry.js";
import { iso } from "../../shared/clock.js";
import { purgeOldAttempts } from "../auth/login-throttle.js";
import { deleteExpiredSessions } from "../users/sessions.service.js";
import { deleteFinishedJobs, deleteTaskLogBefore } from "./tasks.service.js";

export const coreTasks: TaskDefinition[] = [
  {
    name: "session_cleanup",
    description: "Deletes expired sessions and old failed-login counters",
    schedule: { intervalSeconds: 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60),
    handler: async (ctx) => {
      const now = ctx.clock.now();
      const expired = await deleteExpiredSessions(ctx.db, iso(now));
      const attempts = await purgeOldAttempts(ctx.db, now);
      return { message: `deleted ${expired} expired sessions, ${attempts} login counters` };
    },
  },
  {
    name: "job_cleanup",
    description: "Deletes finished jobs older than 7 days and task log entries older than 30 days",
    schedule: { intervalSeconds: 24 * 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60),
    handler: async (ctx) => {
      const now = ctx.clock.now().getTime();
      const jobs = await deleteFinishedJobs(ctx.db, iso(new Date(now - 7 * 86400_000)));
      const log = await deleteTaskLogBefore(ctx.db, iso(new Date(now - 30 * 86400_000)));
      return {
        message: `deleted ${jobs} jobs, ${log} log entries`,
      };
    },
  },
];
