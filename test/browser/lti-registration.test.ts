// LTI Dynamic Registration in Chromium: a site admin pastes a tool's registration URL and presses "Add LTI
// Advantage"; the tool (on 127.0.0.2, so its frame is another origin, as in a real deployment) registers
// itself from its server when its page is opened, and its page's "Finish" button posts
// {subject: "org.imsglobal.lti.close"} to the parent. A close message from any other origin leaves the
// dialog open; the tool's closes it and the list shows the new tool Pending. With PLUTO_SCREENSHOTS=1 it
// renews the README's picture of the dialog (docs/screenshots/).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, readmeScreenshot, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { freePort } from "../support/processes.js";

const TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration";

/** The tool: its registration page registers it (server side), then offers a Finish button. */
async function startTool(): Promise<{ origin: string; registered: number[]; close(): Promise<void> }> {
  const registered: number[] = [];
  let origin = "";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/register") return void res.writeHead(404).end();
    const config = (await (await fetch(url.searchParams.get("openid_configuration") ?? "")).json()) as {
      registration_endpoint: string;
    };
    const answer = await fetch(config.registration_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${url.searchParams.get("registration_token")}`,
      },
      body: JSON.stringify({
        application_type: "web",
        response_types: ["id_token"],
        grant_types: ["implicit", "client_credentials"],
        initiate_login_uri: `${origin}/login`,
        redirect_uris: [`${origin}/launch`],
        client_name: "Browser Registered Tool",
        jwks_uri: `${origin}/jwks`,
        token_endpoint_auth_method: "private_key_jwt",
        [TOOL_CONFIG]: {
          domain: new URL(origin).host,
          target_link_uri: `${origin}/launch`,
          claims: ["iss", "sub"],
        },
      }),
    });
    registered.push(answer.status);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
      `<!doctype html><title>Tool</title><p>Registered (${answer.status}).</p>
       <button onclick="parent.postMessage({subject: 'org.imsglobal.lti.close'}, '*')">Finish</button>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  return { origin, registered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const engine of testEngines()) {
  describe(`LTI Dynamic Registration in Chromium (${engine})`, () => {
    let t: TestApp;
    let tool: Awaited<ReturnType<typeof startTool>>;
    let browser: Browser;
    let page: Page;
    let base: string;

    before(async () => {
      tool = await startTool();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, { listen: { host: "127.0.0.1", port }, config: { publicUrl: base } });
      await t.admin();
      browser = await launchBrowser();
      page = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    });
    after(async () => {
      await browser?.close();
      await t?.close();
      await tool?.close();
    });

    it("closes the dialog on the tool's close message only, then lists the tool Pending", async () => {
      await page.goto(`${base}/admin/lti/tools`);
      await page.getByLabel("Tool URL").fill(`${tool.origin}/register`);
      await page.getByRole("button", { name: "Add LTI Advantage" }).click();
      const frame = page.frameLocator("iframe[data-registration-origin]");
      await frame.getByRole("button", { name: "Finish" }).waitFor();
      assert.deepEqual(tool.registered, [201]);
      await screenshot(page, `lti-registration-dialog-${engine}`);
      await readmeScreenshot(page, "lti13-dynamic-registration-dialog");

      // The same message from Pluto's own origin (not the tool's) leaves the dialog open.
      await page.evaluate(() => window.postMessage({ subject: "org.imsglobal.lti.close" }, "*"));
      await page.waitForTimeout(300);
      assert.equal(new URL(page.url()).pathname, "/admin/lti/tools/register");
      assert.equal(await page.locator("dialog[data-registration]").getAttribute("open"), "");

      await frame.getByRole("button", { name: "Finish" }).click();
      await page.waitForURL((u) => u.pathname === "/admin/lti/tools");
      const row = page.getByRole("row", { name: /Browser Registered Tool/ });
      assert.match((await row.textContent()) ?? "", /Pending/);
      assert.ok(await row.getByRole("button", { name: "Activate" }).isVisible());
    });
  });
}
