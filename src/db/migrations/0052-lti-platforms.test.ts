// Migration 0052 on a database written before it, on SQLite and PostgreSQL: the consumer side's LTI 1.3
// tool registrations and their deployments survive (SQLite rebuilds lti_registrations, and a drop with
// foreign keys on would have cascaded to them), a provider-side registration may now name no
// publication, the owner constraint still holds, and (issuer, client_id) is unique among the site's
// platforms once both are known.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import type { DatabaseHandle } from "../database.js";

const AT = "2026-12-01T10:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0052: LTI Advantage platforms (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;
    let registrationId = 0;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0047-course-copy");
      await sql`insert into lti_tool_types (name, lti_version, created_at, updated_at)
        values ('Video tool', '1.3', ${AT}, ${AT})`.execute(h.db);
      const reg = await sql<{
        id: number;
      }>`insert into lti_registrations (side, tool_type_id, issuer, client_id,
          initiate_login_url, redirect_uris, public_key_type, public_keyset_url, status, created_at)
        select 'consumer', id, 'https://pluto.example', 'client-abc', 'https://tool.example/login',
          'https://tool.example/launch', 'keyset', 'https://tool.example/jwks', 'pending', ${AT}
        from lti_tool_types returning id`.execute(h.db);
      registrationId = reg.rows[0]?.id ?? 0;
      await sql`insert into lti_deployments (side, tool_type_id, registration_id, deployment_id, created_at)
        select 'consumer', id, ${registrationId}, '1', ${AT} from lti_tool_types`.execute(h.db);
      await m.migrateTo("0052-lti-platforms");
    });
    after(async () => {
      await m.close();
    });

    it("keeps the consumer side's registrations, their columns and their deployments", async () => {
      const regs = await sql<Record<string, unknown>>`select id, side, issuer, client_id, initiate_login_url,
          public_keyset_url, status from lti_registrations`.execute(h.db);
      assert.deepEqual(regs.rows, [
        {
          id: registrationId,
          side: "consumer",
          issuer: "https://pluto.example",
          client_id: "client-abc",
          initiate_login_url: "https://tool.example/login",
          public_keyset_url: "https://tool.example/jwks",
          status: "pending",
        },
      ]);
      const deps = await sql<{ registration_id: number; deployment_id: string }>`select registration_id,
          deployment_id from lti_deployments`.execute(h.db);
      assert.deepEqual(deps.rows, [{ registration_id: registrationId, deployment_id: "1" }]);
    });

    it("takes a site-wide platform registration, with its deployments and details", async () => {
      const r = await sql<{ id: number }>`insert into lti_registrations (side, issuer, client_id, created_at)
        values ('provider', 'https://lms.example', 'pluto', ${AT}) returning id`.execute(h.db);
      const id = r.rows[0]?.id ?? 0;
      await sql`insert into lti_deployments (side, registration_id, deployment_id, created_at)
        values ('provider', ${id}, 'd1', ${AT})`.execute(h.db);
      await sql`insert into lti_platforms (registration_id, name, created_at, updated_at)
        values (${id}, 'LMS', ${AT}, ${AT})`.execute(h.db);
      const p = await sql<{ status: string; public_keyset_url: string }>`select status, public_keyset_url
        from lti_platforms where registration_id = ${id}`.execute(h.db);
      assert.deepEqual(p.rows, [{ status: "pending", public_keyset_url: "" }]);
      // The details go with their registration, and so do its deployments.
      await sql`delete from lti_registrations where id = ${id}`.execute(h.db);
      assert.equal((await sql`select 1 from lti_platforms`.execute(h.db)).rows.length, 0);
      assert.equal(
        (await sql`select 1 from lti_deployments where deployment_id = 'd1'`.execute(h.db)).rows.length,
        0,
      );
    });

    it("refuses a second platform with the same issuer and client id, not two that are not known yet", async () => {
      const add = (issuer: string, clientId: string) =>
        sql`insert into lti_registrations (side, issuer, client_id, created_at)
          values ('provider', ${issuer}, ${clientId}, ${AT})`.execute(h.db);
      await add("https://a.example", "one");
      await assert.rejects(add("https://a.example", "one"));
      await add("https://a.example", "two");
      await add("", "");
      await add("", "");
      await add("https://a.example", "");
      await add("https://a.example", "");
    });

    it("still refuses a consumer registration without its tool type", async () => {
      await assert.rejects(
        sql`insert into lti_registrations (side, issuer, client_id, created_at)
          values ('consumer', 'https://pluto.example', 'x', ${AT})`.execute(h.db),
      );
    });
  });
}
