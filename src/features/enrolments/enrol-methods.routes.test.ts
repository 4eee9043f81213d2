import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import "../../../test/support/enrol-test-methods.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { labelled, readForm } from "../../../test/support/html-form.js";
import type { Course } from "../courses/courses.service.js";
import { enrolUser, listInstances, manualInstance } from "./enrolments.service.js";

const validForm = {
  method: "test-open",
  name: "Summer school",
  status: "enabled",
  enrolPeriodEnabled: "1",
  enrolPeriod: "2",
  enrolPeriodUnit: "weeks",
  enrolStartEnabled: "1",
  enrolStart: "2026-06-01T09:00",
  enrolEndEnabled: "1",
  enrolEnd: "2026-06-30T17:30",
  maxEnrolled: "25",
  role: "teacher",
  welcome: "Hello",
};

for (const engine of testEngines()) {
  describe(`the Enrollment methods page (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let teacher: Client;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "BIO101" });
      other = await makeCourse(t, { shortname: "CHEM" });
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      const nora = await t.user("nora");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      await enrolAs(t, course.id, nora.id, "teacher");
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const instancesOf = async (courseId: number) => listInstances(t.ctx.db, courseId);

    it("lists the manual method and offers the other methods in an Add method drop-down", async () => {
      const res = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<title>Enrollment methods · /);
      assert.match(res.body, /<th scope="row">Manual enrolments<\/th>/);
      assert.match(res.body, /<label for="add-method">Add method<\/label>/);
      assert.match(res.body, /<option value="test-open">Test open enrolment<\/option>/);
      assert.doesNotMatch(
        res.body,
        /<option value="manual">/,
        "manual allows one instance and is there already",
      );
      assert.match(res.body, /<form method="get" action="\/course\/\d+\/enrol-methods\/add"/);
      assert.match(
        res.body,
        /<h2 id="course-admin-heading">Course admin<\/h2>[\s\S]*href="\/course\/\d+\/enrol-methods"[^>]*>Enrollment methods<\/a>/,
      );
    });

    it("adds a method through its form, storing the common fields and the method's own", async () => {
      const form = await teacher.get(`/course/${course.id}/enrol-methods/add?method=test-open`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<legend>General settings<\/legend>/);
      assert.match(form.body, /<legend>Welcome<\/legend>/);
      assert.match(form.body, /<label for="f-maxEnrolled">Maximum enrolled users<\/label>/);
      assert.match(form.body, /type="datetime-local"/);
      assert.match(form.body, /<button type="submit" class="button">Add method<\/button>/);
      assert.doesNotMatch(
        form.body,
        /<option value="manager"/,
        "a teacher cannot make a method that gives the manager role",
      );
      const res = await teacher.post(`/course/${course.id}/enrol-methods/add`, validForm);
      assert.equal(res.statusCode, 303);
      const added = (await instancesOf(course.id)).find((i) => i.name === "Summer school");
      assert.ok(added);
      assert.equal(added.method, "test-open");
      assert.equal(added.enrolPeriod, 14 * 86400);
      assert.equal(added.enrolStart, "2026-06-01T09:00:00.000Z");
      assert.equal(added.enrolEnd, "2026-06-30T17:30:00.000Z");
      assert.equal(added.maxEnrolled, 25);
      assert.equal(added.role, "teacher");
      assert.deepEqual(added.settings, { welcome: "Hello" });
      const list = await teacher.get(String(res.headers.location));
      assert.match(list.body, /Added the enrolment method &quot;Summer school&quot;/);
      assert.match(list.body, /Enrolment period: 2 weeks/);
      assert.match(list.body, /At most 25 users/);
    });

    it("edits an instance: the form shows the stored values and saves changes", async () => {
      const inst = (await instancesOf(course.id)).find((i) => i.name === "Summer school")!;
      const form = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /name="enrolPeriod" value="2"/);
      assert.match(form.body, /<option value="weeks" selected>/);
      assert.match(form.body, /value="2026-06-01T09:00"/);
      assert.match(form.body, /name="welcome" value="Hello"/);
      assert.match(form.body, />Save changes<\/button>/);
      const res = await teacher.post(`/course/${course.id}/enrol-methods/${inst.id}/edit`, {
        ...validForm,
        name: "Autumn school",
        enrolPeriodEnabled: "",
        enrolStartEnabled: "",
        maxEnrolled: "0",
        welcome: "Bye",
      });
      assert.equal(res.statusCode, 303);
      const after = (await instancesOf(course.id)).find((i) => i.id === inst.id)!;
      assert.equal(after.name, "Autumn school");
      assert.equal(after.enrolPeriod, null);
      assert.equal(after.enrolStart, null);
      assert.equal(after.enrolEnd, "2026-06-30T17:30:00.000Z");
      assert.equal(after.maxEnrolled, 0);
      assert.deepEqual(after.settings, { welcome: "Bye" });
    });

    it("disables and enables an instance", async () => {
      const inst = (await instancesOf(course.id)).find((i) => i.name === "Autumn school")!;
      assert.equal(
        (await teacher.post(`/course/${course.id}/enrol-methods/${inst.id}/disable`)).statusCode,
        303,
      );
      assert.equal((await instancesOf(course.id)).find((i) => i.id === inst.id)?.status, "disabled");
      const page = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.match(page.body, /Disabled &quot;Autumn school&quot;/);
      assert.match(page.body, /action="\/course\/\d+\/enrol-methods\/\d+\/enable"/);
      assert.equal(
        (await teacher.post(`/course/${course.id}/enrol-methods/${inst.id}/enable`)).statusCode,
        303,
      );
      assert.equal((await instancesOf(course.id)).find((i) => i.id === inst.id)?.status, "enabled");
    });

    it("asks for confirmation before deleting, then unenrols the users of the instance", async () => {
      const inst = (await instancesOf(course.id)).find((i) => i.name === "Autumn school")!;
      const u = await t.user("dora");
      await t.ctx.db
        .transaction()
        .execute((trx) =>
          enrolUser(
            trx,
            { clock: t.clock, engine: t.engine },
            { instanceId: inst.id, userId: u.id, checkOpen: false },
          ),
        );
      const confirm = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/delete`);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /1 user is enrolled through it and will be unenrolled/);
      assert.ok(
        (await instancesOf(course.id)).some((i) => i.id === inst.id),
        "nothing deleted by the GET",
      );
      const res = await teacher.post(`/course/${course.id}/enrol-methods/${inst.id}/delete`);
      assert.equal(res.statusCode, 303);
      assert.ok(!(await instancesOf(course.id)).some((i) => i.id === inst.id));
      const left = await t.ctx.db.selectFrom("enrolments").select("id").where("user_id", "=", u.id).execute();
      assert.equal(left.length, 0);
    });

    it("lets a method lay out the common fields in its own section", async () => {
      const res = await teacher.get(`/course/${course.id}/enrol-methods/add?method=test-layout`);
      assert.equal(res.statusCode, 200);
      const section =
        /<legend>Publish as test tool<\/legend>([\s\S]*?)<\/fieldset>\s*<fieldset><legend>Remote system/.exec(
          res.body,
        );
      assert.ok(section, "common fields sit in the method's section");
      assert.match(section[1]!, /name="maxEnrolled"/);
      assert.match(section[1]!, /<p class="tool-to-publish">Course<\/p>/);
      assert.match(section[1]!, /<label for="f-role">Role for learners<\/label>/);
      const added = await teacher.post(`/course/${course.id}/enrol-methods/add`, {
        method: "test-layout",
        role: "student",
        maxEnrolled: "3",
      });
      assert.equal(added.statusCode, 303);
      const inst = (await instancesOf(course.id)).find((i) => i.method === "test-layout");
      assert.equal(inst?.name, "Test custom layout", "an empty name defaults to the method label");
      const again = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.doesNotMatch(
        again.body,
        /<option value="test-layout">/,
        "single-instance methods are not offered twice",
      );
    });

    it("offers the Default role drop-down only the roles the editor may give, plus the saved one", async () => {
      const optionsOf = (html: string) => labelled(html, "Default role").options.map((o) => o.value);
      const addPage = await teacher.get(`/course/${course.id}/enrol-methods/add?method=test-open`);
      assert.deepEqual(optionsOf(addPage.body), ["editingteacher", "teacher", "student", "guest"]);
      await t.admin();
      const admin = await t.client("admin");
      const adminPage = await admin.get(`/course/${course.id}/enrol-methods/add?method=test-open`);
      assert.deepEqual(optionsOf(adminPage.body), [
        "manager",
        "editingteacher",
        "teacher",
        "student",
        "guest",
      ]);
      const made = await admin.post(`/course/${course.id}/enrol-methods/add`, {
        ...readForm(adminPage.body, /\/add$/).fields,
        name: "Staff intake",
        role: "manager",
      });
      assert.equal(made.statusCode, 303);
      const inst = (await instancesOf(course.id)).find((i) => i.name === "Staff intake");
      assert.ok(inst);

      const edit = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`);
      assert.deepEqual(optionsOf(edit.body), ["manager", "editingteacher", "teacher", "student", "guest"]);
      assert.equal(labelled(edit.body, "Default role").value, "manager", "the saved role is shown");
      const form = readForm(edit.body, /\/edit$/);
      const saved = await teacher.post(form.action, { ...form.fields, name: "Staff intake 2" });
      assert.equal(saved.statusCode, 303, "saving without touching the role is allowed");
      assert.deepEqual(
        (await instancesOf(course.id)).filter((i) => i.id === inst.id).map((i) => [i.name, i.role]),
        [["Staff intake 2", "manager"]],
      );
      const student = await teacher.post(form.action, { ...form.fields, role: "student" });
      assert.equal(student.statusCode, 303);
      const back = await teacher.post(form.action, { ...form.fields, role: "manager" });
      assert.equal(back.statusCode, 403, "once changed, the teacher cannot give it back");
      assert.equal((await instancesOf(course.id)).find((i) => i.id === inst.id)?.role, "student");
      assert.deepEqual(
        optionsOf((await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`)).body),
        ["editingteacher", "teacher", "student", "guest"],
      );
    });

    describe("refuses bad input with a clear error and writes nothing", () => {
      const cases: Array<[string, Record<string, string | string[]>, string, RegExp]> = [
        ["missing role", { role: "" }, "role", /Choose a role from the list/],
        ["unknown role", { role: "overlord" }, "role", /Choose a role from the list/],
        ["unknown status", { status: "maybe" }, "status", /Status must be Enabled or Disabled/],
        ["name too long", { name: "x".repeat(255) }, "name", /Name must be at most 254 characters/],
        ["name given twice", { name: ["a", "b"] }, "name", /Name must be text/],
        [
          "period not a number",
          { enrolPeriod: "soon" },
          "enrolPeriod",
          /Enrolment period must be a number greater than 0/,
        ],
        [
          "negative period",
          { enrolPeriod: "-3" },
          "enrolPeriod",
          /Enrolment period must be a number greater than 0/,
        ],
        [
          "oversized period",
          { enrolPeriod: "99999", enrolPeriodUnit: "weeks" },
          "enrolPeriod",
          /at most 100 years/,
        ],
        [
          "unknown period unit",
          { enrolPeriodUnit: "fortnights" },
          "enrolPeriodUnit",
          /Choose hours, days or weeks/,
        ],
        [
          "start not a date",
          { enrolStart: "next monday" },
          "enrolStart",
          /Enrolment start must be a date and time/,
        ],
        [
          "start on a day that does not exist",
          { enrolStart: "2026-02-30T10:00" },
          "enrolStart",
          /Enrolment start must be a date and time/,
        ],
        [
          "end before start",
          { enrolEnd: "2026-05-01T00:00" },
          "enrolEnd",
          /end date must be after the start date/,
        ],
        ["negative maximum", { maxEnrolled: "-1" }, "maxEnrolled", /whole number from 0 to 10000000/],
        [
          "oversized maximum",
          { maxEnrolled: "99999999999" },
          "maxEnrolled",
          /whole number from 0 to 10000000/,
        ],
        ["fractional maximum", { maxEnrolled: "2.5" }, "maxEnrolled", /whole number/],
        [
          "method field too long",
          { welcome: "w".repeat(51) },
          "welcome",
          /Welcome message must be at most 50 characters/,
        ],
      ];
      for (const [what, patch, field, message] of cases) {
        it(`${what} → 400 with the error beside ${field}`, async () => {
          const before = (await instancesOf(course.id)).length;
          await teacher.get(`/course/${course.id}/enrol-methods/add?method=test-open`);
          const res = await teacher.post(`/course/${course.id}/enrol-methods/add`, {
            ...validForm,
            ...patch,
          });
          assert.equal(res.statusCode, 400);
          assert.match(res.body, new RegExp(`id="f-${field}-error"`));
          assert.match(res.body, message);
          assert.match(res.body, /Please correct the following/);
          assert.equal((await instancesOf(course.id)).length, before);
        });
      }

      it("the same checks on the edit form leave the instance unchanged", async () => {
        const manual = await manualInstance(t.ctx.db, course.id);
        const res = await teacher.post(`/course/${course.id}/enrol-methods/${manual.id}/edit`, {
          ...validForm,
          method: "manual",
          maxEnrolled: "-5",
        });
        assert.equal(res.statusCode, 400);
        assert.deepEqual(await manualInstance(t.ctx.db, course.id), manual);
      });

      const refusals: Array<[string, () => Promise<{ statusCode: number; body: string }>, number, RegExp]> = [
        [
          "an unknown method",
          () => teacher.get(`/course/${course.id}/enrol-methods/add?method=nope`),
          404,
          /Enrolment method type not found/,
        ],
        [
          "no method chosen",
          () => teacher.get(`/course/${course.id}/enrol-methods/add?method=`),
          400,
          /Choose a method/,
        ],
        [
          "a second manual method",
          () => teacher.post(`/course/${course.id}/enrol-methods/add`, { ...validForm, method: "manual" }),
          409,
          /already has the Manual enrolments method/,
        ],
        ["an unknown course", () => teacher.get("/course/999999/enrol-methods"), 404, /Course not found/],
        [
          "a course id that is not a number",
          () => teacher.get("/course/abc/enrol-methods"),
          400,
          /Invalid input/,
        ],
        [
          "a course id beyond the integer range",
          () => teacher.get("/course/99999999999/enrol-methods"),
          400,
          /too large/,
        ],
        [
          "an unknown instance",
          () => teacher.get(`/course/${course.id}/enrol-methods/999999/edit`),
          404,
          /Enrolment method not found/,
        ],
        [
          "a manager default role set by a teacher",
          () => teacher.post(`/course/${course.id}/enrol-methods/add`, { ...validForm, role: "manager" }),
          403,
          /may not give that role/,
        ],
        [
          "a course where the teacher is not enrolled",
          () => teacher.get(`/course/${other.id}/enrol-methods`),
          403,
          /Access denied/,
        ],
      ];
      for (const [what, call, status, body] of refusals) {
        it(`${what} → ${status}`, async () => {
          const before = (await t.ctx.db.selectFrom("enrol_instances").select("id").execute()).length;
          const res = await call();
          assert.equal(res.statusCode, status);
          assert.match(res.body, body);
          assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
          assert.equal((await t.ctx.db.selectFrom("enrol_instances").select("id").execute()).length, before);
        });
      }

      it("another course's instance cannot be edited, toggled or deleted through this course", async () => {
        const foreign = await manualInstance(t.ctx.db, other.id);
        for (const [method, path] of [
          ["get", "edit"],
          ["post", "edit"],
          ["post", "disable"],
          ["get", "delete"],
          ["post", "delete"],
        ] as const) {
          const url = `/course/${course.id}/enrol-methods/${foreign.id}/${path}`;
          const res =
            method === "get"
              ? await teacher.get(url)
              : await teacher.post(url, { ...validForm, method: "manual" });
          assert.equal(res.statusCode, 404, `${method} ${path}`);
        }
        assert.deepEqual(await manualInstance(t.ctx.db, other.id), foreign);
      });

      it("students and non-editing teachers may not manage enrolment methods", async () => {
        const manual = await manualInstance(t.ctx.db, course.id);
        for (const username of ["sam", "nora"]) {
          const c = await t.client(username);
          assert.equal((await c.get(`/course/${course.id}/enrol-methods`)).statusCode, 403);
          assert.equal((await c.post(`/course/${course.id}/enrol-methods/add`, validForm)).statusCode, 403);
          assert.equal(
            (await c.post(`/course/${course.id}/enrol-methods/${manual.id}/disable`)).statusCode,
            403,
          );
          assert.equal(
            (await c.post(`/course/${course.id}/enrol-methods/${manual.id}/delete`)).statusCode,
            403,
          );
        }
        const page = await (await t.client("nora")).get(`/course/${course.id}/participants`);
        assert.equal(page.statusCode, 200);
        assert.doesNotMatch(
          page.body,
          /Enrollment methods<\/a>/,
          "no Course admin link without the capability",
        );
        assert.deepEqual(await manualInstance(t.ctx.db, course.id), manual);
      });

      it("anonymous visitors are asked to log in", async () => {
        const c = await t.client();
        assert.equal((await c.get(`/course/${course.id}/enrol-methods`)).statusCode, 401);
      });

      it("a forged CSRF token is refused", async () => {
        const manual = await manualInstance(t.ctx.db, course.id);
        const before = (await instancesOf(course.id)).length;
        const add = await teacher.post(`/course/${course.id}/enrol-methods/add`, {
          ...validForm,
          _csrf: "forged",
        });
        assert.equal(add.statusCode, 403);
        assert.match(add.body, /Form expired/);
        const del = await teacher.post(`/course/${course.id}/enrol-methods/${manual.id}/delete`, {
          _csrf: "forged",
        });
        assert.equal(del.statusCode, 403);
        assert.equal((await instancesOf(course.id)).length, before);
      });
    });
  });
}
