import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse, makeGradableActivity } from "../../../test/support/factories.js";
import { FakeClock } from "../../shared/clock.js";
import type { Course } from "../courses/courses.service.js";
import type { User } from "../users/users.service.js";
import { findCourseTotalItem, findGrade, type GradeRow, setGrade } from "./grades.service.js";

type Row = GradeRow;

/** The rows of the user report's table: [name cell, grade, range, percentage]. */
const reportRows = (html: string) => {
  const body = /<table class="user-report">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  return [
    ...body.matchAll(
      /<tr[^>]*><th scope="row">([\s\S]*?)<\/th><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td>/g,
    ),
  ].map((m) => m.slice(1));
};

// Everything that would give the hidden activity away: its name, Sam's grade and feedback on it,
// and Sam's stored course total and the stored maximum, which count it.
const TRACES = /Final exam|SECRET-FEEDBACK|Hidden from students|\b37\b|\b43\b|\b50\b/;
/** The page without its random CSRF tokens and its times, in which any number could turn up. */
const scrub = (html: string) =>
  html
    .replace(/name="_csrf" value="[^"]*"/g, "")
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?Z?)?/g, "(time)");

for (const engine of testEngines()) {
  describe(`grades of activities hidden from students (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let u: Record<string, User>;
    let tok: Record<string, string>;
    let teacher: Client;
    let essay: Awaited<ReturnType<typeof makeGradableActivity>>;
    let exam: Awaited<ReturnType<typeof makeGradableActivity>>;
    const grade = (activityId: number, userId: number, value: number, feedback = "") =>
      t.ctx.db.transaction().execute((trx) =>
        setGrade(trx, t.ctx, {
          activityId,
          userId,
          grade: value,
          feedback,
          source: "teacher",
          actorId: u.tina!.id,
        }),
      );
    const storedTotal = async (userId: number) =>
      (await findGrade(t.ctx.db, (await findCourseTotalItem(t.ctx.db, course.id))!.id, userId))?.grade;
    const gradesApi = async (who: string) => {
      const res = await api(t.app, tok[who], "GET", `/api/v1/courses/${course.id}/grades`);
      assert.equal(res.status, 200, res.body);
      return { rows: res.json as Row[], body: res.body };
    };

    before(async () => {
      // A time whose digits hold the hidden numbers, so the pages' timestamps must not count as a leak.
      t = await startTestApp(engine, { clock: new FakeClock(new Date("2026-11-27T04:43:37.050Z")) });
      course = await makeCourse(t);
      u = {};
      tok = {};
      for (const name of ["tina", "nora", "sam", "sue"]) {
        u[name] = await t.user(name);
        tok[name] = await t.token(u[name]!.id);
      }
      await enrolAs(t, course.id, u.tina!.id, "editingteacher");
      await enrolAs(t, course.id, u.nora!.id, "teacher");
      await enrolAs(t, course.id, u.sam!.id, "student");
      await enrolAs(t, course.id, u.sue!.id, "student");
      essay = await makeGradableActivity(t, course.id, { name: "Essay", maxGrade: 10 });
      exam = await makeGradableActivity(t, course.id, { name: "Final exam", maxGrade: 40 });
      await grade(essay.id, u.sam!.id, 6, "Good start");
      t.clock.advance(60);
      await grade(exam.id, u.sam!.id, 37, "SECRET-FEEDBACK");
      await grade(exam.id, u.sue!.id, 12);
      teacher = await t.client("tina");
      await teacher.get(`/course/${course.id}`);
      const hide = await teacher.post(`/mod/${exam.id}/visibility`, { visible: "0" });
      assert.equal(hide.statusCode, 303);
    });
    after(() => t.close());

    it("keeps the stored course total, which counts the hidden activity", async () => {
      assert.equal(await storedTotal(u.sam!.id), 43);
      assert.equal(await storedTotal(u.sue!.id), 12);
    });

    it("shows a student no trace of the hidden activity in their user report, and a total without it", async () => {
      const sam = await t.client("sam");
      for (const url of [`/course/${course.id}/grades`, `/course/${course.id}/grades/user/${u.sam!.id}`]) {
        const res = await sam.get(url);
        assert.equal(res.statusCode, 200);
        assert.deepEqual(reportRows(res.body), [
          ["Essay", "6", "0–10", "60 %"],
          ["Course total", "6", "0–10", "60 %"],
        ]);
        assert.doesNotMatch(scrub(res.body), TRACES);
      }
    });

    it("shows a student whose only grade is hidden no course total", async () => {
      const res = await (await t.client("sue")).get(`/course/${course.id}/grades`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(reportRows(res.body), [
        ["Essay", "–", "0–10", "–"],
        ["Course total", "–", "0–10", "–"],
      ]);
      assert.doesNotMatch(scrub(res.body), /Final exam|\b12\b|\b40\b|\b50\b/);
    });

    it("gives a student's API call no row of the hidden activity, and a total without it", async () => {
      const { rows, body } = await gradesApi("sam");
      const total = (await findCourseTotalItem(t.ctx.db, course.id))!;
      const essayRow = rows.find((r) => r.activityId === essay.id);
      assert.deepEqual(rows, [
        {
          userId: u.sam!.id,
          itemId: total.id,
          activityId: null,
          grade: 6,
          maxGrade: 10,
          feedback: "",
          source: "system",
          updatedAt: essayRow?.updatedAt,
          hidden: false,
        },
        { ...essayRow, grade: 6, maxGrade: 10, feedback: "Good start", hidden: false },
      ]);
      assert.doesNotMatch(scrub(body), /SECRET-FEEDBACK|\b37\b|\b43\b|\b50\b/);
      assert.ok(!body.includes(`"activityId":${exam.id}`));
      assert.deepEqual((await gradesApi("sue")).rows, [], "a student with only a hidden grade gets no rows");
    });

    it("does not let a change of the hidden grade show in the student's total, not even its time", async () => {
      const sam = await t.client("sam");
      const before = await gradesApi("sam");
      const page = scrub((await sam.get(`/course/${course.id}/grades`)).body);
      t.clock.advance(60);
      await grade(exam.id, u.sam!.id, 38, "SECRET-FEEDBACK");
      assert.equal(await storedTotal(u.sam!.id), 44);
      assert.deepEqual((await gradesApi("sam")).rows, before.rows);
      assert.equal(scrub((await sam.get(`/course/${course.id}/grades`)).body), page);
      await grade(exam.id, u.sam!.id, 37, "SECRET-FEEDBACK");
    });

    it("answers a student asking for the hidden grade's page as for a visible one", async () => {
      const sam = await t.client("sam");
      const hidden = await sam.get(`/course/${course.id}/grades/${exam.itemId}/${u.sam!.id}`);
      const visible = await sam.get(`/course/${course.id}/grades/${essay.itemId}/${u.sam!.id}`);
      assert.equal(hidden.statusCode, 403);
      assert.equal(visible.statusCode, 403);
      assert.doesNotMatch(scrub(hidden.body), TRACES);
    });

    it("shows teachers the hidden activity marked as hidden, with the stored totals", async () => {
      const grader = await teacher.get(`/course/${course.id}/grades`);
      assert.equal(grader.statusCode, 200);
      assert.match(
        grader.body,
        /Final exam <span class="muted">\/ 40<\/span> <span class="badge">Hidden from students<\/span>[\s\S]*Course total <span class="muted">\/ 50<\/span><\/th>/,
      );
      assert.match(grader.body, /aria-label="Edit grade: Final exam, Sam Tester, 37"/);
      assert.match(grader.body, /aria-label="Grade history: Course total, Sam Tester, 43"/);

      const report = await teacher.get(`/course/${course.id}/grades/user/${u.sam!.id}`);
      assert.deepEqual(reportRows(report.body), [
        ["Essay", "6", "0–10", "60 %"],
        ['Final exam <span class="badge">Hidden from students</span>', "37", "0–40", "92.5 %"],
        ["Course total", "43", "0–50", "86 %"],
      ]);
      assert.match(report.body, /the course total they see leaves\s+them out/);

      const gradePage = await teacher.get(`/course/${course.id}/grades/${exam.itemId}/${u.sam!.id}`);
      assert.equal(gradePage.statusCode, 200);
      assert.match(gradePage.body, /<span class="badge">Hidden from students<\/span>/);
      assert.match(gradePage.body, /SECRET-FEEDBACK/);
    });

    it("gives teachers' API calls every row, the hidden one marked, with the stored totals", async () => {
      for (const who of ["tina", "nora"]) {
        const { rows } = await gradesApi(who);
        const sam = rows.filter((r) => r.userId === u.sam!.id);
        assert.deepEqual(
          sam.map((r) => [r.activityId, r.grade, r.maxGrade, r.hidden]),
          [
            [null, 43, 50, false],
            [essay.id, 6, 10, false],
            [exam.id, 37, 40, true],
          ],
        );
      }
    });

    it("brings the activity and its grade back to the student when it is shown again", async () => {
      const show = await teacher.post(`/mod/${exam.id}/visibility`, { visible: "1" });
      assert.equal(show.statusCode, 303);
      const res = await (await t.client("sam")).get(`/course/${course.id}/grades`);
      assert.deepEqual(reportRows(res.body), [
        ["Essay", "6", "0–10", "60 %"],
        ["Final exam", "37", "0–40", "92.5 %"],
        ["Course total", "43", "0–50", "86 %"],
      ]);
      assert.match(res.body, /SECRET-FEEDBACK/);
      const { rows } = await gradesApi("sam");
      assert.deepEqual(
        rows.map((r) => [r.activityId, r.grade, r.maxGrade, r.hidden]),
        [
          [null, 43, 50, false],
          [essay.id, 6, 10, false],
          [exam.id, 37, 40, false],
        ],
      );
      assert.deepEqual(
        (await gradesApi("sue")).rows.map((r) => [r.activityId, r.grade, r.maxGrade]),
        [
          [null, 12, 50],
          [exam.id, 12, 40],
        ],
      );
    });
  });
}
