// A NUL character in any text a request carries is refused with a 400 that names the field, and
// nothing is written: the same answer on SQLite (which would store it) and PostgreSQL (which cannot).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { api, type Client, startTestApp, type TestApp } from "../../test/support/app.js";
import { testEngines } from "../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../test/support/factories.js";
import { baseLaunch, signLaunch } from "../../test/support/lti11-consumer.js";
import { buildSourcedId, siteSecret } from "../features/lti-consumer/tokens.service.js";
import { signBodyHashRequest } from "../lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest } from "../lti/v1p1/outcomes.js";

const WATCHED = [
  "users",
  "sessions",
  "login_attempts",
  "courses",
  "enrolments",
  "grades",
  "grade_history",
  "lti_user_links",
  "lti_nonces",
  "lti_launch_log",
  "lti_handoffs",
] as const;

const NUL = "\u0000";

for (const engine of testEngines()) {
  describe(`NUL characters in a request (${engine})`, () => {
    let t: TestApp;
    let adminToken: string;
    let launchUrl: string;
    let secret: string;
    let student: Client;
    let outcomesUrl: string;
    let sourcedId: string;

    before(async () => {
      t = await startTestApp(engine);
      adminToken = await t.token((await t.admin()).id);
      await t.user("nina");
      student = await t.client("nina");
      await student.get("/profile");
      const course = await makeCourse(t);
      const pub = await api(t.app, adminToken, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Consumer A",
      });
      assert.equal(pub.status, 201, pub.body);
      ({ launchUrl, secret } = pub.json as { launchUrl: string; secret: string });
      const activity = await addActivity(t, course.id, {
        type: "lti",
        name: "Graded tool",
        settings: {
          toolUrl: "http://127.0.0.1:9/launch",
          consumerKey: "ok",
          sharedSecret: "ok-secret",
          maxGrade: 10,
        },
      });
      const olga = await t.user("olga");
      await enrolAs(t, course.id, olga.id, "student");
      sourcedId = buildSourcedId(await siteSecret(t.ctx.db, t.ctx.clock), activity.id, olga.id);
      outcomesUrl = `${t.ctx.config.publicUrl}/lti/outcomes`;
    });
    after(() => t.close());

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const table of WATCHED) {
        const row = await t.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      return out;
    }

    function launch(over: Record<string, string>, nonce?: string) {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const form = signLaunch(launchUrl, "consumer-a", secret, baseLaunch(over), { timestamp: now, nonce });
      return t.app.inject({
        method: "POST",
        url: new URL(launchUrl).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(form).toString(),
      });
    }

    function outcome(body: string, nonce?: string) {
      const { authorization } = signBodyHashRequest(
        { url: outcomesUrl, body, consumerKey: "ok", secret: "ok-secret" },
        { clock: t.clock, ...(nonce === undefined ? {} : { nonce: () => nonce }) },
      );
      return t.app.inject({
        method: "POST",
        url: "/lti/outcomes",
        headers: { "content-type": "application/xml", authorization },
        payload: body,
      });
    }

    const cases: {
      name: string;
      field: string;
      send(): Promise<LightMyRequestResponse | { statusCode: number; body: string }>;
    }[] = [
      {
        name: "the login form's user name",
        field: "username",
        send: async () => {
          const c = await t.client();
          await c.get("/login");
          return c.post("/login", { username: `nina${NUL}`, password: "password123" });
        },
      },
      {
        name: "the login page's next",
        field: "next",
        send: () => t.client().then((c) => c.get(`/login?next=%2Fmy%00`)),
      },
      {
        name: "a profile field",
        field: "city",
        send: () =>
          student.post("/profile", {
            firstname: "Nina",
            lastname: "Tester",
            email: "nina@example.org",
            city: `Kiel${NUL}`,
          }),
      },
      {
        name: "a course name in the API's JSON",
        field: "fullname",
        send: () =>
          api(t.app, adminToken, "POST", "/api/v1/courses", {
            fullname: `Nul${NUL}course`,
            shortname: "NUL1",
          }).then((r) => ({ statusCode: r.status, body: r.body })),
      },
      {
        name: "a nested JSON string",
        field: "tags.1",
        send: () =>
          api(t.app, adminToken, "POST", "/api/v1/courses", {
            fullname: "Nested",
            shortname: "NUL2",
            tags: ["a", `b${NUL}`],
          }).then((r) => ({ statusCode: r.status, body: r.body })),
      },
      { name: "a launch's user_id", field: "user_id", send: () => launch({ user_id: `remote${NUL}42` }) },
      { name: "a launch's oauth_nonce", field: "oauth_nonce", send: () => launch({}, `nonce${NUL}`) },
      {
        name: "a launch's custom parameter",
        field: "custom_x",
        send: () => launch({ custom_x: `x${NUL}y` }),
      },
      {
        name: "a launch's lis_person_name_given",
        field: "lis_person_name_given",
        send: () => launch({ lis_person_name_given: `A${NUL}da` }),
      },
    ];

    for (const c of cases) {
      it(`refuses a NUL in ${c.name} with a 400 naming ${c.field}, and writes nothing`, async () => {
        const before = await counts();
        const res = await c.send();
        assert.equal(res.statusCode, 400, res.body);
        assert.ok(res.body.includes(c.field), res.body);
        assert.match(res.body, /NUL/);
        assert.deepEqual(await counts(), before);
      });
    }

    // An OAuth parameter of the Authorization header that cannot be read is an OAuth failure, 401 like
    // every other invalid OAuth parameter of the outcome service (oauth_invalid_parameter).
    it("refuses a POX request whose OAuth header carries a NUL in oauth_nonce with a 401 naming it, and writes nothing", async () => {
      const before = await counts();
      const body = buildReplaceResultRequest({ sourcedId, score: 0.5, messageIdentifier: "m2" });
      const res = await outcome(body, `n${NUL}1`);
      assert.equal(res.statusCode, 401, res.body);
      assert.match(res.body, /<imsx_codeMajor>failure<\/imsx_codeMajor>/);
      assert.match(res.body, /oauth_nonce/);
      assert.deepEqual(await counts(), before);
    });

    for (const [name, sid] of [
      ["a raw NUL", NUL],
      ["a character reference to NUL", "&#0;"],
    ] as const) {
      it(`refuses a POX sourcedId with ${name} with a 400 failure envelope, and writes nothing`, async () => {
        const before = await counts();
        const body = buildReplaceResultRequest({
          sourcedId: "SID",
          score: 0.5,
          messageIdentifier: "m1",
        }).replace("SID", `${sourcedId}${sid}`);
        const res = await outcome(body);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.body, /<imsx_codeMajor>failure<\/imsx_codeMajor>/);
        assert.deepEqual(await counts(), before);
      });
    }
  });
}
