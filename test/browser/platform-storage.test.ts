// LTI Platform Storage in Chromium: a student opens an External tool activity whose LTI 1.3 tool (on
// 127.0.0.2, so its frame is cross-site) keeps no cookie at all. Its login page finds storage through
// `lti_storage_target` and `lti.capabilities`, puts its state and nonce in the activity page, then goes to
// Pluto's authentication endpoint; its launch page gets them back and posts them to its server, which
// verifies the id_token with jose against Pluto's JWKS and compares them. Run in Playwright's Chromium
// (third-party cookies and storage blocked) and as shipped Chrome behaves (storage partitioned).
// Messages from another frame, or from the page itself, get no answer.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import type { Browser } from "playwright-core";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, launchWithStoragePartitioning, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort } from "../support/processes.js";

/** A value for an inline script: JSON that cannot end the script element. */
const inline = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

/**
 * The tool's postMessage helper (LTI Client Side postMessages): a request with a fresh message_id, the
 * answer accepted only from the platform's window and origin with that id and the `.response` subject.
 */
const MESSAGING = `
function storageWindow(target) {
  return target === "_parent" ? window.parent : window.parent.frames[target];
}
function messageId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
function send(win, targetOrigin, platformOrigin, message) {
  return new Promise((resolve, reject) => {
    const id = messageId();
    const timer = setTimeout(() => {
      window.removeEventListener("message", listener);
      reject(new Error("no answer to " + message.subject));
    }, 2000);
    function listener(event) {
      const d = event.data;
      if (event.source !== win || event.origin !== platformOrigin) return;
      if (!d || d.message_id !== id || d.subject !== message.subject + ".response") return;
      clearTimeout(timer);
      window.removeEventListener("message", listener);
      if (d.error) reject(new Error(d.error.code + ": " + d.error.message));
      else resolve(d);
    }
    window.addEventListener("message", listener);
    win.postMessage(Object.assign({}, message, { message_id: id }), targetOrigin);
  });
}
function fail(e) {
  document.body.insertAdjacentHTML("beforeend", '<p role="alert">Storage failed</p>');
  document.querySelector("[role=alert]").textContent = "Storage failed: " + e.message;
}
function localStorageState() {
  try {
    localStorage.setItem("probe", "1");
    return "available";
  } catch {
    return "blocked";
  }
}
`;

interface ToolServer {
  origin: string;
  jwks: { keys: unknown[] };
  /** The login initiations and launch posts it got, as form fields. */
  logins: Array<Record<string, string>>;
  launches: Array<Record<string, string>>;
  /** Every Cookie header a request brought (none expected: the tool keeps no cookie). */
  cookies: string[];
  setPlatform(p: { issuer: string; clientId: string }): void;
  close(): Promise<void>;
}

async function startTool(): Promise<ToolServer> {
  const { publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "tool-1", alg: "RS256", use: "sig" };
  const logins: Array<Record<string, string>> = [];
  const launches: Array<Record<string, string>> = [];
  const cookies: string[] = [];
  /** Launches whose id_token verified, waiting for the state and nonce from the browser's storage. */
  const pending = new Map<string, { state: string; nonce: string; name: string }>();
  let platform = { issuer: "", clientId: "" };
  let origin = "";

  const page = (title: string, body: string, script = "") =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}` +
    (script ? `<script>${MESSAGING}\n${script}</script>` : "") +
    "</body></html>";

  const server: Server = createServer((req, res) => {
    if (req.headers.cookie) cookies.push(req.headers.cookie);
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const fields = Object.fromEntries(new URLSearchParams(req.method === "POST" ? raw : url.search));
      const html = (status: number, text: string) =>
        res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(text);
      if (url.pathname === "/jwks") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      if (url.pathname === "/login") {
        logins.push(fields);
        const auth = new URL(`${platform.issuer}/lti/auth`);
        for (const [k, v] of Object.entries({
          scope: "openid",
          response_type: "id_token",
          response_mode: "form_post",
          prompt: "none",
          client_id: fields.client_id ?? "",
          redirect_uri: `${origin}/launch`,
          login_hint: fields.login_hint ?? "",
          lti_message_hint: fields.lti_message_hint ?? "",
        }))
          auth.searchParams.set(k, v);
        // State and nonce are made in the browser and kept only in the platform's storage.
        return html(
          200,
          page(
            "Tool login",
            "<p>Signing in…</p>",
            `const login = ${inline({ target: fields.lti_storage_target ?? null, auth: auth.toString(), platform: new URL(platform.issuer).origin })};
