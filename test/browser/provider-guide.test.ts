// The guide's provider steps in a real Chromium, by their labels: "Enrollment methods" → "Add method"
// → "Publish as LTI tool" → the "Publish as LTI tool", "Remote system" and "User default values"
// sections → "Add method", word for word on a fresh site (no LTI Advantage platform, so the "LTI version"
// is "Legacy LTI (1.1)" without being chosen); then "Course admin" → "Published as LTI tools" gives the Cartridge URL,
// Launch URL and Secret. To close the loop, a consumer page on 127.0.0.2 (another site) frames an
// auto-posted launch signed with oauth-1.0a, and the published course shows inside the frame in
// Chromium's default context, where third-party cookies are blocked: only the Partitioned session
// cookie can carry the launch.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { addActivity, makeCourse } from "../support/factories.js";
import { freePort } from "../support/fake-lti-tool.js";
import { baseLaunch, signLaunch } from "../support/lti11-consumer.js";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A datetime-local value (UTC) some days from the test clock's now. */
const localDate = (t: TestApp, days: number) =>
  new Date(t.clock.now().getTime() + days * 86400_000).toISOString().slice(0, 16);

interface Consumer {
  origin: string;
  /** The launch to auto-post from the frame: re-signed on every page load (fresh nonce). */
  launch?: () => Record<string, string>;
  launchUrl: string;
  close(): Promise<void>;
}

/** The consumer's course page (an iframe) and the frame's auto-submitting launch form. */
async function startConsumer(host: string): Promise<Consumer> {
  const c: Consumer = { origin: "", launchUrl: "", close: async () => {} };
  const server: Server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
        `<!doctype html><html lang="en"><head><title>Consumer course</title></head><body>
<h1>Consumer LMS: Astronomy</h1>
<iframe title="Published course" src="/launch" style="width:100%;height:700px;border:1px solid #888"></iframe>
</body></html>`,
      );
      return;
    }
    if (req.url === "/launch" && c.launch) {
      const fields = Object.entries(c.launch())
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
        `<!doctype html><html lang="en"><head><title>Launching</title></head><body>
<form id="launch" method="post" action="${escapeHtml(c.launchUrl)}">${fields}<button>Launch</button></form>
<script>document.getElementById("launch").submit()</script></body></html>`,
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  c.origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  c.close = () => new Promise((r) => server.close(() => r()));
  return c;
}

