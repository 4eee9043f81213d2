// Two real Pluto processes on one database: sessions live in the database, so a user logged in
// through one process is logged in on the other; scheduled tasks and jobs run once across both.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { DatabaseHandle } from "../src/db/database.js";
import { iso } from "../src/shared/clock.js";
import { CookieBrowser } from "./support/cookie-browser.js";
import { testEngines } from "./support/db.js";
import {
  cleanEnv,
  type ProcessDatabase,
  processDatabase,
  type ServerProcess,
  startServer,
  waitFor,
} from "./support/processes.js";

for (const engine of testEngines()) {
  describe(`two app processes on one ${engine} database`, () => {
    let pdb: ProcessDatabase;
    let db: DatabaseHandle;
    let a: ServerProcess;
    let b: ServerProcess;
    let adminPassword = "";

    before(async () => {
      pdb = await processDatabase(engine);
      const env = cleanEnv({ DATABASE_URL: pdb.url, LOG_LEVEL: "warn" });
      a = await startServer(env);
      b = await startServer(env);
      db = pdb.open();
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await db?.close();
      await pdb?.drop();
    });

    it("prints the generated admin credentials on the first start only", () => {
      // Framed in a box: "|  Username: admin  |" and "|  Password: …  |" on lines of their own.
      assert.match(a.output(), /^\|\s+Username: admin\s+\|$/m);
      const first = /^\|\s+Password: (\S+)\s+\|$/m.exec(a.output());
      assert.ok(first?.[1], `process A printed the credentials:\n${a.output()}`);
      adminPassword = first[1];
      assert.match(a.output(), /printed only this once/);
      assert.doesNotMatch(b.output(), /Password:/);
      assert.match(b.output(), /Pluto LMS is running at/);
    });

    it("serves a user who logged in through process A on process B, and logs them out on both", async () => {
      const browser = new CookieBrowser();
      await browser.page(`${a.url}/login`);
      const login = await browser.request(`${a.url}/login`, {
        form: { username: "admin", password: adminPassword },
      });
      assert.equal(login.status, 303, "logged in on A");
      const onB = await browser.page(`${b.url}/profile`);
      assert.equal(onB.status, 200);
      assert.match(onB.html, /Username: <strong>admin<\/strong>/);
      // A form rendered by B is accepted by A: the CSRF token belongs to the session in the database.
      const saved = await browser.request(`${a.url}/profile`, {
        form: { firstname: "Multi", lastname: "Process" },
      });
      assert.equal(saved.status, 303);
      assert.match((await browser.page(`${b.url}/profile`)).html, /value="Multi"/);
      const logout = await browser.request(`${b.url}/logout`, { form: {} });
      assert.equal(logout.status, 303);
      const sessions = await db.db.selectFrom("sessions").select("id").execute();
      assert.equal(sessions.length, 0, "the session row is gone");
      assert.equal((await browser.page(`${a.url}/profile`)).status, 401, "logged out on A too");
    });

    it("runs a due scheduled task once although both processes poll for it", async () => {
      const past = iso(new Date(Date.now() - 60_000));
      await db.db
        .updateTable("scheduled_tasks")
        .set({ next_run_at: past })
        .where("name", "=", "session_cleanup")
        .execute();
      const runs = () =>
        db.db
          .selectFrom("task_log")
          .selectAll()
          .where("task", "=", "session_cleanup")
          .where("job_id", "is", null)
          .execute();
      await waitFor("the scheduled run", async () => (await runs()).length > 0);
      await sleep(2500); // both runners poll every second: give the other one its chances
      assert.equal((await runs()).length, 1);
      const row = await db.db
        .selectFrom("scheduled_tasks")
        .selectAll()
        .where("name", "=", "session_cleanup")
        .executeTakeFirstOrThrow();
      assert.ok(row.next_run_at > iso(new Date()), "rescheduled into the future");
    });

    it("runs each queued job exactly once across both processes", async () => {
      const now = iso(new Date());
      const jobs = Array.from({ length: 200 }, (_, i) => ({
        name: "session_cleanup",
        payload: JSON.stringify({ n: i }),
        status: "pending",
        run_at: now,
        attempts: 0,
        max_attempts: 1,
        created_at: now,
        updated_at: now,
      }));
      await db.db.insertInto("jobs").values(jobs).execute();
      const runs = () =>
        db.db.selectFrom("task_log").select("job_id").where("job_id", "is not", null).execute();
      const done = async () =>
        (await db.db.selectFrom("jobs").select("id").where("status", "=", "done").execute()).length === 200 &&
        (await runs()).length >= 200; // a run is logged just after its job is marked done
      await waitFor("200 jobs done", done);
      const log = await runs();
      assert.equal(log.length, 200, "200 runs");
      assert.equal(new Set(log.map((l) => l.job_id)).size, 200, "one run per job");
      // Neither runner failed to claim because the other was claiming (SQLITE_BUSY on one file).
      assert.doesNotMatch(a.output(), /task runner tick failed/);
      assert.doesNotMatch(b.output(), /task runner tick failed/);
      const attempts = await db.db.selectFrom("jobs").select("attempts").execute();
      assert.ok(attempts.every((j) => j.attempts === 1));
    });
  });
}
