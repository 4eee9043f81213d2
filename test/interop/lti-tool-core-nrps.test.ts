// Pluto's Names and Role Provisioning Services read by @lti-tool/core 1.0.6 (test/support/lti-tool-core.ts):
// a student's launch verified by the library, its session made from the launch (which finds the NRPS
// claim), then its getMembers: a Bearer token from Pluto's /lti/token for its client assertion, the
// membership container validated with the library's own schema (it requires `name` on every member, so
// the tool shares names and emails here), user ids equal to the launch subs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { opaqueUserId, siteSecret } from "../../src/features/lti-consumer/tokens.service.js";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort, readLaunchForm } from "../support/fake-lti-tool.js";
import { startToolCoreServer, type ToolCoreServer } from "../support/lti-tool-core.js";

const LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

for (const engine of testEngines()) {
  describe(`@lti-tool/core 1.0.6 reads Pluto's memberships (NRPS) (${engine})`, () => {
    let t: TestApp;
    let tool: ToolCoreServer;
    let pluto: string;
    let courseId: number;
    let activityId: number;
    const ids: Record<string, number> = {};

    before(async () => {
      tool = await startToolCoreServer("127.0.0.2");
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.2"] },
      });
      const adminToken = await t.token((await t.admin()).id);
      const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "Core roster",
        toolUrl: `${tool.origin}/content`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
        // 1.0.6 refuses a launch without name and email, and a member without a name.
        shareName: true,
        shareEmail: true,
      });
      assert.equal(res.status, 201, res.body);
      const r = res.json as {
        id: number;
        clientId: string;
        deploymentId: string;
        platform: { issuer: string; authenticationRequestUrl: string; publicKeysetUrl: string };
      };
      await tool.addPlatform({
        issuer: r.platform.issuer,
        clientId: r.clientId,
        deploymentId: r.deploymentId,
        authUrl: r.platform.authenticationRequestUrl,
        jwksUrl: r.platform.publicKeysetUrl,
      });
      courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      for (const [name, role] of [
        ["tina", "editingteacher"],
        ["sam", "student"],
        ["sue", "student"],
      ] as const) {
        const u = await t.user(name, { firstname: name, lastname: "Example", email: `${name}@example.org` });
        ids[name] = u.id;
        await enrolAs(t, courseId, u.id, role);
      }
      const a = await api(
        t.app,
        await t.token(ids.tina ?? 0),
        "POST",
        `/api/v1/courses/${courseId}/activities`,
        {
          type: "lti",
          name: "Roster",
          section: 1,
          settings: { toolTypeId: r.id },
        },
      );
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    /** Sam's launch through the library's handleLogin and verifyLaunch (no Pluto cookie on the tool's hops). */
    async function launchAsSam() {
      const sam = await t.client("sam");
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      const login = readLaunchForm(page.body);
      const toTool = await fetch(login.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(login.fields).toString(),
        redirect: "manual",
      });
      assert.equal(toTool.status, 302);
      const auth = await fetch(String(toTool.headers.get("location")), { redirect: "manual" });
      const answer = readLaunchForm(await auth.text());
      const before = tool.launches.length;
      await fetch(answer.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(answer.fields).toString(),
      });
      const launched = tool.launches.slice(before).at(-1);
      assert.ok(launched?.ok, launched && !launched.ok ? launched.error : "no launch");
      return launched.payload;
    }

    it("gets the members with the library's getMembers, the NRPS claim found in its session", async () => {
      const payload = await launchAsSam();
      const session = await tool.lti.createSession(payload);
      assert.equal(session.services?.nrps?.membershipUrl, `${pluto}/lti/nrps/${courseId}/memberships`);
      const members = await tool.lti.getMembers(session);
      const secret = await siteSecret(t.ctx.db, t.ctx.clock);
      const byId = new Map(members.map((m) => [m.userId, m]));
      assert.equal(members.length, 3);
      assert.equal(payload.sub, opaqueUserId(secret, ids.sam ?? 0));
      const sam = byId.get(payload.sub);
      assert.equal(sam?.name, "sam Example");
      assert.equal(sam?.status, "Active");
      assert.deepEqual(sam?.roles, [`${LIS}Learner`]);
      assert.equal(sam?.email, "sam@example.org");
      assert.deepEqual(byId.get(opaqueUserId(secret, ids.tina ?? 0))?.roles, [`${LIS}Instructor`]);
    });
  });
}
