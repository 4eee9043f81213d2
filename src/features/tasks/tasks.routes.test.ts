import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { exponentialBackoff, listTasks, registerTask } from "../../jobs/registry.js";

registerTask({
  name: "test_flaky_export",
  description: "Ad-hoc test job that always fails",
  maxAttempts: 2,
  backoffSeconds: exponentialBackoff(30),
  handler: async () => {
    throw new Error("remote said 503");
  },
});

for (const engine of testEngines()) {
  describe(`Tasks admin page and API (${engine})`, () => {
    let t: TestApp;
    let adminToken: string;
    let userToken: string;
    before(async () => {
      t = await startTestApp(engine);
      adminToken = await t.token((await t.admin()).id);
      userToken = await t.token((await t.user("walter")).id);
    });
    after(() => t.close());

    const logRows = (task: string) =>
      t.ctx.db.selectFrom("task_log").selectAll().where("task", "=", task).execute();

    it("lists the scheduled tasks with interval, state and next run", async () => {
      const c = await t.client("admin");
      const res = await c.get("/admin/tasks");
      assert.equal(res.statusCode, 200);
      assert.match(
        res.body,
        /<code>session_cleanup<\/code><br\/><span class="muted">Deletes expired sessions/,
      );
      assert.match(res.body, /<td>every 1 h<\/td><td>—<\/td><td><span class="muted">never run<\/span>/);
      assert.match(res.body, /job_cleanup/);
      assert.match(res.body, /No task has run yet/);
    });

    it("runs a task with “Run now”: a task log row, last run and status on the page", async () => {
      const c = await t.client("admin");
      await c.get("/admin/tasks");
      const res = await c.post("/admin/tasks/session_cleanup/run");
      assert.equal(res.statusCode, 303);
      const rows = await logRows("session_cleanup");
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.status, "ok");
      assert.equal(rows[0]?.job_id, null);
      const page = await c.get("/admin/tasks");
      assert.match(page.body, /session_cleanup ran \(ok\) in \d+ ms: deleted 0 expired sessions/);
      assert.match(page.body, /<span class="badge ok status-ok">OK<\/span>/);
      assert.match(page.body, /<td>scheduled<\/td>/, "the log lists the run");
    });

    it("disables and enables a schedule; a disabled task is not started by the scheduler", async () => {
      const c = await t.client("admin");
      await c.get("/admin/tasks");
      assert.equal((await c.post("/admin/tasks/job_cleanup/disable")).statusCode, 303);
      const page = await c.get("/admin/tasks");
      assert.match(page.body, /job_cleanup disabled/);
      assert.match(page.body, /aria-label="Enable: job_cleanup"/);
      assert.match(page.body, /<td><strong>Disabled<\/strong><\/td>/);
      t.clock.advance(120); // job_cleanup is first due a minute after start
      const ran = await t.ctx.jobs.runDueScheduled();
      assert.ok(!ran.some((r) => r.task === "job_cleanup"));
      assert.equal((await c.post("/admin/tasks/job_cleanup/enable")).statusCode, 303);
      const again = await t.ctx.jobs.runDueScheduled();
      assert.ok(again.some((r) => r.task === "job_cleanup"));
    });

    it("shows failed ad-hoc jobs with their attempts and last error", async () => {
      await t.ctx.db
        .transaction()
        .execute((trx) => t.ctx.jobs.enqueue(trx, "test_flaky_export", { gradeId: 7 }));
      await t.ctx.jobs.runDueJobs();
      const c = await t.client("admin");
      const pending = await c.get("/admin/tasks");
      assert.match(
        pending.body,
        /<code>test_flaky_export<\/code><\/td><td><span class="badge off status-pending">pending<\/span><\/td><td>1 of 2<\/td>/,
      );
      assert.match(pending.body, /remote said 503/);
      t.clock.advance(31);
      await t.ctx.jobs.runDueJobs();
      const failed = await c.get("/admin/tasks");
      assert.match(
        failed.body,
        /badge warn status-failed">failed<\/span><\/td><td>2 of 2<\/td><td>—<\/td><td>remote said 503/,
      );
      assert.match(failed.body, /Failed: 1/);
    });

    it("runs a task through the API and lists the tasks", async () => {
      const res = await api(t.app, adminToken, "POST", "/api/v1/tasks/session_cleanup/run");
      assert.equal(res.status, 200);
      const body = res.json as { task: string; status: string; message: string; durationMs: number };
      assert.equal(body.task, "session_cleanup");
      assert.equal(body.status, "ok");
      assert.match(body.message, /expired sessions/);
      assert.equal(typeof body.durationMs, "number");
      const list = await api(t.app, adminToken, "GET", "/api/v1/tasks");
      const tasks = list.json as Array<{ name: string; lastStatus: string | null; enabled: boolean }>;
      assert.deepEqual(
        tasks.map((x) => x.name),
        listTasks()
          .filter((d) => d.schedule)
          .map((d) => d.name),
        "every registered scheduled task",
      );
      assert.ok(tasks.some((x) => x.name === "job_cleanup"));
      assert.equal(tasks.find((x) => x.name === "session_cleanup")?.lastStatus, "ok");
    });

    it("refuses bad task requests with the right status and code, running nothing", async () => {
      const before = (await t.ctx.db.selectFrom("task_log").select("id").execute()).length;
      const admin = await t.client("admin");
      const user = await t.client("walter");
      const forms: Array<{
        name: string;
        who: "admin" | "user";
        url: string;
        form?: Record<string, string>;
        status: number;
        code: string;
      }> = [
        {
          name: "unknown task",
          who: "admin",
          url: "/admin/tasks/no_such_task/run",
          status: 404,
          code: "not_found",
        },
        {
          name: "ad-hoc task cannot be run now",
          who: "admin",
          url: "/admin/tasks/test_flaky_export/run",
          status: 404,
          code: "not_found",
        },
        {
          name: "bad task name",
          who: "admin",
          url: "/admin/tasks/DROP%20TABLE/run",
          status: 400,
          code: "validation",
        },
        {
          name: "oversized task name",
          who: "admin",
          url: `/admin/tasks/${"a".repeat(101)}/run`,
          status: 414,
          code: "",
        },
        {
          name: "unknown action",
          who: "admin",
          url: "/admin/tasks/session_cleanup/explode",
          status: 400,
          code: "validation",
        },
        {
          name: "disable unknown task",
          who: "admin",
          url: "/admin/tasks/no_such_task/disable",
          status: 404,
          code: "not_found",
        },
        {
          name: "forged CSRF",
          who: "admin",
          url: "/admin/tasks/session_cleanup/run",
          form: { _csrf: "forged" },
          status: 403,
          code: "csrf",
        },
        {
          name: "not a site admin",
          who: "user",
          url: "/admin/tasks/session_cleanup/run",
          status: 403,
          code: "forbidden",
        },
        {
          name: "not a site admin disables",
          who: "user",
          url: "/admin/tasks/session_cleanup/disable",
          status: 403,
          code: "forbidden",
        },
      ];
      for (const k of forms) {
        const res = await (k.who === "admin" ? admin : user).post(k.url, k.form ?? {});
        assert.equal(res.statusCode, k.status, k.name);
        // Fastify's router answers an overlong URL segment itself (414), before any route code.
        if (k.code) assert.equal(errorCodeOf(res), k.code, k.name);
      }
      const calls: Array<{
        name: string;
        token: string | undefined;
        method: "GET" | "POST";
        url: string;
        status: number;
        code: string;
      }> = [
        {
          name: "API: no token",
          token: undefined,
          method: "POST",
          url: "/api/v1/tasks/session_cleanup/run",
          status: 401,
          code: "unauthenticated",
        },
        {
          name: "API: not admin",
          token: userToken,
          method: "POST",
          url: "/api/v1/tasks/session_cleanup/run",
          status: 403,
          code: "forbidden",
        },
        {
          name: "API: unknown task",
          token: adminToken,
          method: "POST",
          url: "/api/v1/tasks/nope/run",
          status: 404,
          code: "not_found",
        },
        {
          name: "API: bad name",
          token: adminToken,
          method: "POST",
          url: "/api/v1/tasks/a%20b/run",
          status: 400,
          code: "validation",
        },
        {
          name: "API: list without token",
          token: undefined,
          method: "GET",
          url: "/api/v1/tasks",
          status: 401,
          code: "unauthenticated",
        },
        {
          name: "API: list not admin",
          token: userToken,
          method: "GET",
          url: "/api/v1/tasks",
          status: 403,
          code: "forbidden",
        },
      ];
      for (const k of calls) {
        const res = await api(t.app, k.token, k.method, k.url);
        assert.equal(res.status, k.status, k.name);
        assert.equal(errorCodeOf(res), k.code, k.name);
      }
      assert.equal(
        (await t.ctx.db.selectFrom("task_log").select("id").execute()).length,
        before,
        "nothing ran",
      );
      const s = await t.ctx.db.selectFrom("scheduled_tasks").select(["name", "enabled"]).execute();
      assert.ok(
        s.every((r) => r.enabled === 1),
        "no schedule was switched off",
      );
    });
  });
}
