// Which driver errors mean "the database cannot serve now" (a 503 worth retrying), raised for real by
// each engine, against errors that mean the statement itself was wrong.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { type DatabaseHandle, openDatabase } from "./database.js";
import { isConnectionLost, isDatabaseUnavailable } from "./errors.js";

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected the statement to fail");
}

if (process.env.TEST_DATABASE_URL) {
  describe("PostgreSQL errors of a database that cannot serve now", () => {
    let tdb: TestDatabase;
    let h: DatabaseHandle;
    const lost: Error[] = [];
    before(async () => {
      tdb = await createTestDatabase("postgres");
      h = openDatabase(tdb.url, {
        pgSchema: tdb.pgSchema,
        poolSize: 1,
        statementTimeoutMs: 200,
        lockTimeoutMs: 100,
        onConnectionError: (err) => lost.push(err),
      });
      await sql`create table things (id integer primary key)`.execute(h.db);
    });
    after(async () => {
      await h.close();
      await tdb.drop();
    });

    it("cancels a statement past the statement timeout (57014)", async () => {
      const err = await failure(sql`select pg_sleep(2)`.execute(h.db));
      assert.equal((err as { code?: string }).code, "57014");
      assert.ok(isDatabaseUnavailable(err));
      assert.ok(!isConnectionLost(err), "the connection itself is still good");
      await sql`select 1`.execute(h.db);
    });

    it("cancels a statement waiting past the lock timeout (55P03)", async () => {
      const other = new pg.Client({ connectionString: tdb.url, options: `-c search_path=${tdb.pgSchema}` });
      await other.connect();
      try {
        await other.query("begin; lock table things in access exclusive mode");
        const err = await failure(sql`select * from things`.execute(h.db));
        assert.equal((err as { code?: string }).code, "55P03");
        assert.ok(isDatabaseUnavailable(err));
      } finally {
        await other.query("rollback");
        await other.end();
      }
    });

    it("reports a connection the server terminated (57P01), drops it and serves the next statement on a new one", async () => {
      // The backend to end is the one running this statement (the pool may hold several connections).
      const waiting = failure(sql`select pg_sleep(5) as marker_57p01`.execute(h.db));
      const killer = new pg.Client({ connectionString: tdb.url });
      await killer.connect();
      let pid: number | undefined;
      for (const until = Date.now() + 5000; pid === undefined && Date.now() < until; ) {
        const r = await killer.query<{ pid: number }>(
          "select pid from pg_stat_activity where state = 'active' and query like '%marker_57p01%' and pid <> pg_backend_pid()",
        );
        pid = r.rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(pid !== undefined, "the statement is running");
      await killer.query("select pg_terminate_backend($1)", [pid]);
      await killer.end();
      const err = await waiting;
      assert.ok(isConnectionLost(err), `lost: ${(err as Error).message}`);
      assert.ok(isDatabaseUnavailable(err));
      const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db);
      assert.notEqual(after.rows[0]?.pid, pid, "a new connection");
    });

    it("reports an idle connection the server terminated, and serves the next statement on a new one", async () => {
      const idle = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db)).rows[0]?.pid;
      const killer = new pg.Client({ connectionString: tdb.url });
      await killer.connect();
      await killer.query("select pg_terminate_backend($1)", [idle]);
      await killer.end();
      const deadline = Date.now() + 5000;
      while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(lost.length >= 1, "the broken connection was reported");
      const next = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db)).rows[0]?.pid;
      assert.notEqual(next, idle);
    });

    it("does not count a wrong statement or a constraint as unavailable", async () => {
      assert.ok(!isDatabaseUnavailable(await failure(sql`select * from no_such_table`.execute(h.db))));
      await sql`insert into things values (1)`.execute(h.db);
      assert.ok(!isDatabaseUnavailable(await failure(sql`insert into things values (1)`.execute(h.db))));
    });
  });
}

describe("SQLite errors of a database that cannot serve now", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pluto-busy-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("counts a write lock held past the busy timeout as unavailable, a constraint not", () => {
    const file = join(dir, "busy.db");
    const a = new DatabaseSync(file);
    const b = new DatabaseSync(file, { timeout: 50 });
    try {
      a.exec("pragma journal_mode = WAL; create table t (x integer primary key); begin immediate");
      let busy: unknown;
      try {
        b.exec("insert into t values (1)");
      } catch (err) {
        busy = err;
      }
      assert.ok(isDatabaseUnavailable(busy), String(busy));
      a.exec("rollback");
      b.exec("insert into t values (1)");
      let unique: unknown;
      try {
        b.exec("insert into t values (1)");
      } catch (err) {
        unique = err;
      }
      assert.ok(unique && !isDatabaseUnavailable(unique));
    } finally {
      a.close();
      b.close();
    }
  });
});
