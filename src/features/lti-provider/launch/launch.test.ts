import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { makeCourse } from "../../../../test/support/factories.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";

interface Published {
  id: number;
  launchUrl: string;
  cartridgeUrl: string;
  secret: string;
}

async function publish(
  t: TestApp,
  token: string,
  courseId: number,
  body: Record<string, unknown> = {},
): Promise<Published> {
  const res = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
    method: "lti",
    ltiVersion: "1.1",
    name: "Consumer A",
    ...body,
  });
  assert.equal(res.status, 201, res.body);
  return res.json as Published;
}

async function post(t: TestApp, url: string, form: Record<string, string>) {
  return t.app.inject({
    method: "POST",
    url: new URL(url).pathname,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
}

const now = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000);

for (const engine of testEngines()) {
  describe(`LTI 1.1 launches into a published course (${engine})`, () => {
    let t: TestApp;
    let token: string;
    let courseId: number;
    let pub: Published;
    before(async () => {
      t = await startTestApp(engine);
      token = await t.token((await t.admin()).id);
    });
    after(() => t.close());
    beforeEach(async () => {
      courseId = (await makeCourse(t)).id;
      pub = await publish(t, token, courseId, {
        defaults: {
          country: "NZ",
          city: "Wellington",
          timezone: "Pacific/Auckland",
          lang: "en",
          institution: "Remote School",
        },
      });
    });

    const usersOf = (remote: string) =>
      t.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .selectAll("u")
        .where("l.remote_user_id", "=", remote)
        .execute();

    const launch = (
      over: Record<string, string> = {},
      opts: { timestamp?: number; nonce?: string; secret?: string; key?: string } = {},
    ) =>
      post(
        t,
        pub.launchUrl,
        signLaunch(pub.launchUrl, opts.key ?? "consumer-a", opts.secret ?? pub.secret, baseLaunch(over), {
          timestamp: opts.timestamp ?? now(t),
          nonce: opts.nonce,
        }),
      );

    it("accepts a launch signed by oauth-1.0a, provisions the user with the default values and enrols them as student", async () => {
      const res = await launch();
      assert.equal(res.statusCode, 303, res.body);
      assert.match(String(res.headers.location), /^\/enrol\/lti\/continue\//);
      const cookie = res.cookies.find((c) => c.name === "pluto_session");
      assert.ok(cookie, "a session cookie is set");
      const raw = ([] as string[]).concat(res.headers["set-cookie"] ?? []).join("\n");
      assert.match(raw, /pluto_session=[^;]+;.*SameSite=None/);
      assert.match(raw, /pluto_session=[^;]+;.*Secure/);
      assert.match(raw, /pluto_session=[^;]+;.*Partitioned/);

      const [user] = await usersOf("remote-42");
      assert.ok(user);
      assert.equal(user.firstname, "Ada");
      assert.equal(user.lastname, "Lovelace");
      assert.equal(user.email, "ada@consumer.example");
      assert.deepEqual(
        [user.country, user.city, user.timezone, user.lang, user.institution],
        ["NZ", "Wellington", "Pacific/Auckland", "en", "Remote School"],
      );
      const roles = await t.ctx.db
        .selectFrom("role_assignments")
        .select("role")
        .where("user_id", "=", user.id)
        .where("course_id", "=", courseId)
        .execute();
      assert.deepEqual(
        roles.map((r) => r.role),
        ["student"],
      );

      // The continuation, with the cookie, goes on to the course, rendered without the site header.
      const cont = await t.app.inject({
        url: String(res.headers.location),
        cookies: { pluto_session: cookie.value },
      });
      assert.equal(cont.statusCode, 303);
      assert.equal(cont.headers.location, `/course/${courseId}`);
      const page = await t.app.inject({
        url: `/course/${courseId}`,
        cookies: { pluto_session: cookie.value },
      });
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /class="site-header"/);
      assert.match(page.body, /Return to course/);
      assert.match(String(page.headers["content-security-policy"]), /frame-ancestors \*/);

      const log = await t.ctx.db
        .selectFrom("lti_launch_log")
        .selectAll()
        .where("course_id", "=", courseId)
        .execute();
      assert.equal(log.length, 1);
      assert.equal(log[0]?.result, "ok");
      assert.equal(log[0]?.consumer_key, "consumer-a");
    });

    it("maps Instructor, Administrator, ContentDeveloper and TeachingAssistant (short or URN) to the instructor role", async () => {
      const cases = [
        "Instructor",
        "urn:lti:role:ims/lis/Instructor",
        "Administrator",
        "urn:lti:instrole:ims/lis/Administrator",
        "ContentDeveloper",
        "TeachingAssistant",
        "Mentor",
        "Learner",
      ];
      for (const [i, roles] of cases.entries()) {
        const res = await launch({ user_id: `role-${i}`, roles });
        assert.equal(res.statusCode, 303, `${roles}: ${res.body}`);
        const link = await t.ctx.db
          .selectFrom("lti_user_links")
          .select("user_id")
          .where("remote_user_id", "=", `role-${i}`)
          .executeTakeFirstOrThrow();
        const r = await t.ctx.db
          .selectFrom("role_assignments")
          .select("role")
          .where("user_id", "=", link.user_id)
          .executeTakeFirstOrThrow();
        const expected = roles === "Mentor" || roles === "Learner" ? "student" : "editingteacher";
        assert.equal(r.role, expected, roles);
      }
    });

    it("refreshes the profile on later launches and keeps one account per (consumer key, user_id)", async () => {
      await launch({ user_id: "refresh" });
      await launch({
        user_id: "refresh",
        lis_person_name_given: "Augusta",
        lis_person_contact_email_primary: "augusta@consumer.example",
      });
      const users = await usersOf("refresh");
      assert.equal(users.length, 1);
      assert.equal(users[0]?.firstname, "Augusta");
      assert.equal(users[0]?.email, "augusta@consumer.example");
      await launch({ user_id: "refresh" }, { key: "consumer-b" });
      assert.equal((await usersOf("refresh")).length, 2, "another consumer key is another person");
    });

    it("records the outcome service, sourcedid, memberships and return URL", async () => {
      await launch({
        user_id: "recorded",
        lis_outcome_service_url: "http://consumer.example/outcomes",
        lis_result_sourcedid: "sid-1",
        ext_ims_lis_memberships_url: "http://consumer.example/members",
        ext_ims_lis_memberships_id: "mid-1",
      });
      const pu = await t.ctx.db
        .selectFrom("lti_provider_users")
        .selectAll()
        .where("remote_user_id", "=", "recorded")
        .executeTakeFirstOrThrow();
      assert.equal(pu.outcome_url, "http://consumer.example/outcomes");
      assert.equal(pu.sourcedid, "sid-1");
      const rl = await t.ctx.db
        .selectFrom("lti_resource_links")
        .selectAll()
        .where("publication_id", "=", pu.publication_id)
        .executeTakeFirstOrThrow();
      assert.equal(rl.memberships_url, "http://consumer.example/members");
      assert.equal(rl.memberships_id, "mid-1");
      assert.equal(rl.return_url, "http://consumer.example/return");
    });

    const rejections: Array<[string, string, number, (t: TestApp, p: Published) => Promise<unknown>]> = [
      ["a bad signature", "bad_signature", 401, () => launch({}, { secret: "x".repeat(40) })],
      ["a stale timestamp", "stale_timestamp", 401, () => launch({}, { timestamp: now(t) - 3600 })],
      ["a missing resource_link_id", "missing_parameter", 400, () => launch({ resource_link_id: "" })],
      [
        "a wrong message type",
        "unsupported_message_type",
        400,
        () => launch({ lti_message_type: "ContentItemSelectionRequest" }),
      ],
      ["a missing user_id", "missing_parameter", 400, () => launch({ user_id: "" })],
    ];
    for (const [what, reason, status, run] of rejections) {
      it(`refuses ${what} with ${status}, a clear page and a launch-log row, writing nothing else`, async () => {
        const before = await t.ctx.db.selectFrom("users").select("id").execute();
        const res = (await run(t, pub)) as { statusCode: number; body: string };
        assert.equal(res.statusCode, status);
        assert.match(res.body, /This launch was refused/);
        assert.match(res.body, new RegExp(reason));
        assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
        assert.equal((await t.ctx.db.selectFrom("users").select("id").execute()).length, before.length);
        const log = await t.ctx.db
          .selectFrom("lti_launch_log")
          .selectAll()
          .where("course_id", "=", courseId)
          .execute();
        assert.equal(log.length, 1);
        assert.equal(log[0]?.result, "rejected");
        assert.equal(log[0]?.reason, reason);
      });
    }

    it("refuses a replayed nonce", async () => {
      const form = signLaunch(pub.launchUrl, "consumer-a", pub.secret, baseLaunch(), {
        timestamp: now(t),
        nonce: "same-nonce",
      });
      assert.equal((await post(t, pub.launchUrl, form)).statusCode, 303);
      const again = await post(t, pub.launchUrl, form);
      assert.equal(again.statusCode, 401);
      assert.match(again.body, /replayed_nonce/);
    });

    it("refuses launches before the enrolment start, after the end, when disabled and when full", async () => {
      const patch = async (body: Record<string, unknown>) =>
        assert.equal((await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${pub.id}`, body)).status, 200);
      const nowMs = t.clock.now().getTime();
      await patch({ enrolStart: new Date(nowMs + 86400_000).toISOString() });
      let res = await launch({ user_id: "u1" });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /enrolment_not_started/);
      await patch({ enrolStart: null, enrolEnd: new Date(nowMs - 1000).toISOString() });
      res = await launch({ user_id: "u2" });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /enrolment_ended/);
      await patch({ enrolEnd: null, status: "disabled" });
      res = await launch({ user_id: "u3" });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /method_disabled/);
      await patch({ status: "enabled", maxEnrolled: 1 });
      assert.equal((await launch({ user_id: "u4" })).statusCode, 303);
      res = await launch({ user_id: "u5" });
      assert.equal(res.statusCode, 409);
      assert.match(res.body, /course_full/);
      assert.equal(
        (await launch({ user_id: "u4" })).statusCode,
        303,
        "an enrolled user may return to a full course",
      );
      const created = await t.ctx.db
        .selectFrom("lti_user_links")
        .select("remote_user_id")
        .where("remote_user_id", "in", ["u1", "u2", "u3", "u4", "u5"])
        .execute();
      assert.deepEqual(
        created.map((c) => c.remote_user_id),
        ["u4"],
        "only the accepted launch created an account",
      );
    });

    it("applies the enrolment period to new enrolments", async () => {
      await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${pub.id}`, { enrolPeriod: 3600 });
      await launch();
      const e = await t.ctx.db
        .selectFrom("enrolments")
        .selectAll()
        .where("instance_id", "=", pub.id)
        .executeTakeFirstOrThrow();
      assert.equal(Date.parse(e.time_end ?? "") - Date.parse(e.time_start ?? ""), 3600_000);
    });

    it("creates one account and one enrolment for 50 simultaneous first launches of one user", async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => launch({ user_id: "simultaneous" }, { nonce: `n-${i}` })),
      );
      assert.ok(
        results.every((r) => r.statusCode === 303),
        results.map((r) => r.statusCode).join(","),
      );
      assert.equal((await usersOf("simultaneous")).length, 1);
      assert.equal(
        (await t.ctx.db.selectFrom("enrolments").select("id").where("instance_id", "=", pub.id).execute())
          .length,
        1,
      );
    });

    it("holds a maximum of 10 users under 50 simultaneous distinct launches", async () => {
      await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${pub.id}`, { maxEnrolled: 10 });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => launch({ user_id: `p-${i}` })));
      assert.equal(results.filter((r) => r.statusCode === 303).length, 10);
      assert.equal(results.filter((r) => r.statusCode === 409).length, 40);
      assert.equal(
        (await t.ctx.db.selectFrom("enrolments").select("id").where("instance_id", "=", pub.id).execute())
          .length,
        10,
      );
    });

    it("sends a user without a usable cookie to a page offering a new window, whose one-time link logs them in", async () => {
      const res = await launch();
      const cont = await t.app.inject({ url: String(res.headers.location) });
      assert.equal(cont.statusCode, 200);
      assert.match(cont.body, /Open the course in a new window/);
      const handoff = /href="(\/enrol\/lti\/handoff\/[^"]+)"/.exec(cont.body)?.[1];
      assert.ok(handoff);
      const opened = await t.app.inject({ url: handoff });
      assert.equal(opened.statusCode, 303);
      assert.equal(opened.headers.location, `/course/${courseId}`);
      assert.equal((await t.app.inject({ url: handoff })).statusCode, 404, "the link works once");
    });

    it("publishes one activity: launches land on it", async () => {
      const act = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "page",
        name: "Reading",
        section: 1,
        settings: { content: "<p>Read me</p>" },
      });
      assert.equal(act.status, 201, act.body);
      const actId = (act.json as { id: number }).id;
      const p2 = await publish(t, token, courseId, { publish: "activity", activityId: actId });
      const form = signLaunch(p2.launchUrl, "k", p2.secret, baseLaunch());
      const res = await post(t, p2.launchUrl, form);
      const cookie = res.cookies.find((c) => c.name === "pluto_session")?.value ?? "";
      const cont = await t.app.inject({
        url: String(res.headers.location),
        cookies: { pluto_session: cookie },
      });
      assert.equal(cont.headers.location, `/mod/${actId}`);
    });
  });
}
