import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import type { User } from "../users/users.service.js";
import { listParticipants, manualInstance, updateEnrolInstance } from "./enrolments.service.js";

type Json = Record<string, unknown>;
const errorCode = (json: unknown) => (json as { error: { code: string } }).error.code;

for (const engine of testEngines()) {
  describe(`the participants and enrolments API (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let u: Record<string, User>;
    let tok: Record<string, string>;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      other = await makeCourse(t);
      u = {};
      tok = {};
      for (const name of ["tina", "sam", "nora", "mona", "newbie", "quinn"]) {
        u[name] = await t.user(name);
        tok[name] = await t.token(u[name]!.id);
      }
      await enrolAs(t, course.id, u.tina!.id, "editingteacher");
      await enrolAs(t, course.id, u.sam!.id, "student");
      await enrolAs(t, course.id, u.nora!.id, "teacher");
      await enrolAs(t, course.id, u.mona!.id, "manager");
      await enrolAs(t, other.id, u.quinn!.id, "student");
    });
    after(() => t.close());

    const snapshot = async () => ({
      a: (await listParticipants(t.ctx.db, course.id)).map((p) => `${p.userId}:${p.roles.join(",")}`),
      b: (await listParticipants(t.ctx.db, other.id)).map((p) => `${p.userId}:${p.roles.join(",")}`),
    });

    it("lists participants in the documented shape", async () => {
      const res = await api(t.app, tok.nora, "GET", `/api/v1/courses/${course.id}/participants`);
      assert.equal(res.status, 200);
      const sam = (res.json as Json[]).find((p) => p.username === "sam");
      const manual = await manualInstance(t.ctx.db, course.id);
      assert.deepEqual(
        {
          userId: sam?.userId,
          firstname: sam?.firstname,
          lastname: sam?.lastname,
          email: sam?.email,
          roles: sam?.roles,
          enrolMethodId: sam?.enrolMethodId,
        },
        {
          userId: u.sam!.id,
          firstname: "Sam",
          lastname: "Tester",
          email: "sam@example.org",
          roles: ["student"],
          enrolMethodId: manual.id,
        },
      );
      assert.equal((res.json as Json[]).length, 4);
    });

    it("enrols a user with a role (201), is idempotent (200), and unenrols (204)", async () => {
      const first = await api(t.app, tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, {
        userId: u.newbie!.id,
        role: "student",
      });
      assert.equal(first.status, 201);
      assert.deepEqual((first.json as Json).roles, ["student"]);
      const again = await api(t.app, tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, {
        userId: u.newbie!.id,
        role: "teacher",
      });
      assert.equal(again.status, 200);
      assert.deepEqual(((again.json as Json).roles as string[]).sort(), ["student", "teacher"]);
      assert.ok((await listParticipants(t.ctx.db, course.id)).some((p) => p.userId === u.newbie!.id));
      const gone = await api(
        t.app,
        tok.tina,
        "DELETE",
        `/api/v1/courses/${course.id}/enrolments/${u.newbie!.id}`,
      );
      assert.equal(gone.status, 204);
      assert.ok(!(await listParticipants(t.ctx.db, course.id)).some((p) => p.userId === u.newbie!.id));
    });

    it("uses the manual method's default role when none is given", async () => {
      const res = await api(t.app, tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, {
        userId: u.newbie!.id,
      });
      assert.equal(res.status, 201);
      assert.deepEqual((res.json as Json).roles, ["student"]);
      await api(t.app, tok.tina, "DELETE", `/api/v1/courses/${course.id}/enrolments/${u.newbie!.id}`);
    });

    it("enforces the manual method's maximum of enrolled users", async () => {
      const manual = await manualInstance(t.ctx.db, course.id);
      await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { maxEnrolled: 4 });
      try {
        const res = await api(t.app, tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, {
          userId: u.newbie!.id,
        });
        assert.equal(res.status, 403);
        assert.match((res.json as { error: { message: string } }).error.message, /course is full/);
      } finally {
        await updateEnrolInstance(t.ctx.db, t.clock, manual.id, { maxEnrolled: 0 });
      }
    });

    describe("refuses bad input and writes nothing", () => {
      const cases: Array<
        [string, () => [string | undefined, "POST" | "DELETE" | "GET", string, unknown?], number, string]
      > = [
        [
          "no token",
          () => [undefined, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: u.newbie!.id }],
          401,
          "unauthenticated",
        ],
        [
          "a student enrolling",
          () => [tok.sam, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: u.newbie!.id }],
          403,
          "forbidden",
        ],
        [
          "a non-editing teacher enrolling",
          () => [tok.nora, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: u.newbie!.id }],
          403,
          "forbidden",
        ],
        [
          "a teacher enrolling into another course",
          () => [tok.tina, "POST", `/api/v1/courses/${other.id}/enrolments`, { userId: u.newbie!.id }],
          403,
          "forbidden",
        ],
        [
          "an unknown course",
          () => [tok.tina, "POST", "/api/v1/courses/999999/enrolments", { userId: u.newbie!.id }],
          404,
          "not_found",
        ],
        [
          "an unknown user",
          () => [tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: 999999 }],
          404,
          "not_found",
        ],
        [
          "a missing userId",
          () => [tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, { role: "student" }],
          400,
          "validation",
        ],
        [
          "a userId as a string",
          () => [
            tok.tina,
            "POST",
            `/api/v1/courses/${course.id}/enrolments`,
            { userId: String(u.newbie!.id) },
          ],
          400,
          "validation",
        ],
        [
          "a negative userId",
          () => [tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: -4 }],
          400,
          "validation",
        ],
        [
          "an oversized userId",
          () => [tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, { userId: 2 ** 40 }],
          400,
          "validation",
        ],
        [
          "an unknown role",
          () => [
            tok.tina,
            "POST",
            `/api/v1/courses/${course.id}/enrolments`,
            { userId: u.newbie!.id, role: "pharaoh" },
          ],
          400,
          "validation",
        ],
        [
          "the manager role given by a teacher",
          () => [
            tok.tina,
            "POST",
            `/api/v1/courses/${course.id}/enrolments`,
            { userId: u.newbie!.id, role: "manager" },
          ],
          403,
          "forbidden",
        ],
        [
          "a body that is not JSON",
          () => [tok.tina, "POST", `/api/v1/courses/${course.id}/enrolments`, "userId=3"],
          400,
          "bad_request",
        ],
        [
          "unenrolling someone not enrolled",
          () => [tok.tina, "DELETE", `/api/v1/courses/${course.id}/enrolments/${u.quinn!.id}`],
          404,
          "not_found",
        ],
        [
          "unenrolling from another course",
          () => [tok.tina, "DELETE", `/api/v1/courses/${other.id}/enrolments/${u.quinn!.id}`],
          403,
          "forbidden",
        ],
        [
          "unenrolling a manager as a teacher",
          () => [tok.tina, "DELETE", `/api/v1/courses/${course.id}/enrolments/${u.mona!.id}`],
          403,
          "forbidden",
        ],
        [
          "unenrolling as a student",
          () => [tok.sam, "DELETE", `/api/v1/courses/${course.id}/enrolments/${u.tina!.id}`],
          403,
          "forbidden",
        ],
        [
          "unenrolling a non-numeric user",
          () => [tok.tina, "DELETE", `/api/v1/courses/${course.id}/enrolments/abc`],
          400,
          "validation",
        ],
        [
          "participants as a student",
          () => [tok.sam, "GET", `/api/v1/courses/${course.id}/participants`],
          403,
          "forbidden",
        ],
        [
          "participants of another course",
          () => [tok.tina, "GET", `/api/v1/courses/${other.id}/participants`],
          403,
          "forbidden",
        ],
        [
          "participants of an unknown course",
          () => [tok.tina, "GET", "/api/v1/courses/999999/participants"],
          404,
          "not_found",
        ],
        [
          "participants without a token",
          () => [undefined, "GET", `/api/v1/courses/${course.id}/participants`],
          401,
          "unauthenticated",
        ],
      ];
      for (const [what, make, status, code] of cases) {
        it(`${what} → ${status} ${code}`, async () => {
          const before = await snapshot();
          const [token, method, url, body] = make();
          const res = await api(t.app, token, method, url, body);
          assert.equal(res.status, status, res.body);
          assert.equal(errorCode(res.json), code);
          assert.deepEqual(await snapshot(), before);
        });
      }
    });
  });
}
