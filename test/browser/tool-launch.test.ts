// Pluto as an LTI 1.3 tool in Chromium: a scratch platform (written here with jose, on 127.0.0.2, so Pluto's
// frame on 127.0.0.1 is cross-site) frames Pluto's login URL with `lti_storage_target=_parent` and answers
// `lti.put_data` / `lti.get_data` from its page. Pluto's login page keeps state and nonce in that storage and
// goes on to the platform's authentication endpoint, which signs the id_token and form-posts it back; the
// state cookie is deleted on the way, so the launch must find the state in the platform's storage. The
// student lands in the published course inside the frame, and an activity links back to the course home.
// Run in Playwright's Chromium (third-party cookies and storage blocked) and as shipped Chrome behaves, and
// once against a platform that knows only the older `org.imsglobal.lti.*` names (Brightspace).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { Browser } from "playwright-core";
import { api, startTestApp, type TestApp } from "../support/app.js";
import { launchBrowser, launchWithStoragePartitioning, screenshot } from "../support/browser.js";
import { testEngines } from "../support/db.js";
import { addActivity, makeCourse } from "../support/factories.js";
import { registerPlatform } from "../support/lti13-scratch-platform.js";
import { freePort } from "../support/processes.js";

const LTI = "https://purl.imsglobal.org/spec/lti/claim/";
const CLIENT_ID = "pluto-tool";
const DEPLOYMENT = "dep-1";

/** The platform's storage: answers `${prefix}*` messages from the framed tool, keyed by the sender's origin. */
const storage = (prefix: string) => `
const PREFIX = ${JSON.stringify(prefix)};
const store = new Map();
const frame = document.querySelector("iframe");
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const d = event.data;
  if (!d || typeof d.subject !== "string") return;
  const key = event.origin + "\\u0000" + d.key;
  let answer;
  if (d.subject === PREFIX + "put_data") { store.set(key, d.value); answer = { key: d.key, value: d.value }; }
  else if (d.subject === PREFIX + "get_data") answer = { key: d.key, value: store.get(key) };
  else return;
  window.storageLog.push(d.subject + " " + d.key);
  event.source.postMessage({ subject: d.subject + ".response", message_id: d.message_id, ...answer }, event.origin);
});
window.storageLog = [];
`;

interface Platform {
  origin: string;
  /** The authentication requests it got. */
  auths: URLSearchParams[];
  setTool(t: { launchUrl: string; loginUrl: string; uuid: string }): void;
  close(): Promise<void>;
}

