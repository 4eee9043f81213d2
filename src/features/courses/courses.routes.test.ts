import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { type Course, findCourse, listCourses, listSections } from "./courses.service.js";

for (const engine of testEngines()) {
  describe(`courses in the UI (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let admin: Client;
    let teacher: Client;
    let assistant: Client;
    let student: Client;
    let outsider: Client;
    before(async () => {
      t = await startTestApp(engine);
      await t.admin();
      course = await makeCourse(t, { fullname: "Biology 101", shortname: "BIO101" });
      const tina = await t.user("tina");
      const nora = await t.user("nora");
      const sam = await t.user("sam");
      await t.user("olga");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, nora.id, "teacher");
      await enrolAs(t, course.id, sam.id, "student");
      admin = await t.client("admin");
      teacher = await t.client("tina");
      assistant = await t.client("nora");
      student = await t.client("sam");
      outsider = await t.client("olga");
    });
    after(() => t.close());

    it("lets a site admin create a course from My courses, with its sections", async () => {
      const my = await admin.get("/my");
      assert.match(my.body, /<a class="button" href="\/course\/new">Create course<\/a>/);
      const form = await admin.get("/course/new");
      assert.match(form.body, /<label for="f-fullname">Course full name<\/label>/);
      const res = await admin.post("/course/new", {
        fullname: "Chemistry",
        shortname: "CHEM1",
        summary: "Atoms & bonds",
        visible: "1",
      });
      assert.equal(res.statusCode, 303);
      const id = Number(/^\/course\/(\d+)$/.exec(String(res.headers.location))?.[1]);
      const created = await findCourse(t.ctx.db, id);
      assert.equal(created?.shortname, "CHEM1");
      assert.equal(created?.summary, "Atoms & bonds");
      const page = await admin.get(`/course/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Chemistry<\/h1>/);
      assert.match(page.body, /Atoms &amp; bonds/);
      assert.match(page.body, /<h2 id="section-0">General<\/h2>[\s\S]*<h2 id="section-1">Topic 1<\/h2>/);
    });

    it("refuses a short name another course has, writing nothing", async () => {
      const before = (await listCourses(t.ctx.db, { includeHidden: true })).length;
      const res = await admin.post("/course/new", {
        fullname: "Another biology",
        shortname: "BIO101",
        visible: "1",
      });
      assert.equal(res.statusCode, 409);
      assert.equal(errorCodeOf(res), "conflict");
      assert.match(res.body, /Short name BIO101 is already used/);
      assert.match(res.body, /value="Another biology"/, "the form keeps what was typed");
      assert.equal((await listCourses(t.ctx.db, { includeHidden: true })).length, before);
    });

    it("shows students their courses but no course creation", async () => {
      const my = await student.get("/my");
      assert.match(my.body, /<a href="\/course\/\d+">Biology 101<\/a>/);
      assert.doesNotMatch(my.body, /Create course/);
      const res = await student.get("/course/new");
      assert.equal(res.statusCode, 403);
      const post = await student.post("/course/new", { fullname: "Mine", shortname: "MINE" });
      assert.equal(post.statusCode, 403);
      assert.equal(errorCodeOf(post), "forbidden");
    });

    it("lets an editing teacher change the course settings, but not a non-editing teacher or a student", async () => {
      const form = await teacher.get(`/course/${course.id}/edit`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /value="BIO101"/);
      const res = await teacher.post(`/course/${course.id}/edit`, {
        fullname: "Biology 101: cells",
        shortname: "BIO101",
        summary: "",
        visible: "1",
      });
      assert.equal(res.statusCode, 303);
      assert.equal((await findCourse(t.ctx.db, course.id))?.fullname, "Biology 101: cells");
      for (const c of [assistant, student]) {
        assert.equal((await c.get(`/course/${course.id}/edit`)).statusCode, 403);
        const post = await c.post(`/course/${course.id}/edit`, {
          fullname: "Hacked",
          shortname: "H",
          visible: "1",
        });
        assert.equal(post.statusCode, 403);
      }
      assert.equal((await findCourse(t.ctx.db, course.id))?.fullname, "Biology 101: cells");
    });

    it("shows the course page to participants only", async () => {
      assert.equal((await student.get(`/course/${course.id}`)).statusCode, 200);
      const res = await outsider.get(`/course/${course.id}`);
      assert.equal(res.statusCode, 403);
      assert.equal(errorCodeOf(res), "forbidden");
      assert.equal((await admin.get(`/course/${course.id}`)).statusCode, 200, "site admins see every course");
      const anon = await t.client();
      assert.equal((await anon.get(`/course/${course.id}`)).statusCode, 401);
      assert.equal((await student.get("/course/999999")).statusCode, 404);
      assert.equal((await student.get("/course/abc")).statusCode, 400);
    });

    it("hides a hidden course from its students but not from its teachers", async () => {
      const hidden = await makeCourse(t, { fullname: "Secret plans", shortname: "SECRET" });
      const tina = await t.user("tina2");
      const sam = await t.user("sam2");
      await enrolAs(t, hidden.id, tina.id, "editingteacher");
      await enrolAs(t, hidden.id, sam.id, "student");
      const tc = await t.client("tina2");
      const res = await tc.post(`/course/${hidden.id}/edit`, {
        fullname: "Secret plans",
        shortname: "SECRET",
        summary: "",
      });
      assert.equal(res.statusCode, 303, "an unticked Visible box hides the course");
      const sc = await t.client("sam2");
      assert.equal((await sc.get(`/course/${hidden.id}`)).statusCode, 403);
      assert.doesNotMatch((await sc.get("/my")).body, /Secret plans/);
      assert.equal((await tc.get(`/course/${hidden.id}`)).statusCode, 200);
    });

    it("turns editing mode on and off with the Edit course material button", async () => {
      let page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, /<button type="submit" aria-pressed="false">Edit course material<\/button>/);
      assert.doesNotMatch(page.body, /Add course content/);
      const on = await teacher.post(`/course/${course.id}/editing`);
      assert.equal(on.statusCode, 303);
      page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, />Turn editing off<\/button>/);
      const addLinks = page.body.match(/href="\/course\/\d+\/add\?section=\d+">Add course content/g) ?? [];
      assert.equal(addLinks.length, (await listSections(t.ctx.db, course.id)).length, "one per section");
      await teacher.post(`/course/${course.id}/editing`);
      page = await teacher.get(`/course/${course.id}`);
      assert.match(page.body, />Edit course material<\/button>/);
      assert.doesNotMatch(page.body, /Add course content/);
    });

    it("keeps the editing switch from those who cannot manage material", async () => {
      for (const c of [assistant, student]) {
        const page = await c.get(`/course/${course.id}`);
        assert.doesNotMatch(page.body, /Edit course material/);
        const res = await c.post(`/course/${course.id}/editing`);
        assert.equal(res.statusCode, 403);
      }
      const forged = await teacher.post(`/course/${course.id}/editing`, { _csrf: "forged" });
      assert.equal(forged.statusCode, 403);
      assert.equal(errorCodeOf(forged), "csrf");
    });

    it("adds a section in editing mode", async () => {
      const before = await listSections(t.ctx.db, course.id);
      const res = await teacher.post(`/course/${course.id}/sections`, { name: "Revision" });
      assert.equal(res.statusCode, 303);
      const sections = await listSections(t.ctx.db, course.id);
      assert.equal(sections.length, before.length + 1);
      assert.equal(sections.at(-1)?.name, "Revision");
      const denied = await student.post(`/course/${course.id}/sections`, { name: "Mine" });
      assert.equal(denied.statusCode, 403);
      const long = await teacher.post(`/course/${course.id}/sections`, { name: "x".repeat(300) });
      assert.equal(long.statusCode, 400);
      assert.equal((await listSections(t.ctx.db, course.id)).length, before.length + 1);
    });
  });
}
