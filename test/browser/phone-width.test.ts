// Pluto on a phone: in Chromium at 390 px wide (an iPhone 14's CSS width), every page checked here
// fits the screen (nothing wider than the viewport, so no sideways scrolling of the whole page), the
// header wraps instead of cutting off "Log out", which stays on screen and clickable, and a wide
// table scrolls inside its own box. Names are long on purpose: a long user name in the header, long
// activity names in the gradebook.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { updateUserProfile } from "../../src/features/users/users.service.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { addActivity, enrolAs, makeCourse, quizSettings } from "../support/factories.js";
import { freePort } from "../support/processes.js";

const WIDTH = 390;

interface Fit {
  viewport: number;
  pageWidth: number;
  /** Elements (other than inside a scrolling box) whose right edge is past the viewport. */
  sticking: string[];
  logOut: { left: number; right: number; top: number; bottom: number; onTop: boolean } | null;
}

/** How the page sits in the viewport, measured in the page. */
function measure(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const scrollsSideways = (e: Element) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
    const insideScroller = (e: Element) => {
      for (let p = e.parentElement; p; p = p.parentElement) if (scrollsSideways(p)) return true;
      return false;
    };
    const sticking = [...document.body.querySelectorAll("*")]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > viewport + 0.5 && !insideScroller(e);
      })
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className)}` : ""}`)
      .slice(0, 5);
    const button = [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Log out");
    let logOut: Fit["logOut"] = null;
    if (button) {
      const r = button.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      logOut = { left: r.left, right: r.right, top: r.top, bottom: r.bottom, onTop: hit === button };
    }
    return {
      viewport,
      pageWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
      sticking,
      logOut,
    };
  });
}

for (const engine of testEngines()) {
  describe(`Pluto at phone width, ${WIDTH} px (${engine})`, () => {
    let t: TestApp;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let base: string;
    const pages: Array<[string, string]> = [];

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, { listen: { host: "127.0.0.1", port }, config: { publicUrl: base } });
      const admin = await t.admin();
      await updateUserProfile(
        t.ctx.db,
        t.clock,
        admin.id,
        { firstname: "Maximiliana", lastname: "Featherstonehaugh-Worthington" },
        { admin: true },
      );
      const course = await makeCourse(t, {
        fullname: "Introduction to Observational Astronomy and Astrophotography",
        shortname: "ASTRO-OBS-101",
      });
      for (let i = 1; i <= 3; i++) {
        const s = await t.user(`student${i}`, {
          firstname: `Bartholomew${i}`,
          lastname: "Montgomery-Fitzgerald",
          email: `bartholomew.montgomery-fitzgerald.${i}@students.example.edu`,
        });
        await enrolAs(t, course.id, s.id, "student");
      }
      for (const name of [
        "Telescopes and their mounts",
        "Planetary imaging",
        "Deep-sky targets",
        "Light pollution",
      ])
        await addActivity(t, course.id, { type: "quiz", name: `Quiz: ${name}`, settings: quizSettings(2) });
      const tool = await addActivity(t, course.id, {
        type: "lti",
        name: "Star chart from the planetarium's tool",
        settings: { toolUrl: "http://127.0.0.1:9/launch", consumerKey: "key", sharedSecret: "secret" },
      });
      pages.push(
        ["course page", `/course/${course.id}`],
        ["grader report", `/course/${course.id}/grades`],
        ["participants", `/course/${course.id}/participants`],
        ["enrolment methods", `/course/${course.id}/enrol-methods`],
        ["external tool", `/mod/${tool.id}`],
        ["site admin index", "/admin"],
        ["site admin users", "/admin/users"],
        ["site admin tasks", "/admin/tasks"],
        ["External Sources / LTI", "/admin/lti/tools"],
        ["LTI launch log", "/admin/lti/launches"],
        ["Consumers of published tools", "/admin/lti/consumers"],
        ["LTI platform keys", "/admin/lti/platform-keys"],
        ["profile", "/profile"],
      );
      browser = await launchBrowser();
      context = await browser.newContext({ viewport: { width: WIDTH, height: 844 } });
      // tsx compiles measure()'s inner functions with esbuild's name helper, which the page lacks.
      await context.addInitScript("globalThis.__name = (f) => f");
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    });
    after(async () => {
      await context?.close();
      await browser?.close();
      await t?.close();
    });

    it("fits every page in the width, with Log out on screen and not covered", async () => {
      const problems: string[] = [];
      for (const [name, path] of pages) {
        const res = await page.goto(`${base}${path}`);
        assert.equal(res?.status(), 200, `${name} (${path})`);
        await screenshot(page, `phone-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${engine}`);
        const fit = await measure(page);
        assert.equal(fit.viewport, WIDTH);
        if (fit.pageWidth > fit.viewport)
          problems.push(`${name}: the page is ${fit.pageWidth} px wide (${fit.sticking.join(", ")})`);
        const l = fit.logOut;
        if (!l) problems.push(`${name}: no Log out button`);
        else if (l.left < 0 || l.right > fit.viewport || l.top < 0 || !l.onTop)
          problems.push(`${name}: Log out is off screen or covered (${JSON.stringify(l)})`);
      }
      assert.deepEqual(problems, []);
    });

    it("scrolls the wide grader report inside its own box, not the page", async () => {
      await page.goto(`${base}${pages.find(([n]) => n === "grader report")?.[1]}`);
      const box = await page.locator("table.grader-report").evaluate((table) => {
        let p = table.parentElement;
        while (p && !["auto", "scroll"].includes(getComputedStyle(p).overflowX)) p = p.parentElement;
        return {
          table: table.getBoundingClientRect().width,
          box: p
            ? { client: p.clientWidth, scroll: p.scrollWidth, right: p.getBoundingClientRect().right }
            : null,
        };
      });
      assert.ok(box.box, "the table sits in a box that scrolls sideways");
      assert.ok(box.table > WIDTH, `the report is wider than the phone (${box.table} px)`);
      assert.ok(box.box.scroll > box.box.client, "its box scrolls");
      assert.ok(box.box.right <= WIDTH, "and the box itself fits the screen");
    });

    it("fits the LTI Advantage registration dialog in the width", async () => {
      await page.goto(`${base}/admin/lti/tools`);
      await page.getByLabel("Tool URL").fill("http://127.0.0.1:9/register");
      await page.getByRole("button", { name: "Add LTI Advantage" }).click();
      await page.locator("iframe[data-registration-origin]").waitFor();
      await screenshot(page, `phone-lti-registration-dialog-${engine}`);
      const fit = await measure(page);
      assert.ok(
        fit.pageWidth <= fit.viewport,
        `the page is ${fit.pageWidth} px wide (${fit.sticking.join(", ")})`,
      );
      assert.ok(await page.getByRole("link", { name: "Done" }).isVisible());
    });

    it("logs out with the Log out button at phone width", async () => {
      await page.goto(`${base}/admin`);
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByRole("link", { name: "Log in" }).waitFor();
      assert.equal(new URL(page.url()).pathname, "/login");
    });
  });
}
