import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse, makeGradableActivity } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import type { User } from "../users/users.service.js";

type Row = {
  userId: number;
  activityId: number | null;
  grade: number | null;
  maxGrade: number;
  updatedAt: string;
  source: string;
};
const errorCode = (json: unknown) => (json as { error: { code: string } }).error.code;

for (const engine of testEngines()) {
  describe(`the grades API (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let u: Record<string, User>;
    let tok: Record<string, string>;
    let essay: Awaited<ReturnType<typeof makeGradableActivity>>;
    let foreign: Awaited<ReturnType<typeof makeGradableActivity>>;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      other = await makeCourse(t);
      u = {};
      tok = {};
      for (const name of ["tina", "nora", "sam", "sue", "quinn", "gus"]) {
        u[name] = await t.user(name);
        tok[name] = await t.token(u[name]!.id);
      }
      await enrolAs(t, course.id, u.tina!.id, "editingteacher");
      await enrolAs(t, course.id, u.nora!.id, "teacher");
      await enrolAs(t, course.id, u.sam!.id, "student");
      await enrolAs(t, course.id, u.sue!.id, "student");
      await enrolAs(t, course.id, u.gus!.id, "guest");
      await enrolAs(t, other.id, u.quinn!.id, "student");
      await enrolAs(t, other.id, u.tina!.id, "student");
      essay = await makeGradableActivity(t, course.id, { name: "Essay", maxGrade: 10 });
      foreign = await makeGradableActivity(t, other.id, { name: "Foreign", maxGrade: 10 });
    });
    after(() => t.close());

    const history = async () => (await t.ctx.db.selectFrom("grade_history").select("id").execute()).length;

    it("sets grades as a teacher and lists every participant's grades with the course total", async () => {
      const put = await api(t.app, tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, {
        grade: 6,
        feedback: "ok",
      });
      assert.equal(put.status, 200);
      assert.deepEqual(
        { ...(put.json as Row), updatedAt: undefined },
        {
          userId: u.sam!.id,
          activityId: essay.id,
          grade: 6,
          maxGrade: 10,
          feedback: "ok",
          source: "teacher",
          updatedAt: undefined,
        },
      );
      await api(t.app, tok.nora, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sue!.id}`, {
        grade: 9.5,
        feedback: "great",
      });
      const res = await api(t.app, tok.tina, "GET", `/api/v1/courses/${course.id}/grades`);
      assert.equal(res.status, 200);
      const rows = res.json as Row[];
      const pick = (userId: number, activityId: number | null) =>
        rows.find((r) => r.userId === userId && r.activityId === activityId);
      assert.equal(pick(u.sam!.id, essay.id)?.grade, 6);
      assert.equal(pick(u.sue!.id, essay.id)?.grade, 9.5);
      assert.equal(pick(u.sue!.id, null)?.grade, 9.5, "the course total has activityId null");
      assert.equal(pick(u.sue!.id, null)?.maxGrade, 10);
      assert.match(String(pick(u.sam!.id, essay.id)?.updatedAt), /^\d{4}-\d\d-\d\dT/);
    });

    it("gives a student only their own rows", async () => {
      const res = await api(t.app, tok.sam, "GET", `/api/v1/courses/${course.id}/grades`);
      assert.equal(res.status, 200);
      const rows = res.json as Row[];
      assert.ok(rows.length >= 2);
      assert.ok(rows.every((r) => r.userId === u.sam!.id));
      assert.doesNotMatch(res.body, /great/);
    });

    it("a null grade removes the value and is kept in the history", async () => {
      const before = await history();
      const res = await api(t.app, tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, {
        grade: null,
      });
      assert.equal(res.status, 200);
      assert.equal((res.json as Row).grade, null);
      assert.ok((await history()) > before);
      await api(t.app, tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: 6 });
    });

    describe("refuses bad input and writes nothing", () => {
      const cases: Array<
        [string, () => [string | undefined, "PUT" | "GET", string, unknown?], number, string]
      > = [
        [
          "no token",
          () => [undefined, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: 1 }],
          401,
          "unauthenticated",
        ],
        [
          "a student grading",
          () => [tok.sam, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sue!.id}`, { grade: 1 }],
          403,
          "forbidden",
        ],
        [
          "a student grading themself",
          () => [tok.sam, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: 10 }],
          403,
          "forbidden",
        ],
        [
          "a teacher grading in a course where they are a student",
          () => [tok.tina, "PUT", `/api/v1/activities/${foreign.id}/grades/${u.quinn!.id}`, { grade: 1 }],
          403,
          "forbidden",
        ],
        [
          "an unknown activity",
          () => [tok.tina, "PUT", `/api/v1/activities/999999/grades/${u.sam!.id}`, { grade: 1 }],
          404,
          "not_found",
        ],
        [
          "a user who is not a participant",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.quinn!.id}`, { grade: 1 }],
          404,
          "not_found",
        ],
        [
          "an unknown user",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/999999`, { grade: 1 }],
          404,
          "not_found",
        ],
        [
          "a missing grade",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { feedback: "x" }],
          400,
          "validation",
        ],
        [
          "a grade as a string",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: "5" }],
          400,
          "validation",
        ],
        [
          "a negative grade",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: -0.5 }],
          400,
          "validation",
        ],
        [
          "a grade above the maximum",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: 10.01 }],
          400,
          "validation",
        ],
        [
          "an oversized grade",
          () => [tok.tina, "PUT", `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`, { grade: 1e300 }],
          400,
          "validation",
        ],
        [
          "feedback of the wrong type",
          () => [
            tok.tina,
            "PUT",
            `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`,
            { grade: 1, feedback: 5 },
          ],
          400,
          "validation",
        ],
        [
          "feedback that is too long",
          () => [
            tok.tina,
            "PUT",
            `/api/v1/activities/${essay.id}/grades/${u.sam!.id}`,
            { grade: 1, feedback: "f".repeat(10_001) },
          ],
          400,
          "validation",
        ],
        [
          "a non-numeric activity id",
          () => [tok.tina, "PUT", `/api/v1/activities/essay/grades/${u.sam!.id}`, { grade: 1 }],
          400,
          "validation",
        ],
        [
          "grades of another course",
          () => [tok.nora, "GET", `/api/v1/courses/${other.id}/grades`],
          403,
          "forbidden",
        ],
        [
          "grades as a guest",
          () => [tok.gus, "GET", `/api/v1/courses/${course.id}/grades`],
          403,
          "forbidden",
        ],
        [
          "grades of an unknown course",
          () => [tok.tina, "GET", "/api/v1/courses/999999/grades"],
          404,
          "not_found",
        ],
        [
          "grades without a token",
          () => [undefined, "GET", `/api/v1/courses/${course.id}/grades`],
          401,
          "unauthenticated",
        ],
      ];
      for (const [what, make, status, code] of cases) {
        it(`${what} → ${status} ${code}`, async () => {
          const before = await history();
          const [token, method, url, body] = make();
          const res = await api(t.app, token, method, url, body);
          assert.equal(res.status, status, res.body);
          assert.equal(errorCode(res.json), code);
          assert.equal(await history(), before);
        });
      }
    });

    it("documents its operations in the OpenAPI document", async () => {
      const { json } = await api(t.app, undefined, "GET", "/api/v1/openapi.json");
      const paths = (json as { paths: Record<string, Record<string, unknown>> }).paths;
      assert.ok(paths["/courses/{id}/grades"]?.get);
      assert.ok(paths["/activities/{id}/grades/{userId}"]?.put);
      assert.ok(paths["/courses/{id}/participants"]?.get);
      assert.ok(paths["/courses/{id}/enrolments"]?.post);
      assert.ok(paths["/courses/{id}/enrolments/{userId}"]?.delete);
    });
  });
}
