// The two sites of the user guide's browser tests (test/browser/guide-e2e.test.ts for LTI 1.1,
// guide-lti13.test.ts for LTI 1.3): a freshly started Pluto on a loopback address of its own, in real
// time, that may call the other; logging in and out by the pages' labels; screenshots per step.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { FakeClock } from "../../src/shared/clock.js";
import { startTestApp, type TestApp } from "./app.js";
import { ARTIFACTS } from "./browser.js";
import { testEngines } from "./db.js";
import { freePort } from "./fake-lti-tool.js";

/** Real time: the flow spans two sites and a browser, as in a deployment. */
class LiveClock extends FakeClock {
  private offset = 0;
  override now(): Date {
    return new Date(Date.now() + this.offset);
  }
  override set(d: Date): void {
    this.offset = d.getTime() - Date.now();
  }
  override advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

/** The consumer's engine: PostgreSQL when the run has it (the provider runs on SQLite). */
export const consumerEngine = testEngines().includes("postgres") ? "postgres" : "sqlite";

/** A site on `host` (127.0.0.1 or 127.0.0.2: two sites, cross-site frames), its admin created. */
export async function startSite(
  host: string,
  engine: "sqlite" | "postgres",
): Promise<{ t: TestApp; base: string }> {
  const port = await freePort(host);
  const base = `http://${host}:${port}`;
  const t = await startTestApp(engine, {
    listen: { host, port },
    config: { publicUrl: base, outboundAllow: ["127.0.0.1", "127.0.0.2"] },
    clock: new LiveClock(),
  });
  await t.admin();
  return { t, base };
}

/** A viewport screenshot (ARTIFACTS/PREFIX-NAME.png) after a short pause: a cross-site frame paints a moment after its page. */
export async function shot(page: Page, prefix: string, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, `${prefix}-${name}.png`) });
}

export async function logIn(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

export async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("link", { name: "Log in" }).waitFor();
}
