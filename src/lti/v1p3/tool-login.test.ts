import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LtiErrorCode, ParameterError, ToolLaunchError } from "../errors.js";
import {
  buildAuthRequest,
  chooseBrowserBinding,
  handleToolLogin,
  parseToolLogin,
  type RegisteredPlatform,
  selectPlatform,
  storageKeys,
  type ToolLoginOptions,
} from "./tool-login.js";

const NOW = 1_800_000_000_000;
const clock = { now: () => new Date(NOW) };
const ISS = "https://lms.example.edu";
const PLUTO = "https://pluto.example";
const REDIRECT = `${PLUTO}/lti/1p3/launch`;

const canvas: RegisteredPlatform = {
  id: "1",
  issuer: ISS,
  clientId: "10000000000001",
  authEndpoint: "https://lms.example.edu/api/lti/authorize_redirect?tenant=a",
  deploymentIds: ["dep-1", "dep-2"],
};
const second: RegisteredPlatform = { ...canvas, id: "2", clientId: "10000000000002" };

const options = (over: Partial<ToolLoginOptions> = {}): ToolLoginOptions => ({
  findPlatforms: async (iss) => [canvas].filter((p) => p.issuer === iss),
  isOwnLaunchUrl: (url) => new URL(url).origin === PLUTO,
  redirectUri: REDIRECT,
  clock,
  ...over,
});

const login = (over: Record<string, unknown> = {}) => ({
  iss: ISS,
  login_hint: "user-42",
  target_link_uri: `${PLUTO}/lti/1p3/launch`,
  lti_message_hint: "opaque.hint+/=",
  client_id: canvas.clientId,
  lti_deployment_id: "dep-1",
  ...over,
});

async function refusal(p: Promise<unknown>): Promise<LtiErrorCode> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ParameterError || e instanceof ToolLaunchError, String(e));
    return e.code;
  }
  assert.fail("expected a refusal");
}

