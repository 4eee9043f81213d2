// A stuck database: a lock another session holds on a table Pluto needs. The API request waiting for it
// gives up after the lock timeout with a 503 instead of hanging, /healthz answers within a second (503
// while every connection of the pool is held up), and once the lock is released everything works again.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { startTestApp, type TestApp } from "../../test/support/app.js";
import { testEngines } from "../../test/support/db.js";
import { OUTCOMES_PATH } from "../features/lti-consumer/services/outcomes.service.js";
import { buildReplaceResultRequest } from "../lti/v1p1/outcomes.js";

/** A session of its own that holds an exclusive lock on Pluto's tables (all: "*") until released. */
async function lockTable(t: TestApp, table: string): Promise<{ release(): Promise<void> }> {
  const schema = (
    await t.ctx.db.selectNoFrom((eb) => eb.fn<string>("current_schema").as("s")).executeTakeFirst()
  )?.s;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  await client.query("begin");
  const tables =
    table === "*"
      ? (
          await client.query<{ name: string }>(
            "select quote_ident(schemaname) || '.' || quote_ident(tablename) as name from pg_tables where schemaname = $1",
            [schema],
          )
        ).rows
          .map((r) => r.name)
          .join(", ")
      : `${schema}.${table}`;
  await client.query(`lock table ${tables} in access exclusive mode`);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await client.query("rollback");
    await client.end();
  };
  // Whatever the test does, the lock goes in the end: a request that ignored the timeouts still ends.
  setTimeout(() => void release(), 8000).unref();
  return { release };
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await p;
  return { value, ms: Date.now() - started };
}

for (const engine of testEngines().filter((e) => e === "postgres")) {
  describe(`a ${engine} table locked by another session`, () => {
    let t: TestApp;
    let token = "";
    let courseId = 0;
    before(async () => {
      t = await startTestApp(engine, { config: { dbLockTimeoutMs: 500, dbStatementTimeoutMs: 3000 } });
      token = await t.token((await t.admin()).id);
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/courses",
        headers: { authorization: `Bearer ${token}` },
        payload: { fullname: "Locked", shortname: "LOCK" },
      });
      courseId = res.json<{ id: number }>().id;
    });
    after(() => t.close());

    const getCourse = () =>
      t.app.inject({ url: `/api/v1/courses/${courseId}`, headers: { authorization: `Bearer ${token}` } });

    it("answers an API request that needs it with 503 after the lock timeout, and serves it once released", async () => {
      const lock = await lockTable(t, "courses");
      try {
        const { value: res, ms } = await timed(getCourse());
        assert.equal(res.statusCode, 503);
        assert.equal(res.json<{ error: { code: string } }>().error.code, "unavailable");
        assert.ok(ms >= 400 && ms < 2500, `gave up after the 500 ms lock timeout (${ms} ms)`);
        const health = await timed(t.app.inject({ url: "/healthz" }));
        assert.equal(health.value.statusCode, 200, "the database itself answers");
        assert.ok(health.ms < 1000);
      } finally {
        await lock.release();
      }
      assert.equal((await getCourse()).statusCode, 200);
    });
  });

  describe(`/healthz with every ${engine} connection held up`, () => {
    let t: TestApp;
    let token = "";
    let courseId = 0;
    before(async () => {
      // A long lock timeout: the requests below hold every connection of the pool (5) meanwhile.
      t = await startTestApp(engine, { config: { dbLockTimeoutMs: 6000 } });
      token = await t.token((await t.admin()).id);
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/courses",
        headers: { authorization: `Bearer ${token}` },
        payload: { fullname: "Held", shortname: "HELD" },
      });
      courseId = res.json<{ id: number }>().id;
    });
    after(() => t.close());

    it("answers 503 within a second, and 200 again once the database answers", async () => {
      const lock = await lockTable(t, "courses");
      let waiting: Promise<{ statusCode: number }[]>;
      try {
        waiting = Promise.all(
          Array.from({ length: 5 }, () =>
            t.app.inject({
              url: `/api/v1/courses/${courseId}`,
              headers: { authorization: `Bearer ${token}` },
            }),
          ),
        );
        await new Promise((r) => setTimeout(r, 300));
        const { value: res, ms } = await timed(t.app.inject({ url: "/healthz" }));
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json(), { status: "unavailable" });
        assert.ok(ms < 1500, `answered within a second (${ms} ms)`);
      } finally {
        await lock.release();
      }
      assert.deepEqual(
        (await waiting).map((r) => r.statusCode),
        [200, 200, 200, 200, 200],
      );
      const again = await t.app.inject({ url: "/healthz" });
      assert.equal(again.statusCode, 200);
    });
  });
}

for (const engine of testEngines().filter((e) => e === "postgres")) {
  describe(`the Basic Outcomes endpoint with every ${engine} table locked`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { config: { dbLockTimeoutMs: 300 } });
    });
    after(() => t.close());

    it("answers a tool's request with a POX failure and 503, not 500", async () => {
      const lock = await lockTable(t, "*");
      try {
        const res = await t.app.inject({
          method: "POST",
          url: OUTCOMES_PATH,
          headers: { "content-type": "application/xml", authorization: 'OAuth oauth_consumer_key="k"' },
          payload: buildReplaceResultRequest({ sourcedId: "1:2:whatever", score: 0.5 }),
        });
        assert.equal(res.statusCode, 503);
        assert.match(String(res.headers["content-type"]), /xml/);
        assert.match(res.body, /<imsx_codeMajor>failure<\/imsx_codeMajor>/);
        assert.match(res.body, /database is unavailable/);
      } finally {
        await lock.release();
      }
    });
  });
}

describe("/healthz on SQLite while another process holds the write lock", () => {
  let dir: string;
  let t: TestApp;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "pluto-health-"));
    t = await startTestApp("sqlite", { sqliteFile: join(dir, "pluto.db") });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 200 at once: reads do not wait for a writer in WAL mode", async () => {
    const other = new DatabaseSync(join(dir, "pluto.db"));
    try {
      other.exec("begin immediate; update scheduled_tasks set enabled = enabled");
      const { value: res, ms } = await timed(t.app.inject({ url: "/healthz" }));
      assert.equal(res.statusCode, 200);
      assert.ok(ms < 1000, `${ms} ms`);
    } finally {
      other.exec("rollback");
      other.close();
    }
  });
});
