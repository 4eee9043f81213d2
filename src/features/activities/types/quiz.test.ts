import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse, quizSettings } from "../../../../test/support/factories.js";
import type { Course } from "../../courses/courses.service.js";
import { listCourseGrades, listHistory } from "../../grades/grades.service.js";
import type { Activity } from "../activity-types.js";
import { scoreAnswers } from "./quiz.service.js";
import { formatQuestionsText, parseQuestionsText } from "./quiz-format.js";

describe("the quiz question text format", () => {
  it("round-trips questions through text", () => {
    const questions = [
      { text: "What is 2 + 2?", choices: ["3", "4"], correct: 1 },
      { text: "Line one\nline two", choices: ["* starred", "- dashed", "plain"], correct: 2 },
    ];
    assert.deepEqual(parseQuestionsText(formatQuestionsText(questions)), questions);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["empty text", "  \n\n ", /at least one question/],
    ["no correct choice", "Q?\n- a\n- b", /Question 1: mark the correct choice/],
    ["two correct choices", "Q?\n* a\n* b", /Question 1: mark only one/],
    ["a choice without a question", "Q?\n* a\n- b\n\n* c\n- d", /Question 2: the question text is missing/],
    ["text after the choices", "Q?\n* a\noops", /comes after the choices/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what}`, () => assert.throws(() => parseQuestionsText(text), message));
  }

  it("scores maxGrade × correct / total, unanswered counting as wrong", () => {
    const s = quizSettings(3, 10);
    assert.equal(scoreAnswers(s, [1, 1, null]).grade, 6.66667);
    assert.equal(scoreAnswers(s, [1, 1, 1]).grade, 10);
    assert.equal(scoreAnswers(s, [0, 2, 0]).grade, 0);
  });
});

for (const engine of testEngines()) {
  describe(`taking a quiz (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let quiz: Activity;
    let student: Client;
    let sam: { id: number };
    let studentToken: string;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "QZ" });
      other = await makeCourse(t, { shortname: "ELSEWHERE" });
      sam = await t.user("sam");
      const tina = await t.user("tina");
      await enrolAs(t, course.id, sam.id, "student");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      quiz = await addActivity(t, course.id, { type: "quiz", name: "Quiz 1", settings: quizSettings(4, 10) });
      await addActivity(t, course.id, { type: "assign", name: "Essay", settings: { maxGrade: 20 } });
      student = await t.client("sam");
      studentToken = await t.token(sam.id);
    });
    after(() => t.close());

    const gradesOf = async (userId: number) => {
      const rows = await listCourseGrades(t.ctx.db, course.id, userId);
      return {
        quiz: rows.find((r) => r.activityId === quiz.id),
        total: rows.find((r) => r.activityId === null),
      };
    };

    it("shows the questions as radio buttons in fieldsets", async () => {
      const page = await student.get(`/mod/${quiz.id}`);
      assert.equal(page.statusCode, 200);
      assert.match(
        page.body,
        /<legend>Question 1: <span class="preformatted">Question 1\?<\/span><\/legend>/,
      );
      assert.match(
        page.body,
        /<input type="radio" id="q0-1" name="q0" value="1"\/><label for="q0-1">B<\/label>/,
      );
      assert.match(page.body, /Submit answers/);
    });

    it("grades a submitted attempt and writes the grade and the course total", async () => {
      const res = await student.post(`/mod/${quiz.id}/attempt`, { q0: "1", q1: "1", q2: "1", q3: "0" });
      assert.equal(res.statusCode, 303);
      const page = await student.get(String(res.headers.location));
      assert.match(page.body, /Your grade for this attempt: 7.5 \/ 10 \(3 of 4 correct\)/);
      assert.match(page.body, /Your grade \(best attempt\): <strong>7.5 \/ 10<\/strong>/);
      const g = await gradesOf(sam.id);
      assert.equal(g.quiz?.grade, 7.5);
      assert.equal(g.quiz?.source, "quiz");
      assert.equal(g.total?.grade, 7.5);
      assert.equal(g.total?.maxGrade, 30, "quiz 10 + essay 20");
    });

    it("keeps the best attempt: a weaker one is recorded but does not lower the grade", async () => {
      const weaker = await api(t.app, studentToken, "POST", `/api/v1/activities/${quiz.id}/attempts`, {
        answers: [1, null, 0, 0],
      });
      assert.equal(weaker.status, 201);
      assert.deepEqual(
        {
          grade: (weaker.json as { grade: number }).grade,
          maxGrade: (weaker.json as { maxGrade: number }).maxGrade,
        },
        { grade: 2.5, maxGrade: 10 },
      );
      assert.equal((await gradesOf(sam.id)).quiz?.grade, 7.5);
      const better = await api(t.app, studentToken, "POST", `/api/v1/activities/${quiz.id}/attempts`, {
        answers: [1, 1, 1, 1],
      });
      assert.equal((better.json as { grade: number }).grade, 10);
      const g = await gradesOf(sam.id);
      assert.equal(g.quiz?.grade, 10);
      assert.equal(g.total?.grade, 10);
      const attempts = await t.ctx.db
        .selectFrom("quiz_attempts")
        .select("grade")
        .where("user_id", "=", sam.id)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        attempts.map((a) => a.grade),
        [7.5, 2.5, 10],
      );
      const history = await listHistory(t.ctx.db, g.quiz?.itemId ?? 0, sam.id);
      assert.deepEqual(
        history.map((h) => h.grade),
        [10, 7.5],
        "only changes reach the grade history",
      );
    });

    it("shows teachers each student's attempts and the answers", async () => {
      const teacher = await t.client("tina");
      const page = await teacher.get(`/mod/${quiz.id}`);
      assert.match(page.body, /<th scope="row">Sam Tester<\/th><td>3<\/td><td>10 \/ 10<\/td>/);
      assert.match(page.body, /B<strong> \(correct answer\)<\/strong>/);
      assert.doesNotMatch(page.body, /Submit answers/);
    });

    it("refuses an attempt with a forged CSRF token", async () => {
      const before = (await t.ctx.db.selectFrom("quiz_attempts").select("id").execute()).length;
      const res = await student.post(`/mod/${quiz.id}/attempt`, { _csrf: "forged", q0: "1" });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCodeOf(res), "csrf");
      assert.equal((await t.ctx.db.selectFrom("quiz_attempts").select("id").execute()).length, before);
    });

    const bad: Array<[string, "student" | "none" | "outsider", string, unknown, number, string]> = [
      ["no token", "none", "quiz", { answers: [1, 1, 1, 1] }, 401, "unauthenticated"],
      ["too few answers", "student", "quiz", { answers: [1] }, 400, "validation"],
      ["too many answers", "student", "quiz", { answers: [1, 1, 1, 1, 1] }, 400, "validation"],
      ["a choice that does not exist", "student", "quiz", { answers: [1, 1, 1, 3] }, 400, "validation"],
      ["a negative choice", "student", "quiz", { answers: [1, 1, 1, -1] }, 400, "validation"],
      ["answers as text", "student", "quiz", { answers: ["B", 1, 1, 1] }, 400, "validation"],
      ["answers that are not a list", "student", "quiz", { answers: 1 }, 400, "validation"],
      ["a missing answers field", "student", "quiz", {}, 400, "validation"],
      ["an unknown activity", "student", "unknown", { answers: [1, 1, 1, 1] }, 404, "not_found"],
      ["an activity that is not a quiz", "student", "assign", { answers: [1] }, 400, "validation"],
      ["a quiz of a course the caller is not in", "student", "other", { answers: [1] }, 403, "forbidden"],
      ["a hidden quiz", "student", "hidden", { answers: [1] }, 403, "forbidden"],
      ["a non-numeric id", "student", "abc", { answers: [1] }, 400, "validation"],
    ];
    for (const [what, who, target, body, status, code] of bad) {
      it(`refuses an attempt with ${what} (${status} ${code}), writing nothing`, async () => {
        const activities = await t.ctx.db
          .selectFrom("activities")
          .select(["id", "type", "course_id", "visible"])
          .execute();
        let id: string | number = quiz.id;
        if (target === "unknown") id = 999999;
        else if (target === "abc") id = "abc";
        else if (target === "assign") id = activities.find((a) => a.type === "assign")?.id ?? 0;
        else if (target === "other")
          id = (await addActivity(t, other.id, { type: "quiz", name: "Theirs", settings: quizSettings(1) }))
            .id;
        else if (target === "hidden") {
          id = (
            await addActivity(t, course.id, {
              type: "quiz",
              name: "Secret",
              settings: quizSettings(1),
              visible: false,
            })
          ).id;
        }
        const count = async () => ({
          attempts: (await t.ctx.db.selectFrom("quiz_attempts").select("id").execute()).length,
          history: (await t.ctx.db.selectFrom("grade_history").select("id").execute()).length,
        });
        const before = await count();
        const res = await api(
          t.app,
          who === "student" ? studentToken : undefined,
          "POST",
          `/api/v1/activities/${id}/attempts`,
          body,
        );
        assert.equal(res.status, status, res.body);
        assert.equal((res.json as { error: { code: string } }).error.code, code);
        assert.deepEqual(await count(), before);
      });
    }

    it("refuses a form attempt with a choice that does not exist", async () => {
      const res = await student.post(`/mod/${quiz.id}/attempt`, { q0: "1", q1: "1", q2: "1", q3: "7" });
      assert.equal(res.statusCode, 400);
      assert.equal(errorCodeOf(res), "validation");
      const bogus = await student.post(`/mod/${quiz.id}/attempt`, { q0: "<b>", q1: "1", q2: "1", q3: "1" });
      assert.equal(bogus.statusCode, 400);
    });
  });
}
