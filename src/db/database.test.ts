// The database handle: on SQLite, node:sqlite behind Kysely's dialect; on PostgreSQL, statements with parameters go out as named prepared statements,
// and one whose table changed shape meanwhile (another node's migration) still answers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "./database.js";

if (process.env.TEST_DATABASE_URL) {
  describe("PostgreSQL statements prepared once per connection", () => {
    let tdb: TestDatabase;
    let h: DatabaseHandle;
    before(async () => {
      tdb = await createTestDatabase("postgres");
      h = openDatabase(tdb.url, { pgSchema: tdb.pgSchema, poolSize: 1 });
      await sql`create table things (id integer primary key, name text not null)`.execute(h.db);
      await sql`insert into things values (1, 'one'), (2, 'two')`.execute(h.db);
    });
    after(async () => {
      await h.close();
      await tdb.drop();
    });

    const byId = (id: number) =>
      sql<Record<string, unknown>>`select * from things where id = ${id}`.execute(h.db).then((r) => r.rows);
    const prepared = () =>
      sql<{
        n: number;
      }>`select count(*)::int as n from pg_prepared_statements where statement like '%from things where id%'`
        .execute(h.db)
        .then((r) => r.rows[0]?.n);

    it("prepares a statement with parameters once and reuses it with other values", async () => {
      assert.deepEqual(await byId(1), [{ id: 1, name: "one" }]);
      assert.deepEqual(await byId(2), [{ id: 2, name: "two" }]);
      assert.equal(await prepared(), 1);
    });

    it("answers with the new shape after another connection adds a column to the table", async () => {
      assert.deepEqual(await byId(1), [{ id: 1, name: "one" }]);
      const other = new pg.Client({ connectionString: tdb.url, options: `-c search_path=${tdb.pgSchema}` });
      await other.connect();
      await other.query("alter table things add column colour text not null default 'blue'");
      await other.end();
      assert.deepEqual(await byId(1), [{ id: 1, name: "one", colour: "blue" }]);
      assert.deepEqual(await byId(2), [{ id: 2, name: "two", colour: "blue" }]);
    });
  });
}

describe("SQLite on node:sqlite", () => {
  let dir: string;
  let h: DatabaseHandle;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pluto-sqlite-"));
    h = openDatabase(`sqlite:${join(dir, "t.db")}`);
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = () =>
    sql<Record<string, unknown>>`select * from things order by id`.execute(h.db).then((r) => r.rows);

  it("reads rows as plain objects and reports changes and inserted ids", async () => {
    await sql`create table things (id integer primary key, name text not null)`.execute(h.db);
    const inserted = await sql`insert into things (name) values (${"one"}), (${"two"})`.execute(h.db);
    assert.equal(inserted.numAffectedRows, 2n);
    assert.equal(inserted.insertId, 2n);
    assert.deepStrictEqual(await all(), [
      { id: 1, name: "one" },
      { id: 2, name: "two" },
    ]);
    const updated = await sql`update things set name = ${"uno"} where id = ${1}`.execute(h.db);
    assert.equal(updated.numAffectedRows, 1n);
    const returned = await sql`update things set name = ${"dos"} where id = ${2} returning id, name`.execute(
      h.db,
    );
    assert.deepStrictEqual(returned.rows, [{ id: 2, name: "dos" }]);
  });

  it("answers with the new shape after another process adds a column to the table", async () => {
    assert.deepStrictEqual((await all())[0], { id: 1, name: "uno" });
    const other = openDatabase(`sqlite:${join(dir, "t.db")}`);
    await sql`alter table things add column colour text not null default 'blue'`.execute(other.db);
    await other.close();
    assert.deepStrictEqual(await all(), [
      { id: 1, name: "uno", colour: "blue" },
      { id: 2, name: "dos", colour: "blue" },
    ]);
  });

  it("streams rows as plain objects", async () => {
    const seen: unknown[] = [];
    for await (const row of h.db
      .selectFrom("things" as never)
      .select(["id" as never])
      .stream())
      seen.push(row);
    assert.deepStrictEqual(seen, [{ id: 1 }, { id: 2 }]);
  });
});

if (process.env.TEST_DATABASE_URL) {
  describe("PostgreSQL migrations and the statement and lock timeouts", () => {
    it("wait for another node's migration past the timeouts, which hold again afterwards", async () => {
      const tdb = await createTestDatabase("postgres");
      const h = openDatabase(tdb.url, {
        pgSchema: tdb.pgSchema,
        poolSize: 1,
        statementTimeoutMs: 200,
        lockTimeoutMs: 100,
      });
      // Another node migrating: it holds Kysely's migration lock for longer than both timeouts.
      const other = new pg.Client({ connectionString: tdb.url });
      await other.connect();
      try {
        await other.query("select pg_advisory_lock(3853314791062309107)");
        const released = new Promise((r) => setTimeout(r, 700)).then(() =>
          other.query("select pg_advisory_unlock(3853314791062309107)"),
        );
        const results = await migrateToLatest(h.db);
        await released;
        assert.ok(results.length > 0 && results.every((r) => r.status === "Success"));
        const settings = await sql<{ s: string; l: string }>`
          select current_setting('statement_timeout') as s, current_setting('lock_timeout') as l`.execute(
          h.db,
        );
        assert.deepStrictEqual(settings.rows, [{ s: "200ms", l: "100ms" }]);
      } finally {
        await other.end();
        await h.close();
        await tdb.drop();
      }
    });
  });
}
