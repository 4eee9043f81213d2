// The LMS core in a real Chromium, only through the UI by visible labels (the admin account is the one
// thing made directly): log in, create a course, "Edit course material" → "Add course content" → Page and
// Quiz, create a student in Site admin → Users, enrol them on Participants, take the quiz as the student,
// see the grade in their Gradebook, and as the admin in the grader report. Every page visited also gets
// an accessibility smoke check: one h1, one main landmark, every form control named.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { freePort } from "../support/processes.js";

const QUESTIONS = [
  "What is 2 + 2?",
  "- 3",
  "* 4",
  "",
  "Which planet is the largest?",
  "* Jupiter",
  "- Mars",
].join("\n");

/** Problems a screen-reader user would meet on the current page (empty when none). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  const h1 = await page.locator("h1").count();
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  const mains = await page.locator("main, [role=main]").count();
  if (mains !== 1) problems.push(`${mains} main landmarks`);
  const controls = page.locator("input:not([type=hidden]), select, textarea");
  for (let i = 0; i < (await controls.count()); i++) {
    const named = await controls.nth(i).evaluate((e) => {
      const el = e as HTMLInputElement;
      const labelled =
        (el.labels?.length ?? 0) > 0 && [...(el.labels ?? [])].some((l) => l.textContent?.trim());
      const byId = el.getAttribute("aria-labelledby");
      return (
        labelled ||
        Boolean(el.getAttribute("aria-label")?.trim()) ||
        Boolean(byId && document.getElementById(byId)?.textContent?.trim())
      );
    });
    if (!named) {
      const html = await controls.nth(i).evaluate((e) => e.outerHTML.slice(0, 120));
      problems.push(`unnamed control ${html}`);
    }
  }
  return problems;
}

for (const engine of testEngines()) {
  describe(`the LMS core in Chromium (${engine})`, () => {
    let t: TestApp;
    let browser: Browser;
    let base: string;
    let context: BrowserContext;
    let page: Page;
    const visited = new Map<string, string[]>();

    /** A screenshot of the step, and the accessibility check of the page it shows. */
    async function step(name: string) {
      await screenshot(page, `core-${name}-${engine}`);
      const path = new URL(page.url()).pathname;
      visited.set(`${name} ${path}`, await accessibilityProblems(page));
    }

    async function logIn(username: string, password: string) {
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    }

    async function logOut() {
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByRole("link", { name: "Log in" }).waitFor();
    }

    /** The breadcrumb trail ends with the page being shown. */
    async function currentCrumb(): Promise<string | null> {
      return page
        .getByRole("navigation", { name: "Breadcrumb" })
        .locator('[aria-current="page"]')
        .textContent();
    }

    async function openCourse() {
      await page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "My courses" }).click();
      await page.getByRole("link", { name: "Introduction to Astronomy" }).first().click();
      await page.getByRole("heading", { level: 1, name: "Introduction to Astronomy" }).waitFor();
    }

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, { listen: { host: "127.0.0.1", port }, config: { publicUrl: base } });
      await t.admin();
      browser = await launchBrowser();
      context = await browser.newContext();
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
    });
    after(async () => {
      await context?.close();
      await browser?.close();
      await t?.close();
    });

    it("lets an admin build a course with a page and a quiz", async () => {
      await page.goto(`${base}/login`);
      await step("01-login");
      await logIn("admin", "password123");

      await page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "My courses" }).click();
      await page.getByRole("link", { name: "Create course" }).click();
      await page.getByLabel("Course full name").fill("Introduction to Astronomy");
      await page.getByLabel("Course short name").fill("ASTRO101");
      await page.getByLabel("Course summary").fill("Stars, planets and everything between.");
      await step("02-new-course");
      await page.getByRole("button", { name: "Create course" }).click();
      await page.getByRole("heading", { level: 1, name: "Introduction to Astronomy" }).waitFor();
      assert.match((await page.getByRole("status").textContent()) ?? "", /created/);

      await page.getByRole("button", { name: "Edit course material" }).click();
      await page.getByRole("button", { name: "Turn editing off" }).waitFor();
      await step("03-editing");
      await page.getByRole("link", { name: "Add course content to General" }).click();
      await step("04-content-picker");
      await page.getByRole("link", { name: "Page", exact: true }).click();
      await page.getByLabel("Activity name").fill("Welcome");
      await page.getByLabel("Page content").fill("<p>Welcome to <strong>astronomy</strong>!</p>");
      await step("05-page-form");
      await page.getByRole("button", { name: "Save and return to course" }).click();
      await page.getByRole("heading", { level: 1, name: "Introduction to Astronomy" }).waitFor();
      await page.getByRole("link", { name: "Welcome", exact: true }).waitFor();

      await page.getByRole("link", { name: "Add course content to Topic 1" }).click();
      await page.getByRole("link", { name: "Quiz", exact: true }).click();
      await page.getByLabel("Activity name").fill("Sky quiz");
      await page.getByLabel("Maximum grade").fill("10");
      await page.getByLabel("Questions").fill(QUESTIONS);
      await step("06-quiz-form");
      await page.getByRole("button", { name: "Save and display" }).click();
      await page.getByRole("heading", { level: 1, name: "Sky quiz" }).waitFor();
      await page.getByRole("table", { name: "Attempts by student" }).waitFor();
      await step("07-quiz-teacher-view");
    });

    it("lets the admin create a student and enrol them on Participants", async () => {
      await page
        .getByRole("navigation", { name: "Site" })
        .getByRole("link", { name: "Site admin", exact: true })
        .click();
      await step("08-site-admin");
      await page.getByRole("main").getByRole("link", { name: "Users", exact: true }).click();
      await page.getByRole("link", { name: "Add a new user" }).click();
      await page.getByLabel("Username").fill("sam");
      await page.getByLabel("Password").fill("correct horse battery");
      await page.getByLabel("First name").fill("Sam");
      await page.getByLabel("Last name").fill("Student");
      await page.getByLabel("Email address").fill("sam@example.org");
      await step("09-new-user");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
      await page.getByRole("link", { name: "sam", exact: true }).waitFor();
      await step("10-users");

      await openCourse();
      await page
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Participants" })
        .click();
      await page.getByRole("link", { name: "Enrol users" }).click();
      await page.getByLabel("Search users").fill("sam");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByLabel(/Sam Student \(sam,/).check();
      await page.getByLabel("Assign role").selectOption({ label: "Student" });
      await step("11-enrol");
      await page.getByRole("button", { name: "Enrol users" }).click();
      await page.getByRole("heading", { level: 1, name: "Participants" }).waitFor();
      assert.equal(await currentCrumb(), "Participants");
      const row = page.getByRole("row", { name: /Sam Student/ });
      assert.match((await row.textContent()) ?? "", /Student/);
      await step("12-participants");
      await logOut();
    });

    it("lets the student take the quiz and see the grade in their gradebook", async () => {
      await logIn("sam", "correct horse battery");
      await openCourse();
      await step("13-student-course");
      await page.getByRole("link", { name: "Sky quiz" }).click();
      await page
        .getByRole("group", { name: /What is 2 \+ 2\?/ })
        .getByLabel("4", { exact: true })
        .check();
      await page
        .getByRole("group", { name: /largest/ })
        .getByLabel("Mars", { exact: true })
        .check();
      await step("14-quiz-attempt");
      await page.getByRole("button", { name: "Submit answers" }).click();
      const flash = page.getByRole("status");
      await flash.waitFor();
      assert.match((await flash.textContent()) ?? "", /5 \/ 10 \(1 of 2 correct\)/);
      assert.match((await page.locator(".grade-box").textContent()) ?? "", /5 \/ 10/);
      await step("15-quiz-result");

      await page
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Gradebook" })
        .click();
      await page.getByRole("heading", { name: "My grades" }).waitFor();
      assert.equal(await currentCrumb(), "Gradebook");
      const quizRow = page.getByRole("row", { name: /Sky quiz/ });
      const cells = await quizRow.getByRole("cell").allTextContents();
      assert.deepEqual(cells.slice(0, 3), ["5", "0–10", "50 %"]);
      await step("16-student-gradebook");
      await logOut();
    });

    it("shows the admin the student's grade in the grader report", async () => {
      await logIn("admin", "password123");
      await openCourse();
      await page
        .getByRole("navigation", { name: "Course admin" })
        .getByRole("link", { name: "Gradebook" })
        .click();
      await page.getByRole("heading", { name: "Grader report" }).waitFor();
      assert.equal(await currentCrumb(), "Gradebook");
      const row = page.getByRole("row", { name: /Sam Student/ });
      const grade = row.getByRole("link", { name: /Sky quiz, Sam Student/ });
      assert.equal((await grade.textContent())?.trim(), "5");
      await step("17-grader-report");
    });

    it("names every form control and gives each page one h1 and one main landmark", async () => {
      assert.ok(visited.size >= 15, `only ${visited.size} pages checked`);
      const failing = [...visited].filter(([, problems]) => problems.length > 0);
      assert.deepEqual(failing, []);
      // The check itself notices what it looks for.
      await page.setContent(
        '<h1>One</h1><h1>Two</h1><label>Named <input name="a"></label><input name="b"><select aria-label="c"></select>',
      );
      const problems = await accessibilityProblems(page);
      assert.equal(problems.length, 3, problems.join("; "));
      assert.match(problems.join(";"), /2 h1 elements;0 main landmarks;unnamed control <input name="b">/);
    });
  });
}
