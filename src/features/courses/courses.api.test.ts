import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../test/support/factories.js";
import { listCourses } from "./courses.service.js";

interface CourseJson {
  id: number;
  url: string;
  fullname: string;
  shortname: string;
  sections?: Array<{
    position: number;
    name: string;
    activities: Array<{ id: number; name: string; url: string }>;
  }>;
}

for (const engine of testEngines()) {
  describe(`the courses API (${engine})`, () => {
    let t: TestApp;
    let adminToken: string;
    let studentToken: string;
    let teacherToken: string;
    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: "https://lms.example.org/pluto" } });
      adminToken = await t.token((await t.admin()).id);
      const sam = await t.user("sam");
      const tina = await t.user("tina");
      studentToken = await t.token(sam.id);
      teacherToken = await t.token(tina.id);
      const visible = await makeCourse(t, { fullname: "Open course", shortname: "OPEN" });
      const hidden = await makeCourse(t, { fullname: "Draft course", shortname: "DRAFT" });
      await t.ctx.db.updateTable("courses").set({ visible: 0 }).where("id", "=", hidden.id).execute();
      await makeCourse(t, { fullname: "Someone else's", shortname: "OTHER" });
      for (const c of [visible, hidden]) {
        await enrolAs(t, c.id, sam.id, "student");
        await enrolAs(t, c.id, tina.id, "editingteacher");
      }
    });
    after(() => t.close());

    it("creates a course for a site admin and answers 201 with an absolute url", async () => {
      const res = await api(t.app, adminToken, "POST", "/api/v1/courses", {
        fullname: "Astronomy",
        shortname: "ASTRO",
        summary: "Stars",
      });
      assert.equal(res.status, 201);
      const c = res.json as CourseJson;
      assert.equal(c.fullname, "Astronomy");
      assert.equal(c.shortname, "ASTRO");
      assert.equal(c.url, `https://lms.example.org/pluto/course/${c.id}`);
      const one = await api(t.app, adminToken, "GET", `/api/v1/courses/${c.id}`);
      assert.equal(one.status, 200);
      const sections = (one.json as CourseJson).sections ?? [];
      assert.deepEqual(
        sections.map((s) => [s.position, s.name]),
        [
          [0, "General"],
          [1, "Topic 1"],
          [2, "Topic 2"],
          [3, "Topic 3"],
          [4, "Topic 4"],
        ],
      );
    });

    it("lists the caller's courses: students do not see hidden ones, admins see all", async () => {
      const names = async (token: string) =>
        ((await api(t.app, token, "GET", "/api/v1/courses")).json as CourseJson[])
          .map((c) => c.shortname)
          .sort();
      assert.deepEqual(await names(studentToken), ["OPEN"]);
      assert.deepEqual(await names(teacherToken), ["DRAFT", "OPEN"]);
      const all = await names(adminToken);
      assert.ok(all.includes("OTHER") && all.includes("DRAFT"));
    });

    it("shows a course with the activities the caller may see", async () => {
      const open = (await listCourses(t.ctx.db, { includeHidden: true })).find((c) => c.shortname === "OPEN");
      assert.ok(open);
      const shown = await addActivity(t, open.id, {
        type: "page",
        name: "Welcome",
        settings: { content: "Hi" },
      });
      await addActivity(t, open.id, {
        type: "page",
        name: "Secret",
        settings: { content: "x" },
        visible: false,
        section: 1,
      });
      const asStudent = (await api(t.app, studentToken, "GET", `/api/v1/courses/${open.id}`))
        .json as CourseJson;
      const names = asStudent.sections?.flatMap((s) => s.activities.map((a) => a.name));
      assert.deepEqual(names, ["Welcome"]);
      assert.equal(
        asStudent.sections?.[0]?.activities[0]?.url,
        `https://lms.example.org/pluto/mod/${shown.id}`,
      );
      const asTeacher = (await api(t.app, teacherToken, "GET", `/api/v1/courses/${open.id}`))
        .json as CourseJson;
      assert.equal(asTeacher.sections?.flatMap((s) => s.activities).length, 2);
    });

    const bad: Array<[string, string | undefined, "GET" | "POST", string, unknown, number, string]> = [
      [
        "no token",
        undefined,
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "X1" },
        401,
        "unauthenticated",
      ],
      [
        "a wrong token",
        "nope",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "X1" },
        401,
        "unauthenticated",
      ],
      [
        "a student creating",
        "student",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "X1" },
        403,
        "forbidden",
      ],
      [
        "a teacher creating",
        "teacher",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "X1" },
        403,
        "forbidden",
      ],
      ["a missing full name", "admin", "POST", "/api/v1/courses", { shortname: "X1" }, 400, "validation"],
      ["a missing short name", "admin", "POST", "/api/v1/courses", { fullname: "X" }, 400, "validation"],
      [
        "an empty full name",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: "  ", shortname: "X1" },
        400,
        "validation",
      ],
      [
        "an oversized full name",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: "x".repeat(255), shortname: "X1" },
        400,
        "validation",
      ],
      [
        "an oversized short name",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "x".repeat(101) },
        400,
        "validation",
      ],
      [
        "a number as full name",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: 5, shortname: "X1" },
        400,
        "validation",
      ],
      [
        "a string as visible",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "X1", visible: "yes" },
        400,
        "validation",
      ],
      ["an array body", "admin", "POST", "/api/v1/courses", [1, 2], 400, "validation"],
      ["broken JSON", "admin", "POST", "/api/v1/courses", "{nope", 400, "bad_request"],
      [
        "a taken short name",
        "admin",
        "POST",
        "/api/v1/courses",
        { fullname: "X", shortname: "OPEN" },
        409,
        "conflict",
      ],
      ["an unknown course", "admin", "GET", "/api/v1/courses/99999", undefined, 404, "not_found"],
      ["a non-numeric id", "admin", "GET", "/api/v1/courses/abc", undefined, 400, "validation"],
      ["someone else's course", "student", "GET", "/api/v1/courses/OTHER", undefined, 403, "forbidden"],
    ];
    for (const [what, who, method, url, body, status, code] of bad) {
      it(`refuses ${what} with ${status} ${code}, writing nothing`, async () => {
        const token = { admin: adminToken, student: studentToken, teacher: teacherToken }[who ?? ""] ?? who;
        let target = url;
        if (url.endsWith("/OTHER")) {
          const other = (await listCourses(t.ctx.db, { includeHidden: true })).find(
            (c) => c.shortname === "OTHER",
          );
          target = `/api/v1/courses/${other?.id}`;
        }
        const before = (await listCourses(t.ctx.db, { includeHidden: true })).length;
        const res = await api(t.app, token, method, target, body);
        assert.equal(res.status, status);
        assert.equal((res.json as { error: { code: string } }).error.code, code);
        assert.doesNotMatch(res.body, /\.ts:\d+/, "no stack trace");
        assert.equal((await listCourses(t.ctx.db, { includeHidden: true })).length, before);
      });
    }

    it("documents its operations in the OpenAPI document", async () => {
      const res = await api(t.app, undefined, "GET", "/api/v1/openapi.json");
      assert.equal(res.status, 200);
      const doc = res.json as { paths: Record<string, Record<string, unknown>> };
      assert.ok(doc.paths["/courses"]?.post);
      assert.ok(doc.paths["/courses"]?.get);
      assert.ok(doc.paths["/courses/{id}"]?.get);
      assert.ok(doc.paths["/courses/{id}/activities"]?.post);
      assert.ok(doc.paths["/activities/{id}/attempts"]?.post);
    });
  });
}
