// Migration 0040 on a database written by the code before it: every (publication, consumer key) the
// provider side has seen becomes a deployment, every site tool and every External tool activity
// with its own key becomes one of Pluto's, and remote users, resource links, user links, nonces and
// launch-log rows point at them, on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { testEngines } from "../../../test/support/db.js";
import { type MigrationTestDb, openMigrationTestDb } from "../../../test/support/migration-db.js";
import type { DatabaseHandle } from "../database.js";

const AT = "2026-11-02T10:00:00.000Z";
const LATER = "2999-01-01T00:00:00.000Z";

for (const engine of testEngines()) {
  describe(`migration 0040: consumer keys become deployments (${engine})`, () => {
    let m: MigrationTestDb;
    let h: DatabaseHandle;

    before(async () => {
      m = await openMigrationTestDb(engine);
      h = m.h;
      await m.migrateTo("0031-lti-grade-claim");
      await writeRowsAsBefore(h);
      // Up to 0040 only: 0041 (account scopes) adds links of its own, tested beside it.
      await m.migrateTo("0040-lti-deployments");
    });
    after(async () => {
      await m.close();
    });

    type Deployment = {
      id: number;
      side: string;
      publication_id: number | null;
      consumer_key: string | null;
    };
    const deployments = async () =>
      (
        await sql<Deployment>`select id, side, publication_id, consumer_key, tool_type_id, activity_id
          from lti_deployments order by id`.execute(h.db)
      ).rows;
    const provider = async (publicationId: number | null, key: string) => {
      const d = (await deployments()).find(
        (x) => x.side === "provider" && x.publication_id === publicationId && x.consumer_key === key,
      );
      assert.ok(d, `a deployment for publication ${publicationId} and key ${key}`);
      return d.id;
    };

    it("makes one provider deployment per (publication, consumer key) seen, and one for a key whose publication is gone", async () => {
      const seen = (await deployments())
        .filter((d) => d.side === "provider")
        .map((d) => `${d.publication_id}/${d.consumer_key}`)
        .sort();
      // "forged" was only ever named by a refused launch: it is not a deployment.
      assert.deepEqual(seen, ["1/k1", "1/shared", "2/shared", "null/gone"]);
    });

    it("makes one consumer deployment per site tool and per activity with its own key", async () => {
      const { rows } = await sql<{ tool_type_id: number | null; activity_id: number | null }>`
        select tool_type_id, activity_id from lti_deployments where side = 'consumer' order by id`.execute(
        h.db,
      );
      assert.deepEqual(
        rows.map((r) => [r.tool_type_id, r.activity_id]),
        [
          [1, null],
          [null, 1],
        ],
      );
    });

    it("repoints remote users at their deployment, keeping ids, outcome details and grade claims", async () => {
      const { rows } = await sql<{
        id: number;
        publication_id: number;
        deployment_id: number;
        user_id: number;
        sourcedid: string | null;
        grade_claimed_by: string | null;
      }>`select id, publication_id, deployment_id, user_id, sourcedid, grade_claimed_by
        from lti_provider_users order by id`.execute(h.db);
      assert.deepEqual(rows, [
        {
          id: 7,
          publication_id: 1,
          deployment_id: await provider(1, "shared"),
          user_id: 1,
          sourcedid: "sid-1",
          grade_claimed_by: "node-a:1",
        },
        {
          id: 8,
          publication_id: 2,
          deployment_id: await provider(2, "shared"),
          user_id: 1,
          sourcedid: null,
          grade_claimed_by: null,
        },
        {
          id: 9,
          publication_id: 1,
          deployment_id: await provider(1, "k1"),
          user_id: 2,
          sourcedid: null,
          grade_claimed_by: null,
        },
      ]);
    });

    it("repoints resource links, one per deployment and resource_link_id", async () => {
      const { rows } = await sql<{
        id: number;
        deployment_id: number;
        resource_link_id: string;
        title: string;
      }>`
        select id, deployment_id, resource_link_id, title from lti_resource_links order by id`.execute(h.db);
      assert.deepEqual(rows, [
        { id: 3, deployment_id: await provider(1, "shared"), resource_link_id: "rl-1", title: "Week 1" },
        { id: 4, deployment_id: await provider(1, "k1"), resource_link_id: "rl-1", title: "Week 1 (k1)" },
        { id: 5, deployment_id: await provider(2, "shared"), resource_link_id: "rl-1", title: "Other" },
      ]);
    });

    it("links each remote user through the deployment that provisioned them", async () => {
      const { rows } = await sql<{ deployment_id: number; remote_user_id: string; user_id: number }>`
        select deployment_id, remote_user_id, user_id from lti_user_links order by id`.execute(h.db);
      assert.deepEqual(rows, [
        { deployment_id: await provider(1, "shared"), remote_user_id: "r1", user_id: 1 },
        { deployment_id: await provider(1, "k1"), remote_user_id: "r2", user_id: 2 },
        { deployment_id: await provider(null, "gone"), remote_user_id: "r3", user_id: 3 },
      ]);
    });

    it("keeps every nonce refused for each deployment that signs with its key", async () => {
      const { rows } = await sql<{ deployment_id: number; nonce: string }>`
        select deployment_id, nonce from lti_nonces order by deployment_id, nonce`.execute(h.db);
      const ds = await deployments();
      const toolType = ds.find((d) => (d as { tool_type_id?: number }).tool_type_id === 1)?.id;
      const activity = ds.find((d) => (d as { activity_id?: number }).activity_id === 1)?.id;
      const expected = [
        { deployment_id: await provider(1, "shared"), nonce: "n-in" },
        { deployment_id: await provider(2, "shared"), nonce: "n-in" },
        { deployment_id: toolType, nonce: "n-tool" },
        { deployment_id: activity, nonce: "n-activity" },
      ].sort((a, b) => Number(a.deployment_id) - Number(b.deployment_id) || a.nonce.localeCompare(b.nonce));
      assert.deepEqual(rows, expected);
    });

    it("points accepted launches at their deployment and keeps the raw key of refused ones", async () => {
      const { rows } = await sql<{ direction: string; consumer_key: string; deployment_id: number | null }>`
        select direction, consumer_key, deployment_id from lti_launch_log order by id`.execute(h.db);
      const ds = await deployments();
      assert.deepEqual(rows, [
        { direction: "in", consumer_key: "shared", deployment_id: await provider(1, "shared") },
        { direction: "in", consumer_key: "forged", deployment_id: null },
        {
          direction: "out",
          consumer_key: "actkey",
          deployment_id: ds.find((d) => (d as { activity_id?: number }).activity_id === 1)?.id ?? -1,
        },
        {
          direction: "out",
          consumer_key: "toolkey",
          deployment_id: ds.find((d) => (d as { tool_type_id?: number }).tool_type_id === 1)?.id ?? -1,
        },
      ]);
    });

    it("continues ids after the kept ones, so new rows do not collide", async () => {
      const d = await provider(1, "shared");
      const { rows } = await sql<{ id: number }>`insert into lti_provider_users
          (publication_id, deployment_id, user_id, remote_user_id, created_at)
        values (1, ${d}, 3, 'r3', ${AT}) returning id`.execute(h.db);
      assert.equal(rows[0]?.id, 10);
    });
  });
}

