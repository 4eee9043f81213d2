// Pluto as the LTI 1.3 platform of ltijs 6.0.0-alpha.5 (test/support/ltijs6-tool.ts) in Chromium: a student
// opens an External tool activity whose site tool is ltijs 6 on 127.0.0.2, so the activity page on 127.0.0.1
// frames it cross-site. ltijs 6 keeps no state cookie: its login page stores the signed state in its own
// localStorage, and the page the id_token is posted to reads it back. As shipped Chrome behaves (storage
// partitioned), the frame has that storage and the launch completes; in Playwright's Chromium (third-party
// cookies and storage blocked) the login page cannot write it and stays there, never reaching Pluto's
// authentication endpoint, and the activity page's "Open … in a new window" link, a first-party tab, launches.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { listLaunchLog } from "../../src/features/lti-common/launch-log.service.js";
import { opaqueUserId, siteSecret } from "../../src/features/lti-consumer/tokens.service.js";
import { FakeClock } from "../../src/shared/clock.js";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, launchWithStoragePartitioning, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { connectedHeading, type Ltijs6Tool, startLtijs6Tool } from "../support/ltijs6-tool.js";
import { freePort } from "../support/processes.js";

const LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

/** Wall-clock time, `skew` seconds off: ltijs refuses an id_token whose iat is more than 10 s old. */
class WallClock extends FakeClock {
  skew = 0;
  override now(): Date {
    return new Date(Date.now() + this.skew * 1000);
  }
}

interface Seen {
  method: string;
  url: URL;
  /** A form post's fields. */
  fields: Record<string, string>;
}

/** Every request the context's pages and frames make, and every dialog they open. */
function watch(context: BrowserContext) {
  const requests: Seen[] = [];
  const dialogs: string[] = [];
  context.on("request", (r) => {
    const body = r.method() === "POST" ? (r.postData() ?? "") : "";
    requests.push({
      method: r.method(),
      url: new URL(r.url()),
      fields: Object.fromEntries(new URLSearchParams(body)),
    });
  });
  const onPage = (p: Page) =>
    p.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  context.on("page", onPage);
  return { requests, dialogs, onPage };
}

