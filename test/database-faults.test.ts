// A real `pluto serve` on PostgreSQL whose connections the database server terminates, as a failover, a
// restart or pg_terminate_backend does: idle, with requests waiting on the database, and under load.
// The process stays up, answers the requests that lost their connection with 503, and serves the next
// ones on new connections. Only this test's connections are terminated (the test database is shared
// by the suites running in parallel): Pluto's pool names itself with a unique application_name.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { testEngines } from "./support/db.js";
import {
  cleanEnv,
  type ProcessDatabase,
  processDatabase,
  type ServerProcess,
  startServer,
  waitFor,
} from "./support/processes.js";

const TOKEN = "database-faults-test-admin-token-0123456789";

for (const engine of testEngines().filter((e) => e === "postgres")) {
  describe(`a Pluto process whose ${engine} connections the database server terminates`, () => {
    const appName = `pluto_faults_${randomBytes(4).toString("hex")}`;
    let pdb: ProcessDatabase;
    let server: ServerProcess;
    let admin: pg.Client;
    let courseId = 0;
    let schema = "";

    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      });

    /** Terminates every backend of this test's Pluto process; how many there were. */
    async function terminate(where = ""): Promise<number> {
      const r = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and application_name = $1 ${where}`,
        [appName],
      );
      return r.rows[0]?.n ?? 0;
    }

    const alive = () => server.child.exitCode === null && server.child.signalCode === null;

    before(async () => {
      pdb = await processDatabase("postgres");
      schema = /search_path=(\w+)/.exec(decodeURIComponent(pdb.url))?.[1] ?? "public";
      server = await startServer(
        cleanEnv({
          DATABASE_URL: `${pdb.url}&application_name=${appName}`,
          LOG_LEVEL: "warn",
          PLUTO_ADMIN_TOKEN: TOKEN,
          PLUTO_DB_LOCK_TIMEOUT_MS: "20000",
        }),
      );
      admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const res = await api("/courses", {
        method: "POST",
        body: JSON.stringify({ fullname: "Failover", shortname: "FAIL" }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      courseId = ((await res.json()) as { id: number }).id;
    });
    after(async () => {
      await server?.stop();
      await admin?.end();
      await pdb?.drop();
    });

    it("stays up when its idle connections are terminated, says so in the log, and serves the next requests", async () => {
      for (let i = 0; i < 3; i++) assert.equal((await api(`/courses/${courseId}`)).status, 200);
      assert.ok((await terminate()) >= 1, "Pluto had connections open");
      await sleep(500);
      assert.ok(alive(), `the process is still running:\n${server.output()}`);
      await waitFor(
        "/healthz to answer 200",
        async () => (await fetch(`${server.url}/healthz`)).status === 200,
      );
      assert.equal((await api(`/courses/${courseId}`)).status, 200);
      assert.match(server.output(), /database connection lost/);
      assert.doesNotMatch(server.output(), /uncaught|unhandled/i);
    });

    it("answers the requests waiting on the database with 503 when their connections are terminated", async () => {
      const locker = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query("begin");
        await locker.query(`lock table ${schema}.courses in access exclusive mode`);
        const waiting = Array.from({ length: 4 }, () => api(`/courses/${courseId}`));
        await waitFor("the requests to wait on the lock", async () => {
          const r = await admin.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
            [appName],
          );
          return (r.rows[0]?.n ?? 0) >= 4;
        });
        assert.ok((await terminate()) >= 4);
        const answers = await Promise.all(waiting);
        for (const res of answers) {
          assert.equal(res.status, 503);
          const body = (await res.json()) as { error: { code: string; message: string } };
          assert.equal(body.error.code, "unavailable");
          assert.match(body.error.message, /database is unavailable/i);
        }
      } finally {
        await locker.query("rollback");
        await locker.end();
      }
      assert.ok(alive(), `the process is still running:\n${server.output()}`);
      assert.equal((await api(`/courses/${courseId}`)).status, 200);
    });

    it("answers a page whose connection was terminated with an HTML 503 page", async () => {
      const locker = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query("begin");
        await locker.query(`lock table ${schema}.sessions in access exclusive mode`);
        const page = fetch(`${server.url}/`, { headers: { cookie: "pluto_session=whatever" } });
        await waitFor("the page to wait on the lock", async () => {
          const r = await admin.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
            [appName],
          );
          return (r.rows[0]?.n ?? 0) >= 1;
        });
        await terminate();
        const res = await page;
        assert.equal(res.status, 503);
        assert.match(res.headers.get("content-type") ?? "", /text\/html/);
        const html = await res.text();
        assert.match(html, /database is unavailable/i);
        assert.doesNotMatch(html, /at \w+ \(|node_modules|stack/i, "no stack trace");
      } finally {
        await locker.query("rollback");
        await locker.end();
      }
    });

    it("survives its connections being terminated again and again under load, answering only 200 or 503", async (t) => {
      const statuses = new Map<number | string, number>();
      let stop = false;
      const worker = async (i: number) => {
        while (!stop) {
          let key: number | string;
          try {
            const res =
              i % 3 === 0
                ? await api("/courses", {
                    method: "POST",
                    body: JSON.stringify({
                      fullname: "Load",
                      shortname: `L${randomBytes(4).toString("hex")}`,
                    }),
                  })
                : await api(`/courses/${courseId}`);
            await res.arrayBuffer();
            key = res.status;
          } catch (err) {
            key = `network error: ${(err as Error).cause ?? err}`;
          }
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
      };
      const workers = Array.from({ length: 12 }, (_, i) => worker(i));
      let kills = 0;
      for (let round = 0; round < 8; round++) {
        await sleep(250);
        kills += await terminate();
      }
      stop = true;
      await Promise.all(workers);
      const seen = Object.fromEntries(statuses);
      t.diagnostic(
        `${kills} connections terminated in 8 rounds; responses by status: ${JSON.stringify(seen)}`,
      );
      assert.ok(kills >= 8, `connections were terminated (${kills})`);
      assert.ok(alive(), `the process is still running:\n${server.output()}`);
      for (const key of statuses.keys())
        assert.ok([200, 201, 503].includes(key as number), `only 200, 201 or 503: ${JSON.stringify(seen)}`);
      assert.ok((statuses.get(200) ?? 0) > 0, `some requests were served: ${JSON.stringify(seen)}`);
      await waitFor(
        "/healthz to answer 200",
        async () => (await fetch(`${server.url}/healthz`)).status === 200,
      );
      assert.equal((await api(`/courses/${courseId}`)).status, 200);
    });
  });
}
