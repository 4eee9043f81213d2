// Migration 0050 on a database written before it: LTI 1.3 site tools registered by hand get both service
// switches on (they could have AGS and NRPS tokens before), a dynamically registered tool the switches of
// the scopes it asked for (granted or dropped alike, as the token endpoint read them), on SQLite and
// PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";

const AT = "2026-12-01T10:00:00.000Z";
const AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

for (const engine of testEngines()) {
  describe(`migration 0050: the service switches of existing LTI 1.3 tools (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0047-course-copy");
      const requests: Array<[number, string]> = [
        [1, ""],
        [2, JSON.stringify({ scopes: ["openid"], droppedScopes: [AGS_SCORE] })],
        [3, JSON.stringify({ scopes: ["openid", NRPS], droppedScopes: [] })],
        [4, JSON.stringify({ scopes: ["openid"], droppedScopes: ["https://example.com/other"] })],
        [5, "not json"],
      ];
      for (const [id, request] of requests) {
        await sql`insert into lti_tool_types (id, name, lti_version, created_at, updated_at)
          values (${id}, ${`Tool ${id}`}, '1.3', ${AT}, ${AT})`.execute(h.db);
        await sql`insert into lti_registrations (id, side, tool_type_id, issuer, client_id, created_at, registration_request)
          values (${id}, 'consumer', ${id}, 'https://pluto.test', ${`client-${id}`}, ${AT}, ${request})`.execute(
          h.db,
        );
      }
      await migrateToLatest(h.db);
    });
    after(async () => {
      await m.close();
    });

    it("keeps what each tool could be granted: by hand both, registered only what it asked for", async () => {
      const { rows } = await sql<{ id: number; service_ags: number; service_nrps: number }>`
        select id, service_ags, service_nrps from lti_registrations order by id`.execute(h.db);
      assert.deepEqual(
        rows.map((r) => [Number(r.id), Number(r.service_ags), Number(r.service_nrps)]),
        [
          [1, 1, 1],
          [2, 1, 0],
          [3, 0, 1],
          [4, 0, 0],
          [5, 0, 0],
        ],
      );
    });
  });
}
