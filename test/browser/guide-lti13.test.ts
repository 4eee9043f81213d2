// The guide on LTI 1.3 (LTI Advantage) between two Pluto sites, end to end, in a real Chromium with third-party
// cookies blocked (Chromium's default context), by the pages' labels. Two freshly started sites per way of
// registering: the provider (Pluto as the LTI tool) on 127.0.0.1 (SQLite) and the consumer (Pluto as the LTI
// platform) on 127.0.0.2 (PostgreSQL when the suite has it), so every frame is really cross-site.
//   1. Provider admin: a course with a page and a quiz → "Enrollment methods" → "Add method" → "Publish as LTI
//      tool", "LTI version" "LTI Advantage", "User synchronisation" Yes; "Published as LTI tools" shows the
//      Launch URL, the Custom parameter and the Deep linking URL.
//   2. Registration, one of two ways:
//      A. Dynamic Registration: the provider's "Make a registration URL" (LTI Advantage platforms); the
//         consumer's "Tool URL" + "Add LTI Advantage" opens it in a dialog, the provider registers itself and
//         the dialog closes; the consumer's admin presses "Activate"; the provider's platform is Active with
//         the deployment the consumer gave.
//      B. By hand: the consumer's "Add an external tool" (LTI 1.3) with the provider's Tool details, then the
//         provider's "Register a platform" with the consumer's Tool configuration details; Active on both.
//   3. A consumer teacher: "Add course content" → "External tool" → the tool → "Select content": the
//      provider's picker in the consumer's dialog; the quiz and the page at once → two External tool
//      activities in the consumer's course.
//   4. A consumer student opens the quiz activity: the provider's quiz in the frame; takes it; the provider's
//      grade sync ("Run now") sends it by AGS; the consumer's gradebook shows it.
//   5. The provider's member sync ("Run now") reads the consumer's course by NRPS: a student of the consumer
//      who never launched is enrolled on the provider.
// The site administrators exist from start-up; the consumer's course, teacher and students are made by
// factories (the 1.1 guide test makes them through the UI already). With PLUTO_SCREENSHOTS=1 the dynamic
// registration run renews the README's pictures of this guide (docs/screenshots/guide-lti13-*.png).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { TestApp } from "../support/app.js";
import { launchBrowser, readmeScreenshot } from "../support/browser.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { consumerEngine, logIn, logOut, shot, startSite } from "../support/guide-sites.js";

const ADMIN_PASSWORD = "password123";
const USER_PASSWORD = "password123";
const QUESTIONS = [
  "Which planet is closest to the Sun?",
  "* Mercury",
  "- Venus",
  "",
  "Which planet is the largest?",
  "- Mars",
  "* Jupiter",
].join("\n");
const MANUAL_TOOL_NAME = "Astronomy on the provider";

type Way = "dynamic" | "manual";
const WAYS: Array<{ way: Way; label: string }> = [
  { way: "dynamic", label: "registered by Dynamic Registration" },
  { way: "manual", label: "registered by hand on both sides" },
];

/** Site admin → a page of the admin index, by its link. */
async function siteAdmin(page: Page, link: string) {
  await page
    .getByRole("navigation", { name: "Site" })
    .getByRole("link", { name: "Site admin", exact: true })
    .click();
  await page.getByRole("main").getByRole("link", { name: link, exact: true }).click();
  await page.getByRole("heading", { name: link, level: 1 }).waitFor();
}

/** The value of a field with a Copy button (its button is labelled "Copy <label>"). */
const copied = (scope: Page | Locator, label: string) =>
  scope.getByRole("textbox", { name: label, exact: true }).inputValue();

/** Site admin → Tasks → "Run now" of a task; the status line it reports. */
async function runTask(page: Page, name: string): Promise<string> {
  await siteAdmin(page, "Tasks");
  await page.getByRole("button", { name: `Run now: ${name}` }).click();
  const ran = page.getByRole("status");
  await ran.waitFor();
  return (await ran.textContent()) ?? "";
}

