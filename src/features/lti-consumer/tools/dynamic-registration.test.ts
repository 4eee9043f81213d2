// LTI Dynamic Registration with Pluto as the platform, driven by a tool written here (plain fetch): a site
// admin starts the registration, the tool reads Pluto's OpenID configuration from the URL it was given and
// posts its registration with the Bearer token; the tool is Pending (its launch refused) until activated,
// then its login initiation reaches the tool. Then the refusals: token reused, expired, missing, bad bodies.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { runInNewContext } from "node:vm";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { isConfigurationUrlOfIssuer } from "../../../lti/registration/openid-configuration.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";
import { createUser, updateUserProfile } from "../../users/users.service.js";
import { openIdConfiguration } from "./dynamic-registration.service.js";

const TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration";
const AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
const AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
const AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly";
const AGS_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

/** A tool that records the login initiations it receives. */
async function startTool(): Promise<{ origin: string; logins: URLSearchParams[]; close(): Promise<void> }> {
  const logins: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/login") {
        logins.push(new URLSearchParams(req.method === "POST" ? body : url.search));
        res.writeHead(200, { "content-type": "text/plain" }).end("login received");
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The tool's registration request (DR §3.5.2), with `extra` merged over it. */
function registrationBody(origin: string, extra: Record<string, unknown> = {}) {
  return {
    application_type: "web",
    response_types: ["id_token"],
    grant_types: ["implicit", "client_credentials"],
    initiate_login_uri: `${origin}/login`,
    redirect_uris: [`${origin}/launch`],
    client_name: "Registered Tool",
    jwks_uri: `${origin}/jwks`,
    token_endpoint_auth_method: "private_key_jwt",
    scope: `openid ${AGS_SCORE}`,
    [TOOL_CONFIG]: {
      domain: new URL(origin).host,
      target_link_uri: `${origin}/launch`,
      claims: ["iss", "sub", "name"],
      messages: [
        { type: "LtiDeepLinkingRequest", target_link_uri: `${origin}/deep`, placements: ["ContentArea"] },
      ],
    },
    ...extra,
  };
}

for (const engine of testEngines()) {
  describe(`LTI Dynamic Registration by a tool (${engine})`, () => {
    let t: TestApp;
    let tool: Awaited<ReturnType<typeof startTool>>;
    let pluto: string;
    let adminToken: string;
    let teacherToken: string;
    let admin: Client;
    let sam: Client;
    let courseId: number;

    before(async () => {
      tool = await startTool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      adminToken = await t.token((await t.admin()).id);
      const course = await makeCourse(t, { fullname: "Biology", shortname: "BIO1" });
      courseId = course.id;
      const teacher = await t.user("tina", { firstname: "Tina", lastname: "Teach", email: "t@example.org" });
      const student = await t.user("sam", { firstname: "Sam", lastname: "Student", email: "s@example.org" });
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, student.id, "student");
      teacherToken = await t.token(teacher.id);
      admin = await t.client("admin");
      sam = await t.client("sam");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    /** Starts a registration as the site admin (API): the registration URL the tool is opened with. */
    async function start(): Promise<URL> {
      const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types/dynamic-registration", {
        url: `${tool.origin}/register?lang=en`,
      });
      assert.equal(res.status, 201, res.body);
      return new URL((res.json as { url: string }).url);
    }

    /** The tool's side: reads the configuration it was pointed at, posts its registration there. */
    async function register(registrationUrl: URL, body: unknown, token?: string | null) {
      const configUrl = registrationUrl.searchParams.get("openid_configuration") ?? "";
      const config = (await (await fetch(configUrl)).json()) as Record<string, unknown>;
      assert.ok(isConfigurationUrlOfIssuer(String(config.issuer), configUrl), configUrl);
      const bearer = token === undefined ? registrationUrl.searchParams.get("registration_token") : token;
      const res = await fetch(String(config.registration_endpoint), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    }

    const toolCount = async () =>
      ((await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as unknown[]).length;

    it("publishes the OpenID configuration under its issuer, with openid and the AGS and NRPS scopes", async () => {
      const res = await fetch(`${pluto}/lti/openid-configuration`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.equal(doc.issuer, pluto);
      assert.equal(doc.authorization_endpoint, `${pluto}/lti/auth`);
      assert.equal(doc.jwks_uri, `${pluto}/lti/jwks`);
      assert.equal(doc.registration_endpoint, `${pluto}/lti/register`);
      assert.equal(doc.token_endpoint, `${pluto}/lti/token`);
      assert.deepEqual(doc.scopes_supported, [
        "openid",
        AGS_LINEITEM,
        AGS_LINEITEM_READONLY,
        AGS_RESULT,
        AGS_SCORE,
        NRPS,
      ]);
      const platform = doc[PLATFORM_CONFIG] as { product_family_code: string; messages_supported: unknown[] };
      assert.equal(platform.product_family_code, "pluto");
      assert.deepEqual(platform.messages_supported, [
        { type: "LtiResourceLinkRequest" },
        { type: "LtiDeepLinkingRequest" },
      ]);
    });

    it("registers the tool (201, client_id and deployment_id), Pending until activated, then launches it", async () => {
      const url = await start();
      assert.equal(url.origin, tool.origin);
      assert.equal(url.searchParams.get("lang"), "en");
      const reg = await register(url, registrationBody(tool.origin));
      assert.equal(reg.status, 201, JSON.stringify(reg.json));
      const clientId = String(reg.json.client_id);
      assert.ok(clientId.length >= 16);
      assert.equal((reg.json[TOOL_CONFIG] as { deployment_id: string }).deployment_id, "1");
      // The score scope is granted: it turns on the AGS switch (and Accept grades); NRPS stays off.
      assert.equal(reg.json.scope, `openid ${AGS_SCORE}`);

      const list = (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
        Record<string, unknown>
      >;
      const stored = list.find((x) => x.clientId === clientId);
      assert.ok(stored);
      assert.equal(stored.status, "pending");
      assert.equal(stored.ltiVersion, "1.3");
      assert.equal(stored.shareName, true);
      assert.equal(stored.shareEmail, false);
      assert.equal(stored.acceptGrades, true);
      assert.deepEqual(stored.services, { ags: true, nrps: false });
      const summary = stored.registration as Record<string, unknown>;
      assert.deepEqual(summary.droppedScopes, []);
      assert.deepEqual(summary.grantedScopes, ["openid", AGS_SCORE]);
      assert.deepEqual((summary.deepLinking as { url: string }).url, `${tool.origin}/deep`);
      // Its LtiDeepLinkingRequest message makes it a tool a teacher can "Select content" from.
      assert.equal(stored.deepLinking, true);
      assert.equal(stored.deepLinkingUrl, `${tool.origin}/deep`);
      const toolTypeId = Number(stored.id);

      const teacher = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Registered quiz",
        section: 1,
        settings: { toolTypeId },
      });
      assert.equal(teacher.status, 201, teacher.body);
      const activityId = (teacher.json as { id: number }).id;
      const refused = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(refused.statusCode, 409);
      assert.match(refused.body, /waiting for a site administrator to activate it/);
      const out = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
      assert.equal(out?.reason, "tool_pending");

      // The admin sees it Pending with what it asked for, and activates it.
      const page = await admin.get("/admin/lti/tools");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Pending/);
      assert.match(page.body, new RegExp(`/admin/lti/tools/${toolTypeId}/activate`));
      assert.match(page.body, new RegExp(AGS_SCORE.replaceAll("/", "\\/")));
      assert.match(page.body, /IMS LTI Assignment and Grade Services<\/dt><dd>Yes</);
      assert.match(page.body, /IMS LTI Names and Role Provisioning<\/dt><dd>No</);
      const activated = await admin.post(`/admin/lti/tools/${toolTypeId}/activate`);
      assert.equal(activated.statusCode, 303, activated.body);
      const after = (await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${toolTypeId}`)).json as {
        status: string;
      };
      assert.equal(after.status, "active");

      const launch = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(launch.statusCode, 200, launch.body);
      const form = readLaunchForm(launch.body);
      assert.equal(form.action, `${tool.origin}/login`);
      const sent = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
      });
      assert.equal(sent.status, 200);
      const login = tool.logins.at(-1);
      assert.equal(login?.get("client_id"), clientId);
      assert.equal(login?.get("iss"), pluto);
      assert.equal(login?.get("lti_deployment_id"), "1");
    });

    it("maps the scopes a tool asks for to its service switches", async () => {
      const cases: Array<{
        scope: string;
        services: { ags: boolean; nrps: boolean };
        acceptGrades: boolean;
      }> = [
        { scope: `openid ${NRPS}`, services: { ags: false, nrps: true }, acceptGrades: false },
        {
          scope: `openid ${AGS_LINEITEM_READONLY} ${AGS_RESULT}`,
          services: { ags: true, nrps: false },
          acceptGrades: true,
        },
        {
          scope: `openid ${AGS_LINEITEM} ${AGS_SCORE} ${NRPS}`,
          services: { ags: true, nrps: true },
          acceptGrades: true,
        },
        {
          scope: "openid https://example.com/other",
          services: { ags: false, nrps: false },
          acceptGrades: false,
        },
      ];
      for (const c of cases) {
        const reg = await register(await start(), registrationBody(tool.origin, { scope: c.scope }));
        assert.equal(reg.status, 201, JSON.stringify(reg.json));
        const stored = (
          (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
            Record<string, unknown>
          >
        ).find((x) => x.clientId === reg.json.client_id);
        assert.ok(stored);
        assert.deepEqual(stored.services, c.services, c.scope);
        assert.equal(stored.acceptGrades, c.acceptGrades, c.scope);
      }
    });

    it("refuses a reused registration token (401 invalid_token), storing nothing", async () => {
      const url = await start();
      assert.equal((await register(url, registrationBody(tool.origin))).status, 201);
      const before = await toolCount();
      const again = await register(url, registrationBody(tool.origin));
      assert.equal(again.status, 401);
      assert.equal(again.json.error, "invalid_token");
      assert.equal(await toolCount(), before);
    });

    it("activates a Pending tool through the API (PATCH status active)", async () => {
      const reg = await register(await start(), registrationBody(tool.origin));
      assert.equal(reg.status, 201);
      const list = (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
        Record<string, unknown>
      >;
      const id = Number(list.find((x) => x.clientId === reg.json.client_id)?.id);
      const patched = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${id}`, {
        status: "active",
      });
      assert.equal(patched.status, 200, patched.body);
      const after = patched.json as Record<string, unknown>;
      assert.equal(after.status, "active");
      assert.equal(after.shareEmail, false);
      assert.ok(after.registration);
    });

    it("refuses a token whose site admin was suspended since (401 invalid_token)", async () => {
      const other = await createUser(
        t.ctx.db,
        t.clock,
        { username: "ada", password: "password123", firstname: "Ada", lastname: "Admin" },
        { siteAdmin: true },
      );
      const res = await api(
        t.app,
        await t.token(other.id),
        "POST",
        "/api/v1/lti/tool-types/dynamic-registration",
        {
          url: `${tool.origin}/register`,
        },
      );
      assert.equal(res.status, 201, res.body);
      await updateUserProfile(t.ctx.db, t.clock, other.id, { suspended: true }, { admin: true });
      const before = await toolCount();
      const reg = await register(new URL((res.json as { url: string }).url), registrationBody(tool.origin));
      assert.equal(reg.status, 401);
      assert.equal(reg.json.error, "invalid_token");
      assert.equal(await toolCount(), before);
    });

    it("refuses a registration without a token, or with a token that is not Pluto's (401 invalid_token)", async () => {
      const url = await start();
      for (const token of [null, "not-a-token", `${url.searchParams.get("registration_token")}x`]) {
        const res = await register(url, registrationBody(tool.origin), token);
        assert.equal(res.status, 401, String(token));
        assert.equal(res.json.error, "invalid_token");
      }
    });

    const badBodies: Array<[string, Record<string, unknown>, string]> = [
      ["no redirect_uris", { redirect_uris: undefined }, "invalid_redirect_uri"],
      [
        "an http redirect URI on another host",
        { redirect_uris: ["http://tool.example/launch"] },
        "invalid_redirect_uri",
      ],
      [
        "token_endpoint_auth_method client_secret_basic",
        { token_endpoint_auth_method: "client_secret_basic" },
        "invalid_client_metadata",
      ],
      ["no grant client_credentials", { grant_types: ["implicit"] }, "invalid_client_metadata"],
      ["no tool configuration", { [TOOL_CONFIG]: undefined }, "invalid_client_metadata"],
    ];
    for (const [why, extra, error] of badBodies) {
      it(`refuses a registration with ${why} (400 ${error}), storing nothing; the token still works`, async () => {
        const url = await start();
        const before = await toolCount();
        const res = await register(url, registrationBody(tool.origin, extra));
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.equal(res.json.error, error);
        assert.equal(typeof res.json.error_description, "string");
        assert.equal(await toolCount(), before);
        // Refused bodies do not spend the token: the tool may correct and retry.
        assert.equal((await register(url, registrationBody(tool.origin))).status, 201);
      });
    }

    it("refuses a body that is not JSON (400 invalid_client_metadata), with or without the JSON media type", async () => {
      const url = await start();
      const token = url.searchParams.get("registration_token");
      for (const [type, body] of [
        ["application/json", "{not json"],
        ["text/plain", JSON.stringify(registrationBody(tool.origin))],
      ]) {
        const res = await fetch(`${pluto}/lti/register`, {
          method: "POST",
          headers: { "content-type": type ?? "", authorization: `Bearer ${token}` },
          body,
        });
        assert.equal(res.status, 400, type);
        assert.equal(((await res.json()) as { error: string }).error, "invalid_client_metadata");
      }
      assert.equal((await register(url, registrationBody(tool.origin))).status, 201);
    });

    it("does not let a teacher start a registration (403, API and page)", async () => {
      const res = await api(t.app, teacherToken, "POST", "/api/v1/lti/tool-types/dynamic-registration", {
        url: `${tool.origin}/register`,
      });
      assert.equal(res.status, 403);
      const tina = await t.client("tina");
      await tina.get("/");
      const page = await tina.post("/admin/lti/tools/register", { url: `${tool.origin}/register` });
      assert.equal(page.statusCode, 403);
    });

    it("refuses a Tool URL that is not http(s) (400 on url), and shows the dialog for a good one", async () => {
      const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types/dynamic-registration", {
        url: "javascript:alert(1)",
      });
      assert.equal(res.status, 400);
      assert.match(res.body, /"field":"url"/);
      await admin.get("/admin/lti/tools");
      const page = await admin.post("/admin/lti/tools/register", { url: `${tool.origin}/register` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`<iframe[^>]+src="${tool.origin}/register\\?openid_configuration=`));
      assert.match(page.body, new RegExp(`data-registration-origin="${tool.origin}"`));
      assert.match(page.body, /href="\/admin\/lti\/tools"[^>]*>Done/);
    });

    it("activates dynamically registered tools at once when the site setting is on", async () => {
      const put = await api(t.app, adminToken, "PUT", "/api/v1/lti/dynamic-registration/settings", {
        autoActivate: true,
      });
      assert.deepEqual(put.json, { autoActivate: true });
      // The page's box sets it too (CSRF, site admin).
      await admin.get("/admin/lti/tools");
      assert.equal((await admin.post("/admin/lti/tools/auto-activate", {})).statusCode, 303);
      assert.deepEqual(
        (await api(t.app, adminToken, "GET", "/api/v1/lti/dynamic-registration/settings")).json,
        {
          autoActivate: false,
        },
      );
      assert.equal(
        (await admin.post("/admin/lti/tools/auto-activate", { autoActivate: "1" })).statusCode,
        303,
      );
      assert.match((await admin.get("/admin/lti/tools")).body, /name="autoActivate" value="1" checked/);
      assert.equal(
        (
          await api(t.app, teacherToken, "PUT", "/api/v1/lti/dynamic-registration/settings", {
            autoActivate: false,
          })
        ).status,
        403,
      );
      try {
        const reg = await register(await start(), registrationBody(tool.origin));
        assert.equal(reg.status, 201);
        const list = (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
          Record<string, unknown>
        >;
        assert.equal(list.find((x) => x.clientId === reg.json.client_id)?.status, "active");
      } finally {
        await api(t.app, adminToken, "PUT", "/api/v1/lti/dynamic-registration/settings", {
          autoActivate: false,
        });
      }
    });

    // Last: it moves the clock past the token's lifetime.
    it("offers a Pending tool of an LTI 1.1 tool's domain to upgrade that tool, which keeps its activities and key", async () => {
      await api(t.app, adminToken, "PUT", "/api/v1/lti/dynamic-registration/settings", {
        autoActivate: false,
      });
      const made = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        name: "Old Quiz",
        toolUrl: `${tool.origin}/old-launch`,
        consumerKey: "old-key",
        sharedSecret: "old-secret",
      });
      assert.equal(made.status, 201, made.body);
      const oldId = (made.json as { id: number }).id;
      const elsewhere = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        name: "Elsewhere",
        toolUrl: "https://elsewhere.example.com/launch",
        consumerKey: "k",
        sharedSecret: "s",
      });
      const elsewhereId = (elsewhere.json as { id: number }).id;
      const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Old quiz activity",
        section: 1,
        settings: { toolTypeId: oldId },
      });
      assert.equal(a.status, 201, a.body);
      const activityId = (a.json as { id: number }).id;

      const reg = await register(await start(), registrationBody(tool.origin, { client_name: "Quiz 1.3" }));
      assert.equal(reg.status, 201, JSON.stringify(reg.json));
      const clientId = String(reg.json.client_id);
      const list = (await api(t.app, adminToken, "GET", "/api/v1/lti/tool-types")).json as Array<
        Record<string, unknown>
      >;
      const pendingId = Number(list.find((x) => x.clientId === clientId)?.id);
      const page = await admin.get("/admin/lti/tools");
      assert.match(
        page.body,
        new RegExp(
          `action="/admin/lti/tools/${pendingId}/upgrade-into/${oldId}"[\\s\\S]*?>Upgrade Old Quiz<`,
        ),
      );
      assert.doesNotMatch(page.body, new RegExp(`upgrade-into/${elsewhereId}"`));

      const refused = await admin.post(`/admin/lti/tools/${pendingId}/upgrade-into/${elsewhereId}`);
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /not an LTI 1\.1 tool on the domain of the registered tool/);
      const upgraded = await admin.post(`/admin/lti/tools/${pendingId}/upgrade-into/${oldId}`);
      assert.equal(upgraded.statusCode, 303, upgraded.body);
      assert.equal(upgraded.headers.location, `/admin/lti/tools/${oldId}`);

      const got = (await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${oldId}`)).json as Record<
        string,
        unknown
      >;
      assert.equal(got.ltiVersion, "1.3");
      assert.equal(got.name, "Old Quiz");
      assert.equal(got.clientId, clientId);
      assert.equal(got.deploymentId, "1");
      assert.equal(got.status, "active");
      assert.equal(got.consumerKey, "old-key");
      assert.equal(got.launchUrl, `${tool.origin}/launch`);
      assert.deepEqual(got.services, { ags: true, nrps: false });
      assert.equal((await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${pendingId}`)).status, 404);
      const again = await api(
        t.app,
        adminToken,
        "POST",
        `/api/v1/lti/tool-types/${pendingId}/upgrade-into/${oldId}`,
      );
      assert.equal(again.status, 404);

      // The activity keeps its id and launches by LTI 1.3 with the registered client_id.
      const launch = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(launch.statusCode, 200, launch.body);
      const form = readLaunchForm(launch.body);
      assert.equal(form.action, `${tool.origin}/login`);
      assert.equal(form.fields.client_id, clientId);
      assert.equal(form.fields.target_link_uri, `${tool.origin}/launch`);
      await api(t.app, adminToken, "DELETE", `/api/v1/lti/tool-types/${oldId}`);
      await api(t.app, adminToken, "DELETE", `/api/v1/lti/tool-types/${elsewhereId}`);
    });

    it("refuses an expired registration token (401 invalid_token)", async () => {
      const url = await start();
      t.clock.advance(31 * 60);
      const res = await register(url, registrationBody(tool.origin));
      assert.equal(res.status, 401);
      assert.equal(res.json.error, "invalid_token");
      assert.match(String(res.json.error_description), /expired/);
    });
  });
}

