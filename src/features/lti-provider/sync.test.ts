import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { makeCourse } from "../../../test/support/factories.js";
import {
  baseLaunch,
  type FakeConsumer,
  membersXml,
  signLaunch,
  startFakeConsumer,
} from "../../../test/support/lti11-consumer.js";
import { launchWithOutcomes, type Published } from "../../../test/support/published-quiz.js";

const QUIZ = {
  maxGrade: 10,
  questions: [
    { text: "2+2?", choices: ["3", "4"], correct: 1 },
    { text: "3+3?", choices: ["6", "7"], correct: 0 },
  ],
};

for (const engine of testEngines()) {
  describe(`grade sync and member sync to an LTI 1.1 consumer (${engine})`, () => {
    let t: TestApp;
    let admin: string;
    let fc: FakeConsumer;
    const SECRET_PLACEHOLDER = "will be set per publication";
    let secret = SECRET_PLACEHOLDER;
    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      admin = await t.token((await t.admin()).id);
      fc = await startFakeConsumer("");
      // The fake consumer checks signatures with the secret of the publication under test.
      Object.defineProperty(fc, "secret", { get: () => secret });
    });
    after(async () => {
      await fc.close();
      await t.close();
    });

    async function setup(body: Record<string, unknown> = {}) {
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
        ltiVersion: "1.1",
        name: "Consumer",
        ...body,
      });
      assert.equal(res.status, 201, res.body);
      const pub = res.json as Published;
      secret = pub.secret;
      const fresh = await startFakeConsumer(pub.secret);
      await fc.close();
      fc = fresh;
      return { courseId: course.id, quizId: (quiz.json as { id: number }).id, pub };
    }

    const launchAs = (pub: Published, userId: string, over: Record<string, string> = {}) =>
      launchWithOutcomes(t, pub, {
        consumerKey: "consumer-a",
        remoteId: userId,
        outcomeUrl: `${fc.url}/outcomes`,
        over,
      });

    const outcomes = () => fc.received.filter((r) => r.path === "/outcomes");
    const scoreOf = (body: string) => Number(/<textString>([^<]*)</.exec(body)?.[1]);

    it("sends the course total as a 0..1 score when a grade changes, signed with a body hash the consumer verifies", async () => {
      const { quizId, pub } = await setup();
      const userId = await launchAs(pub, "g1");
      const token = await t.token(userId);
      const attempt = await api(t.app, token, "POST", `/api/v1/activities/${quizId}/attempts`, {
        answers: [1, 1],
      });
      assert.equal(attempt.status, 201, attempt.body);
      const queued = await t.ctx.db
        .selectFrom("jobs")
        .selectAll()
        .where("name", "=", "lti_provider_send_grade")
        .where("status", "=", "pending")
        .execute();
      assert.equal(queued.length, 1, "the send was queued with the grade change");
      await t.ctx.jobs.runDueJobs();
      assert.equal(outcomes().length, 1);
      const got = outcomes()[0]!;
      assert.ok(got.valid, "oauth-1.0a verifies the signature and oauth_body_hash");
      assert.match(got.body, /<replaceResultRequest>/);
      assert.match(got.body, /<sourcedId>sid-g1<\/sourcedId>/);
      assert.equal(scoreOf(got.body), 0.5);
      const pu = await t.ctx.db
        .selectFrom("lti_provider_users")
        .selectAll()
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      assert.equal(pu.last_grade_sent, 0.5);

      // Nothing changed: the scheduled task sends nothing more.
      const run = await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(run.status, "ok");
      assert.match(run.message, /sent 0/);
      assert.equal(outcomes().length, 1);
    });

    it("retries with backoff while the consumer is down and delivers the pending grade once when it is back", async () => {
      const { quizId, pub } = await setup();
      const userId = await launchAs(pub, "g2");
      fc.mode = 500;
      const teacher = admin;
      assert.equal(
        (
          await api(t.app, teacher, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
            grade: 8,
            feedback: "",
          })
        ).status,
        200,
      );
      await t.ctx.jobs.runDueJobs();
      const job = await t.ctx.db
        .selectFrom("jobs")
        .selectAll()
        .where("name", "=", "lti_provider_send_grade")
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      assert.equal(job.attempts, 1);
      assert.ok(job.last_error);
      assert.ok(job.run_at > t.clock.now().toISOString(), "retried later, not now");
      const log = await t.ctx.db
        .selectFrom("task_log")
        .selectAll()
        .where("task", "=", "lti_provider_send_grade")
        .where("status", "=", "retry")
        .execute();
      assert.ok(log.length >= 1, "the failure is in the task log");
      fc.mode = "success";
      t.clock.advance(3600);
      await t.ctx.jobs.runDueJobs();
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      const ok = outcomes().filter((o) => o.valid);
      assert.equal(ok.length, 2, "one failed attempt, then exactly one delivery");
      assert.equal(scoreOf(ok[1]!.body), 0.8);
    });

    it("waits for course completion when completion is required", async () => {
      const { courseId, quizId, pub } = await setup({ gradeSyncCompletion: true });
      const page = await api(t.app, admin, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "page",
        name: "Read this",
        section: 1,
        settings: { content: "<p>Hi</p>" },
        completionRule: "viewed",
      });
      assert.equal(page.status, 201, page.body);
      const userId = await launchAs(pub, "g3");
      const c = await t.client();
      const loginCookie = await t.ctx.db
        .selectFrom("users")
        .select("id")
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      assert.ok(loginCookie);
      assert.equal(
        (
          await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
            grade: 10,
            feedback: "",
          })
        ).status,
        200,
      );
      await t.ctx.jobs.runDueJobs();
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(outcomes().length, 0, "not complete: nothing sent");
      // The user views the page inside the published course: the course is complete.
      const launched = await launchAgain(pub, "g3");
      await c.get("/");
      const view = await t.app.inject({
        url: `/mod/${(page.json as { id: number }).id}`,
        cookies: { pluto_session: launched },
      });
      assert.equal(view.statusCode, 200);
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(outcomes().length, 1);
      assert.equal(scoreOf(outcomes()[0]!.body), 1);
    });

    async function launchAgain(pub: Published, userId: string): Promise<string> {
      const form = signLaunch(pub.launchUrl, "consumer-a", pub.secret, baseLaunch({ user_id: userId }), {
        timestamp: Math.floor(t.clock.now().getTime() / 1000),
      });
      const res = await t.app.inject({
        method: "POST",
        url: new URL(pub.launchUrl).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(form).toString(),
      });
      return res.cookies.find((k) => k.name === "pluto_session")?.value ?? "";
    }

    it("sends the activity grade for a published activity, and nothing when grade sync is off", async () => {
      const { courseId, quizId } = await setup();
      const res = await api(t.app, admin, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        publish: "activity",
        activityId: quizId,
      });
      const pub = res.json as Published;
      secret = pub.secret;
      const fresh = await startFakeConsumer(pub.secret);
      await fc.close();
      fc = fresh;
      const userId = await launchAs(pub, "g4");
      await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
        grade: 3,
        feedback: "",
      });
      await t.ctx.jobs.runDueJobs();
      assert.equal(outcomes().length, 1);
      assert.equal(scoreOf(outcomes()[0]!.body), 0.3);
      await api(t.app, admin, "PATCH", `/api/v1/enrol-methods/${pub.id}`, { gradeSync: false });
      await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
        grade: 4,
        feedback: "",
      });
      await t.ctx.jobs.runDueJobs();
      await t.ctx.jobs.runNow("lti_provider_grade_sync");
      assert.equal(outcomes().length, 1);
    });

    const member = (userId: string, roles = "Learner") => ({
      userId,
      roles,
      given: `G-${userId}`,
      family: "F",
      email: `${userId}@consumer.example`,
    });
    const enrolledRemote = async (pubId: number) =>
      (
        await t.ctx.db
          .selectFrom("enrolments as e")
          .innerJoin("lti_user_links as l", "l.user_id", "e.user_id")
          .select("l.remote_user_id")
          .where("e.instance_id", "=", pubId)
          .orderBy("l.remote_user_id")
          .execute()
      ).map((r) => r.remote_user_id);

    for (const [mode, afterFirst, afterSecond] of [
      ["enrol_and_unenrol", ["m-s1", "m-s2", "m-t1"], ["m-s1", "m-t1"]],
      ["enrol_new", ["m-s1", "m-s2", "m-t1"], ["m-s1", "m-s2", "m-t1"]],
      ["unenrol_missing", ["m-t1"], ["m-t1"]],
    ] as const) {
      it(`member sync "${mode}" applies the consumer's member list`, async () => {
        const { pub } = await setup({ memberSync: true, memberSyncMode: mode, defaults: { city: "Lyon" } });
        await launchAs(pub, "m-t1", {
          roles: "Instructor",
          ext_ims_lis_memberships_url: `${fc.url}/memberships`,
          ext_ims_lis_memberships_id: "mem-1",
        });
        fc.membersXml = membersXml([member("m-t1", "Instructor"), member("m-s1"), member("m-s2")]);
        const first = await t.ctx.jobs.runNow("lti_provider_member_sync");
        assert.equal(first.status, "ok", first.message);
        assert.ok(
          fc.received.some((r) => r.path === "/memberships" && r.valid),
          "the memberships request is signed",
        );
        assert.deepEqual(await enrolledRemote(pub.id), afterFirst);
        if (mode !== "unenrol_missing") {
          const s1 = await t.ctx.db
            .selectFrom("lti_user_links as l")
            .innerJoin("users as u", "u.id", "l.user_id")
            .selectAll("u")
            .where("l.remote_user_id", "=", "m-s1")
            .executeTakeFirstOrThrow();
          assert.equal(s1.city, "Lyon", "created with the instance's default values");
          assert.equal(s1.auth, "lti");
        }
        fc.membersXml = membersXml([member("m-t1", "Instructor"), member("m-s1")]);
        await t.ctx.jobs.runNow("lti_provider_member_sync");
        assert.deepEqual(await enrolledRemote(pub.id), afterSecond);
      });
    }

    it("unenrols a launched user who left the consumer's course (unenrol missing)", async () => {
      const { pub } = await setup({ memberSync: true, memberSyncMode: "unenrol_missing" });
      await launchAs(pub, "u-t1", {
        roles: "Instructor",
        ext_ims_lis_memberships_url: `${fc.url}/memberships`,
        ext_ims_lis_memberships_id: "mem-2",
      });
      await launchAs(pub, "u-s3");
      fc.membersXml = membersXml([member("u-t1", "Instructor")]);
      await t.ctx.jobs.runNow("lti_provider_member_sync");
      assert.deepEqual(await enrolledRemote(pub.id), ["u-t1"]);
    });
  });
}