(async () => {
  if (login.target === null) throw new Error("no lti_storage_target");
  const win = storageWindow(login.target);
  const caps = await send(win, "*", login.platform, { subject: "lti.capabilities" });
  const subjects = caps.supported_messages.map((m) => m.subject);
  if (!subjects.includes("lti.put_data") || !subjects.includes("lti.get_data")) throw new Error("no put/get");
  const state = messageId();
  const nonce = messageId();
  await send(win, login.platform, login.platform, { subject: "lti.put_data", key: "lti_state_" + state, value: state });
  await send(win, login.platform, login.platform, { subject: "lti.put_data", key: "lti_nonce_" + nonce, value: nonce });
  const to = new URL(login.auth);
  to.searchParams.set("state", state);
  to.searchParams.set("nonce", nonce);
  window.location.assign(to.toString());
})().catch(fail);`,
          ),
        );
      }
      if (url.pathname === "/launch" && req.method === "POST") {
        launches.push(fields);
        try {
          const jwks = createRemoteJWKSet(new URL(`${platform.issuer}/lti/jwks`));
          const { payload } = await jwtVerify(fields.id_token ?? "", jwks, {
            issuer: platform.issuer,
            audience: platform.clientId,
            algorithms: ["RS256"],
          });
          const launch = randomBytes(16).toString("hex");
          pending.set(launch, {
            state: fields.state ?? "",
            nonce: String(payload.nonce),
            name: String(payload.name),
          });
          return html(
            200,
            page(
              "Tool launch",
              `<form method="post" action="/complete"><input type="hidden" name="launch" value="${launch}"></form><p>Checking…</p>`,
              `const launch = ${inline({ target: fields.lti_storage_target ?? null, state: fields.state, nonce: payload.nonce, platform: new URL(platform.issuer).origin })};