/** Rows as the code before migration 0040 wrote them (consumer keys everywhere). */
async function writeRowsAsBefore({ db }: DatabaseHandle): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  for (const [id, name] of [
    [1, "alice"],
    [2, "bob"],
    [3, "carol"],
  ] as const) {
    await run(sql`insert into users (id, username, email, firstname, lastname, country, city, timezone, lang,
        institution, auth, suspended, site_admin, created_at, updated_at)
      values (${id}, ${`lti_${name}`}, '', ${name}, '', '', '', '', '', '', 'lti', 0, 0, ${AT}, ${AT})`);
  }
  await run(sql`insert into courses (id, fullname, shortname, created_at, updated_at)
    values (1, 'Astronomy', 'astro', ${AT}, ${AT})`);
  await run(sql`insert into sections (id, course_id, position, name) values (1, 1, 0, 'General')`);
  for (const id of [1, 2]) {
    await run(sql`insert into enrol_instances (id, course_id, method, name, role, created_at, updated_at)
      values (${id}, 1, 'lti', ${`P${id}`}, 'student', ${AT}, ${AT})`);
    await run(sql`insert into lti_publications (id, instance_id, uuid, course_id, secret, created_at, updated_at)
      values (${id}, ${id}, ${`00000000-0000-4000-8000-00000000000${id}`}, 1, 'secret', ${AT}, ${AT})`);
  }
  await run(sql`insert into lti_tool_types (id, name, consumer_key, shared_secret, created_at, updated_at)
    values (1, 'Site tool', 'toolkey', 'toolsecret', ${AT}, ${AT})`);
  const activity = (id: number, settings: object) =>
    run(sql`insert into activities (id, course_id, section_id, position, type, name, settings, created_at, updated_at)
      values (${id}, 1, 1, ${id}, 'lti', ${`Tool ${id}`}, ${JSON.stringify(settings)}, ${AT}, ${AT})`);
  await activity(1, { toolUrl: "http://tool.example/a", consumerKey: "actkey", sharedSecret: "actsecret" });
  await activity(2, { toolUrl: "http://tool.example/b", toolTypeId: 1, consumerKey: "", sharedSecret: "" });

  // Remote user r1 launched both publications with the key they share; r2 used another key on P1;
  // r3's publication was deleted (only the link is left).
  for (const [id, key, remote, user] of [
    [1, "shared", "r1", 1],
    [2, "k1", "r2", 2],
    [3, "gone", "r3", 3],
  ] as const) {
    await run(sql`insert into lti_user_links (id, consumer_key, remote_user_id, user_id, created_at)
      values (${id}, ${key}, ${remote}, ${user}, ${AT})`);
  }
  await run(sql`insert into lti_provider_users (id, publication_id, user_id, consumer_key, remote_user_id,
      outcome_url, sourcedid, last_grade_sent, grade_claimed_by, grade_claimed_until, last_launch_at, created_at)
    values (7, 1, 1, 'shared', 'r1', 'http://lms.example/outcomes', 'sid-1', 0.5, 'node-a:1', ${LATER}, ${AT}, ${AT}),
      (8, 2, 1, 'shared', 'r1', null, null, null, null, null, ${AT}, ${AT}),
      (9, 1, 2, 'k1', 'r2', null, null, null, null, null, ${AT}, ${AT})`);
  await run(sql`insert into lti_resource_links (id, publication_id, consumer_key, resource_link_id, context_id,
      context_title, title, created_at, updated_at)
    values (3, 1, 'shared', 'rl-1', 'c1', 'Course', 'Week 1', ${AT}, ${AT}),
      (4, 1, 'k1', 'rl-1', 'c1', 'Course', 'Week 1 (k1)', ${AT}, ${AT}),
      (5, 2, 'shared', 'rl-1', 'c2', 'Course', 'Other', ${AT}, ${AT})`);
  await run(sql`insert into lti_nonces (consumer_key, nonce, expires_at)
    values ('in:shared', 'n-in', ${LATER}), ('tool:toolkey', 'n-tool', ${LATER}),
      ('tool:actkey', 'n-activity', ${LATER})`);
  await run(sql`insert into lti_launch_log (created_at, direction, course_id, publication_id, activity_id,
      consumer_key, remote_user_id, user_id, result, reason, message)
    values (${AT}, 'in', 1, 1, null, 'shared', 'r1', 1, 'ok', '', 'learner'),
      (${AT}, 'in', 1, 1, null, 'forged', 'rx', null, 'rejected', 'bad_signature', 'bad'),
      (${AT}, 'out', 1, null, 1, 'actkey', 'opaque-1', 1, 'ok', '', 'Launched'),
      (${AT}, 'out', 1, null, 2, 'toolkey', 'opaque-1', 1, 'ok', '', 'Launched')`);
}