for (const engine of testEngines()) {
  describe(`the guide's provider steps in Chromium (${engine})`, () => {
    let t: TestApp;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let base: string;
    let courseId: number;
    let consumer: Consumer;
    const shot = (name: string) => screenshot(page, `provider-guide-${engine}-${name}`);
    const published = { cartridgeUrl: "", launchUrl: "", secret: "" };

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, { listen: { host: "127.0.0.1", port }, config: { publicUrl: base } });
      await t.admin();
      const course = await makeCourse(t, { fullname: "Night Sky", shortname: "SKY" });
      courseId = course.id;
      await addActivity(t, courseId, {
        type: "page",
        name: "Finding Polaris",
        settings: { content: "<p>Follow the Plough.</p>" },
      });
      consumer = await startConsumer("127.0.0.2");
      browser = await launchBrowser();
      context = await browser.newContext();
      page = await context.newPage();
    });
    after(async () => {
      await browser?.close();
      await consumer?.close();
      await t?.close();
    });

    it("Step 1 and 2: in the course, Enrollment methods → Add method → Publish as LTI tool", async () => {
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
      await page.goto(`${base}/course/${courseId}`);
      await page.getByRole("link", { name: "Enrollment methods" }).click();
      await page.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
      await shot("1-enrollment-methods");
      await page.getByLabel("Add method").selectOption({ label: "Publish as LTI tool" });
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByRole("heading", { name: "Publish as LTI tool", level: 1 }).waitFor();
      await shot("2-add-method-form");
    });

    it('Step 3: fills the "Publish as LTI tool", "Remote system" and "User default values" sections and adds the method', async () => {
      const publish = page.getByRole("group", { name: "Publish as LTI tool" });
      await publish.getByLabel("Custom instance name").fill("Consumer LMS");
      await publish.getByLabel("Tool to be published").selectOption({ label: "Course" });
      // The guide does not name the LTI version: on a site with no LTI Advantage platform a new instance
      // is a Legacy LTI (1.1) one, the guide's consumer key and secret, and the secret shows at once.
      const version = publish.getByLabel("LTI version", { exact: true });
      assert.equal(await version.inputValue(), "1.1", "Legacy LTI (1.1) without an LTI Advantage platform");
      assert.equal(
        (await version.locator("option:checked").textContent())?.trim(),
        "Legacy LTI (1.1)",
        "the select shows Legacy LTI (1.1) chosen",
      );
      assert.equal(await page.getByLabel("Secret").isVisible(), true, "the secret is shown");
      await publish.getByLabel("Enable enrolment period").check();
      await publish.getByLabel("Duration").fill("30");
      await publish.getByLabel("Unit").selectOption({ label: "days" });
      await publish.getByLabel("Enable enrolment start").check();
      await publish.getByLabel("Enrolment start: date and time (UTC)").fill(localDate(t, -1));
      await publish.getByLabel("Enable enrolment end").check();
      await publish.getByLabel("Enrolment end: date and time (UTC)").fill(localDate(t, 365));
      await publish.getByLabel("Maximum enrolled users").fill("50");
      await publish.getByLabel("Role for instructor").selectOption({ label: "Teacher" });
      await publish.getByLabel("Role for learner").selectOption({ label: "Student" });
      await shot("3-publish-section");

      const remote = page.getByRole("group", { name: "Remote system" });
      const secret = await remote.getByLabel("Secret").inputValue();
      assert.match(secret, /^[A-Za-z0-9]{32,}$/, "the generated secret is shown");
      published.secret = secret;
      await remote.getByLabel("Send grades back").selectOption({ label: "Yes" });
      await remote.getByLabel("Grade synchronisation completion required").selectOption({ label: "No" });
      await remote.getByLabel("User synchronisation", { exact: true }).selectOption({ label: "No" });
      await remote
        .getByLabel("User synchronisation mode")
        .selectOption({ label: "Enrol new and unenrol missing users" });
      await remote.scrollIntoViewIfNeeded();
      await shot("4-remote-system");

      const defaults = page.getByRole("group", { name: "User default values" });
      await defaults.getByLabel("Country").fill("NZ");
      await defaults.getByLabel("City/town").fill("Dunedin");
      await defaults.getByLabel("Timezone").fill("Pacific/Auckland");
      await defaults.getByLabel("Preferred language").fill("en");
      await defaults.getByLabel("Institution").fill("Consumer University");
      await defaults.scrollIntoViewIfNeeded();
      await shot("5-user-default-values");

      await page.getByRole("button", { name: "Add method" }).click();
      await page.getByRole("heading", { name: "Enrollment methods", level: 1 }).waitFor();
      const row = page.getByRole("row", { name: /Consumer LMS/ });
      await row.waitFor();
      const text = (await row.textContent()) ?? "";
      assert.match(text, /Publish as LTI tool/);
      assert.match(text, /Enrolment period: 30 days/);
      assert.match(text, /At most 50 users/);
      await shot("6-method-added");
    });

    it('Step 4: "Course admin" → "Published as LTI tools" gives the Cartridge URL, Launch URL and Secret', async () => {
      await page
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Published as LTI tools" })
        .click();
      await page.getByRole("heading", { name: "Published as LTI tools", level: 1 }).waitFor();
      published.cartridgeUrl = await page.getByLabel("Cartridge URL").inputValue();
      published.launchUrl = await page.getByLabel("Launch URL").inputValue();
      assert.equal(await page.getByLabel("Secret").inputValue(), published.secret);
      assert.match(published.launchUrl, new RegExp(`^${base}/enrol/lti/launch/[0-9a-f-]{36}$`));
      assert.match(
        published.cartridgeUrl,
        new RegExp(`^${base}/enrol/lti/cartridge/[0-9a-f-]{36}/cartridge.xml$`),
      );
      assert.equal(
        await page.getByRole("button", { name: "Copy" }).count(),
        3,
        "copy buttons shown with JavaScript",
      );
      await shot("7-published-as-lti-tools");
      const xml = await (await fetch(published.cartridgeUrl)).text();
      assert.ok(xml.includes(`<blti:launch_url>${published.launchUrl}</blti:launch_url>`));
    });

    it("a consumer on another site frames a signed launch and the published course shows inside the frame", async () => {
      consumer.launchUrl = published.launchUrl;
      let n = 0;
      consumer.launch = () =>
        signLaunch(
          published.launchUrl,
          "consumer-lms",
          published.secret,
          baseLaunch({
            user_id: `learner-${engine}`,
            lis_person_name_given: "Lena",
            lis_person_name_family: "Learner",
            lis_person_name_full: "Lena Learner",
            launch_presentation_return_url: `${consumer.origin}/`,
          }),
          {
            timestamp: Math.floor(t.clock.now().getTime() / 1000),
            nonce: `guide-${engine}-${++n}-${Date.now()}`,
          },
        );
      // A fresh context: the learner has never visited Pluto, so nothing but the framed launch logs them in.
      const learner = await browser.newContext();
      const consumerPage = await learner.newPage();
      try {
        await consumerPage.goto(`${consumer.origin}/`);
        const frame = consumerPage.frameLocator('iframe[title="Published course"]');
        await frame.getByRole("heading", { name: "Night Sky", level: 1 }).waitFor({ timeout: 15_000 });
        await frame.getByRole("link", { name: "Finding Polaris" }).waitFor();
        assert.equal(await frame.locator("header.site-header").count(), 0, "embedded: no site header");
        await frame.getByRole("link", { name: "Return to course" }).waitFor();
        await consumerPage.waitForTimeout(200);
        await screenshot(consumerPage, `provider-guide-${engine}-8-course-in-consumer-frame`);
        // Inside the frame the session goes on: the learner opens an activity of the course.
        await frame.getByRole("link", { name: "Finding Polaris" }).click();
        await frame.getByText("Follow the Plough.").waitFor();
        await screenshot(consumerPage, `provider-guide-${engine}-9-activity-in-consumer-frame`);

        const cookies = await learner.cookies(base);
        const session = cookies.find((c) => c.name === "pluto_session");
        assert.ok(session, "the session cookie was kept");
        assert.equal(session.sameSite, "None");
        assert.equal(session.secure, true);
        assert.equal(session.partitionKey, "http://127.0.0.2", "kept in the consumer site's partition");
        const user = await t.ctx.db
          .selectFrom("lti_user_links as l")
          .innerJoin("users as u", "u.id", "l.user_id")
          .select(["u.firstname", "u.country", "u.city"])
          .where("l.remote_user_id", "=", `learner-${engine}`)
          .executeTakeFirstOrThrow();
        assert.deepEqual(user, { firstname: "Lena", country: "NZ", city: "Dunedin" });
      } finally {
        await learner.close();
      }
    });
  });
}
