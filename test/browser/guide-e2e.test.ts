// The whole guide (../shared/seed/lti-integration-process.txt), end to end, in a real Chromium, by its labels and
// with no API shortcuts: two freshly started Pluto sites, the provider on 127.0.0.1 (SQLite) and the consumer on
// 127.0.0.2 (PostgreSQL when the suite has it), so the embedded course is really cross-site for the browser.
//   1. Provider admin: course → "Enrollment methods" → "Add method" → "Publish as LTI tool" → … → "Add method"
//      (the "LTI version" is "Legacy LTI (1.1)" unchosen: the provider has no LTI Advantage platform);
//      "Course admin" → "Published as LTI tools": the Cartridge URL and Secret, read from the page.
//   2. Consumer admin: "Edit course material" → "Add course content" → "External tool" → name, "Automatic, based
//      on tool URL", Cartridge URL → "Show more" → consumer key and secret → "Save and display".
//   3. Testing steps (1)–(4): a test user, enrolled; both admins log out; the test user opens the activity and
//      the provider's course is embedded; on the provider they are a student with the user default values.
//   4. Inside the frame the student takes the provider's quiz; the provider's grade sync runs ("Run now");
//      the grade shows in the consumer's gradebook scaled to the activity's maximum grade.
//   5. A teacher launch from the consumer arrives on the provider with the instructor role.
//   6. All of it twice: Chromium's default context (third-party cookies blocked: only the Partitioned session
//      cookie survives in the frame) and a profile that allows third-party cookies. Then a browser that keeps
//      no cookie in the frame at all: the provider offers "Open the course in a new window", which works.
// The only things not made through the UI are the two site administrators, which exist from start-up.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Browser, type BrowserContext, type Page, request } from "playwright-core";
import type { TestApp } from "../support/app.js";
import { launchBrowser, launchWithThirdPartyCookies } from "../support/browser.js";
import { consumerEngine, logIn, logOut, shot, startSite } from "../support/guide-sites.js";

const ADMIN_PASSWORD = "password123";
const TEST_USER = { username: "tess", password: "test-user-pass-1", first: "Tess", last: "Learner" };
const CONSUMER_KEY = "consumer-site";
const QUESTIONS = [
  "Which planet is closest to the Sun?",
  "* Mercury",
  "- Venus",
  "",
  "Which planet is the largest?",
  "- Mars",
  "* Jupiter",
].join("\n");

type Mode = "default" | "3pc";
const MODES: Array<{ mode: Mode; label: string }> = [
  { mode: "default", label: "Chromium's default context (third-party cookies blocked)" },
  { mode: "3pc", label: "a profile that allows third-party cookies" },
];

/** "My courses" → "Create course"; returns the new course's id. */
async function createCourse(page: Page, fullname: string, shortname: string): Promise<number> {
  await page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "My courses" }).click();
  await page.getByRole("link", { name: "Create course" }).click();
  await page.getByLabel("Course full name").fill(fullname);
  await page.getByLabel("Course short name").fill(shortname);
  await page.getByRole("button", { name: "Create course" }).click();
  await page.getByRole("heading", { level: 1, name: fullname }).waitFor();
  return Number(/\/course\/(\d+)/.exec(page.url())?.[1]);
}

async function openCourse(page: Page, fullname: string) {
  await page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "My courses" }).click();
  await page.getByRole("link", { name: fullname }).first().click();
  await page.getByRole("heading", { level: 1, name: fullname }).waitFor();
}

async function courseAdmin(page: Page, link: string) {
  await page.getByRole("navigation", { name: "Course admin" }).getByRole("link", { name: link }).click();
}

