import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse, quizSettings } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import { findActivityItem } from "../grades/grades.service.js";
import { findActivity } from "./activities.service.js";

interface Created {
  id: number;
  url: string;
  section: number;
  type: string;
}

for (const engine of testEngines()) {
  describe(`adding activities through the API (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let teacherToken: string;
    let studentToken: string;
    let adminToken: string;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "API101" });
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacherToken = await t.token(tina.id);
      studentToken = await t.token(sam.id);
      adminToken = await t.token((await t.admin()).id);
    });
    after(() => t.close());

    const post = (token: string | undefined, body: unknown, courseId = course.id) =>
      api(t.app, token, "POST", `/api/v1/courses/${courseId}/activities`, body);

    it("adds a page, an assignment and a quiz, answering 201 {id, url}", async () => {
      const page = await post(teacherToken, {
        type: "page",
        name: "Intro",
        section: 0,
        settings: { content: "<p>Hello</p><script>x</script>" },
      });
      assert.equal(page.status, 201);
      const p = page.json as Created;
      assert.equal(p.url, `${t.ctx.config.publicUrl}/mod/${p.id}`);
      assert.equal(p.section, 0);
      assert.deepEqual((await findActivity(t.ctx.db, p.id))?.settings, { content: "<p>Hello</p>" });

      const assign = await post(teacherToken, {
        type: "assign",
        name: "Essay",
        section: 2,
        settings: { maxGrade: 40 },
      });
      assert.equal(assign.status, 201);
      const a = assign.json as Created;
      assert.equal(a.section, 2);
      assert.equal((await findActivityItem(t.ctx.db, a.id))?.maxGrade, 40);

      const quiz = await post(adminToken, {
        type: "quiz",
        name: "Quiz 1",
        section: 1,
        settings: quizSettings(3, 9),
      });
      assert.equal(quiz.status, 201);
      const q = quiz.json as Created;
      assert.equal(q.type, "quiz");
      assert.equal((await findActivityItem(t.ctx.db, q.id))?.maxGrade, 9);
    });

    const validQuiz = quizSettings(2);
    const bad: Array<[string, "teacher" | "student" | "none", unknown, number, string, number?]> = [
      ["no token", "none", { type: "page", name: "P", settings: { content: "x" } }, 401, "unauthenticated"],
      ["a student", "student", { type: "page", name: "P", settings: { content: "x" } }, 403, "forbidden"],
      [
        "an unknown course",
        "teacher",
        { type: "page", name: "P", settings: { content: "x" } },
        404,
        "not_found",
        999999,
      ],
      ["a missing name", "teacher", { type: "page", settings: { content: "x" } }, 400, "validation"],
      [
        "an oversized name",
        "teacher",
        { type: "page", name: "n".repeat(255), settings: { content: "x" } },
        400,
        "validation",
      ],
      [
        "a number as name",
        "teacher",
        { type: "page", name: 7, settings: { content: "x" } },
        400,
        "validation",
      ],
      ["a missing type", "teacher", { name: "P", settings: { content: "x" } }, 400, "validation"],
      ["an unknown activity type", "teacher", { type: "forum", name: "P", settings: {} }, 400, "validation"],
      [
        "an unknown section",
        "teacher",
        { type: "page", name: "P", section: 42, settings: { content: "x" } },
        400,
        "validation",
      ],
      [
        "a section given as text",
        "teacher",
        { type: "page", name: "P", section: "one", settings: { content: "x" } },
        400,
        "validation",
      ],
      [
        "a negative section",
        "teacher",
        { type: "page", name: "P", section: -1, settings: { content: "x" } },
        400,
        "validation",
      ],
      ["a page without content", "teacher", { type: "page", name: "P", settings: {} }, 400, "validation"],
      [
        "a page with only a script",
        "teacher",
        { type: "page", name: "P", settings: { content: "<script>x</script>" } },
        400,
        "validation",
      ],
      [
        "oversized page content",
        "teacher",
        { type: "page", name: "P", settings: { content: "x".repeat(200_001) } },
        400,
        "validation",
      ],
      [
        "settings that are not an object",
        "teacher",
        { type: "page", name: "P", settings: "hello" },
        400,
        "validation",
      ],
      [
        "an assignment without a max grade",
        "teacher",
        { type: "assign", name: "A", settings: {} },
        400,
        "validation",
      ],
      [
        "a negative max grade",
        "teacher",
        { type: "assign", name: "A", settings: { maxGrade: -5 } },
        400,
        "validation",
      ],
      [
        "a max grade given as text",
        "teacher",
        { type: "assign", name: "A", settings: { maxGrade: "ten" } },
        400,
        "validation",
      ],
      [
        "a quiz without questions",
        "teacher",
        { type: "quiz", name: "Q", settings: { maxGrade: 10, questions: [] } },
        400,
        "validation",
      ],
      [
        "a quiz whose correct index is out of range",
        "teacher",
        {
          type: "quiz",
          name: "Q",
          settings: { maxGrade: 10, questions: [{ text: "?", choices: ["a", "b"], correct: 2 }] },
        },
        400,
        "validation",
      ],
      [
        "a quiz question with one choice",
        "teacher",
        {
          type: "quiz",
          name: "Q",
          settings: { maxGrade: 10, questions: [{ text: "?", choices: ["a"], correct: 0 }] },
        },
        400,
        "validation",
      ],
      [
        "questions that are not a list",
        "teacher",
        { type: "quiz", name: "Q", settings: { maxGrade: 10, questions: "abc" } },
        400,
        "validation",
      ],
      [
        "a grade rule on a page",
        "teacher",
        { type: "page", name: "P", completionRule: "graded", settings: { content: "x" } },
        400,
        "validation",
      ],
      [
        "a passing rule without a pass grade",
        "teacher",
        { type: "quiz", name: "Q", completionRule: "passing", settings: validQuiz },
        400,
        "validation",
      ],
      [
        "a pass grade above the maximum",
        "teacher",
        { type: "quiz", name: "Q", completionRule: "passing", completionPassGrade: 11, settings: validQuiz },
        400,
        "validation",
      ],
      [
        "an unknown completion rule",
        "teacher",
        { type: "quiz", name: "Q", completionRule: "always", settings: validQuiz },
        400,
        "validation",
      ],
      ["a body that is a string", "teacher", '"page"', 400, "validation"],
    ];
    for (const [what, who, body, status, code, courseId] of bad) {
      it(`refuses ${what} with ${status} ${code}, writing nothing`, async () => {
        const token = who === "teacher" ? teacherToken : who === "student" ? studentToken : undefined;
        const count = async () => ({
          activities: (await t.ctx.db.selectFrom("activities").select("id").execute()).length,
          items: (await t.ctx.db.selectFrom("grade_items").select("id").execute()).length,
        });
        const before = await count();
        const res = await post(token, body, courseId ?? course.id);
        assert.equal(res.status, status, res.body);
        assert.equal((res.json as { error: { code: string } }).error.code, code);
        assert.deepEqual(await count(), before);
      });
    }

    it("names the field of a settings problem", async () => {
      const res = await post(teacherToken, {
        type: "quiz",
        name: "Q",
        settings: { maxGrade: 10, questions: [{ text: "?", choices: ["a", "b"], correct: 5 }] },
      });
      const fields = (res.json as { error: { fields: Array<{ field: string }> } }).error.fields.map(
        (f) => f.field,
      );
      assert.deepEqual(fields, ["settings.questions.0.correct"]);
    });
  });
}
