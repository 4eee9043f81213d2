// Housekeeping tasks of the core.

import { exponentialBackoff, registerTask } from "../../jobs/registry.js";
import { iso } from "../../shared/clock.js";
import { purgeOldAttempts } from "../auth/login-throttle.js";

registerTask({
  name: "session_cleanup",
  description: "Deletes expired sessions and old failed-login counters",
  schedule: { intervalSeconds: 3600 },
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(60),
  handler: async (ctx) => {
    const now = ctx.clock.now();
    const r = await ctx.db.deleteFrom("sessions").where("expires_at", "<=", iso(now)).executeTakeFirst();
    const attempts = await purgeOldAttempts(ctx.db, now);
    return { message: `deleted ${Number(r.numDeletedRows)} expired sessions, ${attempts} login counters` };
  },
});

registerTask({
  name: "job_cleanup",
  description: "Deletes finished jobs older than 7 days and task log entries older than 30 days",
  schedule: { intervalSeconds: 24 * 3600 },
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(60),
  handler: async (ctx) => {
    const now = ctx.clock.now().getTime();
    const jobs = await ctx.db
      .deleteFrom("jobs")
      .where("status", "=", "done")
      .where("updated_at", "<", iso(new Date(now - 7 * 86400_000)))
      .executeTakeFirst();
    const log = await ctx.db
      .deleteFrom("task_log")
      .where("started_at", "<", iso(new Date(now - 30 * 86400_000)))
      .executeTakeFirst();
    return {
      message: `deleted ${Number(jobs.numDeletedRows)} jobs, ${Number(log.numDeletedRows)} log entries`,
    };
  },
});
