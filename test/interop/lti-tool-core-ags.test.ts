// Pluto's Assignment and Grade Services called by @lti-tool/core 1.0.6's AGS client
// (test/support/lti-tool-core.ts), a tool library Pluto's authors did not write: after a student's launch
// through the library's handleLogin and verifyLaunch, its session (built from the launch's endpoint claim)
// fetches tokens from Pluto's token endpoint with the library's own client assertion, submits a score to the
// claim's line item, reads the results back, lists the line items and creates one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LTISession } from "@lti-tool/core";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort, readLaunchForm } from "../support/fake-lti-tool.js";
import { startToolCoreServer, type ToolCoreServer } from "../support/lti-tool-core.js";

interface Registration {
  id: number;
  clientId: string;
  deploymentId: string;
  platform: { issuer: string; authenticationRequestUrl: string; publicKeysetUrl: string };
}

for (const engine of testEngines()) {
  describe(`Pluto's AGS called by @lti-tool/core 1.0.6 (${engine})`, () => {
    let t: TestApp;
    let tool: ToolCoreServer;
    let pluto: string;
    let samId: number;
    let session: LTISession;

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
        name: "Core Tool",
        toolUrl: `${tool.origin}/content`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
      });
      assert.equal(res.status, 201, res.body);
      const r = res.json as Registration;
      await tool.addPlatform({
        issuer: r.platform.issuer,
        clientId: r.clientId,
        deploymentId: r.deploymentId,
        authUrl: r.platform.authenticationRequestUrl,
        jwksUrl: r.platform.publicKeysetUrl,
      });
      const courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      const tina = await t.user("tina", { firstname: "Tina", lastname: "Teach" });
      const sam = await t.user("sam", { firstname: "Sam", lastname: "Student" });
      samId = sam.id;
      await enrolAs(t, courseId, tina.id, "editingteacher");
      await enrolAs(t, courseId, sam.id, "student");
      const a = await api(t.app, await t.token(tina.id), "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Cell quiz",
        section: 1,
        settings: { toolTypeId: r.id },
      });
      assert.equal(a.status, 201, a.body);
      const activityId = (a.json as { id: number }).id;
      // The student's launch: the library's login redirect, Pluto's id_token, the library's verifyLaunch.
      const page = await (await t.client("sam")).get(`/mod/lti/${activityId}/launch`);
      const login = readLaunchForm(page.body);
      const toTool = await fetch(login.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(login.fields).toString(),
        redirect: "manual",
      });
      const auth = await fetch(String(toTool.headers.get("location")), { redirect: "manual" });
      const answer = readLaunchForm(await auth.text());
      await fetch(answer.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(answer.fields).toString(),
      });
      const launched = tool.launches.at(-1);
      assert.ok(launched?.ok, launched && !launched.ok ? launched.error : "no launch");
      session = await tool.lti.createSession(launched.payload);
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    it("submits a score to the claim's line item and reads the results back", async () => {
      assert.ok(session.services?.ags?.lineitem, "the session has the claim's line item");
      await tool.lti.submitScore(session, {
        userId: session.user.id,
        scoreGiven: 9,
        scoreMaximum: 10,
        comment: "Great",
        activityProgress: "Completed",
        gradingProgress: "FullyGraded",
      });
      const grade = await t.ctx.db
        .selectFrom("grades as g")
        .innerJoin("grade_items as i", "i.id", "g.item_id")
        .select(["g.grade", "g.feedback", "g.tool_type_id"])
        .where("i.name", "=", "Cell quiz")
        .where("g.user_id", "=", samId)
        .executeTakeFirstOrThrow();
      assert.deepEqual([grade.grade, grade.feedback], [90, "Great"]);
      const results = await tool.lti.getScores(session);
      assert.deepEqual(
        results.map((x) => [x.userId, x.resultScore, x.resultMaximum, x.comment]),
        [[session.user.id, 90, 100, "Great"]],
      );
    });

    it("lists the line items and creates one", async () => {
      const created = await tool.lti.createLineItem(session, {
        label: "Lab report",
        scoreMaximum: 20,
        tag: "lab",
      });
      assert.equal(created.label, "Lab report");
      const items = await tool.lti.listLineItems(session);
      assert.deepEqual(
        items.map((l) => l.label),
        ["Cell quiz", "Lab report"],
      );
    });
  });
}
