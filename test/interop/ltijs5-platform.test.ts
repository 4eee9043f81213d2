// Pluto as an LTI 1.3 platform, checked by a tool nobody here wrote: ltijs 5.9.9 (test/support/ltijs5-tool.ts)
// on 127.0.0.2, Pluto listening on 127.0.0.1, so the two are cross-site. A small browser over real HTTP
// (below) follows redirects and auto-submitting forms, with one cookie jar per host that sends SameSite
// cookies the way Chromium does across sites. Covered: a launch registered by hand (what ltijs validated and
// handed onConnect), Deep Linking with ltijs's own response form, Dynamic Registration through ltijs's
// /register, and launches ltijs refuses (a key not in Pluto's JWKS, an id_token older than ltijs allows).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { listCourseActivities } from "../../src/features/activities/activities.repository.js";
import { opaqueUserId, siteSecret } from "../../src/features/lti-consumer/tokens.service.js";
import { readLtiSettings } from "../../src/features/lti-consumer/tools/lti-settings.js";
import { FakeClock } from "../../src/shared/clock.js";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { Browser } from "../support/cross-site-browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort } from "../support/fake-lti-tool.js";
import { type Ltijs5Tool, type LtijsPlatform, startLtijs5Tool } from "../support/ltijs5-tool.js";

const LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

/** Wall-clock time, `skew` seconds off: ltijs compares the id_token's iat with its own clock. */
class WallClock extends FakeClock {
  skew = 0;
  override now(): Date {
    return new Date(Date.now() + this.skew * 1000);
  }
}

