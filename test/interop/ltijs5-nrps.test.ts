// Pluto's Names and Role Provisioning Services read by a tool nobody here wrote: ltijs 5.9.9
// (test/support/ltijs5-tool.ts) on 127.0.0.2, launched from Pluto on 127.0.0.1 (the launch gives it the
// NRPS claim), then its own NamesAndRoles.getMembers: a token from Pluto's /lti/token signed with ltijs's
// key, the container, the role filter, limit with every next page followed, resource link members with
// their custom values, and the differences link it keeps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { manualInstance, unenrolUser } from "../../src/features/enrolments/enrolments.service.js";
import { opaqueUserId, siteSecret } from "../../src/features/lti-consumer/tokens.service.js";
import { FakeClock } from "../../src/shared/clock.js";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { Browser } from "../support/cross-site-browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort } from "../support/fake-lti-tool.js";
import { type Ltijs5Tool, type LtijsToken, startLtijs5Tool } from "../support/ltijs5-tool.js";

const LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#";
const CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom";

/** Wall-clock time: ltijs compares the id_token's iat with its own clock. */
class WallClock extends FakeClock {
  override now(): Date {
    return new Date();
  }
}

const STUDENTS = ["sam", "sue", "sid", "sal", "sky"];

for (const engine of testEngines()) {
  describe(`ltijs 5.9.9 reads Pluto's memberships (NRPS) (${engine})`, () => {
    let t: TestApp;
    let tool: Ltijs5Tool;
    let pluto: string;
    let courseId: number;
    let activityId: number;
    let token: LtijsToken;
    const ids: Record<string, number> = {};

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
        name: "ltijs roster",
        toolUrl: tool.launchUrl,
        initiateLoginUrl: tool.loginUrl,
        redirectUris: [tool.launchUrl],
        publicKeysetUrl: tool.keysetUrl,
        customParameters: "topic=$CourseSection.title\nrole=$Membership.role",
        shareName: true,
        shareEmail: true,
      });
      assert.equal(reg.status, 201, reg.body);
      const registered = reg.json as {
        id: number;
        clientId: string;
        platform: { issuer: string; authenticationRequestUrl: string; publicKeysetUrl: string };
      };
      await tool.registerPlatform({
        url: registered.platform.issuer,
        name: "Pluto",
        clientId: registered.clientId,
        authenticationEndpoint: registered.platform.authenticationRequestUrl,
        accesstokenEndpoint: `${pluto}/lti/token`,
        authConfig: { method: "JWK_SET", key: registered.platform.publicKeysetUrl },
      });
      courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      const tina = await t.user("tina", { firstname: "Tina", lastname: "Teach", email: "tina@example.org" });
      ids.tina = tina.id;
      await enrolAs(t, courseId, tina.id, "editingteacher");
      for (const name of STUDENTS) {
        const u = await t.user(name, { firstname: name, lastname: "Student", email: `${name}@example.org` });
        ids[name] = u.id;
        await enrolAs(t, courseId, u.id, "student");
      }
      const a = await api(t.app, await t.token(tina.id), "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Roster",
        section: 1,
        settings: { toolTypeId: registered.id },
      });
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
      // Tina's launch: ltijs validates it and keeps the NRPS claim in its token.
      const b = new Browser();
      await b.login(pluto, "tina");
      const before = tool.connects.length;
      const res = await b.go(`${pluto}/mod/lti/${activityId}/launch`, { from: pluto });
      assert.equal(res.html, "connected", res.html.slice(0, 500));
      const launched = tool.connects.slice(before).at(-1);
      assert.ok(launched);
      token = launched;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    async function sub(name: string) {
      return opaqueUserId(await siteSecret(t.ctx.db, t.ctx.clock), ids[name] ?? 0);
    }

    it("gets the NRPS claim at launch and the whole roster, user_id = the launch sub", async () => {
      assert.deepEqual(token.platformContext.namesRoles, {
        context_memberships_url: `${pluto}/lti/nrps/${courseId}/memberships`,
        service_versions: ["2.0"],
      });
      const all = await tool.getMembers(token, { pages: false });
      assert.deepEqual(all.context, { id: String(courseId), label: "BIO1", title: "Biology" });
      assert.equal(all.members.length, 6);
      const tina = all.members.find((m) => m.user_id === token.user);
      assert.equal(token.user, await sub("tina"));
      assert.deepEqual(tina?.roles, [`${LIS}Instructor`]);
      assert.equal(tina?.email, "tina@example.org");
      assert.equal(tina?.status, "Active");
      assert.match(all.differences ?? "", /\?since=/);
    });

    it("filters by the short role name and follows every next page of a small limit", async () => {
      const learners = await tool.getMembers(token, { role: "Learner", limit: 2, pages: false });
      assert.deepEqual(
        learners.members.map((m) => m.user_id).sort(),
        (await Promise.all(STUDENTS.map(sub))).sort(),
      );
      assert.ok(learners.members.every((m) => m.roles.join() === `${LIS}Learner`));
      // One page only: ltijs keeps the next link Pluto sent, carrying the filters.
      const first = await tool.getMembers(token, { role: "Learner", limit: 2, pages: 1 });
      assert.equal(first.members.length, 2);
      const next = new URL(first.next ?? "");
      assert.equal(next.searchParams.get("role"), `${LIS}Learner`);
      assert.equal(next.searchParams.get("limit"), "2");
      const rest = await tool.getMembers(token, { url: first.next, pages: false });
      assert.equal(rest.members.length, 3);
    });

    it("reads the resource link's members with the custom values their launch would carry", async () => {
      const link = await tool.getMembers(token, { resourceLinkId: true, pages: false });
      assert.equal(link.members.length, 6);
      const tina = link.members.find((m) => m.user_id === token.user);
      const message = (tina?.message as Array<Record<string, unknown>> | undefined)?.[0];
      assert.deepEqual(message?.[CUSTOM], { topic: "Biology", role: "Instructor" });
      assert.deepEqual(token.platformContext.custom, { topic: "Biology", role: "Instructor" });
    });

    it("reads the differences link it kept: a member removed since is Deleted", async () => {
      const all = await tool.getMembers(token, { pages: false });
      const manual = await manualInstance(t.ctx.db, courseId);
      await t.ctx.db
        .transaction()
        .execute((trx) => unenrolUser(trx, { instanceId: manual.id, userId: ids.sky ?? 0 }, t.ctx.clock));
      const diff = await tool.getMembers(token, { url: all.differences, pages: false });
      // Changes of the last minute before the listing may come again (each as its current state).
      assert.deepEqual(
        diff.members.filter((m) => m.status === "Deleted").map((m) => m.user_id),
        [await sub("sky")],
      );
      assert.equal(diff.members.find((m) => m.user_id === token.user)?.status ?? "Active", "Active");
      assert.ok(diff.differences);
    });
  });
}
