// The guide's consumer steps in a real Chromium, by their labels: "Edit course material" → "Add course content" →
// "External tool" → name, "Automatic, based on tool URL", the Cartridge URL → "Show more" → consumer key and
// shared secret → "Save and display" → the tool's page inside the frame. Pluto runs on 127.0.0.1 and the
// independent ims-lti tool on 127.0.0.2, so the frame is cross-site as in a real deployment.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { findActivityItem, findGrade } from "../../src/features/grades/grades.service.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { ARTIFACTS, launchBrowser, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { call, cartridgeXml, type FakeTool, freePort, startFakeTool } from "../support/fake-lti-tool.js";

const KEY = "guide-key";

/** A viewport screenshot: a full-page one resizes the viewport, and the cross-site frame then paints late. */
async function frameShot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
const SECRET = "guide-secret";

for (const engine of testEngines()) {
  describe(`the guide's consumer steps in Chromium (${engine})`, () => {
    let t: TestApp;
    let tool: FakeTool;
    let browser: Browser;
    let base: string;
    let courseId: number;
    let studentId: number;

    before(async () => {
      tool = await startFakeTool({ host: "127.0.0.2", key: KEY, secret: SECRET });
      tool.docs.set("/lti/cartridge.xml", {
        type: "application/xml",
        body: cartridgeXml({
          title: "Partner Course",
          description: "A course from the provider",
          launchUrl: tool.launchUrl,
        }),
      });
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: base, outboundAllow: ["127.0.0.2"] },
      });
      const course = await makeCourse(t, { fullname: "Guide course", shortname: "GUIDE" });
      courseId = course.id;
      const teacher = await t.user("grace", { firstname: "Grace", lastname: "Teacher" });
      const student = await t.user("stan", { firstname: "Stan", lastname: "Learner" });
      studentId = student.id;
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, student.id, "student");
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
      await tool?.close();
    });

    async function login(username: string, javaScriptEnabled = true) {
      const context = await browser.newContext({
        javaScriptEnabled,
        viewport: { width: 1280, height: 1000 },
      });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
      return { context, page };
    }

    let activityUrl = "";

    it("adds the tool from its cartridge URL and shows the provider's content inside the course", async () => {
      const { context, page } = await login("grace");
      try {
        await page.goto(`${base}/course/${courseId}`);
        await page.getByRole("button", { name: "Edit course material" }).click();
        await page
          .getByRole("link", { name: /Add course content/ })
          .nth(1)
          .click();
        await page.getByRole("link", { name: "External tool", exact: true }).click();
        await page.getByLabel("Activity name").fill("Partner course");
        await page.getByLabel("Preconfigured tool").selectOption({ label: "Automatic, based on tool URL" });
        await page.getByLabel("Tool URL").fill(`${tool.origin}/lti/cartridge.xml`);
        await page.getByText("Show more", { exact: true }).click();
        await page.getByLabel("Consumer key").fill(KEY);
        await page.getByLabel("Shared secret").fill(SECRET);
        await screenshot(page, "consumer-guide-1-form");
        await page.getByRole("button", { name: "Save and display" }).click();
        await page.waitForURL(/\/mod\/\d+$/);
        activityUrl = page.url();
        const frame = page.frameLocator("iframe.lti-frame");
        await frame.getByRole("heading", { name: "Launch OK" }).waitFor({ timeout: 15_000 });
        assert.equal(await frame.locator("#role").textContent(), "Instructor");
        await frameShot(page, "consumer-guide-2-teacher-view");
        const launch = tool.launches.at(-1);
        assert.ok(launch?.valid, launch?.error);
        assert.equal(launch.params.resource_link_title, "Partner course");
      } finally {
        await context.close();
      }
    });

    it("shows a learner the embedded tool, and a grade from the tool reaches the gradebook", async () => {
      const { context, page } = await login("stan");
      try {
        await page.goto(activityUrl);
        const frame = page.frameLocator("iframe.lti-frame");
        await frame.getByRole("heading", { name: "Launch OK" }).waitFor({ timeout: 15_000 });
        assert.equal(await frame.locator("#who").textContent(), "Hello Stan Learner");
        await frameShot(page, "consumer-guide-3-learner-view");
        const launch = tool.launches.at(-1);
        assert.ok(launch?.valid && launch.provider.outcome_service);
        const outcomes = launch.provider.outcome_service;
        assert.equal(await call<boolean>((cb) => outcomes.send_replace_result(0.75, cb)), true);
        const activityId = Number(/\/mod\/(\d+)$/.exec(activityUrl)?.[1]);
        const item = await findActivityItem(t.ctx.db, activityId);
        assert.equal((await findGrade(t.ctx.db, item?.id ?? 0, studentId))?.grade, 75);
      } finally {
        await context.close();
      }
    });

    it("launches without JavaScript through the visible Continue to the tool button", async () => {
      const { context, page } = await login("stan", false);
      try {
        await page.goto(activityUrl);
        const frame = page.frameLocator("iframe.lti-frame");
        await frame.getByRole("button", { name: "Continue to the tool" }).click();
        await frame.getByRole("heading", { name: "Launch OK" }).waitFor({ timeout: 15_000 });
        assert.ok(tool.launches.at(-1)?.valid);
      } finally {
        await context.close();
      }
    });
  });
}
