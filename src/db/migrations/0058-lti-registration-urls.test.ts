// Migration 0058 on both engines: lti_registration_urls keeps one row per token hash, with no use until a
// registration spends it, and down removes the table.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Migrator, sql } from "kysely";
import { createTestDatabase, type TestDatabase, testEngines } from "../../../test/support/db.js";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "../database.js";
import { migrations } from "./index.js";

const AT = "2026-12-04T10:00:00.000Z";
const LATER = "2026-12-04T11:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0058: Dynamic Registration URLs (${engine})`, () => {
    let tdb: TestDatabase;
    let h: DatabaseHandle;
    const run = (q: ReturnType<typeof sql>) => q.execute(h.db);

    before(async () => {
      tdb = await createTestDatabase(engine);
      h = openDatabase(tdb.url, { pgSchema: tdb.pgSchema, poolSize: 1 });
      await migrateToLatest(h.db);
    });
    after(async () => {
      await h.close();
      await tdb.drop();
    });

    it("keeps one row per token hash, unused until spent", async () => {
      await run(sql`insert into lti_registration_urls (token_hash, created_at, expires_at)
        values (${"a".repeat(64)}, ${AT}, ${LATER})`);
      await assert.rejects(
        run(sql`insert into lti_registration_urls (token_hash, created_at, expires_at)
          values (${"a".repeat(64)}, ${AT}, ${LATER})`),
        "a token is stored once",
      );
      const { rows } = await sql<{
        used_at: string | null;
      }>`select used_at from lti_registration_urls`.execute(h.db);
      assert.deepEqual(rows, [{ used_at: null }]);
    });

    it("down drops the table and up creates it again", async () => {
      const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => migrations } });
      const down = await migrator.migrateTo("0055-lti-tool-logins");
      assert.equal(down.error, undefined);
      await assert.rejects(run(sql`select 1 from lti_registration_urls`));
      const up = await migrator.migrateToLatest();
      assert.equal(up.error, undefined);
      const { rows } = await sql<{ n: number }>`select count(*) as n from lti_registration_urls`.execute(
        h.db,
      );
      assert.equal(Number(rows[0]?.n), 0);
    });
  });
}
