// LTI Deep Linking in Chromium, Pluto as the platform: a site admin adds an LTI 1.3 tool with Deep Linking by
// hand; a teacher, in a course section, opens Add course content → External tool, picks the tool and presses
// "Select content". The tool (on 127.0.0.2, so its frame is cross-site and Pluto's SameSite=Lax session
// cookie does not come back with the tool's post) shows its picker in Pluto's dialog; its "Add these 3 items"
// posts a response signed with jose (two tool links with the same URL, one HTML fragment) to the
// deep_link_return_url from inside the frame. The dialog closes and the section lists the three activities
// in order, each opening as it should. Also: cancelling shows the tool's message, a re-link replaces an
// activity's link, and without JavaScript the picker opens in a new window. Browser defaults (third-party
// cookies blocked). With PLUTO_SCREENSHOTS=1 it also renews the README's pictures in docs/screenshots/.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { listCourseActivities } from "../../src/features/activities/activities.repository.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, readmeScreenshot, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { type Lti13TestTool, startLti13Tool } from "../support/lti13-tool.js";
import { freePort } from "../support/processes.js";

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";
const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
const KID = "browser-dl-tool";
const TOOL_NAME = "Chapter Picker";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

for (const engine of testEngines()) {
  describe(`LTI Deep Linking in Chromium (${engine})`, () => {
    let t: TestApp;
    let tool: Lti13TestTool;
    let browser: Browser;
    let base: string;
    let courseId: number;
    let privateKey: CryptoKey;

    /** A Deep Linking response to the request `idToken`, signed by the tool. */
    async function response(idToken: JWTPayload, items: unknown[], extra: Record<string, unknown> = {}) {
      const settings = idToken[`${DL}deep_linking_settings`] as { data?: string };
      return new SignJWT({
        nonce: randomUUID(),
        [`${CLAIM}deployment_id`]: idToken[`${CLAIM}deployment_id`],
        [`${CLAIM}message_type`]: "LtiDeepLinkingResponse",
        [`${CLAIM}version`]: "1.3.0",
        [`${DL}content_items`]: items,
        ...(settings.data === undefined ? {} : { [`${DL}data`]: settings.data }),
        ...extra,
      })
        .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
        .setIssuer(String(idToken.aud))
        .setAudience(String(idToken.iss))
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    }

    const form = (action: string, jwt: string, label: string) =>
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="JWT" value="${jwt}">` +
      `<button type="submit">${escapeHtml(label)}</button></form>`;

    /** The tool's redirection URI: its picker (a Deep Linking request) or the launched link's page. */
    async function toolPage(posted: URLSearchParams): Promise<string> {
      const state = posted.get("state") ?? "";
      if (!tool.pending.has(state)) throw new Error("unknown state");
      const { payload } = await jwtVerify(
        posted.get("id_token") ?? "",
        createRemoteJWKSet(new URL(`${base}/lti/jwks`)),
        { issuer: base },
      );
      if (payload.nonce !== tool.pending.get(state)) throw new Error("wrong nonce");
      tool.pending.delete(state);
      if (payload[`${CLAIM}message_type`] === "LtiResourceLinkRequest") {
        const link = payload[`${CLAIM}resource_link`] as { title?: string };
        const custom = (payload[`${CLAIM}custom`] ?? {}) as Record<string, string>;
        return `<!doctype html><title>Tool</title><h1>Launched ${escapeHtml(link.title ?? "")}</h1>
          <p id="custom">chapter=${escapeHtml(custom.chapter ?? "")}</p>`;
      }
      const settings = payload[`${DL}deep_linking_settings`] as {
        deep_link_return_url: string;
        accept_multiple?: boolean;
      };
      const returnUrl = settings.deep_link_return_url;
      const link = (n: number, title = `Chapter ${n} quiz`) => ({
        type: "ltiResourceLink",
        url: `${tool.origin}/launch`,
        title,
        custom: { chapter: String(n) },
      });
      const pick =
        settings.accept_multiple === false
          ? form(returnUrl, await response(payload, [link(3)]), "Use Chapter 3 quiz")
          : form(
              returnUrl,
              await response(payload, [
                link(1),
                link(2),
                { type: "html", title: "Reading list", html: "<p>Read chapters 1 and 2.</p>" },
              ]),
              "Add these 3 items",
            );
      const cancel = form(
        returnUrl,
        await response(payload, [], { [`${DL}msg`]: "No chapter was chosen" }),
        "Cancel",
      );
      return `<!doctype html><title>Chapter Picker</title><h1>Pick chapters</h1>
        <ul><li>Chapter 1 quiz</li><li>Chapter 2 quiz</li><li>Reading list</li></ul>${pick}${cancel}`;
    }

    before(async () => {
      const keys = await generateKeyPair("RS256", { extractable: true });
      privateKey = keys.privateKey;
      tool = await startLti13Tool({
        host: "127.0.0.2",
        jwks: [{ ...(await exportJWK(keys.publicKey)), kid: KID, alg: "RS256", use: "sig" }],
        launch: toolPage,
      });
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: base, outboundAllow: ["127.0.0.2"] },
      });
      await t.admin();
      courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      const teacher = await t.user("tina", { firstname: "Tina", lastname: "Teacher" });
      await enrolAs(t, courseId, teacher.id, "editingteacher");
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
      await tool?.close();
    });

    async function login(username: string, javaScriptEnabled = true): Promise<Page> {
      const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1000, height: 760 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
      return page;
    }

    /** The External tool form of the course's first section, with the tool chosen. */
    async function addForm(page: Page): Promise<void> {
      await page.goto(`${base}/course/${courseId}`);
      const editing = page.getByRole("button", { name: "Edit course material" });
      if (await editing.isVisible()) await editing.click();
      await page
        .getByRole("link", { name: /Add course content/ })
        .nth(1)
        .click();
      await page.getByRole("link", { name: "External tool", exact: true }).click();
      await page.getByLabel("Preconfigured tool").selectOption({ label: TOOL_NAME });
    }

    const section1Links = (page: Page) =>
      page.locator('section[aria-labelledby="section-1"] .activity-list > li > a[href^="/mod/"]');

    it("adds the tool by hand as an LTI 1.3 tool with Deep Linking", async () => {
      const page = await login("admin");
      try {
        await page.goto(`${base}/admin/lti/tools/new`);
        await page.getByLabel("LTI version").selectOption("1.3");
        await page.getByLabel("Tool name").fill(TOOL_NAME);
        await page.getByLabel("Tool URL", { exact: true }).fill(`${tool.origin}/launch`);
        await page.getByLabel("Initiate login URL").fill(`${tool.origin}/login`);
        await page.getByLabel("Redirection URI(s)").fill(`${tool.origin}/launch`);
        await page.getByLabel("Public keyset URL").fill(`${tool.origin}/jwks`);
        await page.getByLabel("Supports Deep Linking").check();
        await page.getByLabel("Content selection URL").fill(`${tool.origin}/select`);
        await readmeScreenshot(page, "lti13-manual-form", page.locator('fieldset[data-lti-version="1.3"]'));
        await page.getByRole("button", { name: "Add tool" }).click();
        await page.getByRole("heading", { name: "Tool configuration details" }).waitFor();
        await readmeScreenshot(page, "lti13-tool-configuration-details");
      } finally {
        await page.context().close();
      }
    });

    it("shows the picker in a dialog and adds the three items in order, each opening as it should", async () => {
      const page = await login("tina");
      try {
        await addForm(page);
        await page.getByRole("button", { name: "Select content" }).click();
        const dialog = page.getByRole("dialog", { name: `Select content from ${TOOL_NAME}` });
        await dialog.waitFor();
        const frame = page.frameLocator('iframe[name="lti-deep-linking-frame"]');
        await frame.getByRole("button", { name: "Add these 3 items" }).waitFor();
        assert.equal(new URL(page.url()).pathname, `/course/${courseId}/add/lti`);
        await readmeScreenshot(page, "lti13-deep-linking-dialog");
        await screenshot(page, `deep-linking-dialog-${engine}`);

        // The tool's post into the frame is cross-site: Pluto's session cookie (SameSite=Lax) stays behind.
        const returned = page.waitForRequest((r) => r.url() === `${base}/lti/deep-linking/return`);
        const coursePage = page.waitForRequest((r) => r.url() === `${base}/course/${courseId}`);
        await frame.getByRole("button", { name: "Add these 3 items" }).click();
        const headers = await (await returned).allHeaders();
        assert.equal(headers.origin, tool.origin);
        assert.equal(headers.cookie ?? "", "");
        // ...while the top page's next request carries it.
        assert.notEqual((await (await coursePage).allHeaders()).cookie ?? "", "");
        await page.waitForURL((u) => u.pathname === `/course/${courseId}` && u.hash === "#section-1");
        assert.equal(await dialog.isVisible(), false);
        assert.deepEqual(await section1Links(page).allTextContents(), [
          "Chapter 1 quiz",
          "Chapter 2 quiz",
          "Reading list",
        ]);
        await readmeScreenshot(
          page,
          "lti13-deep-linking-added",
          page.locator('section[aria-labelledby="section-1"]'),
        );
        const hrefs = await section1Links(page).evaluateAll((as) => as.map((a) => a.getAttribute("href")));

        // The two links share the tool's URL and still launch as themselves.
        for (const [i, n] of [
          [0, 1],
          [1, 2],
        ] as const) {
          await page.goto(`${base}${hrefs[i]}`);
          const tf = page.frameLocator("iframe.lti-frame");
          await tf.getByRole("heading", { name: `Launched Chapter ${n} quiz` }).waitFor();
          assert.equal(await tf.locator("#custom").textContent(), `chapter=${n}`);
        }
        await page.goto(`${base}${hrefs[2]}`);
        await page.getByRole("heading", { name: "Reading list" }).waitFor();
        assert.ok(await page.getByText("Read chapters 1 and 2.").isVisible());
      } finally {
        await page.context().close();
      }
    });

    it("closes the dialog and shows the tool's message when nothing is picked", async () => {
      const page = await login("tina");
      try {
        const before = (await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).length;
        await addForm(page);
        await page.getByRole("button", { name: "Select content" }).click();
        const frame = page.frameLocator('iframe[name="lti-deep-linking-frame"]');
        await frame.getByRole("button", { name: "Cancel" }).waitFor();
        // The same message from the page itself (not the dialog's frame) changes nothing.
        await page.evaluate(() =>
          window.postMessage(
            { subject: "pluto.lti.deep-linking.done", kind: "added", href: "/" },
            window.location.origin,
          ),
        );
        await page.waitForTimeout(300);
        assert.equal(new URL(page.url()).pathname, `/course/${courseId}/add/lti`);
        assert.equal(await page.getByRole("dialog").isVisible(), true);
        await frame.getByRole("button", { name: "Cancel" }).click();
        await page.getByRole("status").filter({ hasText: "No chapter was chosen" }).waitFor();
        assert.equal(
          (await page.getByRole("status").filter({ hasText: "No chapter was chosen" }).textContent())?.trim(),
          "Nothing was added: No chapter was chosen",
        );
        assert.equal(await page.getByRole("dialog").isVisible(), false);
        assert.equal(new URL(page.url()).pathname, `/course/${courseId}/add/lti`);
        const after = await listCourseActivities(t.ctx.db, courseId, { includeHidden: true });
        assert.equal(after.length, before);
      } finally {
        await page.context().close();
      }
    });

    it("replaces an activity's link from its edit form, in the dialog", async () => {
      const page = await login("tina");
      try {
        await page.goto(`${base}/course/${courseId}`);
        const first = await section1Links(page).first().getAttribute("href");
        const id = Number(/\/mod\/(\d+)/.exec(first ?? "")?.[1]);
        const before = (await listCourseActivities(t.ctx.db, courseId, { includeHidden: true })).length;
        await page.goto(`${base}/mod/${id}/edit`);
        await page.getByRole("button", { name: "Select content" }).click();
        const frame = page.frameLocator('iframe[name="lti-deep-linking-frame"]');
        await frame.getByRole("button", { name: "Use Chapter 3 quiz" }).click();
        await page.waitForURL((u) => u.pathname === `/course/${courseId}`);
        assert.equal(await section1Links(page).first().textContent(), "Chapter 3 quiz");
        const after = await listCourseActivities(t.ctx.db, courseId, { includeHidden: true });
        assert.equal(after.length, before);
        await page.goto(`${base}/mod/${id}`);
        await page
          .frameLocator("iframe.lti-frame")
          .locator("#custom")
          .filter({ hasText: "chapter=3" })
          .waitFor();
      } finally {
        await page.context().close();
      }
    });

    it("without JavaScript, opens the picker in a new window whose last page says what was added", async () => {
      const page = await login("tina", false);
      try {
        await page.goto(`${base}/course/${courseId}/add/lti?section=1`);
        const option = page.locator("select[name=toolTypeId] option", { hasText: TOOL_NAME });
        const toolTypeId = await option.getAttribute("value");
        await page.goto(`${base}/course/${courseId}/add/lti?section=1&toolTypeId=${toolTypeId}`);
        const [popup] = await Promise.all([
          page.waitForEvent("popup"),
          page.getByRole("button", { name: "Select content" }).click(),
        ]);
        await popup.getByRole("button", { name: "Continue to the tool" }).click();
        await popup.getByRole("button", { name: "Continue to the tool" }).click();
        await popup.getByRole("button", { name: "Add these 3 items" }).click();
        await popup.getByText("3 items added").waitFor();
        await page.goto(`${base}/course/${courseId}`);
        assert.equal(await section1Links(page).count(), 6);
      } finally {
        await page.context().close();
      }
    });
  });
}