(async () => {
  if (launch.target === null) throw new Error("no lti_storage_target in the launch");
  const win = storageWindow(launch.target);
  const get = (key) => send(win, launch.platform, launch.platform, { subject: "lti.get_data", key });
  const state = await get("lti_state_" + launch.state);
  const nonce = await get("lti_nonce_" + launch.nonce);
  for (const key of [state.key, nonce.key])
    await send(win, launch.platform, launch.platform, { subject: "lti.put_data", key });
  const form = document.querySelector("form");
  for (const [name, value] of [["state", state.value ?? ""], ["nonce", nonce.value ?? ""], ["storage", localStorageState()]]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  form.submit();
})().catch(fail);`,
            ),
          );
        } catch (e) {
          return html(401, page("Refused", `<p role="alert">Invalid id_token: ${String(e)}</p>`));
        }
      }
      if (url.pathname === "/complete" && req.method === "POST") {
        const p = pending.get(fields.launch ?? "");
        pending.delete(fields.launch ?? "");
        if (!p || fields.state !== p.state || fields.nonce !== p.nonce)
          return html(401, page("Refused", '<p role="alert">State or nonce mismatch</p>'));
        return html(
          200,
          page(
            "Tool",
            `<h1>Launched as ${p.name}</h1><p id="local-storage">Local storage ${fields.storage}</p>`,
          ),
        );
      }
      if (url.pathname === "/probe") {
        // Another frame asking the activity page for storage: it must get no answer.
        return html(
          200,
          page(
            "Probe",
            '<p id="probe">Asking…</p>',
            `send(window.parent, "*", ${inline(new URL(platform.issuer).origin)}, { subject: "lti.capabilities" })
  .then(() => { document.getElementById("probe").textContent = "Answered"; })
  .catch(() => { document.getElementById("probe").textContent = "No answer"; });`,
          ),
        );
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    jwks: { keys: [jwk] },
    logins,
    launches,
    cookies,
    setPlatform: (p) => {
      platform = p;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const BROWSERS: Array<[string, () => Promise<Browser>, "blocked" | "available"]> = [
  ["Playwright's Chromium: third-party cookies and storage blocked", launchBrowser, "blocked"],
  ["Chromium as shipped Chrome: storage partitioned", launchWithStoragePartitioning, "available"],
];

for (const engine of testEngines()) {
  describe(`LTI Platform Storage in Chromium (${engine})`, () => {
    let t: TestApp;
    let tool: ToolServer;
    let base: string;
    let activityId: number;

    before(async () => {
      tool = await startTool();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: base, outboundAllow: ["127.0.0.2"] },
      });
      const admin = await t.admin();
      const reg = await api(t.app, await t.token(admin.id), "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "Cookieless Tool",
        toolUrl: `${tool.origin}/launch`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
      });
      assert.equal(reg.status, 201, reg.body);
      const toolType = reg.json as { id: number; clientId: string };
      tool.setPlatform({ issuer: base, clientId: toolType.clientId });
      const course = await makeCourse(t, { fullname: "Chemistry", shortname: "CHEM1" });
      const teacher = await t.user("tess", { firstname: "Tess", lastname: "Teach" });
      const student = await t.user("sid", { firstname: "Sid", lastname: "Student" });
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, student.id, "student");
      const a = await api(
        t.app,
        await t.token(teacher.id),
        "POST",
        `/api/v1/courses/${course.id}/activities`,
        {
          type: "lti",
          name: "Titration lab",
          section: 1,
          settings: { toolTypeId: toolType.id },
        },
      );
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
    });
    after(async () => {
      await t?.close();
      await tool?.close();
    });

    for (const [name, launch, localStorage] of BROWSERS) {
      it(`launches the cookieless tool in the activity's frame (${name})`, async () => {
        const browser = await launch();
        try {
          const page = await (await browser.newContext()).newPage();
          page.setDefaultTimeout(15_000);
          await page.goto(`${base}/login`);
          await page.getByLabel("Username").fill("sid");
          await page.getByLabel("Password").fill("password123");
          await page.getByRole("button", { name: "Log in" }).click();
          await page.waitForURL((u) => !u.pathname.startsWith("/login"));
          const logins = tool.logins.length;

          await page.goto(`${base}/mod/${activityId}`);
          const frame = page.frameLocator("iframe[data-lti-storage]");
          await frame.getByRole("heading", { name: "Launched as Sid Student" }).waitFor();
          await screenshot(page, `platform-storage-${engine}-${localStorage}`);
          // The browser variant is the one named: the tool's frame has partitioned storage or none.
          assert.equal(await frame.locator("#local-storage").textContent(), `Local storage ${localStorage}`);
          assert.equal(tool.logins.length, logins + 1);
          assert.equal(tool.logins.at(-1)?.lti_storage_target, "_parent");
          assert.equal(tool.launches.at(-1)?.lti_storage_target, "_parent");
          assert.deepEqual(tool.cookies, []);

          // Another frame (the tool's own origin, but not the tool's frame) gets no answer.
          await page.evaluate((src) => {
            const probe = document.createElement("iframe");
            probe.src = src;
            probe.title = "Probe";
            document.body.append(probe);
          }, `${tool.origin}/probe`);
          const probe = page.frameLocator('iframe[title="Probe"]').locator("#probe");
          await probe.filter({ hasText: "No answer" }).waitFor({ timeout: 5000 });
          // Nor does the page itself.
          const answered = await page.evaluate(
            () =>
              new Promise<boolean>((resolve) => {
                window.addEventListener("message", (e) => {
                  if (typeof e.data?.subject === "string" && e.data.subject.endsWith(".response"))
                    resolve(true);
                });
                window.postMessage({ subject: "lti.capabilities", message_id: "self" }, "*");
                setTimeout(() => resolve(false), 700);
              }),
          );
          assert.equal(answered, false);
        } finally {
          await browser.close();
        }
      });
    }
  });
}
