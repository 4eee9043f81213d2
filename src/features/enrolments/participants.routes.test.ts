import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { labelled } from "../../../test/support/html-form.js";
import type { Course } from "../courses/courses.service.js";
import type { User } from "../users/users.service.js";
import {
  listParticipants,
  listUserRoles,
  manualInstance,
  updateEnrolInstance,
} from "./enrolments.service.js";

for (const engine of testEngines()) {
  describe(`the Participants page (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let teacher: Client;
    let u: Record<string, User>;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      other = await makeCourse(t);
      u = {};
      for (const name of ["tina", "sam", "nora", "mona", "paula", "peter", "quinn"])
        u[name] = await t.user(name, name === "paula" ? { firstname: "Paula", lastname: "Searchable" } : {});
      await enrolAs(t, course.id, u.tina!.id, "editingteacher");
      await enrolAs(t, course.id, u.sam!.id, "student");
      await enrolAs(t, course.id, u.nora!.id, "teacher");
      await enrolAs(t, course.id, u.mona!.id, "manager");
      await enrolAs(t, other.id, u.quinn!.id, "student");
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const enrolledIds = async (courseId = course.id) =>
      (await listParticipants(t.ctx.db, courseId)).map((p) => p.userId).sort();

    it("lists the enrolled users with email, roles, method, status and last access", async () => {
      const res = await teacher.get(`/course/${course.id}/participants`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h1>Participants<\/h1>/);
      assert.match(res.body, /Sam Tester <span class="muted">\(sam\)<\/span>/);
      assert.match(res.body, /sam@example\.org/);
      assert.match(res.body, /<td>Non-editing teacher /);
      assert.match(res.body, /Manual enrolments <span class="badge ok">Active<\/span>/);
      assert.match(res.body, /<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/td>/, "tina's last access");
      assert.match(res.body, /<td>Never<\/td>/);
      assert.doesNotMatch(res.body, /quinn/, "only this course's participants");
      assert.match(res.body, /href="\/course\/\d+\/participants\/enrol">Enrol users<\/a>/);
    });

    it("shows a non-editing teacher the list without the enrol controls", async () => {
      const c = await t.client("nora");
      const res = await c.get(`/course/${course.id}/participants`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /sam@example\.org/);
      assert.doesNotMatch(res.body, /Enrol users|Unenrol|Change roles/);
      assert.equal((await c.get(`/course/${course.id}/participants/enrol`)).statusCode, 403);
    });

    it("marks enrolments that give no access now", async () => {
      await t.admin();
      const admin = await t.client("admin");
      const manual = await manualInstance(t.ctx.db, course.id);
      await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { status: "disabled" });
      try {
        const page = await admin.get(`/course/${course.id}/participants`);
        assert.match(page.body, /Manual enrolments <span class="badge warn">Not current<\/span>/);
      } finally {
        await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { status: "enabled" });
      }
    });

    it("offers in Assign role only the roles the user may give, preselecting Student when the default is not one", async () => {
      const assign = async (c: Client) => {
        const page = await c.get(`/course/${course.id}/participants/enrol?q=searchable`);
        assert.equal(page.statusCode, 200);
        return labelled(page.body, "Assign role");
      };
      const mona = await t.client("mona");
      assert.deepEqual(
        (await assign(mona)).options.map((o) => o.value),
        ["manager", "editingteacher", "teacher", "student", "guest"],
      );
      const offered = await assign(teacher);
      assert.deepEqual(
        offered.options.map((o) => o.value),
        ["editingteacher", "teacher", "student", "guest"],
      );
      assert.equal(offered.value, "student");
      const manual = await manualInstance(t.ctx.db, course.id);
      assert.equal(manual.role, "student");
      await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { role: "manager" });
      try {
        assert.equal((await assign(mona)).value, "manager");
        const notManager = await assign(teacher);
        assert.deepEqual(
          notManager.options.filter((o) => o.selected).map((o) => o.value),
          ["student"],
          "not left to the browser, which would pick the first option (Teacher)",
        );
      } finally {
        await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { role: "student" });
      }
    });

    it("finds users by name and enrols the chosen ones with a role", async () => {
      const search = await teacher.get(`/course/${course.id}/participants/enrol?q=searchable`);
      assert.equal(search.statusCode, 200);
      assert.match(search.body, /<label for="q">Search users<\/label>/);
      assert.match(
        search.body,
        /<label for="user-\d+">Paula Searchable \(paula, paula@example\.org\)<\/label>/,
      );
      assert.doesNotMatch(search.body, /<option value="manager"/, "a teacher cannot make managers");
      const res = await teacher.post(`/course/${course.id}/participants/enrol`, {
        userId: [String(u.paula!.id), String(u.peter!.id)],
        role: "student",
        q: "searchable",
      });
      assert.equal(res.statusCode, 303);
      assert.ok((await enrolledIds()).includes(u.paula!.id));
      assert.ok((await enrolledIds()).includes(u.peter!.id));
      assert.deepEqual(await listUserRoles(t.ctx.db, course.id, u.paula!.id), ["student"]);
      const list = await teacher.get(String(res.headers.location));
      assert.match(list.body, /Enrolled 2 users\./);
      const again = await teacher.get(`/course/${course.id}/participants/enrol?q=searchable`);
      assert.match(again.body, /Paula Searchable \(paula, paula@example\.org\): already enrolled/);
    });

    it("changes a participant's roles", async () => {
      const form = await teacher.get(`/course/${course.id}/participants/${u.paula!.id}/roles`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /id="role-student" name="roles" value="student" checked/);
      const res = await teacher.post(`/course/${course.id}/participants/${u.paula!.id}/roles`, {
        roles: ["teacher", "student"],
      });
      assert.equal(res.statusCode, 303);
      assert.deepEqual((await listUserRoles(t.ctx.db, course.id, u.paula!.id)).sort(), [
        "student",
        "teacher",
      ]);
      await teacher.post(`/course/${course.id}/participants/${u.paula!.id}/roles`, { roles: "teacher" });
      assert.deepEqual(await listUserRoles(t.ctx.db, course.id, u.paula!.id), ["teacher"]);
    });

    it("asks for confirmation, then unenrols", async () => {
      const manual = await manualInstance(t.ctx.db, course.id);
      const confirm = await teacher.get(
        `/course/${course.id}/participants/${u.peter!.id}/unenrol?instanceId=${manual.id}`,
      );
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Do you really want to unenrol <strong>Peter Tester<\/strong>/);
      assert.ok((await enrolledIds()).includes(u.peter!.id));
      const res = await teacher.post(`/course/${course.id}/participants/${u.peter!.id}/unenrol`, {
        instanceId: String(manual.id),
      });
      assert.equal(res.statusCode, 303);
      assert.ok(!(await enrolledIds()).includes(u.peter!.id));
      assert.deepEqual(
        await listUserRoles(t.ctx.db, course.id, u.peter!.id),
        [],
        "roles go with the last enrolment",
      );
    });

    describe("refuses bad input and writes nothing", () => {
      const snapshot = async () => ({
        enrolled: await enrolledIds(),
        other: await enrolledIds(other.id),
        roles: (
          await t.ctx.db
            .selectFrom("role_assignments")
            .select(["user_id", "role", "course_id"])
            .orderBy("id")
            .execute()
        ).map((r) => `${r.course_id}:${r.user_id}:${r.role}`),
      });
      type Call = () => Promise<{ statusCode: number; body: string }>;
      const cases: Array<[string, Call, number, RegExp]> = [
        [
          "enrol without choosing a user",
          () => teacher.post(`/course/${course.id}/participants/enrol`, { role: "student", q: "x" }),
          400,
          /Select at least one user/,
        ],
        [
          "enrol without a role",
          () => teacher.post(`/course/${course.id}/participants/enrol`, { userId: String(u.quinn!.id) }),
          400,
          /Choose a role from the list/,
        ],
        [
          "enrol with an unknown role",
          () =>
            teacher.post(`/course/${course.id}/participants/enrol`, {
              userId: String(u.quinn!.id),
              role: "king",
            }),
          400,
          /Choose a role from the list/,
        ],
        [
          "enrol with a user id that is not a number",
          () => teacher.post(`/course/${course.id}/participants/enrol`, { userId: "quinn", role: "student" }),
          400,
          /Please correct the following/,
        ],
        [
          "enrol an unknown user",
          () =>
            teacher.post(`/course/${course.id}/participants/enrol`, { userId: "999999", role: "student" }),
          404,
          /User not found/,
        ],
        [
          "enrol with the manager role as a teacher",
          () =>
            teacher.post(`/course/${course.id}/participants/enrol`, {
              userId: String(u.quinn!.id),
              role: "manager",
            }),
          403,
          /may not give that role/,
        ],
        [
          "enrol into another course",
          () =>
            teacher.post(`/course/${other.id}/participants/enrol`, {
              userId: String(u.quinn!.id),
              role: "student",
            }),
          403,
          /Access denied/,
        ],
        [
          "enrol into an unknown course",
          () =>
            teacher.post("/course/999999/participants/enrol", {
              userId: String(u.quinn!.id),
              role: "student",
            }),
          404,
          /Course not found/,
        ],
        [
          "enrol with a forged CSRF token",
          () =>
            teacher.post(`/course/${course.id}/participants/enrol`, {
              _csrf: "forged",
              userId: String(u.quinn!.id),
              role: "student",
            }),
          403,
          /Form expired/,
        ],
        [
          "a search that is too long",
          () => teacher.get(`/course/${course.id}/participants/enrol?q=${"a".repeat(101)}`),
          400,
          /at most 100 characters/,
        ],
        [
          "unenrol someone not in the course",
          () => teacher.post(`/course/${course.id}/participants/${u.quinn!.id}/unenrol`, { instanceId: "1" }),
          404,
          /Participant not found/,
        ],
        [
          "unenrol through another course's method",
          async () =>
            teacher.post(`/course/${course.id}/participants/${u.sam!.id}/unenrol`, {
              instanceId: String((await manualInstance(t.ctx.db, other.id)).id),
            }),
          404,
          /Enrolment not found/,
        ],
        [
          "unenrol without saying from which method",
          () => teacher.post(`/course/${course.id}/participants/${u.sam!.id}/unenrol`, {}),
          400,
          /instanceId/,
        ],
        [
          "unenrol a manager as a teacher",
          async () =>
            teacher.post(`/course/${course.id}/participants/${u.mona!.id}/unenrol`, {
              instanceId: String((await manualInstance(t.ctx.db, course.id)).id),
            }),
          403,
          /Only a manager can unenrol a manager/,
        ],
        [
          "unenrol with a forged CSRF token",
          async () =>
            teacher.post(`/course/${course.id}/participants/${u.sam!.id}/unenrol`, {
              _csrf: "",
              instanceId: String((await manualInstance(t.ctx.db, course.id)).id),
            }),
          403,
          /Form expired/,
        ],
        [
          "roles with an unknown role",
          () => teacher.post(`/course/${course.id}/participants/${u.sam!.id}/roles`, { roles: "wizard" }),
          400,
          /Unknown role/,
        ],
        [
          "roles with none left",
          () => teacher.post(`/course/${course.id}/participants/${u.sam!.id}/roles`, {}),
          400,
          /Choose at least one role/,
        ],
        [
          "roles making a manager as a teacher",
          () =>
            teacher.post(`/course/${course.id}/participants/${u.sam!.id}/roles`, {
              roles: ["student", "manager"],
            }),
          403,
          /may not give that role/,
        ],
        [
          "roles of someone in another course",
          () => teacher.post(`/course/${course.id}/participants/${u.quinn!.id}/roles`, { roles: "student" }),
          404,
          /Participant not found/,
        ],
        [
          "roles of an unknown user",
          () => teacher.post(`/course/${course.id}/participants/999999/roles`, { roles: "student" }),
          404,
          /Participant not found/,
        ],
      ];
      for (const [what, call, status, body] of cases) {
        it(`${what} → ${status}`, async () => {
          const before = await snapshot();
          const res = await call();
          assert.equal(res.statusCode, status, res.body.slice(0, 300));
          assert.match(res.body, body);
          assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
          assert.deepEqual(await snapshot(), before);
        });
      }

      it("a teacher's role change leaves a manager's manager role alone", async () => {
        await teacher.post(`/course/${course.id}/participants/${u.mona!.id}/roles`, { roles: "teacher" });
        assert.deepEqual((await listUserRoles(t.ctx.db, course.id, u.mona!.id)).sort(), [
          "manager",
          "teacher",
        ]);
      });

      it("students may neither see participants nor enrol anyone", async () => {
        const before = await snapshot();
        const c = await t.client("sam");
        assert.equal((await c.get(`/course/${course.id}/participants`)).statusCode, 403);
        assert.equal((await c.get(`/course/${course.id}/participants/enrol?q=a`)).statusCode, 403);
        assert.equal(
          (
            await c.post(`/course/${course.id}/participants/enrol`, {
              userId: String(u.quinn!.id),
              role: "student",
            })
          ).statusCode,
          403,
        );
        assert.equal(
          (await c.post(`/course/${course.id}/participants/${u.tina!.id}/roles`, { roles: "student" }))
            .statusCode,
          403,
        );
        assert.deepEqual(await snapshot(), before);
      });
    });
  });
}