describe("the registration dialog's close message", () => {
  const script = readFileSync(new URL("../../../../public/lti-registration.js", import.meta.url), "utf8");
  const sandbox: Record<string, unknown> = {};
  runInNewContext(`${script}\nthis.isRegistrationClose = isRegistrationClose;`, sandbox);
  const isClose = sandbox.isRegistrationClose as (data: unknown, origin: string, tool: string) => boolean;
  const TOOL = "https://tool.example";
  const cases: Array<[string, unknown, string, boolean]> = [
    ["the close subject from the tool's origin", { subject: "org.imsglobal.lti.close" }, TOOL, true],
    [
      "the close subject from another origin",
      { subject: "org.imsglobal.lti.close" },
      "https://evil.example",
      false,
    ],
    [
      "the close subject from the tool's host on http",
      { subject: "org.imsglobal.lti.close" },
      "http://tool.example",
      false,
    ],
    ["another subject from the tool", { subject: "lti.capabilities" }, TOOL, false],
    ["a string from the tool", "org.imsglobal.lti.close", TOOL, false],
    ["null from the tool", null, TOOL, false],
  ];
  for (const [why, data, origin, expected] of cases)
    it(`${expected ? "closes" : "does not close"} on ${why}`, () => {
      assert.equal(isClose(data, origin, TOOL), expected);
    });
  it("never closes for an opaque (null) tool origin", () => {
    assert.equal(isClose({ subject: "org.imsglobal.lti.close" }, "null", "null"), false);
  });
});

describe("the OpenID configuration of a site on a loopback address", () => {
  // The two-site guide runs the consumer on 127.0.0.2: any 127.0.0.0/8 address is loopback.
  for (const publicUrl of ["http://127.0.0.1:3001", "http://127.0.0.2:3001", "http://localhost:3001"])
    it(`is served over http for ${publicUrl}`, () => {
      const doc = openIdConfiguration(publicUrl);
      assert.equal(doc.issuer, publicUrl);
      assert.equal(doc.registration_endpoint, `${publicUrl}/lti/register`);
    });
  it("is refused over http on any other host", () => {
    assert.throws(() => openIdConfiguration("http://pluto.example"), /not an https URL/);
  });
});
