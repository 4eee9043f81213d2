// Dynamic Registration with Pluto as the tool, on both engines, driven by a scratch platform written here
// (node:http and plain JSON, not Pluto's platform code): it serves its OpenID configuration and a registration
// endpoint and records what it receives. A site admin makes a Registration URL (page or API); the platform's
// browser opens it; Pluto checks the configuration, registers itself and registers the platform, Active with
// the platform's endpoints, client id and deployment id. A URL works once and for an hour; a configuration that
// does not hold, or a platform that refuses, is a page with the reason, and the URL can be opened again.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { runInNewContext } from "node:vm";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { labelled } from "../../../../test/support/html-form.js";
import { purgeRegistrationUrls } from "./dynamic-registration.service.js";

const PLUTO = "http://localhost:3000";
const TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration";
const AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

interface ScratchPlatform {
  url: string;
  configurationUrl: string;
  received: Received[];
  /** Changes to the served configuration (a member set to undefined is left out). */
  configuration: Record<string, unknown>;
  /** The registration endpoint's answer. */
  answer: { status: number; body: unknown };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

async function startPlatform(): Promise<ScratchPlatform> {
  let clients = 0;
  const p: ScratchPlatform = {
    url: "",
    configurationUrl: "",
    received: [],
    configuration: {},
    answer: { status: 0, body: undefined },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    p.received.push({
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body,
    });
    if (req.url === "/.well-known/openid-configuration" && req.method === "GET") {
      const doc: Record<string, unknown> = {
        issuer: p.url,
        authorization_endpoint: `${p.url}/auth`,
        token_endpoint: `${p.url}/token`,
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
        token_endpoint_auth_signing_alg_values_supported: ["RS256"],
        jwks_uri: `${p.url}/jwks`,
        registration_endpoint: `${p.url}/register`,
        scopes_supported: ["openid", `${AGS}lineitem`, `${AGS}score`, NRPS],
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        claims_supported: ["sub", "iss", "name", "email"],
        [PLATFORM_CONFIG]: {
          product_family_code: "scratch",
          version: "1.0",
          messages_supported: [{ type: "LtiResourceLinkRequest" }, { type: "LtiDeepLinkingRequest" }],
        },
        ...p.configuration,
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(doc));
      return;
    }
    if (req.url === "/register" && req.method === "POST") {
      if (p.answer.status !== 0) {
        res.writeHead(p.answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(p.answer.body));
        return;
      }
      clients++;
      const asked = JSON.parse(body) as Record<string, unknown>;
      res.writeHead(201, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ...asked,
          client_id: `client-${clients}`,
          [TOOL_CONFIG]: { ...(asked[TOOL_CONFIG] as object), deployment_id: `deployment-${clients}` },
        }),
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.configurationUrl = `${p.url}/.well-known/openid-configuration`;
  return p;
}

type Made = { url: string; expiresAt: string };
type PlatformJson = {
  id: number;
  name: string;
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  accessTokenUrl: string;
  publicKeysetUrl: string;
  authorizationServer: string | null;
  deploymentIds: string[];
  status: string;
};

for (const engine of testEngines()) {
  describe(`Dynamic Registration of a platform, Pluto as the tool (${engine})`, () => {
    let t: TestApp;
    let lms: ScratchPlatform;
    let admin: string;
    let teacher: string;
    const logLines: Array<Record<string, unknown>> = [];

    before(async () => {
      t = await startTestApp(engine, {
        config: { publicUrl: PLUTO, outboundAllow: ["127.0.0.1"] },
        logLines,
      });
      lms = await startPlatform();
      admin = await t.token((await t.admin()).id);
      teacher = await t.token((await t.user("teacher")).id);
    });
    after(async () => {
      await lms.close();
      await t.close();
    });
    beforeEach(() => {
      lms.received = [];
      lms.configuration = {};
      lms.answer = { status: 0, body: undefined };
    });

    /** A fresh Registration URL from the API. */
    async function made(): Promise<Made> {
      const r = await api(t.app, admin, "POST", "/api/v1/lti/platforms/registration-url");
      assert.equal(r.status, 201, r.body);
      return r.json as Made;
    }

    /** The platform's browser opening the URL, as a platform does: its own query parameters added. */
    function open(m: Made, params: Record<string, string>) {
      const u = new URL(m.url);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return t.app.inject({ method: "GET", url: `${u.pathname}${u.search}` });
    }

    async function platformByClient(clientId: string): Promise<PlatformJson | undefined> {
      const r = await api(t.app, admin, "GET", "/api/v1/lti/platforms");
      return (r.json as PlatformJson[]).find((p) => p.issuer === lms.url && p.clientId === clientId);
    }

    it("the API makes a single-use URL for a site admin (201 {url, expiresAt}) and refuses others (403)", async () => {
      const m = await made();
      assert.match(m.url, /^http:\/\/localhost:3000\/lti\/tool\/register\/[A-Za-z0-9_-]{43}$/);
      assert.equal(Date.parse(m.expiresAt) - t.clock.now().getTime(), 3600 * 1000);
      assert.notEqual((await made()).url, m.url);
      const refused = await api(t.app, teacher, "POST", "/api/v1/lti/platforms/registration-url");
      assert.equal(refused.status, 403);
      const anonymous = await api(t.app, undefined, "POST", "/api/v1/lti/platforms/registration-url");
      assert.equal(anonymous.status, 401);
      const doc = await api(t.app, admin, "GET", "/api/v1/openapi.json");
      assert.ok((doc.json as { paths: Record<string, unknown> }).paths["/lti/platforms/registration-url"]);
    });

    it("the platforms page makes a URL with its expiry, to copy without JavaScript", async () => {
      const c = await t.client("admin");
      const page = await c.get("/admin/lti/platforms");
      assert.match(page.body, /<h2 id="registration-url-heading">Registration URL<\/h2>/);
      assert.doesNotMatch(page.body, /id="registration-url"/);
      const res = await c.post("/admin/lti/platforms/registration-url");
      assert.equal(res.statusCode, 201);
      const field = labelled(res.body, "Registration URL");
      assert.equal(field.kind, "input");
      assert.match(field.value, /^http:\/\/localhost:3000\/lti\/tool\/register\/[A-Za-z0-9_-]{43}$/);
      assert.match(res.body, /id="registration-url" type="text" readonly/i);
      assert.match(res.body, /Single use\. Expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      assert.match(res.body, /data-copy="#registration-url" aria-label="Copy Registration URL" hidden/);
      const teacherPage = await (await t.client("teacher")).post("/admin/lti/platforms/registration-url");
      assert.equal(teacherPage.statusCode, 403);
    });

    it("registers with the platform and registers it here, Active, with a Bearer registration token", async () => {
      const m = await made();
      const res = await open(m, {
        openid_configuration: lms.configurationUrl,
        registration_token: "reg.token.1",
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<h1>Registered<\/h1>/);
      assert.match(res.body, /data-lti-registration="close"/);
      assert.match(res.body, /<script type="module" src="\/static\/lti-tool-registration.js"><\/script>/);
      assert.match(String(res.headers["content-security-policy"]), /frame-ancestors \*/);

      const [conf, reg] = lms.received;
      assert.equal(lms.received.length, 2);
      assert.equal(conf?.method, "GET");
      assert.equal(conf?.path, "/.well-known/openid-configuration");
      assert.equal(reg?.method, "POST");
      assert.equal(reg?.path, "/register");
      assert.equal(reg?.authorization, "Bearer reg.token.1");
      assert.match(reg?.contentType ?? "", /^application\/json/);
      const body = JSON.parse(reg?.body ?? "{}") as Record<string, unknown>;
      assert.deepEqual(body, {
        application_type: "web",
        response_types: ["id_token"],
        grant_types: ["implicit", "client_credentials"],
        initiate_login_uri: `${PLUTO}/lti/tool/login`,
        redirect_uris: [`${PLUTO}/lti/tool/launch`, `${PLUTO}/lti/tool/deep-linking`],
        client_name: "Pluto LMS (localhost:3000)",
        jwks_uri: `${PLUTO}/lti/jwks`,
        token_endpoint_auth_method: "private_key_jwt",
        // Only what the platform supports: no lineitem.readonly nor result.readonly here.
        scope: `${AGS}lineitem ${AGS}score ${NRPS}`,
        [TOOL_CONFIG]: {
          domain: "localhost:3000",
          target_link_uri: `${PLUTO}/lti/tool/launch`,
          claims: [
            "iss",
            "sub",
            "name",
            "given_name",
            "family_name",
            "middle_name",
            "nickname",
            "email",
            "picture",
          ],
          messages: [
            {
              type: "LtiResourceLinkRequest",
              target_link_uri: `${PLUTO}/lti/tool/launch`,
              label: "Pluto LMS (localhost:3000)",
            },
            {
              type: "LtiDeepLinkingRequest",
              target_link_uri: `${PLUTO}/lti/tool/deep-linking`,
              label: "Pluto LMS (localhost:3000)",
            },
          ],
        },
      });

      const clientId = "client-1";
      const p = await platformByClient(clientId);
      assert.ok(p, "the platform is registered");
      assert.deepEqual(
        {
          name: p.name,
          issuer: p.issuer,
          clientId: p.clientId,
          authenticationRequestUrl: p.authenticationRequestUrl,
          accessTokenUrl: p.accessTokenUrl,
          publicKeysetUrl: p.publicKeysetUrl,
          authorizationServer: p.authorizationServer,
          deploymentIds: p.deploymentIds,
          status: p.status,
        },
        {
          name: `scratch (${new URL(lms.url).host})`,
          issuer: lms.url,
          clientId,
          authenticationRequestUrl: `${lms.url}/auth`,
          accessTokenUrl: `${lms.url}/token`,
          publicKeysetUrl: `${lms.url}/jwks`,
          authorizationServer: null,
          deploymentIds: ["deployment-1"],
          status: "active",
        },
      );

      // Spent: opening it again registers nothing.
      lms.received = [];
      const again = await open(m, {
        openid_configuration: lms.configurationUrl,
        registration_token: "reg.token.1",
      });
      assert.equal(again.statusCode, 410);
      assert.match(again.body, /This registration URL has been used already/);
      assert.equal(lms.received.length, 0);

      // No secret reaches the log: neither the URL's token nor the registration token.
      const token = new URL(m.url).pathname.split("/").pop() ?? "";
      const log = JSON.stringify(logLines);
      assert.ok(!log.includes(token), "the Registration URL's token is not logged");
      assert.ok(!log.includes("reg.token.1"), "the registration token is not logged");
      assert.match(log, /LTI Advantage platform registered by dynamic registration/);
    });

    it("works without a registration_token (no Authorization header), Moodle's string messages, an authorization server", async () => {
      lms.configuration = {
        authorization_server: "http://127.0.0.1:1/oauth2",
        [PLATFORM_CONFIG]: {
          product_family_code: "moodle",
          version: "4.1",
          messages_supported: ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
        },
      };
      const res = await open(await made(), { openid_configuration: lms.configurationUrl });
      assert.equal(res.statusCode, 200, res.body);
      const reg = lms.received.find((r) => r.method === "POST");
      assert.equal(reg?.authorization, undefined);
      const body = JSON.parse(reg?.body ?? "{}") as Record<string, { messages: Array<{ type: string }> }>;
      assert.deepEqual(
        body[TOOL_CONFIG]?.messages.map((x) => x.type),
        ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
      );
      const p = await platformByClient("client-2");
      assert.equal(p?.status, "active");
      assert.equal(p?.authorizationServer, "http://127.0.0.1:1/oauth2");
      assert.match(p?.name ?? "", /^moodle /);
    });

    it("lists only the messages the platform supports (objects without Deep Linking)", async () => {
      lms.configuration = {
        [PLATFORM_CONFIG]: {
          product_family_code: "scratch",
          messages_supported: [{ type: "LtiResourceLinkRequest", placements: ["course_navigation"] }],
        },
      };
      const res = await open(await made(), { openid_configuration: lms.configurationUrl });
      assert.equal(res.statusCode, 200, res.body);
      const reg = lms.received.find((r) => r.method === "POST");
      const body = JSON.parse(reg?.body ?? "{}") as Record<string, { messages: Array<{ type: string }> }>;
      assert.deepEqual(
        body[TOOL_CONFIG]?.messages.map((x) => x.type),
        ["LtiResourceLinkRequest"],
      );
    });

    it("a platform that gives no deployment id is registered Pending, and the page says so", async () => {
      lms.answer = { status: 200, body: { client_id: "no-deployment" } };
      const res = await open(await made(), { openid_configuration: lms.configurationUrl });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /the platform gave no deployment yet/);
      const p = await platformByClient("no-deployment");
      assert.equal(p?.status, "pending");
      assert.deepEqual(p?.deploymentIds, []);
    });

    it("registers once when the URL is opened twice at the same time", async () => {
      const m = await made();
      const params = { openid_configuration: lms.configurationUrl };
      const codes = (await Promise.all([open(m, params), open(m, params)])).map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [200, 410]);
      assert.equal(lms.received.filter((r) => r.method === "POST").length, 1);
    });

    it("refuses an expired URL, which the cleanup task then deletes", async () => {
      const m = await made();
      t.clock.advance(3601);
      const res = await open(m, { openid_configuration: lms.configurationUrl });
      assert.equal(res.statusCode, 410);
      assert.match(res.body, /<h1>Registration refused<\/h1>/);
      assert.match(res.body, /This registration URL has expired/);
      assert.equal(lms.received.length, 0);
      assert.ok((await purgeRegistrationUrls(t.ctx.db, t.clock.now())) >= 1);
      const gone = await open(m, { openid_configuration: lms.configurationUrl });
      assert.equal(gone.statusCode, 404);
    });

    it("refuses a URL this site did not make, and an opening without openid_configuration", async () => {
      const res = await t.app.inject({
        method: "GET",
        url: `/lti/tool/register/${"A".repeat(43)}?openid_configuration=${encodeURIComponent(lms.configurationUrl)}`,
      });
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /not one this site made/);
      const short = await t.app.inject({ method: "GET", url: "/lti/tool/register/abc" });
      assert.equal(short.statusCode, 404);
      const m = await made();
      const none = await open(m, {});
      assert.equal(none.statusCode, 400);
      assert.match(none.body, /without openid_configuration/);
      // Not spent (nor by a link preview's HEAD): the same URL still works.
      const head = await t.app.inject({ method: "HEAD", url: new URL(m.url).pathname });
      assert.equal(head.statusCode, 400);
      const ok = await open(m, { openid_configuration: lms.configurationUrl });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    for (const [name, change, expect] of [
      [
        "whose issuer does not match its URL",
        { issuer: "https://lms.elsewhere.example" },
        /issuer https:\/\/lms\.elsewhere\.example does not match the openid_configuration URL/,
      ],
      [
        "without RS256",
        { id_token_signing_alg_values_supported: ["HS256"] },
        /id_token_signing_alg_values_supported does not include RS256/,
      ],
      [
        "without a registration endpoint",
        { registration_endpoint: undefined },
        /registration_endpoint is missing/,
      ],
      [
        "with messages_supported of neither shape",
        { [PLATFORM_CONFIG]: { product_family_code: "x", messages_supported: [42] } },
        /messages_supported must hold message types/,
      ],
    ] as const)
      it(`refuses a configuration ${name} with a clear page, registers nothing, and gives the URL back`, async () => {
        lms.configuration = change;
        const before = (await api(t.app, admin, "GET", "/api/v1/lti/platforms")).json as unknown[];
        const m = await made();
        const res = await open(m, { openid_configuration: lms.configurationUrl, registration_token: "tok" });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.body, /<h1>Registration refused<\/h1>/);
        assert.match(res.body, expect);
        assert.ok(!lms.received.some((r) => r.method === "POST"), "nothing was posted to the platform");
        const after = (await api(t.app, admin, "GET", "/api/v1/lti/platforms")).json as unknown[];
        assert.equal(after.length, before.length);
        assert.ok(logLines.some((l) => l.msg === "LTI Advantage dynamic registration refused" && l.reason));
        // Fixed on the platform, the same URL works.
        lms.configuration = {};
        const ok = await open(m, { openid_configuration: lms.configurationUrl, registration_token: "tok" });
        assert.equal(ok.statusCode, 200, ok.body);
      });

    it("shows the platform's refusal (RFC 7591 error) as a 502 page with its reason", async () => {
      lms.answer = {
        status: 400,
        body: { error: "invalid_client_metadata", error_description: "redirect_uris must be https" },
      };
      const res = await open(await made(), {
        openid_configuration: lms.configurationUrl,
        registration_token: "tok",
      });
      assert.equal(res.statusCode, 502);
      assert.match(
        res.body,
        /The platform refused the registration \(400 invalid_client_metadata: redirect_uris must be https\)/,
      );
    });

    it("refuses a platform that is already registered with the client id it answered (409)", async () => {
      lms.answer = {
        status: 201,
        body: { client_id: "client-1", [TOOL_CONFIG]: { deployment_id: "deployment-1" } },
      };
      const res = await open(await made(), { openid_configuration: lms.configurationUrl });
      assert.equal(res.statusCode, 409);
      assert.match(res.body, /already registered on this site/);
    });

    it("refuses a configuration URL on a host the outbound guard blocks", async () => {
      const res = await open(await made(), { openid_configuration: "http://127.0.0.2:9/conf" });
      assert.equal(res.statusCode, 502);
      assert.match(res.body, /could not be read/);
    });
  });
}

describe("the registered page's script (public/lti-tool-registration.js)", () => {
  const script = readFileSync(
    new URL("../../../../public/lti-tool-registration.js", import.meta.url),
    "utf8",
  );
  /** Runs the script in a page whose window has `opener` and `parent` as given; returns what was posted. */
  function run(w: { opener?: boolean; framed?: boolean; marked?: boolean }) {
    const posted: Array<{ to: string; data: unknown; origin: string }> = [];
    const target = (to: string) => ({
      postMessage: (data: unknown, origin: string) => posted.push({ to, data, origin }),
    });
    const window: Record<string, unknown> = { opener: w.opener ? target("opener") : null };
    window.parent = w.framed ? target("parent") : window;
    const document = {
      querySelector: (q: string) => (w.marked !== false && q.includes("close") ? {} : null),
    };
    runInNewContext(script, { window, document });
    // The message was made in the script's own realm: compared as the JSON a structured clone carries.
    return JSON.parse(JSON.stringify(posted)) as typeof posted;
  }

  it("posts org.imsglobal.lti.close to the opener of a window, or else to the parent of a frame", () => {
    const close = { subject: "org.imsglobal.lti.close" };
    assert.deepEqual(run({ opener: true, framed: true }), [{ to: "opener", data: close, origin: "*" }]);
    assert.deepEqual(run({ framed: true }), [{ to: "parent", data: close, origin: "*" }]);
  });

  it("posts nothing from a top window, or from a page that is not the registered page", () => {
    assert.deepEqual(run({}), []);
    assert.deepEqual(run({ framed: true, marked: false }), []);
  });
});
