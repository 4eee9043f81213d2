import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { AppError } from "../../shared/errors.js";
import type { User } from "../users/users.service.js";
import { can, capsInCourse, requireCapability, requireSiteAdmin } from "./access.service.js";

for (const engine of testEngines()) {
  describe(`capability checks without a request (${engine})`, () => {
    let t: TestApp;
    let courseId: number;
    let sam: User;
    let tina: User;
    let olga: User;
    before(async () => {
      t = await startTestApp(engine);
      courseId = (await makeCourse(t)).id;
      sam = await t.user("sam");
      tina = await t.user("tina");
      olga = await t.user("olga");
      await enrolAs(t, courseId, sam.id, "student");
      await enrolAs(t, courseId, tina.id, "editingteacher");
    });
    after(() => t.close());

    it("answers from the user's roles in the course, as a job would ask", async () => {
      const now = t.clock.now();
      assert.equal(await can(t.ctx.db, tina, courseId, "grade:edit", now), true);
      assert.equal(await can(t.ctx.db, sam, courseId, "grade:edit", now), false);
      assert.equal(await can(t.ctx.db, sam, courseId, "course:view", now), true);
      assert.equal(await can(t.ctx.db, olga, courseId, "course:view", now), false);
      assert.equal(await can(t.ctx.db, undefined, courseId, "course:view", now), false);
    });

    it("gives a site admin every capability and names what a learner holds", async () => {
      const admin = await t.admin();
      const now = t.clock.now();
      assert.equal(await can(t.ctx.db, admin, courseId, "grade:edit", now), true);
      const caps = await capsInCourse(t.ctx.db, sam, courseId, now);
      assert.equal(caps.has("activity:participate"), true);
      assert.equal(caps.has("grade:edit"), false);
    });

    it("refuses with forbidden or unauthenticated codes", async () => {
      const now = t.clock.now();
      const code = (want: string) => (e: unknown) => e instanceof AppError && e.code === want;
      await assert.rejects(requireCapability(t.ctx.db, sam, courseId, "grade:edit", now), code("forbidden"));
      await assert.rejects(
        requireCapability(t.ctx.db, null, courseId, "course:view", now),
        code("unauthenticated"),
      );
      assert.deepEqual(await requireCapability(t.ctx.db, tina, courseId, "grade:edit", now), tina);
      assert.throws(() => requireSiteAdmin(sam), code("forbidden"));
    });
  });
}