for (const { mode, label } of MODES) {
  describe(`the guide end to end, provider (sqlite) and consumer (${consumerEngine}) in ${label}`, () => {
    let provider: TestApp;
    let consumer: TestApp;
    let pBase: string;
    let cBase: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let pPage: Page; // a tab on the provider site
    let cPage: Page; // a tab on the consumer site
    let activityUrl = "";
    const published = { cartridgeUrl: "", launchUrl: "", secret: "" };
    const snap = (page: Page, name: string) => shot(page, "guide-e2e", `${mode}-${name}`);
    // Each step builds on the one before: after a failure the rest are skipped, not timed out one by one.
    let failed = false;
    const step = (name: string, fn: () => Promise<void>) =>
      it(name, async (tc) => {
        if (failed) return tc.skip("an earlier step failed");
        try {
          await fn();
        } catch (err) {
          failed = true;
          throw err;
        }
      });

    /** The provider's account of a consumer user, by name, with its role in the published course. */
    async function providerAccount(firstname: string) {
      return provider.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .innerJoin("lti_deployments as d", "d.id", "l.deployment_id")
        .leftJoin("role_assignments as r", "r.user_id", "u.id")
        .select(["u.id", "u.auth", "u.country", "u.city", "u.timezone", "u.institution", "r.role"])
        .where("d.consumer_key", "=", CONSUMER_KEY)
        .where("u.firstname", "=", firstname)
        .execute();
    }

    before(async () => {
      ({ t: provider, base: pBase } = await startSite("127.0.0.1", "sqlite"));
      ({ t: consumer, base: cBase } = await startSite("127.0.0.2", consumerEngine));
      if (mode === "default") {
        browser = await launchBrowser();
        context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      } else {
        context = await launchWithThirdPartyCookies();
      }
      context.setDefaultTimeout(15_000);
      pPage = await context.newPage();
      cPage = await context.newPage();
      await pPage.setViewportSize({ width: 1100, height: 800 });
      await cPage.setViewportSize({ width: 1100, height: 800 });
    });
    after(async () => {
      await context?.close();
      await browser?.close();
      await consumer?.close();
      await provider?.close();
    });

    step(
      "provider steps 1–4: publishes a course with a page and a quiz, and reads the Cartridge URL and Secret",
      async () => {
        await logIn(pPage, pBase, "admin", ADMIN_PASSWORD);
        const courseId = await createCourse(pPage, "Astronomy 101", "ASTRO101");
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

        // Step 1: in the course, "Enrollment methods".
        await pPage.getByRole("link", { name: "Enrollment methods" }).click();
        await pPage.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
        await snap(pPage, "01-provider-enrollment-methods");
        // Step 2: "Add method" → "Publish as LTI tool".
        await pPage.getByLabel("Add method").selectOption({ label: "Publish as LTI tool" });
        await pPage.getByRole("button", { name: "Add", exact: true }).click();
        await pPage.getByRole("heading", { name: "Publish as LTI tool", level: 1 }).waitFor();
        // Step 3: name, "Course", roles; the secret; the user default values; "Add method".
        const publish = pPage.getByRole("group", { name: "Publish as LTI tool" });
        await publish.getByLabel("Custom instance name").fill("Consumer site");
        await publish.getByLabel("Tool to be published").selectOption({ label: "Course" });
        // The guide names no LTI version: a site without an LTI Advantage platform starts at Legacy LTI (1.1).
        assert.equal(await publish.getByLabel("LTI version", { exact: true }).inputValue(), "1.1");
        await publish.getByLabel("Role for instructor").selectOption({ label: "Teacher" });
        await publish.getByLabel("Role for learner").selectOption({ label: "Student" });
        const remote = pPage.getByRole("group", { name: "Remote system" });
        assert.match(await remote.getByLabel("Secret").inputValue(), /^[A-Za-z0-9]{32,}$/);
        await remote.getByLabel("Send grades back").selectOption({ label: "Yes" });
        const defaults = pPage.getByRole("group", { name: "User default values" });
        await defaults.getByLabel("Country").fill("NZ");
        await defaults.getByLabel("City/town").fill("Dunedin");
        await defaults.getByLabel("Timezone").fill("Pacific/Auckland");
        await defaults.getByLabel("Institution").fill("Consumer School");
        await snap(pPage, "02-provider-publish-form");
        await pPage.getByRole("button", { name: "Add method" }).click();
        await pPage.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
        await pPage.getByRole("row", { name: /Consumer site/ }).waitFor();
        // Step 4: "Course admin" → "Published as LTI tools".
        await courseAdmin(pPage, "Published as LTI tools");
        await pPage.getByRole("heading", { name: "Published as LTI tools", level: 1 }).waitFor();
        published.cartridgeUrl = await pPage.getByLabel("Cartridge URL").inputValue();
        published.launchUrl = await pPage.getByLabel("Launch URL").inputValue();
        published.secret = await pPage.getByLabel("Secret").inputValue();
        assert.ok(published.cartridgeUrl.startsWith(`${pBase}/enrol/lti/cartridge/`), published.cartridgeUrl);
        assert.ok(published.secret.length >= 32);
        assert.ok(courseId > 0);
        await snap(pPage, "03-provider-published-as-lti-tools");
      },
    );

    step(
      "consumer steps 1–3: adds the External tool from the Cartridge URL and shows the provider's course inside the page",
      async () => {
        await logIn(cPage, cBase, "admin", ADMIN_PASSWORD);
        await createCourse(cPage, "Science", "SCI");
        // Step 1: "Edit course material" → "Add course content" → "External tool".
        await cPage.getByRole("button", { name: "Edit course material" }).click();
        await cPage.getByRole("link", { name: "Add course content to Topic 1" }).click();
        await cPage.getByRole("link", { name: "External tool", exact: true }).click();
        // Step 2: name, automatic configuration, Cartridge URL; "Show more": consumer key and shared secret.
        await cPage.getByLabel("Activity name").fill("Astronomy (from the provider)");
        await cPage.getByLabel("Preconfigured tool").selectOption({ label: "Automatic, based on tool URL" });
        await cPage.getByLabel("Tool URL").fill(published.cartridgeUrl);
        await cPage.getByText("Show more", { exact: true }).click();
        await cPage.getByLabel("Consumer key").fill(CONSUMER_KEY);
        await cPage.getByLabel("Shared secret").fill(published.secret);
        // Step 3: the activity's other settings; a score of 1.0 from the provider is worth 20 here.
        await cPage.getByLabel("Maximum grade").fill("20");
        await snap(cPage, "04-consumer-external-tool-form");
        await cPage.getByRole("button", { name: "Save and display" }).click();
        await cPage.waitForURL(/\/mod\/\d+$/);
        activityUrl = cPage.url();
        const frame = cPage.frameLocator("iframe.lti-frame");
        await frame.getByRole("heading", { name: "Astronomy 101", level: 1 }).waitFor();
        await frame.getByRole("link", { name: "Planets quiz", exact: true }).waitFor();
        await snap(cPage, "05-consumer-save-and-display");
      },
    );

    step(
      "testing steps 1–4: a test user of the consumer sees the provider's course embedded and is a student there",
      async () => {
        // (1) Create a test user and enrol them into the course.
        await cPage
          .getByRole("navigation", { name: "Site" })
          .getByRole("link", { name: "Site admin", exact: true })
          .click();
        await cPage.getByRole("main").getByRole("link", { name: "Users", exact: true }).click();
        await cPage.getByRole("link", { name: "Add a new user" }).click();
        await cPage.getByLabel("Username").fill(TEST_USER.username);
        await cPage.getByLabel("Password").fill(TEST_USER.password);
        await cPage.getByLabel("First name").fill(TEST_USER.first);
        await cPage.getByLabel("Last name").fill(TEST_USER.last);
        await cPage.getByLabel("Email address").fill("tess@consumer.example");
        await cPage.getByRole("button", { name: "Create user" }).click();
        await cPage.getByRole("link", { name: TEST_USER.username, exact: true }).waitFor();
        await openCourse(cPage, "Science");
        await courseAdmin(cPage, "Participants");
        await cPage.getByRole("link", { name: "Enrol users" }).click();
        await cPage.getByLabel("Search users").fill(TEST_USER.username);
        await cPage.getByRole("button", { name: "Search" }).click();
        await cPage
          .getByLabel(new RegExp(`${TEST_USER.first} ${TEST_USER.last} \\(${TEST_USER.username},`))
          .check();
        await cPage.getByLabel("Assign role").selectOption({ label: "Student" });
        await cPage.getByRole("button", { name: "Enrol users" }).click();
        await cPage.getByRole("row", { name: new RegExp(`${TEST_USER.first} ${TEST_USER.last}`) }).waitFor();
        await snap(cPage, "06-consumer-test-user-enrolled");

        // (2) Log out of both admin accounts.
        await logOut(cPage);
        await pPage.goto(`${pBase}/my`);
        await logOut(pPage);

        // (3) Log in as the test user on the consumer; (4) open the course and the activity.
        await logIn(cPage, cBase, TEST_USER.username, TEST_USER.password);
        await openCourse(cPage, "Science");
        await cPage.getByRole("link", { name: "Astronomy (from the provider)", exact: true }).click();
        const frame = cPage.frameLocator("iframe.lti-frame");
        await frame.getByRole("heading", { name: "Astronomy 101", level: 1 }).waitFor();
        await frame.getByRole("link", { name: "Welcome to Astronomy 101", exact: true }).waitFor();
        assert.equal(
          await frame.locator("header.site-header").count(),
          0,
          "embedded without the site header",
        );
        await snap(cPage, "07-test-user-sees-embedded-course");
        const session = (await context.cookies(pBase)).find(
          (c) => c.name === "pluto_session" && c.partitionKey !== undefined,
        );
        assert.equal(
          session?.partitionKey,
          "http://127.0.0.2",
          "the session lives in the consumer's partition",
        );
        assert.equal(session?.sameSite, "None");

        const [account, ...more] = await providerAccount(TEST_USER.first);
        assert.equal(more.length, 0, "one account and one role on the provider");
        assert.deepEqual(account, {
          id: account?.id,
          auth: "lti",
          country: "NZ",
          city: "Dunedin",
          timezone: "Pacific/Auckland",
          institution: "Consumer School",
          role: "student",
        });
      },
    );

    step(
      "testing: the student takes the quiz inside the frame and the synced grade shows in the consumer's gradebook",
      async () => {
        const frame = cPage.frameLocator("iframe.lti-frame");
        await frame.getByRole("link", { name: "Planets quiz", exact: true }).click();
        await frame
          .getByRole("group", { name: /closest to the Sun/ })
          .getByLabel("Mercury", { exact: true })
          .check();
        await frame
          .getByRole("group", { name: /largest/ })
          .getByLabel("Mars", { exact: true })
          .check();
        await snap(cPage, "08-quiz-in-frame");
        await frame.getByRole("button", { name: "Submit answers" }).click();
        const flash = frame.getByRole("status");
        await flash.waitFor();
        assert.match((await flash.textContent()) ?? "", /5 \/ 10/);
        await snap(cPage, "09-quiz-submitted-in-frame");

        // The provider's grade sync: its admin runs it from Site admin → Tasks.
        await logIn(pPage, pBase, "admin", ADMIN_PASSWORD);
        await pPage
          .getByRole("navigation", { name: "Site" })
          .getByRole("link", { name: "Site admin", exact: true })
          .click();
        await pPage.getByRole("main").getByRole("link", { name: "Tasks", exact: true }).click();
        await pPage.getByRole("button", { name: "Run now: lti_provider_grade_sync" }).click();
        const ran = pPage.getByRole("status");
        await ran.waitFor();
        assert.match((await ran.textContent()) ?? "", /lti_provider_grade_sync ran \(ok\).*sent 1/);
        await snap(pPage, "10-provider-grade-sync-ran");
        await logOut(pPage);

        // 5 of 10 on the provider is 0.5, worth 10 of the activity's 20 on the consumer.
        await cPage.goto(activityUrl);
        await courseAdmin(cPage, "Gradebook");
        await cPage.getByRole("heading", { name: "My grades" }).waitFor();
        const row = cPage.getByRole("row", { name: /Astronomy \(from the provider\)/ });
        const cells = await row.getByRole("cell").allTextContents();
        assert.deepEqual(cells.slice(0, 3), ["10", "0–20", "50 %"]);
        await snap(cPage, "11-consumer-gradebook");
        await logOut(cPage);
      },
    );

    step("a teacher launch from the consumer arrives on the provider with the instructor role", async () => {
      await logIn(cPage, cBase, "admin", ADMIN_PASSWORD);
      await cPage.goto(activityUrl);
      const frame = cPage.frameLocator("iframe.lti-frame");
      await frame.getByRole("heading", { name: "Astronomy 101", level: 1 }).waitFor();
      await frame.getByRole("button", { name: "Edit course material" }).waitFor();
      await snap(cPage, "12-teacher-launch");
      const accounts = await providerAccount("Site");
      assert.deepEqual(
        accounts.map((a) => a.role),
        ["editingteacher"],
      );
      await logOut(cPage);
    });

    if (mode === "default") {
      step(
        "a browser that keeps no cookie in the frame is offered the course in a new window, which works",
        async () => {
          // Another browser profile whose frame keeps nothing: the provider's launch answer loses its Set-Cookie.
          const strict = await (browser as Browser).newContext({ viewport: { width: 1100, height: 800 } });
          // Forwarded through a request context of its own: route.fetch() would file the cookie in the
          // browser context's jar.
          const forwarder = await request.newContext();
          try {
            await strict.route(`${pBase}/enrol/lti/launch/**`, async (route) => {
              const sent = route.request();
              const response = await forwarder.fetch(sent.url(), {
                method: sent.method(),
                headers: sent.headers(),
                data: sent.postDataBuffer() ?? undefined,
                maxRedirects: 0,
              });
              const headers = { ...response.headers() };
              delete headers["set-cookie"];
              await route.fulfill({ status: response.status(), headers, body: await response.body() });
            });
            const page = await strict.newPage();
            await logIn(page, cBase, TEST_USER.username, TEST_USER.password);
            await page.goto(activityUrl);
            const frame = page.frameLocator("iframe.lti-frame");
            const open = frame.getByRole("link", { name: "Open the course in a new window" });
            await open.waitFor();
            const inFrame = page.frames().find((f) => f.url().startsWith(pBase));
            assert.match(
              inFrame?.url() ?? "",
              /\/enrol\/lti\/continue\//,
              "the frame stops short of the course",
            );
            const kept = (await strict.cookies(pBase)).map((c) => c.name);
            assert.ok(!kept.includes("pluto_session"), `no provider session cookie was kept: ${kept.join()}`);
            await snap(page, "13-no-cookie-new-window-offered");

            const [popup] = await Promise.all([strict.waitForEvent("page"), open.click()]);
            await popup.setViewportSize({ width: 1100, height: 800 });
            await popup.getByRole("heading", { name: "Astronomy 101", level: 1 }).waitFor();
            assert.ok(popup.url().startsWith(`${pBase}/course/`), popup.url());
            // Logged in on the provider as the test user's account there: the quiz opens with their attempt.
            const site = popup.getByRole("navigation", { name: "Site" });
            await site.getByText(`${TEST_USER.first} ${TEST_USER.last}`).waitFor();
            await popup.getByRole("link", { name: "Planets quiz", exact: true }).click();
            await popup.getByRole("heading", { name: "Planets quiz", level: 1 }).waitFor();
            assert.match((await popup.locator(".grade-box").textContent()) ?? "", /5 \/ 10/);
            await snap(popup, "14-no-cookie-course-in-new-window");
          } finally {
            await forwarder.dispose();
            await strict.close();
          }
        },
      );
    }
  });
}
