// Pluto's Assignment and Grade Services, called by a tool nobody here wrote: ltijs 5.9.9's Grade client
// (test/support/ltijs5-tool.ts) on 127.0.0.2, with the token ltijs recorded in onConnect after a real LTI
// 1.3 launch by a student. ltijs fetches its own access tokens from Pluto's token endpoint (a client
// assertion signed with its key, which Pluto reads from its JWKS), reads the launch's endpoint claim,
// posts scores to the claim's line item (userId defaulting to the launching user), creates a line item on
// the link, finds it by resource link, follows rel="next", and reads the results back.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../src/shared/clock.js";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort, readLaunchForm } from "../support/fake-lti-tool.js";
import { type Ltijs5Tool, type LtijsToken, startLtijs5Tool } from "../support/ltijs5-tool.js";

/** Wall-clock time: ltijs compares the id_token's iat with its own clock. */
class WallClock extends FakeClock {
  override now(): Date {
    return new Date();
  }
}

/** Follows a launch through ltijs: its login, Pluto's authentication answer, ltijs's launch, with its cookies. */
async function launchThroughLtijs(loginForm: { action: string; fields: Record<string, string> }) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const login = await fetch(loginForm.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(loginForm.fields).toString(),
    redirect: "manual",
  });
  keep(login);
  assert.equal(login.status, 302, await login.text());
  const auth = await fetch(String(login.headers.get("location")), { redirect: "manual" });
  const answer = readLaunchForm(await auth.text());
  let res = await fetch(answer.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams(answer.fields).toString(),
    redirect: "manual",
  });
  for (let hop = 0; hop < 5 && res.status >= 300 && res.status < 400; hop++) {
    keep(res);
    res = await fetch(new URL(String(res.headers.get("location")), answer.action), {
      headers: { cookie: cookie() },
      redirect: "manual",
    });
  }
  return { status: res.status, body: await res.text() };
}

for (const engine of testEngines()) {
  describe(`Pluto's AGS called by ltijs 5.9.9's Grade client (${engine})`, () => {
    let t: TestApp;
    let tool: Ltijs5Tool;
    let pluto: string;
    let samId: number;
    let activityId: number;
    let token: LtijsToken;

    before(async () => {
      tool = await startLtijs5Tool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        clock: new WallClock(),
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1", "127.0.0.2"] },
      });
      const adminToken = await t.token((await t.admin()).id);
      const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "ltijs tool",
        toolUrl: tool.launchUrl,
        initiateLoginUrl: tool.loginUrl,
        redirectUris: [tool.launchUrl],
        publicKeysetUrl: tool.keysetUrl,
      });
      assert.equal(reg.status, 201, reg.body);
      const registered = reg.json as {
        id: number;
        clientId: string;
        platform: {
          issuer: string;
          authenticationRequestUrl: string;
          publicKeysetUrl: string;
          accessTokenUrl: string;
        };
      };
      await tool.registerPlatform({
        url: registered.platform.issuer,
        name: "Pluto",
        clientId: registered.clientId,
        authenticationEndpoint: registered.platform.authenticationRequestUrl,
        accesstokenEndpoint: registered.platform.accessTokenUrl,
        authConfig: { method: "JWK_SET", key: registered.platform.publicKeysetUrl },
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
        settings: { toolTypeId: registered.id },
      });
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
      const page = await (await t.client("sam")).get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      const launched = await launchThroughLtijs(readLaunchForm(page.body));
      assert.equal(launched.status, 200, launched.body.slice(0, 500));
      assert.equal(launched.body, "connected");
      token = tool.connects.at(-1) as LtijsToken;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    const gradeOn = async (lineItemUrl: string) =>
      (
        await t.ctx.db
          .selectFrom("lti_line_items as l")
          .innerJoin("grades as g", "g.item_id", "l.grade_item_id")
          .select(["g.grade", "g.source", "g.tool_type_id"])
          .where("l.id", "=", Number(lineItemUrl.split("/").at(-1)))
          .where("g.user_id", "=", samId)
          .executeTakeFirst()
      )?.grade;

    it("gets the endpoint claim and posts a score to the link's line item", async () => {
      const endpoint = token.platformContext.endpoint;
      assert.ok(endpoint?.lineitem, JSON.stringify(token.platformContext));
      assert.equal(endpoint.lineitems, `${pluto}/lti/ags/${token.platformContext.context?.id}/lineitems`);
      await tool.grade.submitScore(token, endpoint.lineitem, {
        scoreGiven: 8,
        scoreMaximum: 10,
        activityProgress: "Completed",
        gradingProgress: "FullyGraded",
        comment: "Nice work",
      });
      assert.equal(await gradeOn(endpoint.lineitem), 80);
    });

    it("creates a line item on the link, finds it by resource link, pages, and reads the results", async () => {
      const created = await tool.grade.createLineItem(
        token,
        { label: "Bonus", scoreMaximum: 5, tag: "bonus" },
        { resourceLinkId: true },
      );
      assert.equal(created.label, "Bonus");
      assert.equal(created.resourceLinkId, String(activityId));
      const byLink = await tool.grade.getLineItems(token, { resourceLinkId: true });
      assert.deepEqual(
        byLink.lineItems.map((l) => l.label),
        ["Cell quiz", "Bonus"],
      );
      const first = await tool.grade.getLineItems(token, { resourceLinkId: true, limit: 1 });
      assert.equal(first.lineItems.length, 1);
      assert.ok(first.next, "rel=next parsed by ltijs");
      const second = await tool.grade.getLineItems(token, { url: first.next });
      assert.deepEqual(
        second.lineItems.map((l) => l.label),
        ["Bonus"],
      );
      assert.equal(second.next, undefined);
      const bonus = String(created.id);
      await tool.grade.submitScore(token, bonus, {
        scoreGiven: 6,
        scoreMaximum: 5,
        activityProgress: "Completed",
        gradingProgress: "FullyGraded",
      });
      assert.equal(await gradeOn(bonus), 6, "above the maximum, kept");
      const results = await tool.grade.getScores(token, bonus, { userId: token.user });
      assert.deepEqual(
        results.scores.map((r) => [r.userId, r.resultScore, r.resultMaximum]),
        [[token.user, 6, 5]],
      );
    });
  });
}
