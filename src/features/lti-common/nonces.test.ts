// The OAuth nonce stores of both LTI features, in the database: a nonce is accepted once per
// deployment and refused when it comes again; another deployment's nonce does not collide; a tool's
// store creates the tool's deployment on its first use; expired nonces are purged.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { addActivity, makeCourse, quizSettings } from "../../../test/support/factories.js";
import { ensureDeployment } from "./deployments.service.js";
import { dbNonceStore, purgeExpiredNonces, toolNonceStore } from "./nonces.service.js";

for (const engine of testEngines()) {
  describe(`OAuth nonce stores (${engine})`, () => {
    let t: TestApp;
    let activityId: number;
    let otherActivityId: number;
    before(async () => {
      t = await startTestApp(engine);
      const course = await makeCourse(t);
      const settings = { settings: quizSettings(1) };
      activityId = (await addActivity(t, course.id, { type: "quiz", name: "One", ...settings })).id;
      otherActivityId = (await addActivity(t, course.id, { type: "quiz", name: "Two", ...settings })).id;
    });
    after(() => t.close());

    const inAnHour = () => new Date(t.ctx.clock.now().getTime() + 3_600_000);

    it("accepts a nonce once per deployment and refuses it the second time", async () => {
      const a = await ensureDeployment(t.ctx.db, { activityId }, new Date().toISOString());
      const b = await ensureDeployment(t.ctx.db, { activityId: otherActivityId }, new Date().toISOString());
      assert.equal(await dbNonceStore(t.ctx.db, a).seen("key", "n-1", inAnHour()), false);
      assert.equal(await dbNonceStore(t.ctx.db, a).seen("key", "n-1", inAnHour()), true);
      assert.equal(await dbNonceStore(t.ctx.db, b).seen("key", "n-1", inAnHour()), false);
    });

    it("gives a tool's first nonce a deployment, and refuses its replay", async () => {
      const course = await makeCourse(t);
      const fresh = await addActivity(t, course.id, { type: "quiz", name: "New", settings: quizSettings(1) });
      const store = toolNonceStore(t.ctx.db, t.ctx.clock, { activityId: fresh.id });
      assert.equal(await store.seen("key", "first", inAnHour()), false);
      assert.equal(await store.seen("key", "first", inAnHour()), true);
      assert.equal(await store.seen("key", "second", inAnHour()), false);
    });

    it("purges only the expired nonces", async () => {
      const d = await ensureDeployment(t.ctx.db, { activityId }, new Date().toISOString());
      const store = dbNonceStore(t.ctx.db, d);
      const past = new Date(t.ctx.clock.now().getTime() - 1000);
      await store.seen("key", "old", past);
      await store.seen("key", "current", inAnHour());
      assert.ok((await purgeExpiredNonces(t.ctx.db, t.ctx.clock.now())) >= 1);
      assert.equal(await store.seen("key", "old", inAnHour()), false, "a purged nonce is new again");
      assert.equal(await store.seen("key", "current", inAnHour()), true);
    });
  });
}