for (const { way, label } of WAYS) {
  describe(`the LTI 1.3 guide end to end, ${label}: provider (sqlite), consumer (${consumerEngine})`, () => {
    let provider: TestApp;
    let consumer: TestApp;
    let pBase: string;
    let cBase: string;
    let browser: Browser;
    let context: BrowserContext;
    let pPage: Page; // a tab on the provider site
    let cPage: Page; // a tab on the consumer site
    let cCourseId = 0;
    let toolName = MANUAL_TOOL_NAME;
    const published = { launchUrl: "", custom: "", deepLinkingUrl: "" };
    const activityUrls = new Map<string, string>();
    const snap = (page: Page, name: string) => shot(page, "guide-lti13", `${way}-${name}`);
    const readme = (page: Page, name: string, through?: Parameters<typeof readmeScreenshot>[2]) =>
      way === "dynamic" ? readmeScreenshot(page, `guide-lti13-${name}`, through) : Promise.resolve();
    // Each step builds on the one before: after a failure the rest are skipped, not timed out one by one.
    let failed = false;
    const step = (name: string, fn: () => Promise<void>) =>
      it(name, async (tc) => {
        if (failed) return tc.skip("an earlier step failed");
        try {
          await fn();
        } catch (err) {
          failed = true;
          await Promise.all([snap(pPage, "failed-provider"), snap(cPage, "failed-consumer")]).catch(() => {});
          throw err;
        }
      });

    /** The provider's accounts of consumer users with their role in a course, by first name. */
    async function providerRoles(firstname: string): Promise<string[]> {
      const rows = await provider.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .leftJoin("role_assignments as r", "r.user_id", "u.id")
        .select(["u.id", "r.role"])
        .where("u.firstname", "=", firstname)
        .execute();
      return rows.map((r) => r.role ?? "none");
    }

    before(async () => {
      ({ t: provider, base: pBase } = await startSite("127.0.0.1", "sqlite"));
      ({ t: consumer, base: cBase } = await startSite("127.0.0.2", consumerEngine));
      cCourseId = (await makeCourse(consumer, { fullname: "Science", shortname: "SCI" })).id;
      const teacher = await consumer.user("tina", { firstname: "Tina", lastname: "Teacher" });
      const student = await consumer.user("tess", { firstname: "Tess", lastname: "Learner" });
      const quiet = await consumer.user("sam", { firstname: "Sam", lastname: "Quiet" });
      await enrolAs(consumer, cCourseId, teacher.id, "editingteacher");
      await enrolAs(consumer, cCourseId, student.id, "student");
      await enrolAs(consumer, cCourseId, quiet.id, "student");
      browser = await launchBrowser();
      context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      context.setDefaultTimeout(15_000);
      pPage = await context.newPage();
      cPage = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await browser?.close();
      await consumer?.close();
      await provider?.close();
    });

    step("provider: publishes a course with a page and a quiz as an LTI Advantage tool", async () => {
      await logIn(pPage, pBase, "admin", ADMIN_PASSWORD);
      await pPage.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "My courses" }).click();
      await pPage.getByRole("link", { name: "Create course" }).click();
      await pPage.getByLabel("Course full name").fill("Astronomy 101");
      await pPage.getByLabel("Course short name").fill("ASTRO101");
      await pPage.getByRole("button", { name: "Create course" }).click();
      await pPage.getByRole("heading", { level: 1, name: "Astronomy 101" }).waitFor();
      await pPage.getByRole("button", { name: "Edit course material" }).click();
      await pPage.getByRole("link", { name: "Add course content to General" }).click();
      await pPage.getByRole("link", { name: "Page", exact: true }).click();
      await pPage.getByLabel("Activity name").fill("Welcome to Astronomy 101");
      await pPage.getByLabel("Page content").fill("<p>This course lives on the provider site.</p>");
      await pPage.getByRole("button", { name: "Save and return to course" }).click();
      await pPage.getByRole("link", { name: "Add course content to Topic 1" }).click();
      await pPage.getByRole("link", { name: "Quiz", exact: true }).click();
      await pPage.getByLabel("Activity name").fill("Planets quiz");
      await pPage.getByLabel("Maximum grade").fill("10");
      await pPage.getByLabel("Questions").fill(QUESTIONS);
      await pPage.getByRole("button", { name: "Save and return to course" }).click();
      await pPage.getByRole("link", { name: "Planets quiz", exact: true }).waitFor();
      await pPage.getByRole("button", { name: "Turn editing off" }).click();

      await pPage.getByRole("link", { name: "Enrollment methods" }).click();
      await pPage.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
      await pPage.getByLabel("Add method").selectOption({ label: "Publish as LTI tool" });
      await pPage.getByRole("button", { name: "Add", exact: true }).click();
      await pPage.getByRole("heading", { name: "Publish as LTI tool", level: 1 }).waitFor();
      const publish = pPage.getByRole("group", { name: "Publish as LTI tool" });
      await publish.getByLabel("Custom instance name").fill("Consumer site");
      await publish.getByLabel("Tool to be published").selectOption({ label: "Course" });
      await publish.getByLabel("LTI version", { exact: true }).selectOption({ label: "LTI Advantage" });
      await publish.getByLabel("Role for instructor").selectOption({ label: "Teacher" });
      await publish.getByLabel("Role for learner").selectOption({ label: "Student" });
      const remote = pPage.getByRole("group", { name: "Remote system" });
      assert.equal(
        await remote.getByLabel("Secret").isVisible(),
        false,
        "an LTI Advantage instance has no secret",
      );
      await remote.getByLabel("Send grades back").selectOption({ label: "Yes" });
      await remote.getByLabel("User synchronisation", { exact: true }).selectOption({ label: "Yes" });
      await snap(pPage, "01-provider-publish-form");
      await pPage.getByRole("button", { name: "Add method" }).click();
      await pPage.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
      await pPage.getByRole("row", { name: /Consumer site/ }).waitFor();

      await pPage
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Published as LTI tools" })
        .click();
      await pPage.getByRole("heading", { name: "Published as LTI tools", level: 1 }).waitFor();
      published.launchUrl = await pPage.getByLabel("Launch URL").inputValue();
      published.custom = await pPage.getByLabel("Custom parameter").inputValue();
      published.deepLinkingUrl = await pPage.getByLabel("Deep linking URL").inputValue();
      assert.equal(published.launchUrl, `${pBase}/lti/tool/launch`);
      assert.match(published.custom, /^id=[0-9a-f-]{36}$/);
      assert.equal(published.deepLinkingUrl, `${pBase}/lti/tool/deep-linking`);
      await snap(pPage, "02-provider-published-as-lti-tools");
      await readme(pPage, "published");
    });

    if (way === "dynamic") {
      step("dynamic registration: the consumer registers the provider by its Registration URL", async () => {
        await siteAdmin(pPage, "LTI Advantage platforms");
        await pPage.getByRole("button", { name: "Make a registration URL" }).click();
        const registrationUrl = await pPage.getByRole("textbox", { name: "Registration URL" }).inputValue();
        assert.ok(registrationUrl.startsWith(`${pBase}/lti/tool/register/`), registrationUrl);
        await pPage.getByRole("button", { name: "Copy Registration URL" }).waitFor();
        await snap(pPage, "03-provider-registration-url");
        await readme(pPage, "registration-url");

        await logIn(cPage, cBase, "admin", ADMIN_PASSWORD);
        await siteAdmin(cPage, "External Sources / LTI");
        await cPage.getByLabel("Tool URL").fill(registrationUrl);
        await cPage.getByRole("button", { name: "Add LTI Advantage" }).click();
        // The provider's Registered page, in the consumer's dialog, closes it by itself.
        await cPage.waitForURL((u) => u.pathname === "/admin/lti/tools", { timeout: 20_000 });
        const row = cPage.getByRole("row").filter({ has: cPage.getByRole("button", { name: "Activate" }) });
        toolName = ((await row.getByRole("rowheader").textContent()) ?? "").trim();
        assert.notEqual(toolName, "");
        await row.getByRole("button", { name: "Activate" }).click();
        await cPage.getByRole("row").filter({ hasText: toolName }).waitFor();
        assert.equal(await cPage.getByRole("button", { name: "Activate" }).count(), 0, "the tool is active");
        await snap(cPage, "04-consumer-tool-registered");

        await pPage.reload();
        const platform = pPage.getByRole("row", { name: /127\.0\.0\.2/ });
        assert.match((await platform.textContent()) ?? "", /Active/);
        await cPage.getByRole("link", { name: `Tool configuration details of ${toolName}` }).click();
        const deploymentId = await copied(cPage, "Deployment ID");
        const cells = await platform.getByRole("cell").allTextContents();
        assert.ok(cells.includes(deploymentId), `${cells.join(" | ")} has ${deploymentId}`);
        await logOut(cPage);
      });
    } else {
      step(
        "by hand: the consumer adds the provider's Tool details, the provider the consumer's",
        async () => {
          await siteAdmin(pPage, "LTI Advantage platforms");
          await pPage.getByRole("link", { name: "Register a platform" }).click();
          const tool = pPage.getByRole("group", { name: "Tool details" });
          const toolDetails = {
            toolUrl: await copied(tool, "Tool URL"),
            login: await copied(tool, "Initiate login URL"),
            redirect1: await copied(tool, "Redirection URI 1"),
            redirect2: await copied(tool, "Redirection URI 2"),
            keyset: await copied(tool, "Public keyset URL"),
            deepLinking: await copied(tool, "Deep linking URL"),
          };

          await logIn(cPage, cBase, "admin", ADMIN_PASSWORD);
          await siteAdmin(cPage, "External Sources / LTI");
          await cPage.getByRole("link", { name: "Add an external tool" }).click();
          await cPage.getByLabel("LTI version").selectOption({ label: "LTI 1.3" });
          await cPage.getByLabel("Tool name").fill(MANUAL_TOOL_NAME);
          await cPage.getByLabel("Tool URL", { exact: true }).fill(toolDetails.toolUrl);
          await cPage.getByLabel("Initiate login URL").fill(toolDetails.login);
          await cPage
            .getByLabel("Redirection URI(s)")
            .fill(`${toolDetails.redirect1}\n${toolDetails.redirect2}`);
          await cPage.getByLabel("Public keyset URL").fill(toolDetails.keyset);
          await cPage.getByLabel("Supports Deep Linking").check();
          await cPage.getByLabel("Content selection URL").fill(toolDetails.deepLinking);
          await cPage.getByLabel("IMS LTI Assignment and Grade Services").check();
          await cPage.getByLabel("IMS LTI Names and Role Provisioning").check();
          await snap(cPage, "03-consumer-manual-tool");
          await cPage.getByRole("button", { name: "Add tool" }).click();
          await cPage.getByRole("heading", { name: "Tool configuration details" }).waitFor();
          const platformDetails = {
            issuer: await copied(cPage, "Platform ID"),
            clientId: await copied(cPage, "Client ID"),
            deploymentId: await copied(cPage, "Deployment ID"),
            keyset: await copied(cPage, "Public keyset URL"),
            auth: await copied(cPage, "Authentication request URL"),
            token: await copied(cPage, "Access token URL"),
          };
          assert.match((await cPage.getByRole("main").textContent()) ?? "", /LTI 1\.3 · Active/);
          await logOut(cPage);

          await pPage.getByLabel("Platform name").fill("Consumer site");
          const details = pPage.getByRole("group", { name: "Platform details" });
          await details.getByLabel("Platform ID").fill(platformDetails.issuer);
          await details.getByLabel("Client ID").fill(platformDetails.clientId);
          await details.getByLabel("Authentication request URL").fill(platformDetails.auth);
          await details.getByLabel("Public keyset URL").fill(platformDetails.keyset);
          await details.getByLabel("Access token URL").fill(platformDetails.token);
          await pPage.getByLabel("Deployment IDs").fill(platformDetails.deploymentId);
          await snap(pPage, "04-provider-register-platform");
          await pPage.getByRole("button", { name: "Register platform" }).click();
          await pPage.getByRole("heading", { name: "Platform Consumer site", level: 1 }).waitFor();
          assert.match((await pPage.getByRole("main").textContent()) ?? "", /Status: Active/);
        },
      );
    }

    step("a consumer teacher adds the quiz and the page at once by Select content", async () => {
      await pPage.goto(`${pBase}/my`);
      await logOut(pPage);
      await logIn(cPage, cBase, "tina", USER_PASSWORD);
      await cPage.goto(`${cBase}/course/${cCourseId}`);
      await cPage.getByRole("button", { name: "Edit course material" }).click();
      await cPage.getByRole("link", { name: "Add course content to Topic 1" }).click();
      await cPage.getByRole("link", { name: "External tool", exact: true }).click();
      await cPage.getByLabel("Preconfigured tool").selectOption({ label: toolName });
      await cPage.getByRole("button", { name: "Select content" }).click();
      const frame = cPage.frameLocator('iframe[name="lti-deep-linking-frame"]');
      await frame.getByRole("heading", { name: "Select content from Pluto" }).waitFor();
      await frame.getByLabel("Planets quiz (graded out of 10)").check();
      await frame.getByLabel("Welcome to Astronomy 101", { exact: true }).check();
      await snap(cPage, "05-consumer-deep-linking-picker");
      await readme(cPage, "picker");
      await frame.getByRole("button", { name: "Add selected" }).click();
      await cPage.waitForURL((u) => u.pathname === `/course/${cCourseId}`);
      const links = cPage.locator('.activity-list > li > a[href^="/mod/"]');
      await links.first().waitFor();
      const names = await links.allTextContents();
      assert.deepEqual([...names].sort(), ["Planets quiz", "Welcome to Astronomy 101"]);
      for (const name of names)
        activityUrls.set(
          name,
          (await cPage.getByRole("link", { name, exact: true }).getAttribute("href")) ?? "",
        );
      await snap(cPage, "06-consumer-two-activities");
      await logOut(cPage);
    });

    step("a consumer student takes the quiz in the frame; the grade comes back by AGS", async () => {
      await logIn(cPage, cBase, "tess", USER_PASSWORD);
      const frame = cPage.frameLocator("iframe.lti-frame");
      // Each link lands on its own activity of the published course.
      await cPage.goto(`${cBase}${activityUrls.get("Welcome to Astronomy 101")}`);
      await frame.getByText("This course lives on the provider site.").waitFor();
      await cPage.goto(`${cBase}${activityUrls.get("Planets quiz")}`);
      await frame.getByRole("heading", { name: "Planets quiz", level: 1 }).waitFor();
      const session = (await context.cookies(pBase)).find(
        (c) => c.name === "pluto_session" && c.partitionKey !== undefined,
      );
      assert.equal(
        session?.partitionKey,
        "http://127.0.0.2",
        "the session lives in the consumer's partition",
      );
      await frame
        .getByRole("group", { name: /closest to the Sun/ })
        .getByLabel("Mercury", { exact: true })
        .check();
      await frame
        .getByRole("group", { name: /largest/ })
        .getByLabel("Mars", { exact: true })
        .check();
      await snap(cPage, "07-quiz-in-frame");
      await readme(cPage, "quiz-in-frame");
      await frame.getByRole("button", { name: "Submit answers" }).click();
      const flash = frame.getByRole("status");
      await flash.waitFor();
      assert.match((await flash.textContent()) ?? "", /5 \/ 10/);
      assert.deepEqual(await providerRoles("Tess"), ["student"]);

      await logIn(pPage, pBase, "admin", ADMIN_PASSWORD);
      assert.match(await runTask(pPage, "lti_provider_grade_sync"), /lti_provider_grade_sync ran \(ok\)/);

      await cPage.goto(`${cBase}${activityUrls.get("Planets quiz")}`);
      await cPage
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Gradebook" })
        .click();
      await cPage.getByRole("heading", { name: "My grades" }).waitFor();
      const row = cPage.getByRole("row", { name: /Planets quiz/ });
      const cells = await row.getByRole("cell").allTextContents();
      assert.deepEqual(cells.slice(0, 3), ["5", "0–10", "50 %"]);
      // The page came without a line item: no column of its own, nothing against the course total.
      assert.equal(await cPage.getByRole("row", { name: /Welcome to Astronomy 101/ }).count(), 0);
      const total = await cPage
        .getByRole("row", { name: /Course total/ })
        .getByRole("cell")
        .allTextContents();
      assert.deepEqual(total.slice(0, 3), ["5", "0–10", "50 %"]);
      await snap(cPage, "08-consumer-gradebook");
      await readme(cPage, "gradebook");
      await logOut(cPage);
    });

    step("the provider's member sync enrols the consumer's course members by NRPS", async () => {
      assert.deepEqual(await providerRoles("Sam"), [], "Sam never launched");
      const ran = await runTask(pPage, "lti_provider_member_sync");
      assert.match(ran, /lti_provider_member_sync ran \(ok\)/);
      assert.deepEqual(await providerRoles("Sam"), ["student"]);
      assert.deepEqual(await providerRoles("Tess"), ["student"]);
      await logOut(pPage);
    });
  });
}
