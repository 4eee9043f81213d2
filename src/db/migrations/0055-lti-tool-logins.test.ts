// Migration 0055 on both engines: lti_tool_logins keeps a login by its state's hash for its platform
// registration, one row per state, goes with the registration it belongs to, and down removes it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";

const AT = "2026-12-03T10:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0055: LTI 1.3 tool logins (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;
    const run = (q: ReturnType<typeof sql>) => q.execute(h.db);

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await migrateToLatest(h.db);
      await run(sql`insert into lti_registrations (id, side, issuer, client_id, status, created_at)
        values (7, 'provider', 'https://lms.example', 'c1', 'active', ${AT})`);
    });
    after(async () => {
      await m.close();
    });

    it("keeps one row per state hash for its registration, and deletes it with the registration", async () => {
      await run(sql`insert into lti_tool_logins (state_hash, registration_id, binding, expires_at)
        values (${"a".repeat(64)}, 7, '{}', ${AT})`);
      await assert.rejects(
        run(sql`insert into lti_tool_logins (state_hash, registration_id, binding, expires_at)
          values (${"a".repeat(64)}, 7, '{}', ${AT})`),
        "a state is stored once",
      );
      if (engine === "sqlite") await run(sql`pragma foreign_keys = on`);
      await run(sql`delete from lti_registrations where id = 7`);
      const { rows } = await sql<{ n: number }>`select count(*) as n from lti_tool_logins`.execute(h.db);
      assert.equal(Number(rows[0]?.n), 0);
    });

    it("down drops the table and up creates it again", () =>
      m.downAndUpAgain("lti_tool_logins", "0054-lti-publication-version"));
  });
}
