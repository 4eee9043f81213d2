// A publication's secret reaches only the accounts of its own consumers. A launch verified with
// publication P1's secret may name any consumer key, so a key alone names no account: a remote user
// is found only through the deployment launched (or the group a site admin declared one consumer).
// The attack — P1's secret, another consumer's key, a guessed user_id — gets a new, separate
// account and leaves the victim's account, enrolments and roles as they were.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";
import { applyMembers, type MemberSyncTotals } from "../member-sync/member-sync.service.js";
import { findPublication, listResourceLinks } from "../publications/publications.repository.js";

interface Published {
  /** the enrolment method instance */
  id: number;
  launchUrl: string;
  secret: string;
  courseId: number;
  /** the lti_publications row */
  publicationId: number;
}

const CONSUMERS = "/admin/lti/consumers";

for (const engine of testEngines()) {
  describe(`account scopes: a publication's secret reaches only its own remote users (${engine})`, () => {
    let t: TestApp;
    let token: string;
    let admin: Client;
    before(async () => {
      t = await startTestApp(engine);
      token = await t.token((await t.admin()).id);
      admin = await t.client("admin");
    });
    after(() => t.close());

    async function publish(): Promise<Published> {
      const courseId = (await makeCourse(t)).id;
      const res = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Consumer",
      });
      assert.equal(res.status, 201, res.body);
      const pub = res.json as Omit<Published, "publicationId" | "courseId">;
      const row = await t.ctx.db
        .selectFrom("lti_publications")
        .select("id")
        .where("instance_id", "=", pub.id)
        .executeTakeFirstOrThrow();
      return { ...pub, courseId, publicationId: row.id };
    }

    const launch = (pub: Published, key: string, over: Record<string, string>, secret = pub.secret) =>
      t.app.inject({
        method: "POST",
        url: new URL(pub.launchUrl).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(
          signLaunch(pub.launchUrl, key, secret, baseLaunch(over), {
            timestamp: Math.floor(t.clock.now().getTime() / 1000),
          }),
        ).toString(),
      });

    async function launched(pub: Published, key: string, over: Record<string, string>) {
      const res = await launch(pub, key, over);
      assert.equal(res.statusCode, 303, res.body);
    }

    const deploymentOf = async (pub: Published, key: string) =>
      (
        await t.ctx.db
          .selectFrom("lti_deployments")
          .select("id")
          .where("publication_id", "=", pub.publicationId)
          .where("consumer_key", "=", key)
          .executeTakeFirstOrThrow()
      ).id;

    /** The account the last accepted launch of `remote` into `pub` signed in, from the launch log. */
    const lastLaunchUser = async (pub: Published, remote: string) =>
      (
        await t.ctx.db
          .selectFrom("lti_launch_log")
          .select("user_id")
          .where("publication_id", "=", pub.publicationId)
          .where("remote_user_id", "=", remote)
          .where("result", "=", "ok")
          .orderBy("id", "desc")
          .executeTakeFirstOrThrow()
      ).user_id;

    const count = async (table: "enrolments" | "role_assignments" | "sessions", userId: number) =>
      Number(
        (
          await t.ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .where("user_id", "=", userId)
            .executeTakeFirstOrThrow()
        ).n,
      );

    /** What a takeover would change: the victim's rows and the victim publication's rows. */
    async function snapshot(victim: number, p2: Published) {
      const pus = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select(["user_id", "deployment_id", "remote_user_id", "last_launch_at"])
        .where("publication_id", "=", p2.publicationId)
        .orderBy("id")
        .execute();
      const links = await t.ctx.db
        .selectFrom("lti_user_links")
        .select(["deployment_id", "remote_user_id"])
        .where("user_id", "=", victim)
        .orderBy("id")
        .execute();
      const user = await t.ctx.db
        .selectFrom("users")
        .select(["username", "firstname", "lastname", "email"])
        .where("id", "=", victim)
        .executeTakeFirstOrThrow();
      return {
        enrolments: await count("enrolments", victim),
        roles: await count("role_assignments", victim),
        sessions: await count("sessions", victim),
        pus,
        links,
        user,
      };
    }

    it("gives a launch signed with P1's secret and P2's consumer key a new account, never P2's teacher's", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p2, "k2", { user_id: "teacher-t", roles: "Instructor", lis_person_name_given: "Tess" });
      const victim = (await lastLaunchUser(p2, "teacher-t")) ?? -1;
      const before = await snapshot(victim, p2);
      assert.deepEqual([before.enrolments, before.roles], [1, 1], "T teaches P2's course");
      const users = await t.ctx.db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();

      // The attacker holds only P1's secret, and names P2's consumer key and T's user_id.
      const res = await launch(p1, "k2", {
        user_id: "teacher-t",
        roles: "Instructor",
        lis_person_name_given: "Mallory",
        lis_person_contact_email_primary: "mallory@evil.example",
      });
      assert.equal(res.statusCode, 303, res.body);
      const got = await lastLaunchUser(p1, "teacher-t");
      assert.ok(got !== null && got !== victim, "a new, separate account");
      assert.deepEqual(
        await snapshot(victim, p2),
        before,
        "T's account, enrolment, roles and P2's rows unchanged",
      );
      const after = await t.ctx.db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(users.n) + 1, "exactly one account more");
      const log = await t.ctx.db
        .selectFrom("lti_launch_log")
        .select(["consumer_key", "deployment_id", "user_id", "result"])
        .where("publication_id", "=", p1.publicationId)
        .execute();
      assert.deepEqual(log, [
        { consumer_key: "k2", deployment_id: await deploymentOf(p1, "k2"), user_id: got, result: "ok" },
      ]);
    });

    it("provisions members synced through P1's deployment of a key in P1's scope, not P2's", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p2, "sync-key", { user_id: "roster-t", roles: "Instructor" });
      const victim = (await lastLaunchUser(p2, "roster-t")) ?? -1;
      await launched(p1, "sync-key", {
        user_id: "someone",
        ext_ims_lis_memberships_url: "http://c.example/m",
      });
      const before = await snapshot(victim, p2);
      const pub = await findPublication(t.ctx.db, p1.publicationId);
      assert.ok(pub);
      const [link] = await listResourceLinks(t.ctx.db, p1.publicationId);
      assert.ok(link);
      const totals: MemberSyncTotals = { links: 1, unreachable: 0, enrolled: 0, unenrolled: 0, failed: 0 };
      await applyMembers(
        t.ctx,
        { ...pub, memberSyncMode: "enrol_new" },
        link,
        [{ userId: "roster-t", roles: ["Instructor"], givenName: "Fake" }],
        totals,
      );
      assert.deepEqual([totals.enrolled, totals.failed], [1, 0]);
      const synced = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select("user_id")
        .where("publication_id", "=", p1.publicationId)
        .where("remote_user_id", "=", "roster-t")
        .executeTakeFirstOrThrow();
      assert.notEqual(synced.user_id, victim);
      assert.deepEqual(await snapshot(victim, p2), before);
    });

    it("lets a site admin declare two deployments of a key one consumer, so a remote user keeps one account, and undo it", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p2, "one-lms", { user_id: "learner-l" });
      await launched(p1, "one-lms", { user_id: "first-on-p1" });
      const learner = await lastLaunchUser(p2, "learner-l");
      const [d1, d2] = [await deploymentOf(p1, "one-lms"), await deploymentOf(p2, "one-lms")];

      const page = await admin.get(CONSUMERS);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`<label for="same-as-${d1}">Same consumer as…`));
      const declared = await admin.post(`${CONSUMERS}/${d1}/same-consumer`, { sameAs: String(d2) });
      assert.equal(declared.statusCode, 303, declared.body);
      assert.match((await admin.get(CONSUMERS)).body, /Keep accounts separate/);
      const published = await admin.get(`/course/${p1.courseId}/lti-publications`);
      assert.match(
        published.body,
        /Consumer key <code>one-lms<\/code>: 1 account made, shares accounts with 1 other consumer of the key/,
      );
      assert.match(published.body, new RegExp(`href="${CONSUMERS}"`));

      await launched(p1, "one-lms", { user_id: "learner-l" });
      assert.equal(await lastLaunchUser(p1, "learner-l"), learner, "the same account through both");
      // A remote user whose account was made through P1 keeps it.
      const first = await lastLaunchUser(p1, "first-on-p1");
      await launched(p2, "one-lms", { user_id: "first-on-p1" });
      assert.equal(await lastLaunchUser(p2, "first-on-p1"), first);

      const undone = await admin.post(`${CONSUMERS}/${d1}/separate`);
      assert.equal(undone.statusCode, 303, undone.body);
      await launched(p1, "one-lms", { user_id: "learner-l" });
      const after = await lastLaunchUser(p1, "learner-l");
      assert.ok(after !== null && after !== learner, "separate again: P1 no longer reaches P2's account");
      await launched(p2, "one-lms", { user_id: "learner-l" });
      assert.equal(await lastLaunchUser(p2, "learner-l"), learner, "P2's remote user keeps their account");
    });

    it("declares and undoes through the API, which lists the consumers", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p1, "api-key", { user_id: "a-1" });
      await launched(p2, "api-key", { user_id: "a-2" });
      const [d1, d2] = [await deploymentOf(p1, "api-key"), await deploymentOf(p2, "api-key")];
      const put = await api(t.app, token, "PUT", `/api/v1/lti/consumers/${d2}/account-scope`, { sameAs: d1 });
      assert.equal(put.status, 200, put.body);
      assert.deepEqual((put.json as { sharesWith: number[]; accountScope: number }).sharesWith, [d1]);
      const list = await api(t.app, token, "GET", "/api/v1/lti/consumers");
      const mine = (
        list.json as Array<{ id: number; consumerKey: string; linkedAccounts: number; sharesWith: number[] }>
      )
        .filter((c) => c.consumerKey === "api-key")
        .map((c) => ({ id: c.id, linkedAccounts: c.linkedAccounts, sharesWith: c.sharesWith }));
      assert.deepEqual(mine, [
        { id: d1, linkedAccounts: 1, sharesWith: [d2] },
        { id: d2, linkedAccounts: 1, sharesWith: [d1] },
      ]);
      // Undone from the group's first deployment: the other heads itself again.
      const undo = await api(t.app, token, "PUT", `/api/v1/lti/consumers/${d1}/account-scope`, {
        sameAs: null,
      });
      assert.equal(undo.status, 200, undo.body);
      const scopes = await t.ctx.db
        .selectFrom("lti_deployments")
        .select("account_scope_id")
        .where("id", "in", [d1, d2])
        .execute();
      assert.deepEqual(
        scopes.map((s) => s.account_scope_id),
        [null, null],
      );
    });

    it("is documented in the OpenAPI document, with the body it takes", async () => {
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      };
      assert.ok(doc.paths["/lti/consumers"]?.get, "the list");
      const put = doc.paths["/lti/consumers/{id}/account-scope"]?.put;
      assert.match(JSON.stringify(put?.requestBody), /"sameAs"/);
    });

    it("refuses bad declarations with a clear 4xx and changes nothing", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p1, "bad-key", { user_id: "b-1" });
      await launched(p2, "other-key", { user_id: "b-2" });
      const d1 = await deploymentOf(p1, "bad-key");
      const other = await deploymentOf(p2, "other-key");
      const cases: Array<[string, number, unknown, number, string]> = [
        ["another consumer key", d1, { sameAs: other }, 400, "validation"],
        ["itself", d1, { sameAs: d1 }, 400, "validation"],
        ["no such deployment to share with", d1, { sameAs: 2_000_000 }, 400, "validation"],
        ["a string", d1, { sameAs: "2" }, 400, "validation"],
        ["no sameAs", d1, {}, 400, "validation"],
        ["no such deployment", 2_000_000, { sameAs: d1 }, 404, "not_found"],
      ];
      for (const [what, id, body, status, code] of cases) {
        const res = await api(t.app, token, "PUT", `/api/v1/lti/consumers/${id}/account-scope`, body);
        assert.equal(res.status, status, `${what}: ${res.body}`);
        assert.equal((res.json as { error: { code: string } }).error.code, code, what);
      }
      const form = await admin.post(`${CONSUMERS}/${d1}/same-consumer`, { sameAs: String(other) });
      assert.equal(form.statusCode, 400);
      assert.match(form.body, /same consumer key/);
      const scopes = await t.ctx.db
        .selectFrom("lti_deployments")
        .select("account_scope_id")
        .where("id", "in", [d1, other])
        .execute();
      assert.deepEqual(
        scopes.map((s) => s.account_scope_id),
        [null, null],
      );
    });

    it("lets only a site admin see or declare consumers (403), not a teacher of the course", async () => {
      const p1 = await publish();
      const p2 = await publish();
      await launched(p1, "guarded", { user_id: "g-1" });
      await launched(p2, "guarded", { user_id: "g-2" });
      const [d1, d2] = [await deploymentOf(p1, "guarded"), await deploymentOf(p2, "guarded")];
      const teacher = await t.user("teacher-of-both");
      for (const courseId of [p1.courseId, p2.courseId])
        await enrolAs(t, courseId, teacher.id, "editingteacher");
      const c = await t.client("teacher-of-both");
      await c.get("/");
      assert.equal((await c.get(CONSUMERS)).statusCode, 403);
      assert.equal(
        (await c.post(`${CONSUMERS}/${d1}/same-consumer`, { sameAs: String(d2) })).statusCode,
        403,
      );
      assert.equal((await c.post(`${CONSUMERS}/${d1}/separate`)).statusCode, 403);
      const teacherToken = await t.token(teacher.id);
      for (const [method, url, body] of [
        ["GET", "/api/v1/lti/consumers", undefined],
        ["PUT", `/api/v1/lti/consumers/${d1}/account-scope`, { sameAs: d2 }],
      ] as const) {
        const res = await api(t.app, teacherToken, method, url, body);
        assert.equal(res.status, 403, url);
        assert.equal((res.json as { error: { code: string } }).error.code, "forbidden");
      }
      const scopes = await t.ctx.db
        .selectFrom("lti_deployments")
        .select("account_scope_id")
        .where("id", "in", [d1, d2])
        .execute();
      assert.deepEqual(
        scopes.map((s) => s.account_scope_id),
        [null, null],
      );
    });
  });
}
