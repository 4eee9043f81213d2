// Migration 0054 on a database written by the code before it ("Publish as LTI tool" had no LTI
// version to choose): every existing instance is a Legacy LTI (1.1) one, in its row and its settings,
// keeps every other setting, and has a unique uuid, on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { settingsOf } from "../../features/lti-provider/publications/publication.settings.js";
import { findPublicationByUuid } from "../../features/lti-provider/publications/publications.service.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";

const AT = "2026-11-20T10:00:00.000Z";
const UUID_1 = "00000000-0000-4000-8000-000000000001";
const OLD_SETTINGS = {
  publish: "course",
  secret: "S".repeat(40),
  gradeSync: true,
  gradeSyncCompletion: true,
  memberSync: true,
  memberSyncMode: "enrol_new",
  roleInstructor: "teacher",
  roleLearner: "student",
  defaults: { country: "NZ", city: "Dunedin", timezone: "Pacific/Auckland", lang: "en", institution: "" },
};

for (const engine of testEngines()) {
  describe(`migration 0054: existing publications are Legacy LTI (1.1) (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0047-course-copy");
      const run = (q: ReturnType<typeof sql>) => q.execute(h.db);
      await run(sql`insert into courses (id, fullname, shortname, created_at, updated_at)
        values (1, 'Astronomy', 'astro', ${AT}, ${AT})`);
      for (const id of [1, 2, 3]) {
        const settings = id === 3 ? "{}" : JSON.stringify(OLD_SETTINGS);
        await run(sql`insert into enrol_instances (id, course_id, method, name, role, settings, created_at, updated_at)
          values (${id}, 1, 'lti', ${`P${id}`}, 'student', ${settings}, ${AT}, ${AT})`);
      }
      // Row 1 as the code wrote it; row 2 with a version the code never wrote and no usable uuid;
      // row 3 with empty settings.
      await run(sql`insert into lti_publications (id, instance_id, uuid, course_id, secret, grade_sync_completion,
          member_sync, member_sync_mode, role_instructor, created_at, updated_at)
        values (1, 1, ${UUID_1}, 1, ${"S".repeat(40)}, 1, 1, 'enrol_new', 'teacher', ${AT}, ${AT})`);
      await run(sql`insert into lti_publications (id, instance_id, uuid, course_id, lti_version, secret, created_at,
          updated_at) values (2, 2, '', 1, '', ${"T".repeat(40)}, ${AT}, ${AT})`);
      await run(sql`insert into lti_publications (id, instance_id, uuid, course_id, secret, created_at, updated_at)
        values (3, 3, '00000000-0000-4000-8000-000000000003', 1, ${"U".repeat(40)}, ${AT}, ${AT})`);
      await migrateToLatest(h.db);
    });
    after(async () => {
      await m.close();
    });

    it("sets every existing publication to LTI 1.1, with a unique uuid (the ones it had kept)", async () => {
      const { rows } = await sql<{ id: number; uuid: string; lti_version: string }>`
        select id, uuid, lti_version from lti_publications order by id`.execute(h.db);
      assert.deepEqual(
        rows.map((r) => r.lti_version),
        ["1.1", "1.1", "1.1"],
      );
      assert.equal(rows[0]?.uuid, UUID_1, "a uuid already given is kept: launch URLs do not change");
      assert.equal(rows[2]?.uuid, "00000000-0000-4000-8000-000000000003");
      assert.match(
        rows[1]?.uuid ?? "",
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      assert.equal(new Set(rows.map((r) => r.uuid)).size, 3);
    });

    it("writes the version into each instance's settings and keeps every other setting", async () => {
      const { rows } = await sql<{ id: number; settings: string }>`
        select id, settings from enrol_instances order by id`.execute(h.db);
      assert.deepEqual(JSON.parse(rows[0]?.settings ?? ""), { ...OLD_SETTINGS, ltiVersion: "1.1" });
      assert.deepEqual(JSON.parse(rows[2]?.settings ?? ""), { ltiVersion: "1.1" });
      const s = settingsOf(JSON.parse(rows[0]?.settings ?? "{}") as Record<string, unknown>);
      assert.equal(s.ltiVersion, "1.1");
      assert.equal(s.secret, "S".repeat(40));
      assert.equal(s.memberSyncMode, "enrol_new");
    });

    it("the service finds a migrated publication by its uuid, as LTI 1.1", async () => {
      const p = await findPublicationByUuid(h.db, UUID_1);
      assert.equal(p?.ltiVersion, "1.1");
      assert.equal(p?.instanceId, 1);
      assert.equal(p?.memberSync, true);
    });

    it("refuses a second row with the same uuid", async () => {
      await sql`insert into enrol_instances (id, course_id, method, name, role, created_at, updated_at)
        values (4, 1, 'lti', 'P4', 'student', ${AT}, ${AT})`.execute(h.db);
      await assert.rejects(
        sql`insert into lti_publications (id, instance_id, uuid, course_id, secret, created_at, updated_at)
          values (4, 4, ${UUID_1}, 1, 'x', ${AT}, ${AT})`.execute(h.db),
      );
    });
  });
}