for (const engine of testEngines()) {
  describe(`ltijs 6 launched in the activity's cross-site frame (${engine})`, () => {
    let t: TestApp;
    let tool: Ltijs6Tool;
    let base: string;
    let clientId: string;
    let courseId: number;
    let activityId: number;
    let studentId: number;

    before(async () => {
      tool = await startLtijs6Tool();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      // What is set up here starts two minutes back, so the enrolments have begun by wall-clock time.
      const clock = new WallClock();
      clock.skew = -120;
      t = await startTestApp(engine, {
        clock,
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: base, outboundAllow: ["127.0.0.2"] },
      });
      const admin = await t.admin();
      const reg = await api(t.app, await t.token(admin.id), "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "ltijs 6 tool",
        toolUrl: tool.launchUrl,
        initiateLoginUrl: tool.loginUrl,
        redirectUris: [tool.launchUrl],
        publicKeysetUrl: tool.keysetUrl,
      });
      assert.equal(reg.status, 201, reg.body);
      const registered = reg.json as {
        id: number;
        clientId: string;
        platform: { issuer: string; authenticationRequestUrl: string; publicKeysetUrl: string };
      };
      clientId = registered.clientId;
      await tool.registerPlatform({
        url: registered.platform.issuer,
        name: "Pluto",
        clientId,
        authenticationEndpoint: registered.platform.authenticationRequestUrl,
        accesstokenEndpoint: `${base}/lti/token`,
        authConfig: { method: "JWK_SET", key: registered.platform.publicKeysetUrl },
      });
      courseId = (await makeCourse(t, { fullname: "Chemistry", shortname: "CHEM1" })).id;
      const teacher = await t.user("tess", { firstname: "Tess", lastname: "Teach" });
      const student = await t.user("sid", { firstname: "Sid", lastname: "Student" });
      studentId = student.id;
      await enrolAs(t, courseId, teacher.id, "editingteacher");
      await enrolAs(t, courseId, student.id, "student");
      const a = await api(
        t.app,
        await t.token(teacher.id),
        "POST",
        `/api/v1/courses/${courseId}/activities`,
        {
          type: "lti",
          name: "Titration lab",
          section: 1,
          settings: { toolTypeId: registered.id },
        },
      );
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
      clock.skew = 0;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    async function signIn(page: Page) {
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill("sid");
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    }

    async function logCount() {
      return (await listLaunchLog(t.ctx.db, { courseId, direction: "out", limit: 10 })).length;
    }

    async function sub() {
      return opaqueUserId(await siteSecret(t.ctx.db, t.ctx.clock), studentId);
    }

    const isAuth = (r: Seen) => r.url.origin === base && r.url.pathname === "/lti/auth";
    const isIdTokenPost = (r: Seen) =>
      r.method === "POST" &&
      r.url.href === tool.launchUrl &&
      r.fields.id_token !== undefined &&
      r.fields.signed_state === undefined;

    /** What ltijs validated, and what Pluto sent it, for the one launch in `requests`. */
    async function assertLaunched(requests: Seen[], from: number, logsBefore: number) {
      const expected = await sub();
      assert.equal(tool.connects.length, from + 1);
      const token = tool.connects.at(-1);
      assert.ok(token);
      assert.equal(token.iss, base);
      assert.equal(token.clientId, clientId);
      assert.equal(token.user, expected);
      assert.equal(token.platformContext.messageType, "LtiResourceLinkRequest");
      assert.deepEqual(token.platformContext.roles, [`${LIS}Learner`]);
      assert.equal(token.platformContext.context?.id, String(courseId));
      assert.equal(token.platformContext.context?.title, "Chemistry");
      assert.deepEqual(token.platformContext.resource, { id: String(activityId), title: "Titration lab" });
      // Through Pluto's OIDC endpoint: one authentication request carrying ltijs's state, answered with an
      // id_token for this user, posted with that state to ltijs's launch URL.
      const auths = requests.filter(isAuth);
      assert.equal(auths.length, 1);
      const auth = auths[0]?.url.searchParams;
      assert.equal(auth?.get("client_id"), clientId);
      assert.equal(auth?.get("login_hint"), expected);
      assert.equal(auth?.get("redirect_uri"), tool.launchUrl);
      const posts = requests.filter(isIdTokenPost);
      assert.equal(posts.length, 1);
      assert.equal(posts[0]?.fields.state, auth?.get("state"));
      const idToken = decodeJwt(posts[0]?.fields.id_token ?? "");
      assert.equal(idToken.iss, base);
      assert.equal(idToken.aud, clientId);
      assert.equal(idToken.sub, expected);
      assert.equal(idToken.nonce, auth?.get("nonce"));
      // ltijs's second post of the same id_token, with the signed state it read from its localStorage.
      const signed = requests.filter((r) => r.method === "POST" && r.fields.signed_state !== undefined);
      assert.equal(signed.length, 1);
      assert.equal(signed[0]?.fields.id_token, posts[0]?.fields.id_token);
      // Pluto logged the one launch out, to this tool as this user.
      const logged = await listLaunchLog(t.ctx.db, { courseId, direction: "out", limit: 10 });
      assert.equal(logged.length, logsBefore + 1);
      assert.equal(logged[0]?.result, "ok");
      assert.equal(logged[0]?.activityId, activityId);
      assert.equal(logged[0]?.consumerKey, clientId);
      assert.equal(logged[0]?.remoteUserId, expected);
    }

    it("completes the launch in the frame as shipped Chrome behaves (storage partitioned)", async () => {
      const browser: Browser = await launchWithStoragePartitioning();
      try {
        const context = await browser.newContext();
        const seen = watch(context);
        const page = await context.newPage();
        seen.onPage(page);
        page.setDefaultTimeout(15_000);
        await signIn(page);
        const from = tool.connects.length;
        const logs = await logCount();
        const mark = seen.requests.length;

        await page.goto(`${base}/mod/${activityId}`);
        const frame = page.frameLocator("iframe[data-lti-storage]");
        await frame.getByRole("heading", { name: connectedHeading(await sub()) }).waitFor();
        await screenshot(page, `ltijs6-launch-${engine}-partitioned`);
        await assertLaunched(seen.requests.slice(mark), from, logs);
        assert.deepEqual(seen.dialogs, []);
      } finally {
        await browser.close();
      }
    });

    it("stays on ltijs's login page in Playwright's Chromium (storage blocked), and launches in a new window", async () => {
      const browser: Browser = await launchBrowser();
      try {
        const context = await browser.newContext();
        const seen = watch(context);
        const page = await context.newPage();
        seen.onPage(page);
        page.setDefaultTimeout(15_000);
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await signIn(page);
        const from = tool.connects.length;
        const logs = await logCount();
        const mark = seen.requests.length;

        const loginAnswered = page.waitForResponse(
          (r) => r.url() === tool.loginUrl && r.request().method() === "POST",
        );
        await page.goto(`${base}/mod/${activityId}`);
        assert.equal((await loginAnswered).status(), 200);
        // Time for a redirect to Pluto that does not come.
        await page.waitForTimeout(2000);
        await screenshot(page, `ltijs6-launch-${engine}-blocked`);
        const framed = page.frames().find((f) => f.url().startsWith(tool.origin));
        assert.equal(framed?.url(), tool.loginUrl);
        const sinceFrame = seen.requests.slice(mark);
        assert.equal(sinceFrame.filter(isAuth).length, 0);
        assert.equal(sinceFrame.filter(isIdTokenPost).length, 0);
        assert.equal(tool.connects.length, from);
        assert.deepEqual(errors, [
          "Failed to read the 'localStorage' property from 'Window': Access is denied for this document.",
        ]);
        assert.deepEqual(seen.dialogs, []);

        const link = page.getByRole("link", { name: "Open Titration lab in a new window" });
        assert.equal(await link.getAttribute("target"), "_blank");
        const popupOpened = context.waitForEvent("page");
        const mark2 = seen.requests.length;
        // The frame's launch was logged too: Pluto signed it before ltijs's login page stopped.
        assert.equal(await logCount(), logs + 1);
        await link.click();
        const popup = await popupOpened;
        popup.setDefaultTimeout(15_000);
        await popup.getByRole("heading", { name: connectedHeading(await sub()) }).waitFor();
        assert.equal(new URL(popup.url()).origin, tool.origin);
        await assertLaunched(seen.requests.slice(mark2), from, logs + 1);
        assert.deepEqual(seen.dialogs, []);
      } finally {
        await browser.close();
      }
    });
  });
}