/** A JWKS server that publishes another RSA key under the kid Pluto signs with. */
async function startForeignJwks(kid: string): Promise<{ url: string; close(): Promise<void> }> {
  const other = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(other.publicKey)), kid, alg: "RS256", use: "sig" };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const engine of testEngines()) {
  describe(`Pluto as the platform of ltijs 5.9.9 (${engine})`, () => {
    let t: TestApp;
    let tool: Ltijs5Tool;
    let pluto: string;
    let clock: WallClock;
    let adminToken: string;
    let teacherToken: string;
    let courseId: number;
    let samId: number;
    let tinaId: number;
    let toolTypeId: number;
    let platform: LtijsPlatform;
    /** An activity sharing name and email, one sharing neither. */
    let sharing: number;
    let anonymous: number;

    before(async () => {
      tool = await startLtijs5Tool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      clock = new WallClock();
      // Everything set up here starts two minutes back, so that the test running Pluto's clock late
      // still finds the enrolments begun.
      clock.skew = -120;
      t = await startTestApp(engine, {
        clock,
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1", "127.0.0.2"] },
      });
      adminToken = await t.token((await t.admin()).id);
      const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "ltijs tool",
        toolUrl: tool.launchUrl,
        initiateLoginUrl: tool.loginUrl,
        redirectUris: [tool.launchUrl],
        publicKeysetUrl: tool.keysetUrl,
        customParameters: "topic=$CourseSection.title\nfixed=yes",
        shareName: true,
        shareEmail: true,
        deepLinking: true,
        deepLinkingUrl: tool.launchUrl,
      });
      assert.equal(reg.status, 201, reg.body);
      const registered = reg.json as {
        id: number;
        clientId: string;
        platform: { issuer: string; authenticationRequestUrl: string; publicKeysetUrl: string };
      };
      toolTypeId = registered.id;
      assert.equal(registered.platform.issuer, pluto);
      platform = {
        url: registered.platform.issuer,
        name: "Pluto",
        clientId: registered.clientId,
        authenticationEndpoint: registered.platform.authenticationRequestUrl,
        accesstokenEndpoint: `${pluto}/lti/token`,
        authConfig: { method: "JWK_SET", key: registered.platform.publicKeysetUrl },
      };
      await tool.registerPlatform(platform);

      courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      const tina = await t.user("tina", { firstname: "Tina", lastname: "Teach", email: "tina@example.org" });
      const sam = await t.user("sam", { firstname: "Sam", lastname: "Student", email: "sam@example.org" });
      tinaId = tina.id;
      samId = sam.id;
      await enrolAs(t, courseId, tina.id, "editingteacher");
      await enrolAs(t, courseId, sam.id, "student");
      teacherToken = await t.token(tina.id);
      const activity = async (name: string, extra: Record<string, unknown>) => {
        const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
          type: "lti",
          name,
          section: 1,
          settings: { toolTypeId, ...extra },
        });
        assert.equal(a.status, 201, a.body);
        return (a.json as { id: number }).id;
      };
      sharing = await activity("Cell quiz", {});
      anonymous = await activity("Anonymous survey", { shareName: false, shareEmail: false });
      clock.skew = 0;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    async function signedIn(username: string): Promise<Browser> {
      const b = new Browser();
      await b.login(pluto, username);
      return b;
    }

    /** A user's launch of an activity from its page on Pluto, through ltijs's login to onConnect. */
    async function launch(b: Browser, activityId: number) {
      const before = tool.connects.length;
      const res = await b.go(`${pluto}/mod/lti/${activityId}/launch`, { from: pluto });
      return { res, token: tool.connects.length > before ? tool.connects.at(-1) : undefined };
    }

    async function sub(userId: number) {
      return opaqueUserId(await siteSecret(t.ctx.db, t.ctx.clock), userId);
    }

    it("launches a student into ltijs, which validates the id_token and sees who, where and what", async () => {
      const sam = await signedIn("sam");
      const { res, token } = await launch(sam, sharing);
      assert.equal(res.status, 200, res.html.slice(0, 500));
      assert.equal(res.html, "connected");
      assert.ok(token);
      // ltijs's redirect back to Pluto carried its own login parameters; Pluto's answer reached its appRoute.
      assert.equal(sam.posted(tool.loginUrl)?.client_id, platform.clientId);
      assert.equal(token.iss, pluto);
      assert.equal(token.clientId, platform.clientId);
      assert.equal(token.deploymentId, "1");
      assert.equal(token.user, await sub(samId));
      assert.equal(token.user, sam.posted(tool.loginUrl)?.login_hint);
      assert.notEqual(token.user, String(samId));
      assert.equal(token.platformContext.messageType, "LtiResourceLinkRequest");
      assert.deepEqual(token.platformContext.roles, [`${LIS}Learner`]);
      assert.equal(token.platformContext.context?.id, String(courseId));
      assert.equal(token.platformContext.context?.title, "Biology");
      assert.deepEqual(token.platformContext.resource, { id: String(sharing), title: "Cell quiz" });
      assert.equal(token.platformContext.targetLinkUri, tool.launchUrl);
      assert.deepEqual(token.platformContext.custom, { topic: "Biology", fixed: "yes" });
      assert.equal(token.platformInfo?.product_family_code, "pluto");
      assert.equal(token.userInfo.name, "Sam Student");
      assert.equal(token.userInfo.given_name, "Sam");
      assert.equal(token.userInfo.family_name, "Student");
      assert.equal(token.userInfo.email, "sam@example.org");
    });

    it("sends a teacher as Instructor with another sub, and neither name nor email where the activity shares none", async () => {
      const tina = await signedIn("tina");
      const { res, token } = await launch(tina, anonymous);
      assert.equal(res.status, 200, res.html.slice(0, 500));
      assert.ok(token);
      assert.deepEqual(token.platformContext.roles, [`${LIS}Instructor`]);
      assert.equal(token.user, await sub(tinaId));
      assert.notEqual(token.user, await sub(samId));
      assert.deepEqual(token.platformContext.resource, { id: String(anonymous), title: "Anonymous survey" });
      assert.deepEqual(token.userInfo, {});
      // The same user's next launch: the same sub.
      const again = await launch(tina, sharing);
      assert.equal(again.token?.user, token.user);
      assert.equal(again.token?.userInfo.email, "tina@example.org");
    });

    it("adds the 3 items of ltijs's Deep Linking response in order, two links to the same URL as two activities", async () => {
      const tina = await signedIn("tina");
      const before = (await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).length;
      tool.respondWith = {
        items: [
          {
            type: "ltiResourceLink",
            title: "Chapter 1 quiz",
            url: tool.launchUrl,
            custom: { chapter: "1" },
          },
          {
            type: "ltiResourceLink",
            title: "Chapter 2 quiz",
            url: tool.launchUrl,
            custom: { chapter: "2" },
          },
          { type: "link", title: "Cell atlas", url: "https://atlas.example.org/cells" },
        ],
        message: "Three picked",
      };
      await tina.go(`${pluto}/course/${courseId}/add/lti?toolTypeId=${toolTypeId}`);
      const requests = tool.deepLinkings.length;
      const res = await tina.go(`${pluto}/course/${courseId}/add/select-content`, {
        from: pluto,
        form: { _csrf: tina.csrf, toolTypeId: String(toolTypeId), section: "1" },
      });
      assert.equal(tool.deepLinkings.length, requests + 1);
      const request = tool.deepLinkings.at(-1);
      assert.equal(request?.platformContext.messageType, "LtiDeepLinkingRequest");
      assert.equal(request?.user, await sub(tinaId));
      assert.equal(
        request?.platformContext.deepLinkingSettings?.deep_link_return_url,
        `${pluto}/lti/deep-linking/return`,
      );
      // ltijs's form posted its JWT to Pluto's return, which answered the page the teacher sees.
      assert.equal(res.url, `${pluto}/lti/deep-linking/return`);
      assert.equal(res.status, 200, res.html.slice(0, 800));
      assert.match(res.html, /3 items added/);
      const added = (await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).slice(before);
      assert.deepEqual(
        added.map((a) => [a.type, a.name]),
        [
          ["lti", "Chapter 1 quiz"],
          ["lti", "Chapter 2 quiz"],
          ["page", "Cell atlas"],
        ],
      );
      assert.equal(readLtiSettings(added[0]?.settings).toolTypeId, toolTypeId);
      assert.equal(readLtiSettings(added[1]?.settings).customParameters, "chapter=2");

      // The second item launches as its own resource link, with its own custom parameter.
      const second = await launch(tina, Number(added[1]?.id));
      assert.equal(second.res.status, 200, second.res.html.slice(0, 500));
      assert.deepEqual(second.token?.platformContext.resource, {
        id: String(added[1]?.id),
        title: "Chapter 2 quiz",
      });
      assert.equal(second.token?.platformContext.custom?.chapter, "2");
    });

    it("adds nothing when ltijs answers an empty Deep Linking response (cancelled)", async () => {
      const tina = await signedIn("tina");
      const before = (await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).length;
      tool.respondWith = { items: [] };
      await tina.go(`${pluto}/course/${courseId}/add/lti?toolTypeId=${toolTypeId}`);
      const res = await tina.go(`${pluto}/course/${courseId}/add/select-content`, {
        from: pluto,
        form: { _csrf: tina.csrf, toolTypeId: String(toolTypeId), section: "1" },
      });
      assert.equal(res.url, `${pluto}/lti/deep-linking/return`);
      assert.equal(res.status, 200, res.html.slice(0, 800));
      assert.match(res.html, /Nothing was added/);
      assert.equal((await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).length, before);
    });

    it("is registered by ltijs's Dynamic Registration, Pending until the admin activates it, then launches", async () => {
      const start = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types/dynamic-registration", {
        url: tool.registerUrl,
      });
      assert.equal(start.status, 201, start.body);
      const url = new URL((start.json as { url: string }).url);
      assert.equal(url.origin + url.pathname, tool.registerUrl);
      const admin = await signedIn("admin");
      const done = await admin.go(url.toString(), { from: pluto });
      assert.equal(done.status, 200, done.html);
      assert.match(done.html, /org\.imsglobal\.lti\.close/);

      const list = (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
        Record<string, unknown>
      >;
      const dynamic = list.find((x) => x.id !== toolTypeId && x.ltiVersion === "1.3");
      assert.ok(dynamic, JSON.stringify(list));
      const clientId = String(dynamic.clientId);
      assert.notEqual(clientId, platform.clientId);
      assert.equal(dynamic.status, "pending");
      assert.equal(dynamic.name, "ltijs5 tool");
      assert.equal(dynamic.initiateLoginUrl, tool.loginUrl);
      assert.equal(dynamic.publicKeysetUrl, tool.keysetUrl);
      // ltijs names its app route without the trailing slash.
      assert.deepEqual(dynamic.redirectUris, [tool.origin]);
      assert.equal(dynamic.toolUrl, tool.origin);
      // Its LtiDeepLinkingRequest message (no URL of its own) makes it a content selection tool.
      assert.equal(dynamic.deepLinking, true);
      assert.equal(dynamic.deepLinkingUrl, tool.origin);
      // ltijs asks for every claim Pluto's configuration lists, so it gets name and email; it asks for the
      // AGS and NRPS scopes, which Pluto serves, so both service switches start on.
      assert.equal(dynamic.shareName, true);
      assert.equal(dynamic.shareEmail, true);
      const asked = dynamic.registration as { grantedScopes: string[]; droppedScopes: string[] };
      assert.ok(asked.grantedScopes.includes("https://purl.imsglobal.org/spec/lti-ags/scope/score"));
      assert.deepEqual(asked.droppedScopes, []);
      assert.deepEqual(dynamic.services, { ags: true, nrps: true });
      // ltijs registered Pluto under the issuer of the configuration, with the client_id Pluto answered.
      assert.equal(await tool.isActive(pluto, clientId), true);

      const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Registered quiz",
        section: 1,
        settings: { toolTypeId: Number(dynamic.id) },
      });
      assert.equal(a.status, 201, a.body);
      const activityId = (a.json as { id: number }).id;
      const sam = await signedIn("sam");
      const pending = await launch(sam, activityId);
      assert.equal(pending.res.status, 409);
      assert.equal(pending.token, undefined);

      const patched = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${dynamic.id}`, {
        status: "active",
      });
      assert.equal(patched.status, 200, patched.body);
      const { res, token } = await launch(sam, activityId);
      assert.equal(res.status, 200, res.html.slice(0, 500));
      assert.equal(token?.clientId, clientId);
      assert.equal(token?.iss, pluto);
      assert.equal(token?.user, await sub(samId));
      assert.deepEqual(token?.platformContext.resource, { id: String(activityId), title: "Registered quiz" });
      assert.equal(token?.platformContext.targetLinkUri, tool.origin);
      assert.equal(token?.userInfo.email, "sam@example.org");
    });

    it("is refused by ltijs when its id_token is signed with a key that is not in the JWKS ltijs was given", async () => {
      const keys = (await (await fetch(`${pluto}/lti/jwks`)).json()) as { keys: Array<{ kid: string }> };
      const kid = keys.keys[0]?.kid ?? "";
      const foreign = await startForeignJwks(kid);
      await tool.registerPlatform({ ...platform, authConfig: { method: "JWK_SET", key: foreign.url } });
      try {
        const { res, token } = await launch(await signedIn("sam"), sharing);
        assert.equal(token, undefined);
        assert.equal(res.status, 401, res.html);
        assert.equal(new URL(res.url).origin, tool.origin);
        assert.equal(
          (JSON.parse(res.html) as { details: { message: string } }).details.message,
          "invalid signature",
        );
      } finally {
        await tool.registerPlatform(platform);
        await foreign.close();
      }
      // Pluto's own keyset again: the same launch passes.
      assert.ok((await launch(await signedIn("sam"), sharing)).token);
    });

    it("is refused by ltijs when Pluto's clock runs 15 s behind (iat older than ltijs's 10 s)", async () => {
      clock.skew = -15;
      try {
        const { res, token } = await launch(await signedIn("sam"), sharing);
        assert.equal(token, undefined);
        assert.equal(res.status, 401, res.html);
        assert.equal(
          (JSON.parse(res.html) as { details: { message: string } }).details.message,
          "TOKEN_TOO_OLD",
        );
      } finally {
        clock.skew = 0;
      }
    });
  });
}