describe("handleToolLogin", () => {
  it("redirects to the platform's authentication endpoint with every OIDC parameter (case 86)", async () => {
    const r = await handleToolLogin(login(), options());
    assert.equal(r.action, "redirect");
    if (r.action !== "redirect") return;
    const u = new URL(r.redirectUrl);
    assert.equal(`${u.origin}${u.pathname}`, "https://lms.example.edu/api/lti/authorize_redirect");
    const q = Object.fromEntries(u.searchParams);
    assert.deepEqual(q, {
      tenant: "a",
      scope: "openid",
      response_type: "id_token",
      response_mode: "form_post",
      prompt: "none",
      client_id: canvas.clientId,
      redirect_uri: REDIRECT,
      login_hint: "user-42",
      lti_message_hint: "opaque.hint+/=",
      state: r.binding.state,
      nonce: r.binding.nonce,
    });
    const { tenant: _tenant, ...fields } = q;
    assert.deepEqual(r.authRequest, fields);
    assert.equal(r.platform, canvas);
    assert.deepEqual(
      { ...r.binding, state: "", nonce: "" },
      {
        state: "",
        nonce: "",
        platformId: "1",
        issuer: ISS,
        clientId: canvas.clientId,
        deploymentId: "dep-1",
        targetLinkUri: `${PLUTO}/lti/1p3/launch`,
        expiresAt: new Date(NOW + 300_000),
      },
    );
  });

  it("creates state and nonce of at least 128 random bits, fresh each login (case 85)", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await handleToolLogin(login(), options());
      assert.equal(r.action, "redirect");
      if (r.action !== "redirect") return;
      for (const v of [r.binding.state, r.binding.nonce]) {
        assert.match(v, /^[A-Za-z0-9_-]+$/);
        assert.ok(Buffer.from(v, "base64url").length >= 16);
        assert.ok(!seen.has(v));
        seen.add(v);
      }
    }
  });

  it("omits lti_message_hint when the login initiation had none, and accepts a GET with the minimum", async () => {
    const r = await handleToolLogin({ iss: ISS, login_hint: "u", target_link_uri: `${PLUTO}/x` }, options());
    assert.equal(r.action, "redirect");
    if (r.action !== "redirect") return;
    assert.equal(new URL(r.redirectUrl).searchParams.has("lti_message_hint"), false);
    assert.equal(r.binding.deploymentId, undefined);
  });

  it("binds by a Partitioned, Secure, HttpOnly, SameSite=None cookie named after the state", async () => {
    const r = await handleToolLogin(login(), options({ context: { fetchDest: "iframe" } }));
    assert.equal(r.action, "redirect");
    if (r.action !== "redirect" || r.browser.kind !== "partitioned_cookie") return assert.fail("cookie");
    const { cookie } = r.browser;
    assert.equal(cookie.name, `lti1p3_state_${r.binding.state}`);
    assert.equal(cookie.value, r.binding.state);
    assert.equal(
      cookie.setCookie,
      `${cookie.name}=${r.binding.state}; Max-Age=300; Path=/; Secure; HttpOnly; SameSite=None; Partitioned`,
    );
    assert.match(cookie.clearCookie, /Max-Age=0/);
    assert.equal(r.binding.storage, undefined);
  });

  it("uses platform storage when lti_storage_target is offered, keyed lti_state_<state>/lti_nonce_<state>", async () => {
    const r = await handleToolLogin(login({ lti_storage_target: "_parent" }), options());
    assert.equal(r.action, "redirect");
    if (r.action !== "redirect" || r.browser.kind !== "platform_storage") return assert.fail("storage");
    const { state, nonce } = r.binding;
    assert.equal(r.browser.storageTarget, "_parent");
    assert.equal(r.browser.targetOrigin, "https://lms.example.edu");
    assert.deepEqual(r.browser.items, [
      { key: `lti_state_${state}`, value: state },
      { key: `lti_nonce_${state}`, value: nonce },
    ]);
    assert.deepEqual(storageKeys(state), { state: `lti_state_${state}`, nonce: `lti_nonce_${state}` });
    assert.equal(r.browser.cookie.value, state);
    assert.deepEqual(r.binding.storage, { target: "_parent", origin: "https://lms.example.edu" });
  });

  it("falls back to a new window, making no auth request, in a frame whose cookies are known blocked", async () => {
    const r = await handleToolLogin(
      login(),
      options({ context: { fetchDest: "iframe", cookiesBlocked: true } }),
    );
    assert.equal(r.action, "new_window");
    if (r.action !== "new_window") return;
    assert.deepEqual(r.browser.relaunch, parseToolLogin(login()));
    assert.equal("binding" in r, false);
  });

  it("chooses storage first, cookie second, new window third", () => {
    const base = parseToolLogin(login());
    const stored = { ...base, lti_storage_target: "post_message_forwarding" };
    const blocked = { fetchDest: "iframe", cookiesBlocked: true };
    assert.equal(chooseBrowserBinding(stored, blocked), "platform_storage");
    assert.equal(chooseBrowserBinding(base, blocked), "new_window");
    assert.equal(chooseBrowserBinding(base, { fetchDest: "iframe" }), "partitioned_cookie");
    assert.equal(
      chooseBrowserBinding(base, { fetchDest: "document", cookiesBlocked: true }),
      "partitioned_cookie",
    );
    assert.equal(chooseBrowserBinding(base, {}), "partitioned_cookie");
  });

  const refusals: Array<[string, Record<string, unknown>, Partial<ToolLoginOptions>, LtiErrorCode]> = [
    ["iss missing (case 79)", { iss: undefined }, {}, "missing_parameter"],
    ["login_hint missing", { login_hint: "" }, {}, "missing_parameter"],
    ["target_link_uri missing", { target_link_uri: undefined }, {}, "missing_parameter"],
    ["iss repeated", { iss: [ISS, ISS] }, {}, "invalid_parameter"],
    ["a non-string value", { login_hint: { a: 1 } }, {}, "invalid_parameter"],
    ["unknown issuer (case 80)", { iss: "https://evil.example" }, {}, "platform_unknown"],
    ["issuer with a trailing slash", { iss: `${ISS}/` }, {}, "platform_unknown"],
    ["unknown client_id for the issuer", { client_id: "999" }, {}, "platform_unknown"],
    [
      "several client ids and no client_id (case 81)",
      { client_id: undefined },
      { findPlatforms: async () => [canvas, second] },
      "platform_client_ambiguous",
    ],
    [
      "foreign target_link_uri (case 84)",
      { target_link_uri: "https://evil.example/x" },
      {},
      "target_link_uri_foreign",
    ],
    ["target_link_uri not a URL", { target_link_uri: "/lti/launch" }, {}, "target_link_uri_foreign"],
    [
      "javascript: target_link_uri",
      { target_link_uri: "javascript:alert(1)" },
      {},
      "target_link_uri_foreign",
    ],
    ["unregistered lti_deployment_id (case 83)", { lti_deployment_id: "dep-9" }, {}, "deployment_unknown"],
    [
      "Canvas's deployment_id, unregistered",
      { lti_deployment_id: undefined, deployment_id: "x" },
      {},
      "deployment_unknown",
    ],
    ["lti_deployment_id and deployment_id differ", { deployment_id: "dep-2" }, {}, "invalid_parameter"],
  ];
  for (const [name, over, opts, code] of refusals) {
    it(`refuses: ${name} → ${code}`, async () => {
      assert.equal(await refusal(handleToolLogin(login(over), options(opts))), code);
    });
  }

  it("names the issuer and client in an ambiguous refusal, for the admin", async () => {
    try {
      await handleToolLogin(
        login({ client_id: undefined }),
        options({ findPlatforms: () => [canvas, second] }),
      );
      assert.fail("expected a refusal");
    } catch (e) {
      assert.ok(e instanceof ToolLaunchError);
      assert.equal(e.details.issuer, ISS);
      assert.match(e.message, /2 registrations/);
    }
  });

  it("picks the registration by client_id when an issuer has several, and Canvas's deployment_id", async () => {
    const r = await handleToolLogin(
      login({ client_id: second.clientId, lti_deployment_id: undefined, deployment_id: "dep-2" }),
      options({ findPlatforms: () => [canvas, second] }),
    );
    assert.equal(r.action, "redirect");
    if (r.action !== "redirect") return;
    assert.equal(r.platform.id, "2");
    assert.equal(r.binding.deploymentId, "dep-2");
    assert.equal(new URL(r.redirectUrl).searchParams.get("client_id"), second.clientId);
  });

  it("accepts an issuer with one registration without client_id (case 81)", () => {
    assert.equal(selectPlatform({ iss: ISS }, [canvas]), canvas);
  });
});

describe("buildAuthRequest", () => {
  it("has the fixed values of Security Framework §5.1.1.2", () => {
    assert.deepEqual(
      buildAuthRequest({ clientId: "c", redirectUri: "https://r", loginHint: "l", state: "s", nonce: "n" }),
      {
        scope: "openid",
        response_type: "id_token",
        response_mode: "form_post",
        prompt: "none",
        client_id: "c",
        redirect_uri: "https://r",
        login_hint: "l",
        state: "s",
        nonce: "n",
      },
    );
  });
});
