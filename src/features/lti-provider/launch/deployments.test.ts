// The remote party of a launch is a deployment: each (publication, consumer key) that launches
// with the publication's secret becomes one, and the rows a launch writes point at it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { makeCourse } from "../../../../test/support/factories.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";

interface Published {
  /** the enrolment method instance */
  id: number;
  launchUrl: string;
  secret: string;
  /** the lti_publications row */
  publicationId: number;
}

for (const engine of testEngines()) {
  describe(`launches point at their deployment (${engine})`, () => {
    let t: TestApp;
    let token: string;
    before(async () => {
      t = await startTestApp(engine);
      token = await t.token((await t.admin()).id);
    });
    after(() => t.close());

    async function publish(body: Record<string, unknown> = {}): Promise<Published> {
      const courseId = (await makeCourse(t)).id;
      const res = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Consumer",
        ...body,
      });
      assert.equal(res.status, 201, res.body);
      const pub = res.json as Omit<Published, "publicationId">;
      const row = await t.ctx.db
        .selectFrom("lti_publications")
        .select("id")
        .where("instance_id", "=", pub.id)
        .executeTakeFirstOrThrow();
      return { ...pub, publicationId: row.id };
    }

    const launch = (pub: Published, key: string, over: Record<string, string> = {}, secret = pub.secret) =>
      t.app.inject({
        method: "POST",
        url: new URL(pub.launchUrl).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(
          signLaunch(pub.launchUrl, key, secret, baseLaunch(over), {
            timestamp: Math.floor(t.clock.now().getTime() / 1000),
          }),
        ).toString(),
      });

    const deploymentsOf = (pub: Published) =>
      t.ctx.db
        .selectFrom("lti_deployments")
        .select(["id", "side", "consumer_key"])
        .where("publication_id", "=", pub.publicationId)
        .orderBy("id")
        .execute();

    it("creates a deployment on the first launch of a key, and every row of the launch points at it", async () => {
      const pub = await publish();
      assert.equal((await launch(pub, "key-one", { user_id: "d-1" })).statusCode, 303);
      assert.equal((await launch(pub, "key-one", { user_id: "d-2" })).statusCode, 303);
      const [d, ...more] = await deploymentsOf(pub);
      assert.deepEqual(
        { side: d?.side, key: d?.consumer_key, more: more.length },
        {
          side: "provider",
          key: "key-one",
          more: 0,
        },
      );
      const id = d?.id ?? -1;
      const pus = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select("deployment_id")
        .where("publication_id", "=", pub.publicationId)
        .execute();
      assert.deepEqual(
        pus.map((r) => r.deployment_id),
        [id, id],
      );
      const links = await t.ctx.db
        .selectFrom("lti_user_links")
        .select("deployment_id")
        .where("remote_user_id", "in", ["d-1", "d-2"])
        .execute();
      assert.deepEqual(
        links.map((r) => r.deployment_id),
        [id, id],
      );
      const rl = await t.ctx.db
        .selectFrom("lti_resource_links")
        .select("deployment_id")
        .where("publication_id", "=", pub.publicationId)
        .execute();
      assert.deepEqual(
        rl.map((r) => r.deployment_id),
        [id],
      );
      const nonces = await t.ctx.db
        .selectFrom("lti_nonces")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("deployment_id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(nonces.n), 2);
      const log = await t.ctx.db
        .selectFrom("lti_launch_log")
        .select(["deployment_id", "consumer_key"])
        .where("publication_id", "=", pub.publicationId)
        .execute();
      assert.deepEqual(log, [
        { deployment_id: id, consumer_key: "key-one" },
        { deployment_id: id, consumer_key: "key-one" },
      ]);
    });

    it("gives a remote user launching two publications with one key an account per deployment", async () => {
      const a = await publish();
      const b = await publish();
      assert.equal((await launch(a, "shared-key", { user_id: "both" })).statusCode, 303);
      assert.equal((await launch(b, "shared-key", { user_id: "both" })).statusCode, 303);
      const [da] = await deploymentsOf(a);
      const [db] = await deploymentsOf(b);
      assert.ok(da && db && da.id !== db.id, "each publication has its own deployment of the key");
      const pus = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select(["publication_id", "deployment_id", "user_id"])
        .where("remote_user_id", "=", "both")
        .orderBy("publication_id")
        .execute();
      assert.equal(pus.length, 2);
      assert.deepEqual(
        pus.map((r) => r.deployment_id),
        [da.id, db.id],
      );
      assert.notEqual(
        pus[0]?.user_id,
        pus[1]?.user_id,
        "a key names no account: each deployment reaches only its own (unless declared one consumer)",
      );
    });

    it("records no deployment for a launch that fails verification, and the deployment of a verified refusal", async () => {
      const pub = await publish({ status: "disabled" });
      const forged = await launch(pub, "forged-key", { user_id: "f-1" }, "x".repeat(40));
      assert.equal(forged.statusCode, 401);
      assert.deepEqual(await deploymentsOf(pub), [], "an unverified key makes no deployment");
      const refused = await launch(pub, "real-key", { user_id: "f-2" });
      assert.equal(refused.statusCode, 403);
      const [d] = await deploymentsOf(pub);
      assert.equal(d?.consumer_key, "real-key");
      const log = await t.ctx.db
        .selectFrom("lti_launch_log")
        .select(["consumer_key", "deployment_id", "reason"])
        .where("publication_id", "=", pub.publicationId)
        .orderBy("id")
        .execute();
      assert.deepEqual(log, [
        { consumer_key: "forged-key", deployment_id: null, reason: "bad_signature" },
        { consumer_key: "real-key", deployment_id: d?.id ?? -1, reason: "method_disabled" },
      ]);
    });
  });
}
