// A second independent consumer besides oauth-1.0a: Debian's python3-lti (ToolConsumer, over
// requests-oauthlib) signs launches with the parameter set Moodle sends (lti_build_request in
// mod/lti/locallib.php: context_label, lis_person_sourcedid, launch_presentation_locale,
// tool_consumer_info_product_family_code=moodle, ext_lms, custom_*, roles as URNs, oauth_callback),
// and Pluto accepts them; Pluto's grade sync is then verified by oauthlib (signature and
// oauth_body_hash, as python-lti's consumer side has no verifier of its own) and read by
// python-lti's OutcomeRequest.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { addActivity, makeCourse } from "../../../test/support/factories.js";
import { type FakeConsumer, startFakeConsumer } from "../../../test/support/lti11-consumer.js";
import type { Published } from "../../../test/support/published-quiz.js";
import { PYTHON, PYTHON_MISSING } from "../../../test/support/python.js";

const ORACLE = fileURLToPath(new URL("../../lti/v1p1/testdata/python_lti_oracle.py", import.meta.url));
const available = spawnSync(PYTHON, ["-c", "import lti, oauthlib"]).status === 0;

function python(ops: object[]): unknown[] {
  const run = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(ops), encoding: "utf8", timeout: 20_000 });
  if (run.status !== 0) throw new Error(`oracle failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as Array<{ ok?: unknown; error?: string }>).map((r, i) => {
    if (r.error !== undefined) throw new Error(`oracle op ${i}: ${r.error}`);
    return r.ok;
  });
}

/** What Moodle 4.x sends for a course module launch (mod/lti/locallib.php), by user. */
function moodleParams(
  user: { id: string; roles: string; given: string; family: string; idnumber: string },
  outcomes?: {
    url: string;
    sourcedid: string;
  },
): Record<string, string> {
  return {
    lti_version: "LTI-1p0",
    lti_message_type: "basic-lti-launch-request",
    resource_link_id: "17",
    resource_link_title: "Night sky (published)",
    resource_link_description: "<p>Open the course</p>",
    user_id: user.id,
    lis_person_sourcedid: user.idnumber,
    roles: user.roles,
    context_id: "4",
    context_label: "ASTRO-101",
    context_title: "Astronomy for beginners",
    context_type: "CourseSection",
    lis_course_section_sourcedid: "ASTRO-2026",
    lis_person_name_given: user.given,
    lis_person_name_family: user.family,
    lis_person_name_full: `${user.given} ${user.family}`,
    ext_user_username: user.given.toLowerCase(),
    lis_person_contact_email_primary: `${user.given.toLowerCase()}@moodle.example`,
    launch_presentation_locale: "en",
    launch_presentation_document_target: "iframe",
    launch_presentation_return_url:
      "https://moodle.example/mod/lti/return.php?course=4&launch_container=3&instanceid=17&sesskey=Xy12",
    ext_lms: "moodle-2",
    tool_consumer_info_product_family_code: "moodle",
    tool_consumer_info_version: "2024042200",
    tool_consumer_instance_guid: "moodle.example",
    tool_consumer_instance_name: "Moodle Example",
    tool_consumer_instance_description: "Moodle Example University",
    oauth_callback: "about:blank",
    custom_level: "Beginner & up",
    custom_term: "2026 · Autumn",
    ...(outcomes ? { lis_outcome_service_url: outcomes.url, lis_result_sourcedid: outcomes.sourcedid } : {}),
  };
}

// scripts/test.mjs installs python3-lti; without it this peer is missing and the suite must fail, not skip.
if (!available) throw new Error(PYTHON_MISSING);
const engines = testEngines();

for (const engine of engines) {
  describe(`a launch signed by python-lti with Moodle's parameters, and grade sync back to it (${engine})`, () => {
    let t: TestApp;
    let admin: string;
    let fc: FakeConsumer;
    let courseId: number;
    let quizId: number;
    let pub: Published;
    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      admin = await t.token((await t.admin()).id);
      courseId = (await makeCourse(t, { fullname: "Night Sky" })).id;
      quizId = (
        await addActivity(t, courseId, {
          type: "quiz",
          name: "Constellations",
          settings: {
            maxGrade: 10,
            questions: [{ text: "Polaris is in?", choices: ["Ursa Minor", "Orion"], correct: 0 }],
          },
        })
      ).id;
      const res = await api(t.app, admin, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Moodle Example",
      });
      assert.equal(res.status, 201, res.body);
      pub = res.json as Published;
      fc = await startFakeConsumer(pub.secret);
    });
    after(async () => {
      await fc.close();
      await t.close();
    });

    /** Signs with python-lti's ToolConsumer (timestamp and nonce its own) and posts the fields as a browser would. */
    async function launch(params: Record<string, string>, key = "moodle.example") {
      const [signed] = python([
        { op: "sign_launch", url: pub.launchUrl, key, secret: pub.secret, params },
      ]) as [Record<string, string>];
      assert.equal(signed.oauth_consumer_key, key);
      assert.equal(signed.oauth_callback, "about:blank");
      const res = await t.app.inject({
        method: "POST",
        url: new URL(pub.launchUrl).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(signed).toString(),
      });
      return { res, signed };
    }
    const linkOf = (remote: string) =>
      t.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .innerJoin("lti_deployments as d", "d.id", "l.deployment_id")
        .select(["u.id", "u.firstname", "u.lastname", "u.email", "u.auth"])
        .where("d.consumer_key", "=", "moodle.example")
        .where("l.remote_user_id", "=", remote)
        .executeTakeFirst();
    const roleOf = async (userId: number) =>
      (
        await t.ctx.db
          .selectFrom("role_assignments")
          .select("role")
          .where("user_id", "=", userId)
          .where("course_id", "=", courseId)
          .execute()
      ).map((r) => r.role);

    it("accepts a site administrator's launch (sysrole and instrole URNs) as an instructor", async () => {
      const { res } = await launch(
        moodleParams({
          id: "2",
          roles: "urn:lti:sysrole:ims/lis/Administrator,urn:lti:instrole:ims/lis/Administrator",
          given: "Zoë",
          family: "Ångström",
          idnumber: "",
        }),
      );
      assert.equal(res.statusCode, 303, res.body);
      assert.match(String(res.headers.location), /^\/enrol\/lti\/continue\//);
      const user = await linkOf("2");
      assert.ok(user);
      assert.deepEqual(
        [user.firstname, user.lastname, user.email, user.auth],
        ["Zoë", "Ångström", "zoë@moodle.example", "lti"],
      );
      assert.deepEqual(await roleOf(user.id), ["editingteacher"]);
      const rl = await t.ctx.db
        .selectFrom("lti_resource_links")
        .selectAll()
        .where("publication_id", "=", await publicationId())
        .executeTakeFirstOrThrow();
      assert.equal(rl.resource_link_id, "17");
      assert.equal(rl.context_id, "4");
      assert.equal(rl.context_title, "Astronomy for beginners");
      assert.equal(
        rl.return_url,
        "https://moodle.example/mod/lti/return.php?course=4&launch_container=3&instanceid=17&sesskey=Xy12",
      );
    });

    const publicationId = async () =>
      (
        await t.ctx.db
          .selectFrom("lti_publications")
          .select("id")
          .where("instance_id", "=", pub.id)
          .executeTakeFirstOrThrow()
      ).id;

    it("refuses the same launch when python-lti signed it with another secret, or when a signed field was changed", async () => {
      const [wrong] = python([
        {
          op: "sign_launch",
          url: pub.launchUrl,
          key: "moodle.example",
          secret: "not-the-secret",
          params: moodleParams({ id: "66", roles: "Learner", given: "Eve", family: "X", idnumber: "e" }),
        },
      ]) as [Record<string, string>];
      const [right] = python([
        {
          op: "sign_launch",
          url: pub.launchUrl,
          key: "moodle.example",
          secret: pub.secret,
          params: moodleParams({ id: "67", roles: "Learner", given: "Eve", family: "X", idnumber: "e" }),
        },
      ]) as [Record<string, string>];
      for (const form of [wrong, { ...right, roles: "Instructor" }]) {
        const res = await t.app.inject({
          method: "POST",
          url: new URL(pub.launchUrl).pathname,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams(form).toString(),
        });
        assert.equal(res.statusCode, 401);
        assert.match(res.body, /bad_signature/);
      }
      assert.equal(await linkOf("66"), undefined);
      assert.equal(await linkOf("67"), undefined);
    });

    it("accepts a student's launch with Moodle's JSON sourcedid, then sends the grade back: oauthlib verifies it and python-lti reads it", async () => {
      // Moodle's lis_result_sourcedid: JSON with a hash, quotes and braces included.
      const sourcedid =
        '{"data":{"instanceid":"17","userid":"3","typeid":"1","launchid":1873401963},"hash":"5e7f0c1a"}';
      const { res } = await launch(
        moodleParams(
          { id: "3", roles: "Learner", given: "Sam", family: "Student", idnumber: "S-0003" },
          { url: `${fc.url}/outcomes`, sourcedid },
        ),
      );
      assert.equal(res.statusCode, 303, res.body);
      const user = await linkOf("3");
      assert.ok(user);
      assert.deepEqual(await roleOf(user.id), ["student"]);
      const pu = await t.ctx.db
        .selectFrom("lti_provider_users")
        .selectAll()
        .where("user_id", "=", user.id)
        .executeTakeFirstOrThrow();
      assert.equal(pu.sourcedid, sourcedid, "kept byte for byte");
      assert.equal(pu.outcome_url, `${fc.url}/outcomes`);

      const graded = await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${user.id}`, {
        grade: 8,
        feedback: "",
      });
      assert.equal(graded.status, 200, graded.body);
      await t.ctx.jobs.runDueJobs();
      const got = fc.received.filter((r) => r.path === "/outcomes");
      assert.equal(got.length, 1, "one replaceResult sent");
      const sent = got[0];
      assert.ok(sent);
      const url = `${fc.url}/outcomes`;
      const [valid, tampered, wrongSecret, parsed] = python([
        { op: "verify_pox", url, authorization: sent.authorization, body: sent.body, secret: pub.secret },
        {
          op: "verify_pox",
          url,
          authorization: sent.authorization,
          body: sent.body.replace("0.8", "1.0"),
          secret: pub.secret,
        },
        { op: "verify_pox", url, authorization: sent.authorization, body: sent.body, secret: "x".repeat(40) },
        { op: "parse_pox_request", xml: sent.body },
      ]);
      assert.equal(valid, true, "oauthlib accepts the signature and oauth_body_hash");
      assert.equal(tampered, false, "a changed body fails the body hash");
      assert.equal(wrongSecret, false);
      assert.deepEqual(parsed, {
        operation: "replaceResult",
        sourcedId: sourcedid,
        messageIdentifier: /<imsx_messageIdentifier>([^<]*)</.exec(sent.body)?.[1],
        score: "0.8",
      });
      const after = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select("last_grade_sent")
        .where("id", "=", pu.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.last_grade_sent, 0.8);
    });
  });
}
