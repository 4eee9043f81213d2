// Pluto as consumer of Pluto as provider, two sites on two loopback addresses: a course published on site A is
// added to site B from its cartridge URL; B's learner launches into A; A's grade sync sends the grade back to
// B's outcomes service and A's member sync reads B's memberships service.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../test/support/fake-lti-tool.js";
import { findActivityItem, findGrade, setGrade } from "../grades/grades.service.js";

const QUIZ = { maxGrade: 10, questions: [{ text: "2+2?", choices: ["3", "4"], correct: 1 }] };

for (const engine of testEngines()) {
  describe(`Pluto launching a course published by another Pluto (${engine})`, () => {
    let a: TestApp; // provider
    let b: TestApp; // consumer
    let pub: { launchUrl: string; cartridgeUrl: string; secret: string };
    let aCourseId: number;
    let aQuizId: number;
    let bCourseId: number;
    let bActivityId: number;
    let bStudentId: number;

    before(async () => {
      const pa = await freePort("127.0.0.3");
      const pb = await freePort("127.0.0.1");
      a = await startTestApp(engine, {
        listen: { host: "127.0.0.3", port: pa },
        config: { publicUrl: `http://127.0.0.3:${pa}`, outboundAllow: ["127.0.0.1"] },
      });
      b = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port: pb },
        config: { publicUrl: `http://127.0.0.1:${pb}`, outboundAllow: ["127.0.0.3"] },
      });
      const aAdmin = await a.token((await a.admin()).id);
      const aCourse = await makeCourse(a, { fullname: "Published on A", shortname: "PUBA" });
      aCourseId = aCourse.id;
      const quiz = await api(a.app, aAdmin, "POST", `/api/v1/courses/${aCourseId}/activities`, {
        type: "quiz",
        name: "Quiz",
        section: 1,
        settings: QUIZ,
      });
      aQuizId = (quiz.json as { id: number }).id;
      const res = await api(a.app, aAdmin, "POST", `/api/v1/courses/${aCourseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Site B",
        memberSync: true,
        memberSyncMode: "enrol_new",
      });
      assert.equal(res.status, 201, res.body);
      pub = res.json as typeof pub;

      const bCourse = await makeCourse(b, { fullname: "Course on B", shortname: "CB" });
      bCourseId = bCourse.id;
      const teacher = await b.user("bea", { firstname: "Bea", lastname: "Teacher" });
      const student = await b.user("ben", { firstname: "Ben", lastname: "Learner", email: "ben@b.example" });
      const other = await b.user("bo", { firstname: "Bo", lastname: "Other", email: "bo@b.example" });
      bStudentId = student.id;
      await enrolAs(b, bCourseId, teacher.id, "editingteacher");
      await enrolAs(b, bCourseId, student.id, "student");
      await enrolAs(b, bCourseId, other.id, "student");
      const created = await api(
        b.app,
        await b.token(teacher.id),
        "POST",
        `/api/v1/courses/${bCourseId}/activities`,
        {
          type: "lti",
          name: "",
          section: 1,
          settings: { toolUrl: pub.cartridgeUrl, consumerKey: "site-b", sharedSecret: pub.secret },
        },
      );
      assert.equal(created.status, 201, created.body);
      bActivityId = (created.json as { id: number }).id;
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    it("reads A's cartridge: the activity launches at A's launch URL", async () => {
      const act = await api(
        b.app,
        await b.token((await b.admin()).id),
        "GET",
        `/api/v1/courses/${bCourseId}`,
      );
      assert.match(act.body, /"type":"lti"/);
      const c = await b.client("ben");
      const form = readLaunchForm((await c.get(`/mod/lti/${bActivityId}/launch`)).body);
      assert.equal(form.action, pub.launchUrl);
    });

    it("launches B's learner into A's course, where A enrols them, and A's grade comes back to B", async () => {
      const c = await b.client("ben");
      const form = readLaunchForm((await c.get(`/mod/lti/${bActivityId}/launch`)).body);
      const res = await fetch(form.action, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
      });
      assert.equal(res.status, 303, await res.text());
      const link = await a.ctx.db
        .selectFrom("lti_user_links")
        .select("user_id")
        .where("remote_user_id", "=", form.fields.user_id ?? "")
        .executeTakeFirstOrThrow();
      const aUser = await a.ctx.db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", link.user_id)
        .executeTakeFirstOrThrow();
      assert.equal(aUser.firstname, "Ben");
      assert.equal(aUser.email, "ben@b.example");

      // A grades the quiz 8/10: the course total 8 of 10 is 0.8 of B's maximum grade 100.
      await a.ctx.db.transaction().execute((trx) =>
        setGrade(trx, a.ctx, {
          activityId: aQuizId,
          userId: link.user_id,
          grade: 8,
          source: "teacher",
          actorId: null,
        }),
      );
      await a.ctx.jobs.runNow("lti_provider_grade_sync");
      const item = await findActivityItem(b.ctx.db, bActivityId);
      const g = await findGrade(b.ctx.db, item?.id ?? 0, bStudentId);
      assert.equal(g?.grade, 80);
      assert.equal(g?.source, "external");
    });

    it("lets A's member sync read B's course through the memberships service", async () => {
      const run = await a.ctx.jobs.runNow("lti_provider_member_sync");
      assert.match(JSON.stringify(run), /enrolled [1-9]/);
      const names = await a.ctx.db
        .selectFrom("enrolments as e")
        .innerJoin("users as u", "u.id", "e.user_id")
        .select(["u.firstname"])
        .where("e.course_id", "=", aCourseId)
        .execute();
      const firstNames = names.map((n) => n.firstname).sort();
      assert.ok(firstNames.includes("Bo"), `Bo synced from B: ${firstNames.join(", ")}`);
      assert.ok(firstNames.includes("Ben"));
    });
  });
}
