import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { hookCalls } from "../../../test/support/enrol-test-methods.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import { listInstances, manualInstance } from "./enrolments.service.js";

type Json = Record<string, unknown>;

for (const engine of testEngines()) {
  describe(`the enrolment methods API (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let teacherToken: string;
    let studentToken: string;
    let adminToken: string;
    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: "https://lms.example.org" } });
      course = await makeCourse(t);
      other = await makeCourse(t);
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacherToken = await t.token(tina.id);
      studentToken = await t.token(sam.id);
      adminToken = await t.token((await t.admin()).id);
    });
    after(() => t.close());

    const count = async () => (await t.ctx.db.selectFrom("enrol_instances").select("id").execute()).length;

    it("lists the course's instances with their settings and enrolled users", async () => {
      const res = await api(t.app, teacherToken, "GET", `/api/v1/courses/${course.id}/enrol-methods`);
      assert.equal(res.status, 200);
      const [manual] = res.json as Json[];
      assert.equal(manual?.method, "manual");
      assert.equal(manual?.name, "Manual enrolments");
      assert.equal(manual?.enrolledUsers, 2);
      assert.match(
        String(manual?.url),
        /^https:\/\/lms\.example\.org\/course\/\d+\/enrol-methods\/\d+\/edit$/,
      );
    });

    it("adds, changes and deletes an instance", async () => {
      const created = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
        method: "test-open",
        name: "Cohort A",
        enrolPeriod: 86400,
        enrolStart: "2026-09-01T08:00:00+02:00",
        enrolEnd: "2026-10-01T00:00:00Z",
        maxEnrolled: 30,
        role: "student",
        welcome: "Hi",
      });
      assert.equal(created.status, 201);
      const body = created.json as Json;
      assert.equal(body.name, "Cohort A");
      assert.equal(body.enrolStart, "2026-09-01T06:00:00.000Z");
      assert.equal(body.maxEnrolled, 30);
      assert.equal(body.welcome, "Hi", "the method's present() extras");
      const id = Number(body.id);

      const patched = await api(t.app, teacherToken, "PATCH", `/api/v1/enrol-methods/${id}`, {
        status: "disabled",
        enrolStart: null,
        welcome: "Hello",
      });
      assert.equal(patched.status, 200);
      const p = patched.json as Json;
      assert.equal(p.status, "disabled");
      assert.equal(p.enrolStart, null);
      assert.equal(p.enrolEnd, "2026-10-01T00:00:00.000Z", "fields not sent stay as they were");
      assert.equal(p.welcome, "Hello");

      const deleted = await api(t.app, teacherToken, "DELETE", `/api/v1/enrol-methods/${id}`);
      assert.equal(deleted.status, 204);
      assert.ok(!(await listInstances(t.ctx.db, course.id)).some((i) => i.id === id));
    });

    it("calls the method's hooks inside the same transaction: a failing hook leaves nothing behind", async () => {
      const url = `/api/v1/courses/${course.id}/enrol-methods`;
      hookCalls.length = 0;
      const before = await count();
      const failed = await api(t.app, teacherToken, "POST", url, { method: "test-hooks", explode: true });
      assert.equal(failed.status, 400);
      assert.equal(await count(), before, "the instance insert was rolled back");
      const ok = await api(t.app, teacherToken, "POST", url, { method: "test-hooks" });
      assert.equal(ok.status, 201);
      const id = Number((ok.json as Json).id);
      const badPatch = await api(t.app, teacherToken, "PATCH", `/api/v1/enrol-methods/${id}`, {
        name: "Renamed",
        explode: true,
      });
      assert.equal(badPatch.status, 400);
      assert.equal(
        (await listInstances(t.ctx.db, course.id)).find((i) => i.id === id)?.name,
        "Test hooks",
        "the update was rolled back",
      );
      assert.equal(
        (await api(t.app, teacherToken, "PATCH", `/api/v1/enrol-methods/${id}`, { name: "Renamed" })).status,
        200,
      );
      assert.equal((await api(t.app, teacherToken, "DELETE", `/api/v1/enrol-methods/${id}`)).status, 204);
      assert.deepEqual(hookCalls, [`create:${id}`, `update:${id}`, `delete:${id}`]);
    });

    it("documents its operations in the OpenAPI document", async () => {
      const { json } = await api(t.app, undefined, "GET", "/api/v1/openapi.json");
      const paths = (json as { paths: Record<string, Record<string, unknown>> }).paths;
      assert.ok(paths["/courses/{id}/enrol-methods"]?.post);
      assert.ok(paths["/courses/{id}/enrol-methods"]?.get);
      assert.ok(paths["/enrol-methods/{id}"]?.patch);
      assert.ok(paths["/enrol-methods/{id}"]?.delete);
    });

    describe("refuses bad input and writes nothing", () => {
      const valid = { method: "test-open", name: "X", role: "student" };
      const cases: Array<
        [string, () => { token?: string; url: string; body?: unknown }, number, string, RegExp?]
      > = [
        [
          "no token",
          () => ({ url: `/api/v1/courses/${course.id}/enrol-methods`, body: valid }),
          401,
          "unauthenticated",
        ],
        [
          "a bad token",
          () => ({ token: "nope", url: `/api/v1/courses/${course.id}/enrol-methods`, body: valid }),
          401,
          "unauthenticated",
        ],
        [
          "a student",
          () => ({ token: studentToken, url: `/api/v1/courses/${course.id}/enrol-methods`, body: valid }),
          403,
          "forbidden",
        ],
        [
          "another course",
          () => ({ token: teacherToken, url: `/api/v1/courses/${other.id}/enrol-methods`, body: valid }),
          403,
          "forbidden",
        ],
        [
          "an unknown course",
          () => ({ token: teacherToken, url: "/api/v1/courses/999999/enrol-methods", body: valid }),
          404,
          "not_found",
        ],
        [
          "a non-numeric course id",
          () => ({ token: teacherToken, url: "/api/v1/courses/x/enrol-methods", body: valid }),
          400,
          "validation",
        ],
        [
          "missing method",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { name: "X" },
          }),
          400,
          "validation",
          /method/,
        ],
        [
          "unknown method",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { method: "carrier-pigeon" },
          }),
          400,
          "validation",
          /Unknown enrolment method/,
        ],
        [
          "a second manual method",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { method: "manual" },
          }),
          409,
          "conflict",
        ],
        [
          "name of the wrong type",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, name: 5 },
          }),
          400,
          "validation",
          /name/,
        ],
        [
          "name too long",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, name: "n".repeat(255) },
          }),
          400,
          "validation",
        ],
        [
          "unknown status",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, status: "on" },
          }),
          400,
          "validation",
        ],
        [
          "negative period",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolPeriod: -1 },
          }),
          400,
          "validation",
        ],
        [
          "period as a string",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolPeriod: "86400" },
          }),
          400,
          "validation",
        ],
        [
          "oversized period",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolPeriod: 1e12 },
          }),
          400,
          "validation",
        ],
        [
          "a date without a time zone",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolStart: "2026-09-01T08:00" },
          }),
          400,
          "validation",
          /ISO 8601/,
        ],
        [
          "not a date",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolEnd: "soon" },
          }),
          400,
          "validation",
        ],
        [
          "end before start",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, enrolStart: "2026-09-02T00:00:00Z", enrolEnd: "2026-09-01T00:00:00Z" },
          }),
          400,
          "validation",
          /after the start/,
        ],
        [
          "negative maximum",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, maxEnrolled: -1 },
          }),
          400,
          "validation",
        ],
        [
          "fractional maximum",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, maxEnrolled: 1.5 },
          }),
          400,
          "validation",
        ],
        [
          "oversized maximum",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, maxEnrolled: 1e9 },
          }),
          400,
          "validation",
        ],
        [
          "unknown role",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, role: "overlord" },
          }),
          400,
          "validation",
        ],
        [
          "manager role given by a teacher",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, role: "manager" },
          }),
          403,
          "forbidden",
        ],
        [
          "a method field too long",
          () => ({
            token: teacherToken,
            url: `/api/v1/courses/${course.id}/enrol-methods`,
            body: { ...valid, welcome: "w".repeat(51) },
          }),
          400,
          "validation",
        ],
        [
          "a body that is not an object",
          () => ({ token: teacherToken, url: `/api/v1/courses/${course.id}/enrol-methods`, body: [1, 2] }),
          400,
          "validation",
        ],
        [
          "malformed JSON",
          () => ({ token: teacherToken, url: `/api/v1/courses/${course.id}/enrol-methods`, body: "{nope" }),
          400,
          "bad_request",
        ],
      ];
      for (const [what, make, status, code, message] of cases) {
        it(`POST with ${what} → ${status} ${code}`, async () => {
          const before = await count();
          const { token, url, body } = make();
          const res = await api(t.app, token, "POST", url, body);
          assert.equal(res.status, status, res.body);
          assert.equal((res.json as { error: { code: string } }).error.code, code);
          if (message) assert.match((res.json as { error: { message: string } }).error.message, message);
          assert.equal(await count(), before);
        });
      }

      const patchCases: Array<[string, () => { token?: string; id: string; body: unknown }, number, string]> =
        [
          [
            "a student",
            () => ({ token: studentToken, id: "manual", body: { status: "disabled" } }),
            403,
            "forbidden",
          ],
          [
            "another course's instance",
            () => ({ token: teacherToken, id: "other", body: { status: "disabled" } }),
            403,
            "forbidden",
          ],
          [
            "an unknown instance",
            () => ({ token: teacherToken, id: "999999", body: { status: "disabled" } }),
            404,
            "not_found",
          ],
          [
            "a change of method",
            () => ({ token: teacherToken, id: "manual", body: { method: "test-open" } }),
            400,
            "validation",
          ],
          [
            "end before the stored start",
            () => ({
              token: teacherToken,
              id: "manual",
              body: { enrolStart: "2026-09-02T00:00:00Z", enrolEnd: "2026-01-01T00:00:00Z" },
            }),
            400,
            "validation",
          ],
          [
            "maximum of the wrong type",
            () => ({ token: teacherToken, id: "manual", body: { maxEnrolled: "ten" } }),
            400,
            "validation",
          ],
          [
            "manager role given by a teacher",
            () => ({ token: teacherToken, id: "manual", body: { role: "manager" } }),
            403,
            "forbidden",
          ],
          ["no token", () => ({ id: "manual", body: { status: "disabled" } }), 401, "unauthenticated"],
        ];
      for (const [what, make, status, code] of patchCases) {
        it(`PATCH with ${what} → ${status} ${code}`, async () => {
          const manual = await manualInstance(t.ctx.db, course.id);
          const foreign = await manualInstance(t.ctx.db, other.id);
          const { token, id, body } = make();
          const target = id === "manual" ? manual.id : id === "other" ? foreign.id : id;
          const res = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${target}`, body);
          assert.equal(res.status, status, res.body);
          assert.equal((res.json as { error: { code: string } }).error.code, code);
          assert.deepEqual(await manualInstance(t.ctx.db, course.id), manual);
          assert.deepEqual(await manualInstance(t.ctx.db, other.id), foreign);
        });
      }

      it("DELETE by a student, on another course's instance or an unknown one is refused", async () => {
        const manual = await manualInstance(t.ctx.db, course.id);
        const foreign = await manualInstance(t.ctx.db, other.id);
        const before = await count();
        assert.equal(
          (await api(t.app, studentToken, "DELETE", `/api/v1/enrol-methods/${manual.id}`)).status,
          403,
        );
        assert.equal(
          (await api(t.app, teacherToken, "DELETE", `/api/v1/enrol-methods/${foreign.id}`)).status,
          403,
        );
        assert.equal((await api(t.app, teacherToken, "DELETE", "/api/v1/enrol-methods/999999")).status, 404);
        assert.equal((await api(t.app, teacherToken, "DELETE", "/api/v1/enrol-methods/0")).status, 400);
        assert.equal(await count(), before);
      });

      it("a browser session cookie does not authenticate the API", async () => {
        const c = await t.client("tina");
        const res = await t.app.inject({
          method: "POST",
          url: `/api/v1/courses/${course.id}/enrol-methods`,
          headers: {
            cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
            "content-type": "application/json",
          },
          payload: JSON.stringify(valid),
        });
        assert.equal(res.statusCode, 401);
      });

      it("a site admin may give the manager role", async () => {
        const res = await api(t.app, adminToken, "POST", `/api/v1/courses/${other.id}/enrol-methods`, {
          ...valid,
          role: "manager",
        });
        assert.equal(res.status, 201);
      });
    });
  });
}
