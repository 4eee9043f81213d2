// Each tool Pluto launches is one deployment of Pluto's: a site tool's is created with it, an
// External tool activity with its own key has its own; launch-log rows and the nonces of the tool's
// service calls point at the one the launch used.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { buildMembershipsRequestParams } from "../../../lti/v1p1/memberships.js";
import { signRequest } from "../../../lti/v1p1/oauth.js";
import { formEncode } from "../../../lti/v1p1/oauth-encoding.js";
import { MEMBERSHIPS_PATH } from "../services/memberships.service.js";
import { buildMembershipsId, siteSecret } from "../tokens.service.js";

for (const engine of testEngines()) {
  describe(`Pluto's deployments of the tools it launches (${engine})`, () => {
    let t: TestApp;
    let student: Client;
    let toolTypeId: number;
    let ownId: number;
    let siteToolId: number;

    before(async () => {
      t = await startTestApp(engine);
      const token = await t.token((await t.admin()).id);
      const created = await api(t.app, token, "POST", "/api/v1/lti/tool-types", {
        name: "Site tool",
        toolUrl: "http://127.0.0.1:9/site-launch",
        consumerKey: "site-key",
        sharedSecret: "site-secret",
      });
      assert.equal(created.status, 201, created.body);
      toolTypeId = (created.json as { id: number }).id;
      const course = await makeCourse(t);
      const sue = await t.user("sue");
      await enrolAs(t, course.id, sue.id, "student");
      ownId = (
        await addActivity(t, course.id, {
          type: "lti",
          name: "Own key",
          settings: { toolUrl: "http://127.0.0.1:9/own", consumerKey: "own-key", sharedSecret: "own-secret" },
        })
      ).id;
      siteToolId = (await addActivity(t, course.id, { type: "lti", name: "Site", settings: { toolTypeId } }))
        .id;
      student = await t.client("sue");
    });
    after(() => t.close());

    const deploymentOf = async (where: { tool_type_id: number } | { activity_id: number }) => {
      let q = t.ctx.db.selectFrom("lti_deployments").select(["id", "side"]);
      q =
        "tool_type_id" in where
          ? q.where("tool_type_id", "=", where.tool_type_id)
          : q.where("activity_id", "=", where.activity_id);
      return q.executeTakeFirst();
    };
    const launchOf = async (activityId: number) => {
      const res = await student.get(`/mod/lti/${activityId}/launch`);
      assert.equal(res.statusCode, 200, res.body);
      const log = await t.ctx.db
        .selectFrom("lti_launch_log")
        .select(["deployment_id", "consumer_key"])
        .where("activity_id", "=", activityId)
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      return { fields: readLaunchForm(res.body).fields, log };
    };

    it("creates a site tool's deployment with the tool", async () => {
      assert.equal((await deploymentOf({ tool_type_id: toolTypeId }))?.side, "consumer");
    });

    it("logs a launch against the deployment of the tool it used", async () => {
      const own = await launchOf(ownId);
      const ownDeployment = await deploymentOf({ activity_id: ownId });
      assert.ok(ownDeployment, "an activity with its own key is a deployment once launched");
      assert.deepEqual(own.log, { deployment_id: ownDeployment.id, consumer_key: "own-key" });
      const site = await launchOf(siteToolId);
      assert.deepEqual(site.log, {
        deployment_id: (await deploymentOf({ tool_type_id: toolTypeId }))?.id ?? -1,
        consumer_key: "site-key",
      });
      assert.equal(await deploymentOf({ activity_id: siteToolId }), undefined);
    });

    const membershipsCall = async (activityId: number) => {
      const url = `${t.ctx.config.publicUrl}${MEMBERSHIPS_PATH}`;
      const id = buildMembershipsId(await siteSecret(t.ctx.db, t.ctx.clock), activityId);
      const signed = signRequest(
        buildMembershipsRequestParams({ id }),
        url,
        "POST",
        "own-key",
        "own-secret",
        {
          clock: t.clock,
        },
      );
      const call = () =>
        t.app.inject({
          method: "POST",
          url: new URL(url).pathname,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: formEncode(signed),
        });
      return { signed, call };
    };

    it("records a service call's nonce under the activity's deployment, and refuses it the second time", async () => {
      await launchOf(ownId);
      const { signed, call } = await membershipsCall(ownId);
      assert.equal((await call()).statusCode, 200);
      const d = await deploymentOf({ activity_id: ownId });
      const nonces = await t.ctx.db
        .selectFrom("lti_nonces")
        .select("nonce")
        .where("deployment_id", "=", d?.id ?? -1)
        .execute();
      assert.deepEqual(
        nonces.map((n) => n.nonce),
        [signed.oauth_nonce],
      );
      assert.equal((await call()).statusCode, 401, "a replayed nonce is refused");
    });

    it("creates an activity's deployment at its first service call when it was never launched", async () => {
      const course = await makeCourse(t);
      const fresh = (
        await addActivity(t, course.id, {
          type: "lti",
          name: "Never launched",
          settings: { toolUrl: "http://127.0.0.1:9/own", consumerKey: "own-key", sharedSecret: "own-secret" },
        })
      ).id;
      assert.equal(await deploymentOf({ activity_id: fresh }), undefined);
      const { call } = await membershipsCall(fresh);
      assert.equal((await call()).statusCode, 200);
      const d = await deploymentOf({ activity_id: fresh });
      assert.ok(d, "the call created the deployment");
      assert.equal((await call()).statusCode, 401, "and its nonce is kept under it");
    });
  });
}
