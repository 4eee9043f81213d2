// The database handle: on PostgreSQL, statements with parameters go out as named prepared statements,
// and one whose table changed shape meanwhile (another node's migration) still answers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { type DatabaseHandle, openDatabase } from "./database.js";

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
