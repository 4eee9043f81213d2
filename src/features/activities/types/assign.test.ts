import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import type { Course } from "../../courses/courses.service.js";
import { findActivityItem, listCourseGrades, listHistory } from "../../grades/grades.service.js";
import type { Activity } from "../activity-types.js";
import { findSubmission } from "./assign.service.js";

for (const engine of testEngines()) {
  describe(`assignments: submitting and grading (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let essay: Activity;
    let student: Client;
    let classmate: Client;
    let grader: Client;
    let sam: { id: number };
    let pat: { id: number };
    let outsider: { id: number };
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "ENG" });
      sam = await t.user("sam");
      pat = await t.user("pat");
      outsider = await t.user("olga");
      const nora = await t.user("nora");
      await enrolAs(t, course.id, sam.id, "student");
      await enrolAs(t, course.id, pat.id, "student");
      await enrolAs(t, course.id, nora.id, "teacher");
      essay = await addActivity(t, course.id, {
        type: "assign",
        name: "Essay",
        settings: { maxGrade: 20, instructions: "Write <b>500</b> words." },
      });
      student = await t.client("sam");
      classmate = await t.client("pat");
      grader = await t.client("nora");
    });
    after(() => t.close());

    it("lets a student submit text once and edit it later", async () => {
      const page = await student.get(`/mod/${essay.id}`);
      assert.match(page.body, /Write &lt;b>500&lt;\/b> words\./, "instructions are plain text");
      assert.match(page.body, /Not submitted yet\./);
      assert.equal(
        (await student.post(`/mod/${essay.id}/submission`, { text: "First draft" })).statusCode,
        303,
      );
      t.clock.advance(3600);
      assert.equal(
        (await student.post(`/mod/${essay.id}/submission`, { text: "Final version" })).statusCode,
        303,
      );
      const sub = await findSubmission(t.ctx.db, essay.id, sam.id);
      assert.equal(sub?.text, "Final version");
      assert.notEqual(sub?.submittedAt, sub?.updatedAt, "first submission time is kept");
      const rows = await t.ctx.db
        .selectFrom("assign_submissions")
        .select("id")
        .where("user_id", "=", sam.id)
        .execute();
      assert.equal(rows.length, 1, "one submission per student");
      assert.match((await student.get(`/mod/${essay.id}`)).body, />Final version<\/textarea>/);
    });

    it("lists submissions for teachers, who grade with feedback; the history keeps every grade", async () => {
      const list = await grader.get(`/mod/${essay.id}`);
      assert.match(list.body, /<th scope="row">Sam Tester<\/th><td>Submitted/);
      assert.match(list.body, /<th scope="row">Pat Tester<\/th><td>Not submitted<\/td>/);
      const page = await grader.get(`/mod/${essay.id}/grade/${sam.id}`);
      assert.match(page.body, /Final version/);
      assert.match(page.body, /<label for="f-grade">Grade out of 20<\/label>/);
      assert.equal(
        (await grader.post(`/mod/${essay.id}/grade/${sam.id}`, { grade: "12", feedback: "Good start" }))
          .statusCode,
        303,
      );
      t.clock.advance(60);
      assert.equal(
        (await grader.post(`/mod/${essay.id}/grade/${sam.id}`, { grade: "15.5", feedback: "Better" }))
          .statusCode,
        303,
      );
      const grades = await listCourseGrades(t.ctx.db, course.id, sam.id);
      const g = grades.find((r) => r.activityId === essay.id);
      assert.equal(g?.grade, 15.5);
      assert.equal(g?.feedback, "Better");
      assert.equal(g?.source, "teacher");
      assert.equal(grades.find((r) => r.activityId === null)?.grade, 15.5, "course total");
      const item = await findActivityItem(t.ctx.db, essay.id);
      const history = await listHistory(t.ctx.db, item?.id ?? 0, sam.id);
      assert.deepEqual(
        history.map((h) => [h.grade, h.feedback, h.source]),
        [
          [15.5, "Better", "teacher"],
          [12, "Good start", "teacher"],
        ],
      );
      const again = await grader.get(`/mod/${essay.id}/grade/${sam.id}`);
      assert.match(
        again.body,
        /<caption>Grade history<\/caption>[\s\S]*<td>15.5<\/td><td>Better<\/td><td>teacher<\/td><td>Nora Tester<\/td>/,
      );
      const mine = await student.get(`/mod/${essay.id}`);
      assert.match(mine.body, /<h2 id="your-grade">Your grade<\/h2><p>15.5 \/ 20<\/p>/);
      assert.match(mine.body, /Better/);
      assert.doesNotMatch(
        (await classmate.get(`/mod/${essay.id}`)).body,
        /15.5/,
        "classmates see nothing of it",
      );
    });

    const badGrades: Array<[string, () => Client, () => string, Record<string, string>, number, string]> = [
      [
        "a grade above the maximum",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "21" },
        400,
        "validation",
      ],
      [
        "a negative grade",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "-1" },
        400,
        "validation",
      ],
      [
        "a grade in words",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "ten" },
        400,
        "validation",
      ],
      [
        "a missing grade",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { feedback: "x" },
        400,
        "validation",
      ],
      [
        "oversized feedback",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "5", feedback: "x".repeat(10_001) },
        400,
        "validation",
      ],
      [
        "a user who is not in the course",
        () => grader,
        () => `/mod/${essay.id}/grade/${outsider.id}`,
        { grade: "5" },
        404,
        "not_found",
      ],
      [
        "an unknown user",
        () => grader,
        () => `/mod/${essay.id}/grade/999999`,
        { grade: "5" },
        404,
        "not_found",
      ],
      [
        "an unknown activity",
        () => grader,
        () => `/mod/999999/grade/${pat.id}`,
        { grade: "5" },
        404,
        "not_found",
      ],
      [
        "a student grading a classmate",
        () => student,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "20" },
        403,
        "forbidden",
      ],
      [
        "a student grading themself",
        () => classmate,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "20" },
        403,
        "forbidden",
      ],
      [
        "a forged CSRF token",
        () => grader,
        () => `/mod/${essay.id}/grade/${pat.id}`,
        { grade: "5", _csrf: "forged" },
        403,
        "csrf",
      ],
      [
        "an empty submission",
        () => classmate,
        () => `/mod/${essay.id}/submission`,
        { text: "   " },
        400,
        "validation",
      ],
      [
        "an oversized submission",
        () => classmate,
        () => `/mod/${essay.id}/submission`,
        { text: "x".repeat(50_001) },
        400,
        "validation",
      ],
      [
        "a submission to an unknown activity",
        () => classmate,
        () => "/mod/999999/submission",
        { text: "hi" },
        404,
        "not_found",
      ],
      [
        "a forged submission",
        () => classmate,
        () => `/mod/${essay.id}/submission`,
        { text: "hi", _csrf: "forged" },
        403,
        "csrf",
      ],
    ];
    for (const [what, who, url, form, status, code] of badGrades) {
      it(`refuses ${what} with ${status} ${code}, writing nothing`, async () => {
        const count = async () => ({
          grades: (await t.ctx.db.selectFrom("grades").select("id").execute()).length,
          history: (await t.ctx.db.selectFrom("grade_history").select("id").execute()).length,
          submissions: (await t.ctx.db.selectFrom("assign_submissions").select("id").execute()).length,
        });
        const before = await count();
        const c = who();
        await c.get(`/course/${course.id}`);
        const res = await c.post(url(), form);
        assert.equal(res.statusCode, status);
        assert.equal(errorCodeOf(res), code);
        assert.deepEqual(await count(), before);
      });
    }

    it("refuses a submission to another course's assignment", async () => {
      const elsewhere = await makeCourse(t, { shortname: "ELSE" });
      const theirs = await addActivity(t, elsewhere.id, {
        type: "assign",
        name: "Theirs",
        settings: { maxGrade: 10 },
      });
      const res = await student.post(`/mod/${theirs.id}/submission`, { text: "Let me in" });
      assert.equal(res.statusCode, 403);
      assert.equal(await findSubmission(t.ctx.db, theirs.id, sam.id), undefined);
    });
  });
}
