import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import "../../../test/support/enrol-test-methods.js";
import { testEngines } from "../../../test/support/db.js";
import { makeCourse } from "../../../test/support/factories.js";
import type { User } from "../users/users.service.js";
import {
  addEnrolInstance,
  type EnrolInstance,
  EnrolmentError,
  enrolUser,
  listParticipants,
} from "./enrolments.service.js";

for (const engine of testEngines()) {
  describe(`enrolling through a method instance (${engine})`, () => {
    let t: TestApp;
    let users: User[];
    before(async () => {
      t = await startTestApp(engine);
      t.clock.set(new Date("2026-03-01T12:00:00Z"));
      users = [];
      for (let i = 0; i < 50; i++) users.push(await t.user(`learner${i}`));
    });
    after(() => t.close());

    async function instance(fields: Parameters<typeof addEnrolInstance>[3]): Promise<EnrolInstance> {
      const course = await makeCourse(t);
      return addEnrolInstance(t.ctx.db, t.ctx.clock, course.id, fields);
    }
    const enrol = (i: EnrolInstance, userId: number) =>
      t.ctx.db
        .transaction()
        .execute((trx) => enrolUser(trx, { clock: t.clock, engine: t.engine }, { instanceId: i.id, userId }));
    const rejects = (p: Promise<unknown>, reason: string) =>
      assert.rejects(
        p,
        (err) => err instanceof EnrolmentError && err.reason === reason && err.code === "forbidden",
      );
    const enrolled = async (i: EnrolInstance) =>
      (await listParticipants(t.ctx.db, i.courseId)).filter((p) => p.enrolMethodId === i.id).length;

    it("refuses enrolments before the enrolment start and accepts them from then on", async () => {
      const i = await instance({ method: "test-open", enrolStart: "2026-03-02T00:00:00Z" });
      await rejects(enrol(i, users[0]!.id), "not_started");
      assert.equal(await enrolled(i), 0);
      t.clock.set(new Date("2026-03-02T00:00:00Z"));
      await enrol(i, users[0]!.id);
      assert.equal(await enrolled(i), 1);
      t.clock.set(new Date("2026-03-01T12:00:00Z"));
    });

    it("refuses enrolments from the enrolment end on", async () => {
      const i = await instance({ method: "test-open", enrolEnd: "2026-03-01T12:00:00Z" });
      await rejects(enrol(i, users[1]!.id), "ended");
      t.clock.set(new Date("2026-03-01T11:59:59Z"));
      await enrol(i, users[1]!.id);
      assert.equal(await enrolled(i), 1);
      t.clock.set(new Date("2026-03-01T12:00:00Z"));
    });

    it("refuses enrolments through a disabled method", async () => {
      const i = await instance({ method: "test-open", status: "disabled" });
      await rejects(enrol(i, users[2]!.id), "disabled");
      assert.equal(await enrolled(i), 0);
    });

    it("stops at the maximum of enrolled users, but re-enrolling someone already in is fine", async () => {
      const i = await instance({ method: "test-open", maxEnrolled: 2 });
      await enrol(i, users[3]!.id);
      await enrol(i, users[4]!.id);
      await rejects(enrol(i, users[5]!.id), "full");
      const again = await enrol(i, users[3]!.id);
      assert.equal(again.created, false);
      assert.equal(await enrolled(i), 2);
    });

    it("ends each enrolment after the enrolment period", async () => {
      const i = await instance({ method: "test-open", enrolPeriod: 7 * 86400 });
      const { enrolment } = await enrol(i, users[6]!.id);
      assert.equal(enrolment.timeStart, "2026-03-01T12:00:00.000Z");
      assert.equal(enrolment.timeEnd, "2026-03-08T12:00:00.000Z");
    });

    it("holds the maximum of 10 under 50 parallel enrolments in separate transactions", async () => {
      const i = await instance({ method: "test-open", maxEnrolled: 10 });
      const results = await Promise.allSettled(users.map((u) => enrol(i, u.id)));
      const ok = results.filter((r) => r.status === "fulfilled").length;
      const full = results.filter(
        (r) => r.status === "rejected" && r.reason instanceof EnrolmentError && r.reason.reason === "full",
      ).length;
      assert.equal(ok, 10);
      assert.equal(full, 40);
      const rows = await t.ctx.db
        .selectFrom("enrolments")
        .select("id")
        .where("instance_id", "=", i.id)
        .execute();
      assert.equal(rows.length, 10);
      const roles = await t.ctx.db
        .selectFrom("role_assignments")
        .select("id")
        .where("course_id", "=", i.courseId)
        .execute();
      assert.equal(roles.length, 10, "only enrolled users got the role");
    });
  });
}
