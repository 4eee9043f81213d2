import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse } from "../../../test/support/factories.js";
import { type Course, listSections } from "../courses/courses.service.js";
import { findActivityItem } from "../grades/grades.service.js";
import { findActivity, listCourseActivities } from "./activities.service.js";

const idFrom = (location: unknown) => Number(/\/mod\/(\d+)$/.exec(String(location))?.[1]);

for (const engine of testEngines()) {
  describe(`adding and managing course material through forms (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let teacher: Client;
    let student: Client;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { fullname: "Physics", shortname: "PHY" });
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacher = await t.client("tina");
      student = await t.client("sam");
      await teacher.post(`/course/${course.id}/editing`);
    });
    after(() => t.close());

    it("opens a content picker listing every activity type from Add course content", async () => {
      const page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, new RegExp(`href="/course/${course.id}/add\\?section=1">Add course content`));
      const picker = await teacher.get(`/course/${course.id}/add?section=1`);
      assert.equal(picker.statusCode, 200);
      for (const [type, label] of [
        ["page", "Page"],
        ["assign", "Assignment"],
        ["quiz", "Quiz"],
      ]) {
        assert.match(
          picker.body,
          new RegExp(`href="/course/${course.id}/add/${type}\\?section=1"[^>]*>${label}</a>`),
        );
      }
      assert.match(picker.body, /graded automatically/);
      const form = await teacher.get(`/course/${course.id}/add/page?section=1`);
      assert.match(form.body, /<label for="f-name">Activity name<\/label>/);
      assert.match(form.body, /Save and return to course/);
      assert.match(form.body, /Save and display/);
      assert.match(form.body, /Student must view this activity/);
      assert.doesNotMatch(form.body, /Student must receive a grade/, "a page is not graded");
      const quizForm = await teacher.get(`/course/${course.id}/add/quiz?section=1`);
      assert.match(quizForm.body, /Student must receive a passing grade/);
    });

    it("adds a page, sanitising its HTML, and returns to the course", async () => {
      const res = await teacher.post(`/course/${course.id}/add/page`, {
        section: "1",
        name: "Reading: forces",
        content:
          '<h2>Forces</h2><p onclick="steal()">Push <a href="javascript:alert(1)">me</a></p><script>alert(1)</script>',
        completionRule: "viewed",
        visible: "1",
        save: "return",
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/course/${course.id}`);
      const [page] = (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).filter(
        (a) => a.type === "page",
      );
      assert.ok(page);
      assert.equal(page.settings.content, "<h2>Forces</h2><p>Push <a>me</a></p>");
      assert.equal(page.completionRule, "viewed");
      const sections = await listSections(t.ctx.db, course.id);
      assert.equal(page.sectionId, sections[1]?.id);
      assert.equal(await findActivityItem(t.ctx.db, page.id), undefined, "pages have no grade item");
      const view = await student.get(`/mod/${page.id}`);
      assert.equal(view.statusCode, 200);
      assert.match(view.body, /<h1>Reading: forces<\/h1>/);
      assert.match(view.body, /<div class="page-content"><h2>Forces<\/h2><p>Push <a>me<\/a><\/p><\/div>/);
    });

    it("adds an assignment with Save and display, creating its grade item", async () => {
      const res = await teacher.post(`/course/${course.id}/add/assign`, {
        section: "0",
        name: "Lab report",
        instructions: "Describe the experiment.",
        maxGrade: "20",
        completionRule: "graded",
        visible: "1",
        save: "display",
      });
      assert.equal(res.statusCode, 303);
      const id = idFrom(res.headers.location);
      const a = await findActivity(t.ctx.db, id);
      assert.deepEqual(a?.settings, { maxGrade: 20, instructions: "Describe the experiment." });
      assert.equal((await findActivityItem(t.ctx.db, id))?.maxGrade, 20);
      const view = await teacher.get(`/mod/${id}`);
      assert.match(view.body, /<caption>Submissions<\/caption>/);
    });

    it("adds a quiz written in the plain-text question format", async () => {
      const questionsText = "What is 2 + 2?\n- 3\n* 4\n- 5\n\nThe unit of force?\n* newton\n- joule";
      const res = await teacher.post(`/course/${course.id}/add/quiz`, {
        section: "2",
        name: "Check-up",
        maxGrade: "10",
        questionsText,
        completionRule: "passing",
        completionPassGrade: "5",
        visible: "1",
        save: "return",
      });
      assert.equal(res.statusCode, 303);
      const quiz = (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).find(
        (a) => a.name === "Check-up",
      );
      assert.deepEqual(quiz?.settings, {
        maxGrade: 10,
        questions: [
          { text: "What is 2 + 2?", choices: ["3", "4", "5"], correct: 1 },
          { text: "The unit of force?", choices: ["newton", "joule"], correct: 0 },
        ],
      });
      assert.equal(quiz?.completionPassGrade, 5);
      const item = await findActivityItem(t.ctx.db, quiz?.id ?? 0);
      assert.equal(item?.maxGrade, 10);
      assert.equal(item?.passGrade, 5);
      const edit = await teacher.get(`/mod/${quiz?.id}/edit`);
      assert.ok(
        edit.body.includes("What is 2 + 2?\n- 3\n* 4\n- 5\n\nThe unit of force?\n* newton\n- joule"),
        "questions come back as text",
      );
    });

    it("shows a quiz form again with the problem when a question has no correct choice", async () => {
      const before = (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length;
      const res = await teacher.post(`/course/${course.id}/add/quiz`, {
        section: "1",
        name: "Broken quiz",
        maxGrade: "10",
        questionsText: "Pick one\n- a\n- b",
        visible: "1",
      });
      assert.equal(res.statusCode, 400);
      assert.equal(errorCodeOf(res), "validation");
      assert.match(res.body, /Question 1: mark the correct choice/);
      assert.match(res.body, /value="Broken quiz"/);
      assert.equal((await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length, before);
    });

    it("edits an activity, keeping its grade item in step", async () => {
      const a = await addActivity(t, course.id, {
        type: "assign",
        name: "Essay",
        settings: { maxGrade: 50 },
      });
      const form = await teacher.get(`/mod/${a.id}/edit`);
      assert.match(form.body, /value="Essay"/);
      const res = await teacher.post(`/mod/${a.id}/edit`, {
        name: "Long essay",
        maxGrade: "80",
        instructions: "",
        visible: "1",
      });
      assert.equal(res.statusCode, 303);
      assert.equal((await findActivity(t.ctx.db, a.id))?.name, "Long essay");
      const item = await findActivityItem(t.ctx.db, a.id);
      assert.equal(item?.maxGrade, 80);
      assert.equal(item?.name, "Long essay");
    });

    it("hides an activity from students and shows it again", async () => {
      const a = await addActivity(t, course.id, {
        type: "page",
        name: "Answers sheet",
        settings: { content: "<p>42</p>" },
      });
      await teacher.get(`/course/${course.id}`);
      const hide = await teacher.post(`/mod/${a.id}/visibility`, { visible: "0" });
      assert.equal(hide.statusCode, 303);
      assert.doesNotMatch((await student.get(`/course/${course.id}`)).body, /Answers sheet/);
      const direct = await student.get(`/mod/${a.id}`);
      assert.equal(direct.statusCode, 403);
      assert.doesNotMatch(direct.body, /42/);
      const teacherView = await teacher.get(`/course/${course.id}`);
      assert.match(teacherView.body, /Answers sheet<\/a><span class="badge">Hidden from students<\/span>/);
      assert.match(teacherView.body, /Show<span class="visually-hidden"> Answers sheet<\/span>/);
      await teacher.post(`/mod/${a.id}/visibility`, { visible: "1" });
      assert.match((await student.get(`/course/${course.id}`)).body, /Answers sheet/);
    });

    it("moves activities up, down and to another section", async () => {
      const fresh = await makeCourse(t, { shortname: "MOVE" });
      const tina = await t.user("mover");
      await enrolAs(t, fresh.id, tina.id, "editingteacher");
      const c = await t.client("mover");
      const [a, b, d] = [
        await addActivity(t, fresh.id, { type: "page", name: "A", settings: { content: "a" } }),
        await addActivity(t, fresh.id, { type: "page", name: "B", settings: { content: "b" } }),
        await addActivity(t, fresh.id, { type: "page", name: "D", settings: { content: "d" } }),
      ];
      const order = async () =>
        (await listCourseActivities(t.ctx.db, fresh.id, { includeHidden: true })).map((x) => x.name).join("");
      assert.equal(await order(), "ABD");
      await c.get(`/course/${fresh.id}`);
      assert.equal((await c.post(`/mod/${d.id}/move`, { direction: "up" })).statusCode, 303);
      assert.equal(await order(), "ADB");
      await c.post(`/mod/${a.id}/move`, { direction: "down" });
      assert.equal(await order(), "DAB");
      await c.post(`/mod/${d.id}/move`, { section: "3" });
      assert.equal(await order(), "ABD");
      const sections = await listSections(t.ctx.db, fresh.id);
      assert.equal((await findActivity(t.ctx.db, d.id))?.sectionId, sections[3]?.id);
      assert.equal((await findActivity(t.ctx.db, b.id))?.position, 1);
      const bad = await c.post(`/mod/${a.id}/move`, { section: "99" });
      assert.equal(bad.statusCode, 400);
      assert.equal(await order(), "ABD");
    });

    it("deletes an activity after a confirmation page, with its grade item", async () => {
      const a = await addActivity(t, course.id, {
        type: "quiz",
        name: "Old quiz",
        settings: { maxGrade: 5, questions: [{ text: "Q", choices: ["x", "y"], correct: 0 }] },
      });
      assert.ok(await findActivityItem(t.ctx.db, a.id));
      const confirm = await teacher.get(`/mod/${a.id}/delete`);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Delete the quiz <strong>Old quiz<\/strong>\?/);
      assert.equal((await student.post(`/mod/${a.id}/delete`)).statusCode, 403);
      assert.ok(await findActivity(t.ctx.db, a.id), "a student cannot delete");
      const res = await teacher.post(`/mod/${a.id}/delete`);
      assert.equal(res.statusCode, 303);
      assert.equal(await findActivity(t.ctx.db, a.id), undefined);
      assert.equal(await findActivityItem(t.ctx.db, a.id), undefined);
    });

    it("shows editing controls only in editing mode", async () => {
      const page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, /Move down<span class="visually-hidden">/);
      assert.match(page.body, /Delete<span class="visually-hidden">/);
      const studentPage = await student.get(`/course/${course.id}`);
      assert.doesNotMatch(studentPage.body, /activity-controls/);
    });
  });
}
