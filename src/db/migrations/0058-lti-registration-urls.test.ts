// Migration 0058 on both engines: lti_registration_urls keeps one row per token hash, with no use until a
// registration spends it, and down removes the table.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";

const AT = "2026-12-04T10:00:00.000Z";
const LATER = "2026-12-04T11:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0058: Dynamic Registration URLs (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;
    const run = (q: ReturnType<typeof sql>) => q.execute(h.db);

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await migrateToLatest(h.db);
    });
    after(async () => {
      await m.close();
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

    it("down drops the table and up creates it again", () =>
      m.downAndUpAgain("lti_registration_urls", "0055-lti-tool-logins"));
  });
}
