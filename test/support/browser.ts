// Debian's Chromium driven by playwright-core (no browser download). Flags from the peers notes:
// without the background-networking flags Chromium tries to reach the closed network.
// Site isolation is off (--disable-site-isolation-trials): a tool's frame goes cross-site (the tool's
// login), back (the platform's auth endpoint) and cross-site again (the launch). Playwright keys an
// out-of-process frame's session by its target id, the same across those moves, and about one launch in
// a hundred it lost the frame's content (its URL stayed the auth endpoint's) while the page went on.
// Cookies and storage are kept by site, not by process, so the frames stay as cross-site as before.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-site-isolation-trials",
];

/** Chromium's default context: third-party cookies blocked (only Partitioned ones survive in frames). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/**
 * The features Playwright turns off in every Chromium it launches (playwright-core's chromiumSwitches,
 * read from the installed playwright-core so the list is the one it passes).
 */
export function playwrightDisabledFeatures(): string[] {
  const bundle = readFileSync(
    createRequire(import.meta.url).resolve("playwright-core/lib/coreBundle"),
    "utf8",
  );
  const list = /\bdisabledFeatures = \[([\s\S]*?)\]\.filter\(Boolean\)/.exec(bundle)?.[1];
  if (list === undefined) throw new Error("playwright-core's chromiumSwitches not found");
  const withoutComments = list.replace(/\/\/.*$/gm, "");
  return [...withoutComments.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "").filter((f) => f !== "");
}

/**
 * Chromium as shipped Chrome behaves: third-party cookies still blocked, but a cross-site frame gets
 * partitioned storage instead of none. Playwright disables ThirdPartyStoragePartitioning
 * (microsoft/playwright#32230); its --disable-features switch is replaced by the same list without it.
 */
export async function launchWithStoragePartitioning(): Promise<Browser> {
  const disabled = playwrightDisabledFeatures();
  if (!disabled.includes("ThirdPartyStoragePartitioning"))
    throw new Error(
      "Playwright no longer disables ThirdPartyStoragePartitioning: this launch is the default one",
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: [`--disable-features=${disabled.join(",")}`],
    args: [
      ...FLAGS,
      `--disable-features=${disabled.filter((f) => f !== "ThirdPartyStoragePartitioning").join(",")}`,
    ],
  });
}

/** A persistent profile that allows third-party cookies (cookie_controls_mode 0). */
export async function launchWithThirdPartyCookies(): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), "pluto-chromium-"));
  mkdirSync(join(dir, "Default"), { recursive: true });
  writeFileSync(
    join(dir, "Default", "Preferences"),
    JSON.stringify({ profile: { cookie_controls_mode: 0 } }),
  );
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export const ARTIFACTS = join(process.cwd(), "test-artifacts");

/** Saves a screenshot as a test artifact (test-artifacts/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export const README_SCREENSHOTS = join(process.cwd(), "docs", "screenshots");

/**
 * A README screenshot (docs/screenshots/NAME.png), written only when PLUTO_SCREENSHOTS=1: the committed
 * pictures change when someone means to renew them, not on every test run. The viewport's width, from the
 * top of the page down to the end of `through` when given (else the viewport).
 */
export async function readmeScreenshot(page: Page, name: string, through?: Locator): Promise<void> {
  if (process.env.PLUTO_SCREENSHOTS !== "1") return;
  mkdirSync(README_SCREENSHOTS, { recursive: true });
  const viewport = page.viewportSize();
  if (through && viewport) {
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await through.boundingBox();
    if (box) await page.setViewportSize({ ...viewport, height: Math.ceil(box.y + box.height + 16) });
  }
  // No focus ring of the last field typed in.
  await page.evaluate(() => {
    const active = document.activeElement;
    if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) active.blur();
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(README_SCREENSHOTS, `${name}.png`) });
  if (through && viewport) await page.setViewportSize(viewport);
}
