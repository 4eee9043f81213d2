// Migration 0059 on a database written by the code before it: a tool's column made through AGS on a
// resource link takes that activity, so it is hidden with it; a column of the tool's own (no link), an
// activity's own item and the course total take none; deleting the activity detaches the column. On
// SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";

const AT = "2026-11-20T10:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0059: a tool's column is attached to its line item's activity (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0058-lti-registration-urls");
      const run = (q: ReturnType<typeof sql>) => q.execute(h.db);
      await run(sql`insert into courses (id, fullname, shortname, created_at, updated_at)
        values (1, 'Biology', 'bio', ${AT}, ${AT})`);
      await run(sql`insert into sections (id, course_id, position, name) values (1, 1, 0, 'General')`);
      await run(sql`insert into lti_tool_types (id, name, lti_version, created_at, updated_at)
        values (1, 'Lab tool', '1.3', ${AT}, ${AT})`);
      for (const id of [1, 2])
        await run(sql`insert into activities (id, course_id, section_id, position, type, name, settings,
            created_at, updated_at)
          values (${id}, 1, 1, ${id}, 'lti', ${`Lab ${id}`}, '{"toolTypeId":1}', ${AT}, ${AT})`);
      // 1: the course total; 2: activity 1's own item; 3: a tool column on activity 2's link;
      // 4: a column of the tool's own, on no link.
      for (const [id, activity, kind] of [
        [1, null, "total"],
        [2, 1, "activity"],
        [3, null, "tool"],
        [4, null, "tool"],
      ] as const)
        await run(sql`insert into grade_items (id, course_id, activity_id, name, max_grade, kind)
          values (${id}, 1, ${activity}, ${`Item ${id}`}, 10, ${kind})`);
      for (const [id, item, activity] of [
        [1, 2, 1],
        [2, 3, 2],
        [3, 4, null],
      ] as const)
        await run(sql`insert into lti_line_items (id, tool_type_id, course_id, grade_item_id, activity_id,
            resource_id, tag, created_at)
          values (${id}, 1, 1, ${item}, ${activity}, '', '', ${AT})`);
      await migrateToLatest(h.db);
    });
    after(async () => {
      await m.close();
    });

    const attached = async () =>
      (
        await sql<{ id: number; attached_activity_id: number | null }>`
          select id, attached_activity_id from grade_items order by id`.execute(h.db)
      ).rows.map((r) => [
        Number(r.id),
        r.attached_activity_id === null ? null : Number(r.attached_activity_id),
      ]);

    it("attaches only the tool's columns on a link, to that link's activity", async () => {
      assert.deepEqual(await attached(), [
        [1, null],
        [2, null],
        [3, 2],
        [4, null],
      ]);
    });

    it("detaches the column when its activity is deleted", async () => {
      await sql`delete from activities where id = 2`.execute(h.db);
      assert.deepEqual((await attached())[2], [3, null]);
    });
  });
}
