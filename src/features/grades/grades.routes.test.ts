import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse, makeGradableActivity } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import type { User } from "../users/users.service.js";
import { findCourseTotalItem, findGrade, setGrade } from "./grades.service.js";

for (const engine of testEngines()) {
  describe(`the gradebook pages (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let u: Record<string, User>;
    let teacher: Client;
    let essay: Awaited<ReturnType<typeof makeGradableActivity>>;
    let quiz: Awaited<ReturnType<typeof makeGradableActivity>>;
    let foreign: Awaited<ReturnType<typeof makeGradableActivity>>;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      other = await makeCourse(t);
      u = {};
      for (const name of ["tina", "sam", "sue", "quinn"]) u[name] = await t.user(name);
      await enrolAs(t, course.id, u.tina!.id, "editingteacher");
      await enrolAs(t, course.id, u.sam!.id, "student");
      await enrolAs(t, course.id, u.sue!.id, "student");
      await enrolAs(t, other.id, u.quinn!.id, "student");
      essay = await makeGradableActivity(t, course.id, { name: "Essay", maxGrade: 10 });
      quiz = await makeGradableActivity(t, course.id, { name: "Quiz one", maxGrade: 20, type: "quiz" });
      foreign = await makeGradableActivity(t, other.id, { name: "Foreign essay", maxGrade: 10 });
      await t.ctx.db.transaction().execute(async (trx) => {
        await setGrade(trx, t.ctx, {
          activityId: essay.id,
          userId: u.sue!.id,
          grade: 3.25,
          feedback: "SUE-SECRET-FEEDBACK",
          source: "teacher",
          actorId: u.tina!.id,
        });
        await setGrade(trx, t.ctx, {
          activityId: quiz.id,
          userId: u.sam!.id,
          grade: 15,
          feedback: "",
          source: "quiz",
          actorId: u.sam!.id,
        });
      });
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const gradeRows = async () => (await t.ctx.db.selectFrom("grade_history").select("id").execute()).length;

    it("shows teachers the grader report: students × items with the course total", async () => {
      const res = await teacher.get(`/course/${course.id}/grades`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h2>Grader report<\/h2>/);
      assert.match(
        res.body,
        /Essay <span class="muted">\/ 10<\/span>[\s\S]*Quiz one <span class="muted">\/ 20<\/span>[\s\S]*Course total <span class="muted">\/ 30<\/span>/,
      );
      assert.match(res.body, /aria-label="Edit grade: Essay, Sue Tester, 3.25"/);
      assert.match(res.body, /aria-label="Grade history: Course total, Sam Tester, 15"/);
      assert.doesNotMatch(res.body, /Tina Tester<\/a><\/th>/, "teachers are not rows of the report");
      assert.match(res.body, /href="\/course\/\d+\/grades"[^>]*>Gradebook<\/a>/);
    });

    it("lets a teacher edit a grade, and keeps each change in the history with its source and author", async () => {
      const form = await teacher.get(`/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<label for="f-grade">Grade \(0–10\)<\/label>/);
      assert.match(form.body, /<label for="f-feedback">Feedback<\/label>/);
      const res = await teacher.post(`/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`, {
        grade: "7.5",
        feedback: "Well argued",
      });
      assert.equal(res.statusCode, 303);
      const g = await findGrade(t.ctx.db, essay.itemId, u.sam!.id);
      assert.equal(g?.grade, 7.5);
      assert.equal(g?.feedback, "Well argued");
      assert.equal(g?.source, "teacher");
      assert.equal(g?.actorId, u.tina!.id);
      const total = await findCourseTotalItem(t.ctx.db, course.id);
      assert.equal((await findGrade(t.ctx.db, total!.id, u.sam!.id))?.grade, 22.5);

      t.clock.advance(60);
      await teacher.post(`/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`, {
        grade: "8",
        feedback: "Well argued, revised",
      });
      const page = await teacher.get(`/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`);
      const history = /<table class="grade-history">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? "";
      const rows = [
        ...history.matchAll(
          /<tr><td>([^<]+)<\/td><td class="num">([^<]+)<\/td><td>([^<]*)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g,
        ),
      ].map((m) => m.slice(2));
      assert.deepEqual(rows, [
        ["8", "Well argued, revised", "Teacher", "Tina Tester"],
        ["7.5", "Well argued", "Teacher", "Tina Tester"],
      ]);
      assert.match(history, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    });

    it("shows the course total's history as calculated, without an edit form", async () => {
      const total = await findCourseTotalItem(t.ctx.db, course.id);
      const page = await teacher.get(`/course/${course.id}/grades/${total!.id}/${u.sam!.id}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /name="grade"/);
      assert.match(page.body, /<td>Calculated<\/td>/);
    });

    it("shows a student their own grades with range, percentage and feedback, and nobody else's", async () => {
      const c = await t.client("sam");
      const res = await c.get(`/course/${course.id}/grades`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h2>My grades<\/h2>/);
      assert.match(
        res.body,
        /<th scope="row">Essay<\/th><td class="num">8<\/td><td class="num">0–10<\/td><td class="num">80 %<\/td><td><p class="feedback">Well argued, revised<\/p><\/td>/,
      );
      assert.match(
        res.body,
        /<th scope="row">Course total<\/th><td class="num">23<\/td><td class="num">0–30<\/td><td class="num">76.7 %<\/td>/,
      );
      // The page's random CSRF tokens are left out: one may contain "Sue".
      const page = res.body.replace(/name="_csrf" value="[^"]*"/g, "");
      assert.doesNotMatch(page, /Grader report|Sue|3\.25|SUE-SECRET/);
      assert.match(res.body, /<h2 id="course-admin-heading">Course admin<\/h2>[\s\S]*>Gradebook<\/a>/);
    });

    describe("refuses what a student may not see", () => {
      const studentCalls: Array<[string, () => string]> = [
        ["another student's user report", () => `/course/${course.id}/grades/user/${u.sue!.id}`],
        ["another student's grade page", () => `/course/${course.id}/grades/${essay.itemId}/${u.sue!.id}`],
        [
          "their own grade page (history is for teachers)",
          () => `/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`,
        ],
        ["another course's gradebook", () => `/course/${other.id}/grades`],
      ];
      for (const [what, url] of studentCalls) {
        it(`${what} → 403`, async () => {
          const c = await t.client("sam");
          const res = await c.get(url());
          assert.equal(res.statusCode, 403);
          assert.doesNotMatch(res.body, /SUE-SECRET|3\.25/);
        });
      }
      it("their own user report by id is fine", async () => {
        const c = await t.client("sam");
        const res = await c.get(`/course/${course.id}/grades/user/${u.sam!.id}`);
        assert.equal(res.statusCode, 200);
        assert.doesNotMatch(res.body, /SUE-SECRET/);
      });
    });

    describe("refuses bad grade input and writes nothing", () => {
      const path = (itemId: number, userId: number) => `/course/${course.id}/grades/${itemId}/${userId}`;
      const essayOf = (name: string) => async () => path(essay.itemId, u[name]!.id);
      const totalItem = async () => (await findCourseTotalItem(t.ctx.db, course.id))!.id;
      const cases: Array<
        [string, () => Promise<string>, Record<string, string | string[]>, number, RegExp, string]
      > = [
        [
          "a grade that is not a number",
          essayOf("sue"),
          { grade: "seven" },
          400,
          /Grade must be a number/,
          "tina",
        ],
        ["an infinite grade", essayOf("sue"), { grade: "1e400" }, 400, /Grade must be a number/, "tina"],
        ["a negative grade", essayOf("sue"), { grade: "-1" }, 400, /Grade must be between 0 and 10/, "tina"],
        [
          "a grade above the maximum",
          essayOf("sue"),
          { grade: "10.5" },
          400,
          /Grade must be between 0 and 10/,
          "tina",
        ],
        ["a grade sent twice", essayOf("sue"), { grade: ["1", "2"] }, 400, /Grade must be a number/, "tina"],
        [
          "feedback that is too long",
          essayOf("sue"),
          { grade: "5", feedback: "f".repeat(10_001) },
          400,
          /at most 10000 characters/,
          "tina",
        ],
        [
          "the course total",
          async () => path(await totalItem(), u.sue!.id),
          { grade: "5" },
          400,
          /course total is calculated/,
          "tina",
        ],
        [
          "another course's grade item",
          async () => path(foreign.itemId, u.sue!.id),
          { grade: "5" },
          404,
          /Grade item not found/,
          "tina",
        ],
        [
          "an unknown grade item",
          async () => path(999999, u.sue!.id),
          { grade: "5" },
          404,
          /Grade item not found/,
          "tina",
        ],
        [
          "someone who is not a participant",
          essayOf("quinn"),
          { grade: "5" },
          404,
          /Participant not found/,
          "tina",
        ],
        ["a student grading", essayOf("sue"), { grade: "10" }, 403, /Access denied/, "sam"],
        [
          "a forged CSRF token",
          essayOf("sue"),
          { grade: "10", _csrf: "forged" },
          403,
          /Form expired/,
          "tina",
        ],
      ];
      for (const [what, target, form, status, body, who] of cases) {
        it(`${what} → ${status}`, async () => {
          const before = await gradeRows();
          const sue = await findGrade(t.ctx.db, essay.itemId, u.sue!.id);
          const c = who === "tina" ? teacher : await t.client(who);
          await c.get(`/course/${course.id}/grades`);
          const res = await c.post(await target(), form);
          assert.equal(res.statusCode, status);
          assert.match(res.body, body);
          assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
          assert.equal(await gradeRows(), before);
          assert.deepEqual(await findGrade(t.ctx.db, essay.itemId, u.sue!.id), sue);
        });
      }
    });
  });
}
