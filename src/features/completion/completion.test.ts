import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse, quizSettings } from "../../../test/support/factories.js";
import { deleteActivity, setActivityVisible, updateActivity } from "../activities/activities.service.js";
import type { Activity } from "../activities/activity-types.js";
import type { Course } from "../courses/courses.service.js";
import { setGrade } from "../grades/grades.service.js";
import { isActivityComplete, isCourseComplete, ruleMet } from "./completion.service.js";

describe("completion rules", () => {
  const cases: Array<[Parameters<typeof ruleMet>[0], number | null, boolean, number | null, boolean]> = [
    ["none", null, true, 10, false],
    ["viewed", null, false, null, false],
    ["viewed", null, true, null, true],
    ["graded", null, true, null, false],
    ["graded", null, false, 0, true],
    ["passing", 5, false, 4.99, false],
    ["passing", 5, false, 5, true],
    ["passing", 5, false, null, false],
  ];
  for (const [rule, pass, viewed, grade, expected] of cases) {
    it(`${rule} (pass ${pass}) with viewed=${viewed}, grade=${grade} is ${expected ? "met" : "not met"}`, () => {
      assert.equal(ruleMet(rule, pass, { viewed, grade }), expected);
    });
  }
});

for (const engine of testEngines()) {
  describe(`activity and course completion (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let reading: Activity;
    let essay: Activity;
    let quiz: Activity;
    let sam: { id: number };
    let student: Client;
    let teacher: Client;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "DONE" });
      sam = await t.user("sam");
      const tina = await t.user("tina");
      await enrolAs(t, course.id, sam.id, "student");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      reading = await addActivity(t, course.id, {
        type: "page",
        name: "Reading",
        settings: { content: "Read me" },
        completionRule: "viewed",
      });
      essay = await addActivity(t, course.id, {
        type: "assign",
        name: "Essay",
        settings: { maxGrade: 10 },
        completionRule: "graded",
      });
      quiz = await addActivity(t, course.id, {
        type: "quiz",
        name: "Test",
        settings: quizSettings(4, 10),
        completionRule: "passing",
        completionPassGrade: 5,
      });
      await addActivity(t, course.id, { type: "page", name: "Extra", settings: { content: "x" } });
      student = await t.client("sam");
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const marks = async () => {
      const body = (await student.get(`/course/${course.id}`)).body;
      return [
        ...body.matchAll(
          />([^<]+)<\/a>(?:<span class="badge">[^<]*<\/span>)?<span class="completion (done|todo)">/g,
        ),
      ].map((m) => `${m[1]}:${m[2]}`);
    };

    it("shows students a To do marker for each tracked activity", async () => {
      assert.deepEqual(await marks(), ["Reading:todo", "Essay:todo", "Test:todo"]);
      const body = (await student.get(`/course/${course.id}`)).body;
      assert.match(body, /<span class="visually-hidden">Completion status: <\/span>To do/);
    });

    it("completes a 'must view' activity when the student opens it, not when a teacher does", async () => {
      await teacher.get(`/mod/${reading.id}`);
      assert.equal((await t.ctx.db.selectFrom("activity_completions").selectAll().execute()).length, 0);
      await student.get(`/mod/${reading.id}`);
      assert.equal(await isActivityComplete(t.ctx.db, reading.id, sam.id), true);
      assert.deepEqual(await marks(), ["Reading:done", "Essay:todo", "Test:todo"]);
    });

    it("completes a 'must receive a grade' activity when graded, and undoes it when the grade is removed", async () => {
      const grade = (value: number | null) =>
        t.ctx.db.transaction().execute((trx) =>
          setGrade(trx, t.ctx, {
            activityId: essay.id,
            userId: sam.id,
            grade: value,
            source: "teacher",
            actorId: null,
          }),
        );
      await grade(0);
      assert.equal(await isActivityComplete(t.ctx.db, essay.id, sam.id), true);
      await grade(null);
      assert.equal(await isActivityComplete(t.ctx.db, essay.id, sam.id), false);
      await grade(3);
      assert.equal(await isActivityComplete(t.ctx.db, essay.id, sam.id), true);
    });

    it("completes a 'passing grade' quiz only at the pass grade, then the whole course", async () => {
      const token = await t.token(sam.id);
      await api(t.app, token, "POST", `/api/v1/activities/${quiz.id}/attempts`, { answers: [1, 0, 0, 0] });
      assert.equal(await isActivityComplete(t.ctx.db, quiz.id, sam.id), false, "2.5 < 5");
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), false);
      await api(t.app, token, "POST", `/api/v1/activities/${quiz.id}/attempts`, { answers: [1, 1, 0, 0] });
      assert.equal(await isActivityComplete(t.ctx.db, quiz.id, sam.id), true, "5 passes");
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), true);
      const body = (await student.get(`/course/${course.id}`)).body;
      assert.match(body, /You have completed this course\./);
      assert.deepEqual(await marks(), ["Reading:done", "Essay:done", "Test:done"]);
    });

    it("withdraws course completion when a new required activity appears, and restores it when it is hidden or goes", async () => {
      const extra = await addActivity(t, course.id, {
        type: "page",
        name: "New reading",
        settings: { content: "x" },
        completionRule: "viewed",
      });
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), false);
      await setActivityVisible(t.ctx.db, t.ctx, extra.id, false);
      assert.equal(
        await isCourseComplete(t.ctx.db, course.id, sam.id),
        true,
        "hidden activities do not count",
      );
      await setActivityVisible(t.ctx.db, t.ctx, extra.id, true);
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), false);
      await deleteActivity(t.ctx.db, t.ctx, extra.id);
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), true);
    });

    it("re-evaluates when a teacher changes an activity's rule", async () => {
      const extra = await addActivity(t, course.id, {
        type: "page",
        name: "Later",
        settings: { content: "x" },
      });
      await student.get(`/mod/${extra.id}`);
      assert.equal(
        await isActivityComplete(t.ctx.db, extra.id, sam.id),
        false,
        "no rule: nothing to complete",
      );
      await updateActivity(t.ctx.db, t.ctx, extra.id, {
        name: "Later",
        settings: { content: "x" },
        completionRule: "viewed",
      });
      assert.equal(await isActivityComplete(t.ctx.db, extra.id, sam.id), true, "the earlier view counts");
      assert.equal(await isCourseComplete(t.ctx.db, course.id, sam.id), true);
    });

    it("shows teachers the Completion report: students × tracked activities", async () => {
      const page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, new RegExp(`<a href="/course/${course.id}/completion"[^>]*>Completion</a>`));
      const report = await teacher.get(`/course/${course.id}/completion`);
      assert.equal(report.statusCode, 200);
      assert.match(report.body, /<caption>Activity completion by student<\/caption>/);
      assert.match(report.body, /<th scope="col"><a href="\/mod\/\d+">Reading<\/a>/);
      assert.doesNotMatch(report.body, />Extra<\/a>/, "untracked activities are not columns");
      assert.match(
        report.body,
        /<th scope="row">Sam Tester<\/th>(<td class="completion done">Done<\/td>){4}<td>Yes, /,
      );
      assert.doesNotMatch(report.body, /<th scope="row">Tina Tester/, "teachers are not tracked");
    });

    it("keeps the report from students", async () => {
      const page = await student.get(`/course/${course.id}`);
      assert.doesNotMatch(page.body, /\/completion"/);
      const res = await student.get(`/course/${course.id}/completion`);
      assert.equal(res.statusCode, 403);
      assert.equal(errorCodeOf(res), "forbidden");
      assert.equal((await student.get("/course/99999/completion")).statusCode, 404);
    });
  });
}