async function startPlatform(): Promise<Platform> {
  const key = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(key.publicKey)), kid: "lms-1", alg: "RS256", use: "sig" };
  const auths: URLSearchParams[] = [];
  let tool = { launchUrl: "", loginUrl: "", uuid: "" };
  let origin = "";
  const page = (title: string, body: string, script: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}<script>${script}</script></body></html>`;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const html = (text: string) =>
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(text);
    if (url.pathname === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (url.pathname === "/course") {
      const login = new URL(tool.loginUrl);
      for (const [k, v] of Object.entries({
        iss: origin,
        login_hint: "student-7",
        target_link_uri: tool.launchUrl,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
        lti_storage_target: "_parent",
      }))
        login.searchParams.set(k, v);
      html(
        page(
          "District course",
          `<h1>District course</h1><iframe title="Pluto course" style="width:100%;height:600px" src="${login.toString().replaceAll("&", "&amp;")}"></iframe>`,
          storage(url.searchParams.get("names") === "imsglobal" ? "org.imsglobal.lti." : "lti."),
        ),
      );
      return;
    }
    if (url.pathname === "/auth") {
      auths.push(url.searchParams);
      const q = url.searchParams;
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({
        nonce: q.get("nonce"),
        name: "Sam Rivera",
        given_name: "Sam",
        family_name: "Rivera",
        email: "sam@district.example",
        [`${LTI}message_type`]: "LtiResourceLinkRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: tool.launchUrl,
        [`${LTI}resource_link`]: { id: "rl-9", title: "Night Sky" },
        [`${LTI}roles`]: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        [`${LTI}custom`]: { id: tool.uuid },
        [`${LTI}launch_presentation`]: { document_target: "iframe" },
      })
        .setProtectedHeader({ alg: "RS256", kid: "lms-1" })
        .setIssuer(origin)
        .setAudience(q.get("client_id") ?? "")
        .setSubject("student-7")
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(key.privateKey);
      html(
        page(
          "Signing in",
          `<form method="post" action="${q.get("redirect_uri")}"><input type="hidden" name="id_token" value="${idToken}"><input type="hidden" name="state" value="${q.get("state")}"></form>`,
          "document.forms[0].submit();",
        ),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.2", r));
  origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  return {
    get origin() {
      return origin;
    },
    auths,
    setTool: (t) => {
      tool = t;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const BROWSERS: Array<[string, () => Promise<Browser>]> = [
  ["Playwright's Chromium: third-party cookies and storage blocked", launchBrowser],
  ["Chromium as shipped Chrome: storage partitioned", launchWithStoragePartitioning],
];

for (const engine of testEngines()) {
  describe(`Pluto as an LTI 1.3 tool in a platform's frame (${engine})`, () => {
    let t: TestApp;
    let lms: Platform;
    let base: string;
    let courseId: number;

    before(async () => {
      lms = await startPlatform();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: base, outboundAllow: ["127.0.0.2"] },
      });
      const token = await t.token((await t.admin()).id);
      await registerPlatform(t, token, {
        origin: lms.origin,
        clientId: CLIENT_ID,
        deploymentId: DEPLOYMENT,
        tokens: false,
      });
      const course = await makeCourse(t, { fullname: "Night Sky", shortname: "SKY" });
      courseId = course.id;
      await addActivity(t, courseId, {
        type: "page",
        name: "Finding Polaris",
        settings: { content: "<p>Follow the Plough.</p>" },
      });
      const pub = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.3",
        name: "District",
      });
      assert.equal(pub.status, 201, pub.body);
      const p = pub.json as { customParameters: { id: string }; launchUrl: string; initiateLoginUrl: string };
      lms.setTool({ launchUrl: p.launchUrl, loginUrl: p.initiateLoginUrl, uuid: p.customParameters.id });
    });
    after(async () => {
      await t?.close();
      await lms?.close();
    });

    const variants = [
      ...BROWSERS.map(([name, launch]) => ({ name, launch, prefix: "lti." })),
      {
        name: "a platform that knows only the org.imsglobal.lti.* names",
        launch: launchBrowser,
        prefix: "org.imsglobal.lti.",
      },
    ];
    for (const { name, launch, prefix } of variants) {
      it(`lands the student in the course inside the frame, without the state cookie (${name})`, async () => {
        const browser = await launch();
        try {
          const context = await browser.newContext();
          // The state cookie is dropped before the platform answers: only Platform Storage can prove the login.
          await context.route(`${lms.origin}/auth**`, async (route) => {
            const cookies = await context.cookies(base);
            for (const c of cookies.filter((x) => x.name.startsWith("lti1p3_state_")))
              await context.clearCookies({ name: c.name });
            await route.continue();
          });
          const page = await context.newPage();
          page.setDefaultTimeout(15_000);
          await page.goto(`${lms.origin}/course${prefix === "lti." ? "" : "?names=imsglobal"}`);
          const frame = page.frameLocator('iframe[title="Pluto course"]');
          await frame.getByRole("heading", { name: "Night Sky" }).waitFor();
          await screenshot(page, `tool-launch-${engine}`);
          const log = await page.evaluate(() => (window as unknown as { storageLog: string[] }).storageLog);
          const state = lms.auths.at(-1)?.get("state") ?? "";
          assert.deepEqual(log, [
            `${prefix}put_data lti_state_${state}`,
            `${prefix}put_data lti_nonce_${state}`,
            `${prefix}get_data lti_state_${state}`,
            `${prefix}get_data lti_nonce_${state}`,
          ]);
          const cookies = await context.cookies(base);
          assert.ok(!cookies.some((c) => c.name.startsWith("lti1p3_state_")), "no state cookie was used");

          // An activity inside the frame links back to the published course's home page.
          await frame.getByRole("link", { name: "Finding Polaris" }).click();
          await frame.getByRole("heading", { name: "Finding Polaris" }).waitFor();
          await frame.getByRole("link", { name: "Course home" }).click();
          await frame.getByRole("heading", { name: "Night Sky" }).waitFor();
          assert.ok(page.url().startsWith(`${lms.origin}/course`), "the platform's page stays at the top");
        } finally {
          await browser.close();
        }
      });
    }
  });
}
