// Migration 0041 on a database written by the code before it (links found under every deployment
// of a consumer key): every deployment becomes its own account scope, and a remote user who already
// used one account through two deployments of the same key keeps it through both, on SQLite and
// PostgreSQL. Other accounts stay out of reach of the deployments that did not provision them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import { findLinkedUser } from "../../features/lti-provider/accounts/accounts.repository.js";
import { type DatabaseHandle, migrateToLatest } from "../database.js";
import { engineOf } from "../dialect.js";

const AT = "2026-11-02T10:00:00.000Z";

// Deployments as 0040 left them: P1 and P2 launched with the key "shared", P1 also with "k1".
const D_P1_SHARED = 11;
const D_P2_SHARED = 12;
const D_P1_K1 = 13;

for (const engine of testEngines()) {
  describe(`migration 0041: each deployment is its own account scope (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0040-lti-deployments");
      await writeRowsAsBefore(h);
      await migrateToLatest(h.db);
    });
    after(async () => {
      await m.close();
    });

    const links = async () =>
      (
        await sql<{ deployment_id: number; remote_user_id: string; user_id: number }>`
          select deployment_id, remote_user_id, user_id from lti_user_links
          order by deployment_id, remote_user_id`.execute(h.db)
      ).rows;

    it("declares no group: every deployment is its own scope", async () => {
      const { rows } = await sql<{ id: number; account_scope_id: number | null }>`
        select id, account_scope_id from lti_deployments order by id`.execute(h.db);
      assert.deepEqual(rows, [
        { id: D_P1_SHARED, account_scope_id: null },
        { id: D_P2_SHARED, account_scope_id: null },
        { id: D_P1_K1, account_scope_id: null },
      ]);
    });

    it("links a remote user already launched through another deployment of the same key to the same account, and no one else", async () => {
      assert.deepEqual(await links(), [
        // alice (r1) was provisioned through P1 and had launched P2 with the same key: P2's
        // deployment now links her to the same account. carol (r3, P1 only) gains nothing under P2.
        { deployment_id: D_P1_SHARED, remote_user_id: "r1", user_id: 1 },
        { deployment_id: D_P1_SHARED, remote_user_id: "r3", user_id: 3 },
        { deployment_id: D_P2_SHARED, remote_user_id: "r1", user_id: 1 },
        // bob has his own link under P2 already: unchanged, not doubled.
        { deployment_id: D_P2_SHARED, remote_user_id: "r2", user_id: 2 },
        // dave (r4 under "k1") appears under P2's "shared" deployment as another remote id: no link.
        { deployment_id: D_P1_K1, remote_user_id: "r4", user_id: 4 },
      ]);
    });

    it("finds each returning user only through the deployments that reach their account", async () => {
      const found = async (deployment: number, remote: string) =>
        (await findLinkedUser(h.db, deployment, remote))?.id ?? null;
      assert.deepEqual(
        [
          await found(D_P1_SHARED, "r1"),
          await found(D_P2_SHARED, "r1"),
          await found(D_P2_SHARED, "r3"),
          await found(D_P1_SHARED, "r2"),
          await found(D_P2_SHARED, "r4"),
          await found(D_P1_SHARED, "r4"),
        ],
        [1, 1, null, null, null, null],
      );
    });

    it("keeps the remote users' enrolment rows as they were", async () => {
      const { rows } = await sql<{ deployment_id: number; user_id: number; remote_user_id: string }>`
        select deployment_id, user_id, remote_user_id from lti_provider_users order by id`.execute(h.db);
      assert.deepEqual(rows, [
        { deployment_id: D_P1_SHARED, user_id: 1, remote_user_id: "r1" },
        { deployment_id: D_P2_SHARED, user_id: 1, remote_user_id: "r1" },
        { deployment_id: D_P2_SHARED, user_id: 2, remote_user_id: "r2" },
        { deployment_id: D_P1_SHARED, user_id: 3, remote_user_id: "r3" },
        { deployment_id: D_P1_K1, user_id: 4, remote_user_id: "r4" },
        { deployment_id: D_P2_SHARED, user_id: 4, remote_user_id: "r4-other" },
      ]);
    });
  });
}

/** Rows as the code between migrations 0040 and 0041 wrote them. */
async function writeRowsAsBefore({ db }: DatabaseHandle): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  for (const [id, name] of [
    [1, "alice"],
    [2, "bob"],
    [3, "carol"],
    [4, "dave"],
  ] as const) {
    await run(sql`insert into users (id, username, email, firstname, lastname, country, city, timezone, lang,
        institution, auth, suspended, site_admin, created_at, updated_at)
      values (${id}, ${`lti_${name}`}, '', ${name}, '', '', '', '', '', '', 'lti', 0, 0, ${AT}, ${AT})`);
  }
  await run(sql`insert into courses (id, fullname, shortname, created_at, updated_at)
    values (1, 'Astronomy', 'astro', ${AT}, ${AT})`);
  for (const id of [1, 2]) {
    await run(sql`insert into enrol_instances (id, course_id, method, name, role, created_at, updated_at)
      values (${id}, 1, 'lti', ${`P${id}`}, 'student', ${AT}, ${AT})`);
    await run(sql`insert into lti_publications (id, instance_id, uuid, course_id, secret, created_at, updated_at)
      values (${id}, ${id}, ${`00000000-0000-4000-8000-00000000000${id}`}, 1, ${`secret-${id}`}, ${AT}, ${AT})`);
  }
  await run(sql`insert into lti_deployments (id, side, publication_id, consumer_key, created_at)
    values (${D_P1_SHARED}, 'provider', 1, 'shared', ${AT}), (${D_P2_SHARED}, 'provider', 2, 'shared', ${AT}),
      (${D_P1_K1}, 'provider', 1, 'k1', ${AT})`);
  await run(sql`insert into lti_user_links (id, deployment_id, remote_user_id, user_id, created_at)
    values (1, ${D_P1_SHARED}, 'r1', 1, ${AT}), (2, ${D_P2_SHARED}, 'r2', 2, ${AT}),
      (3, ${D_P1_SHARED}, 'r3', 3, ${AT}), (4, ${D_P1_K1}, 'r4', 4, ${AT})`);
  await run(sql`insert into lti_provider_users (id, publication_id, deployment_id, user_id, remote_user_id,
      created_at)
    values (1, 1, ${D_P1_SHARED}, 1, 'r1', ${AT}), (2, 2, ${D_P2_SHARED}, 1, 'r1', ${AT}),
      (3, 2, ${D_P2_SHARED}, 2, 'r2', ${AT}), (4, 1, ${D_P1_SHARED}, 3, 'r3', ${AT}),
      (5, 1, ${D_P1_K1}, 4, 'r4', ${AT}), (6, 2, ${D_P2_SHARED}, 4, 'r4-other', ${AT})`);
  if (engineOf(db) === "postgres") {
    for (const t of ["lti_deployments", "lti_user_links", "lti_provider_users"])
      await run(sql`select setval(pg_get_serial_sequence(${t}, 'id'),
        (select max(id) from ${sql.table(t)}) + 1, false)`);
  }
}
