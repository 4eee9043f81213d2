// Grade and member sync over LTI 1.3, from the launch on: a scratch platform (test/support/lti13-scratch-platform.ts,
// jose, not Pluto's platform code) launches a learner into an LTI Advantage publication with the AGS and NRPS
// claims; Pluto keeps them, and the learner's quiz grade goes to the platform as an AGS score (service token by
// client assertion, line item created for the resource link), once, on the quiz's scale; the platform's roster
// comes in by NRPS member sync. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import type { JSONWebKeySet } from "jose";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { makeCourse } from "../../../test/support/factories.js";
import {
  registerPlatform,
  SCOPE,
  type ScratchPlatform,
  startScratchPlatform,
} from "../../../test/support/lti13-scratch-platform.js";
import { launchWithOutcomes } from "../../../test/support/published-quiz.js";

const LTI = "https://purl.imsglobal.org/spec/lti/claim/";
const AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
const INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";
const CLIENT_ID = "pluto-tool-sync";
const DEPLOYMENT = "dep-sync";
const QUIZ = {
  maxGrade: 10,
  questions: [
    { text: "2+2?", choices: ["3", "4"], correct: 1 },
    { text: "3+3?", choices: ["6", "7"], correct: 0 },
  ],
};

for (const engine of testEngines()) {
  describe(`LTI 1.3 grade and member sync from a launch (${engine})`, () => {
    let t: TestApp;
    let lms: ScratchPlatform;
    let admin: string;

    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      lms = await startScratchPlatform({
        clientId: CLIENT_ID,
        jwks: async () => (await t.app.inject({ method: "GET", url: "/lti/jwks" })).json<JSONWebKeySet>(),
        now: () => t.clock.now(),
      });
      admin = await t.token((await t.admin()).id);
      await registerPlatform(t, admin, {
        origin: lms.url,
        clientId: CLIENT_ID,
        deploymentId: DEPLOYMENT,
        name: "Scratch LMS",
      });
    });
    after(async () => {
      await lms.close();
      await t.close();
    });
    beforeEach(() => {
      lms.requests.length = 0;
      lms.scores.length = 0;
      lms.lineItems.length = 0;
      lms.members.length = 0;
    });

    async function publish(body: Record<string, unknown> = {}) {
      const course = await makeCourse(t);
      const quiz = await api(t.app, admin, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "quiz",
        name: "Quiz",
        section: 1,
        settings: QUIZ,
      });
      assert.equal(quiz.status, 201, quiz.body);
      const res = await api(t.app, admin, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.3",
        name: "Scratch LMS",
        ...body,
      });
      assert.equal(res.status, 201, res.body);
      const p = res.json as {
        id: number;
        customParameters?: { id: string };
        launchUrl: string;
        secret: string;
      };
      return {
        id: p.id,
        course,
        quizId: (quiz.json as { id: number }).id,
        uuid: p.customParameters?.id ?? new URL(p.launchUrl).pathname.split("/").pop()!,
        launchUrl: p.launchUrl,
        secret: p.secret,
      };
    }

    /** Login initiation, then the id_token with the services; returns Pluto's user id of `sub`. */
    async function launch(
      pub: { uuid: string; launchUrl: string },
      sub: string,
      opts: {
        roles?: string[];
        rlid?: string;
        services?: Record<string, unknown>;
        /** More custom parameters beside `id` (a Deep Linking item's `activity`). */
        custom?: Record<string, string>;
        /** The lti1p1 claim of a platform that upgraded: signed here with node:crypto over this token. */
        lti1p1?: { consumerKey: string; secret: string; userId: string };
      } = {},
    ): Promise<number> {
      const q = new URLSearchParams({
        iss: lms.url,
        login_hint: sub,
        target_link_uri: pub.launchUrl,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
      });
      const login = await t.app.inject({ method: "GET", url: `/lti/tool/login?${q}` });
      assert.equal(login.statusCode, 302, login.body);
      const auth = new URL(String(login.headers.location));
      const cookie = login.cookies.find((c) => c.name.startsWith("lti1p3_state_"));
      assert.ok(cookie);
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const rlid = opts.rlid ?? `rl-${pub.uuid}`;
      const nonce = auth.searchParams.get("nonce")!;
      const m = opts.lti1p1;
      const lti1p1 = m && {
        [`${LTI}lti1p1`]: {
          oauth_consumer_key: m.consumerKey,
          oauth_consumer_key_sign: createHmac("sha256", m.secret)
            .update([m.consumerKey, DEPLOYMENT, lms.url, CLIENT_ID, String(now + 300), nonce].join("&"))
            .digest("base64"),
          user_id: m.userId,
        },
      };
      const idToken = await lms.signIdToken({
        ...lti1p1,
        iss: lms.url,
        aud: CLIENT_ID,
        sub,
        iat: now,
        exp: now + 300,
        nonce,
        given_name: "Remote",
        family_name: sub,
        [`${LTI}message_type`]: "LtiResourceLinkRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: pub.launchUrl,
        [`${LTI}resource_link`]: { id: rlid, title: "Biology" },
        [`${LTI}roles`]: opts.roles ?? [LEARNER],
        [`${LTI}context`]: { id: "ctx-1", title: "Biology 101" },
        [`${LTI}custom`]: { id: pub.uuid, ...opts.custom },
        ...(opts.services ?? {
          [AGS]: { scope: [SCOPE.lineItem, SCOPE.score], lineitems: `${lms.url}/lineitems` },
          [NRPS]: { context_memberships_url: `${lms.url}/memberships`, service_versions: ["2.0"] },
        }),
      });
      const res = await t.app.inject({
        method: "POST",
        url: "/lti/tool/launch",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        cookies: { [cookie.name]: cookie.value },
        payload: new URLSearchParams({
          id_token: idToken,
          state: auth.searchParams.get("state")!,
        }).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      const link = await t.ctx.db
        .selectFrom("lti_user_links")
        .select("user_id")
        .where("remote_user_id", "=", sub)
        .executeTakeFirstOrThrow();
      return link.user_id;
    }

    const setGrade = async (quizId: number, userId: number, grade: number) => {
      const res = await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
        grade,
        feedback: "",
      });
      assert.equal(res.status, 200, res.body);
    };

    it("sends a learner's quiz grade as an AGS score to a line item it creates for the link, once, on the quiz's scale", async () => {
      const pub = await publish();
      const userId = await launch(pub, "sub-ags-1");
      const token = await t.token(userId);
      const attempt = await api(t.app, token, "POST", `/api/v1/activities/${pub.quizId}/attempts`, {
        answers: [1, 1],
      });
      assert.equal(attempt.status, 201, attempt.body);
      await t.ctx.jobs.runDueJobs();

      assert.equal(lms.lineItems.length, 1, "one line item created for the resource link");
      const item = lms.lineItems[0]!;
      assert.equal(item.resourceLinkId, `rl-${pub.uuid}`);
      assert.equal(item.resourceId, `pluto:course:${pub.course.id}`);
      assert.equal(item.label, pub.course.fullname, "named after the published course");
      assert.equal(item.scoreMaximum, 10, "the course total's maximum");
      assert.equal(lms.scores.length, 1, "one score sent");
      const s = lms.scores[0]!;
      assert.equal(s.lineItem, item.id);
      assert.equal(s.contentType, "application/vnd.ims.lis.v1.score+json");
      assert.equal(s.body.userId, "sub-ags-1", "the launch's sub");
      assert.equal(s.body.scoreGiven, 5);
      assert.equal(s.body.scoreMaximum, 10);
      assert.equal(s.body.activityProgress, "Completed");
      assert.equal(s.body.gradingProgress, "FullyGraded");
      const assertion = lms.assertions.at(-1)!.payload;
      assert.equal(assertion.iss, CLIENT_ID, "the client assertion names Pluto's client_id");

      // Nothing changed: the scheduled run sends nothing more.
      const run = await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(run.status, "ok", run.message);
      assert.match(run.message, /sent 0/);
      assert.equal(lms.scores.length, 1);

      // A zero is a grade like any other, with a later timestamp.
      await setGrade(pub.quizId, userId, 0);
      await t.ctx.jobs.runDueJobs();
      assert.equal(lms.scores.length, 2);
      assert.equal(lms.scores[1]!.body.scoreGiven, 0);
      assert.ok(
        Date.parse(String(lms.scores[1]!.body.timestamp)) > Date.parse(String(s.body.timestamp)),
        "strictly later timestamps",
      );
    });

    it("uses the launch's own line item when the claim names one, and sends nothing without the score scope", async () => {
      const pub = await publish();
      lms.lineItems.push({
        id: `${lms.url}/lineitems/1/lineitem?type_id=1`,
        label: "Given",
        scoreMaximum: 100,
        resourceLinkId: "rl-given",
      });
      const given = await launch(pub, "sub-ags-2", {
        rlid: "rl-given",
        services: { [AGS]: { scope: [SCOPE.score], lineitem: lms.lineItems[0]!.id } },
      });
      const readOnly = await launch(pub, "sub-ags-3", {
        rlid: "rl-given",
        services: { [AGS]: { scope: [SCOPE.lineItemReadOnly], lineitem: lms.lineItems[0]!.id } },
      });
      await setGrade(pub.quizId, given, 8);
      await setGrade(pub.quizId, readOnly, 8);
      await t.ctx.jobs.runDueJobs();
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(lms.lineItems.length, 1, "no line item created");
      assert.deepEqual(
        lms.scores.map((x) => [x.lineItem, x.body.userId, x.body.scoreGiven]),
        [[lms.lineItems[0]!.id, "sub-ags-2", 8]],
        "only the user whose launch granted the score scope",
      );
    });

    it("waits while the platform is not Active, then sends", async () => {
      const pub = await publish();
      const userId = await launch(pub, "sub-ags-4");
      const platforms = (await api(t.app, admin, "GET", "/api/v1/lti/platforms")).json as Array<{
        id: number;
        issuer: string;
      }>;
      const id = platforms.find((p) => p.issuer === lms.url)!.id;
      // A platform without its access token URL cannot be asked for tokens: nothing is sent.
      const cut = await api(t.app, admin, "PATCH", `/api/v1/lti/platforms/${id}`, { accessTokenUrl: "" });
      assert.equal(cut.status, 200, cut.body);
      await setGrade(pub.quizId, userId, 7);
      await t.ctx.jobs.runDueJobs();
      assert.equal(lms.scores.length, 0);
      const back = await api(t.app, admin, "PATCH", `/api/v1/lti/platforms/${id}`, {
        accessTokenUrl: lms.tokenUrl,
      });
      assert.equal(back.status, 200, back.body);
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.deepEqual(
        lms.scores.map((x) => [x.body.userId, x.body.scoreGiven]),
        [["sub-ags-4", 7]],
      );
    });

    it("member sync reads the roster by NRPS, resource link first, and enrols the platform's active members", async () => {
      const pub = await publish({ memberSync: true, memberSyncMode: "enrol_and_unenrol" });
      await launch(pub, "sub-t1", { roles: [INSTRUCTOR] });
      const gone = await launch(pub, "sub-gone");
      lms.members.push(
        { user_id: "sub-t1", roles: [INSTRUCTOR], given_name: "Tea", family_name: "Cher" },
        {
          user_id: "sub-m1",
          roles: [LEARNER],
          given_name: "Mia",
          family_name: "One",
          email: "mia@x.example",
        },
        { user_id: "sub-m2", roles: [LEARNER] },
        { user_id: "sub-m3", roles: [LEARNER], status: "Inactive" },
      );
      const run = await t.ctx.jobs.runNow("lti_provider_member_sync");
      assert.equal(run.status, "ok", run.message);
      assert.match(run.message, /enrolled 2, unenrolled 1/);
      const asked = lms.requests.filter((r) => r.path === "/memberships");
      assert.equal(asked[0]?.query.rlid, `rl-${pub.uuid}`, "the resource link's members are asked for");
      assert.ok(asked.length >= 2, "every page is read");
      const remote = await t.ctx.db
        .selectFrom("lti_provider_users as pu")
        .innerJoin("lti_publications as p", "p.id", "pu.publication_id")
        .select("pu.remote_user_id")
        .where("p.uuid", "=", pub.uuid)
        .orderBy("pu.remote_user_id")
        .execute();
      assert.deepEqual(
        remote.map((r) => r.remote_user_id),
        ["sub-m1", "sub-m2", "sub-t1"],
      );
      const mia = await t.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .select(["u.firstname", "u.email"])
        .where("l.remote_user_id", "=", "sub-m1")
        .executeTakeFirstOrThrow();
      assert.deepEqual(mia, { firstname: "Mia", email: "mia@x.example" });
      const goneEnrolment = await t.ctx.db
        .selectFrom("enrolments")
        .select("status")
        .where("user_id", "=", gone)
        .execute();
      assert.ok(
        goneEnrolment.every((e) => e.status !== "active"),
        "a launched user no longer listed is unenrolled",
      );
    });

    it("keeps the LTI 1.1 account, enrolment and grade link of a platform that upgraded, when its lti1p1 sign verifies", async () => {
      const pub = await publish({ ltiVersion: "1.1" });
      const old = { consumerKey: "ck-upgraded", outcomeUrl: "http://127.0.0.1:9/outcomes" };
      const kept = await launchWithOutcomes(t, pub, { ...old, remoteId: "u-11" });
      const other = await launchWithOutcomes(t, pub, { ...old, remoteId: "u-12" });
      const rowsOf = () =>
        t.ctx.db
          .selectFrom("lti_provider_users as pu")
          .innerJoin("lti_publications as p", "p.id", "pu.publication_id")
          .select(["pu.id", "pu.user_id", "pu.remote_user_id", "pu.outcome_url", "pu.ags_endpoint"])
          .where("p.uuid", "=", pub.uuid)
          .orderBy("pu.id")
          .execute();
      const before = await rowsOf();
      const upgraded = await api(t.app, admin, "PATCH", `/api/v1/enrol-methods/${pub.id}`, {
        ltiVersion: "1.3",
      });
      assert.equal(upgraded.status, 200, upgraded.body);
      const launchUrl = (upgraded.json as { launchUrl: string }).launchUrl;
      const users = async () =>
        Number(
          (
            await t.ctx.db
              .selectFrom("users")
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const count = await users();
      const lastMessage = async () =>
        (
          await t.ctx.db
            .selectFrom("lti_launch_log")
            .select("message")
            .orderBy("id", "desc")
            .executeTakeFirstOrThrow()
        ).message;

      const same = await launch({ ...pub, launchUrl }, "sub-13-a", {
        lti1p1: { consumerKey: old.consumerKey, secret: pub.secret, userId: "u-11" },
      });
      assert.equal(same, kept, "the 1.3 user is the 1.1 user's account");
      assert.equal(await users(), count, "no account is created");
      assert.match(await lastMessage(), /LTI 1\.1 account of ck-upgraded \/ u-11 kept/);
      const after = await rowsOf();
      const row = after.find((r) => r.user_id === kept)!;
      assert.equal(row.id, before.find((r) => r.user_id === kept)!.id, "the same grade link");
      assert.equal(row.remote_user_id, "sub-13-a");
      assert.equal(row.outcome_url, null, "grades now go by AGS");
      assert.ok(row.ags_endpoint);
      const again = await launch({ ...pub, launchUrl }, "sub-13-a");
      assert.equal(again, kept, "found by the 1.3 identity from now on");

      const wrong = await launch({ ...pub, launchUrl }, "sub-13-b", {
        lti1p1: { consumerKey: old.consumerKey, secret: "not-the-secret", userId: "u-12" },
      });
      assert.notEqual(wrong, other, "a sign that does not verify maps to no 1.1 account");
      assert.equal(await users(), count + 1);
      assert.match(await lastMessage(), /no LTI 1\.1 migration: The lti1p1 sign does not verify/);
    });

    it("sends the grade of the activity a Deep Linking item names to its link's line item, not the course total", async () => {
      const pub = await publish();
      const essay = await api(t.app, admin, "POST", `/api/v1/courses/${pub.course.id}/activities`, {
        type: "quiz",
        name: "Second quiz",
        section: 1,
        settings: { ...QUIZ, maxGrade: 20 },
      });
      assert.equal(essay.status, 201, essay.body);
      const second = (essay.json as { id: number }).id;
      lms.lineItems.push({
        id: `${lms.url}/lineitems/1/lineitem?type_id=1`,
        label: "Second quiz",
        scoreMaximum: 20,
        resourceLinkId: "rl-item",
      });
      const userId = await launch(pub, "sub-item-1", {
        rlid: "rl-item",
        custom: { activity: String(second) },
        services: { [AGS]: { scope: [SCOPE.score], lineitem: lms.lineItems[0]!.id } },
      });
      await setGrade(pub.quizId, userId, 10);
      await setGrade(second, userId, 5);
      await t.ctx.jobs.runDueJobs();
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.deepEqual(
        lms.scores.map((x) => [x.body.userId, x.body.scoreGiven, x.body.scoreMaximum]),
        [["sub-item-1", 5, 20]],
        "the named activity's grade, on its scale",
      );
    });
  });
}
