import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthRequestError, type LtiErrorCode, MessageHintError, type OidcErrorCode } from "../errors.js";
import { memoryNonceStore, type ToolClient } from "../ports.js";
import {
  type AuthRequestOptions,
  buildAuthErrorResponse,
  buildAuthResponse,
  checkAuthRequest,
} from "./auth-request.js";
import { signMessageHint, verifyMessageHint } from "./login.js";

const T0 = 1_800_000_000;
const clock = { now: () => new Date(T0 * 1000) };
const secret = new Uint8Array(32).fill(3);
const REDIRECT = "https://tool.example/launch";
const clients: Record<string, ToolClient> = {
  "c-1": { clientId: "c-1", redirectUris: [REDIRECT, "https://tool.example/deep-link"], enabled: true },
  "c-off": { clientId: "c-off", redirectUris: [REDIRECT], enabled: false },
};

function options(over: Partial<AuthRequestOptions> = {}): AuthRequestOptions {
  return {
    findClient: (id) => clients[id],
    messageHintSecret: secret,
    clock,
    nonceStore: memoryNonceStore(clock),
    currentUser: { loginHint: "login-42", userId: "u-42" },
    ...over,
  };
}

async function request(over: Record<string, unknown> = {}, clientId = "c-1") {
  const hint = await signMessageHint(
    { userId: "u-42", clientId, deploymentId: "d-1", messageType: "LtiResourceLinkRequest", ref: "rl-7" },
    { secret, clock },
  );
  const params: Record<string, unknown> = {
    scope: "openid",
    response_type: "id_token",
    response_mode: "form_post",
    prompt: "none",
    client_id: clientId,
    redirect_uri: REDIRECT,
    login_hint: "login-42",
    lti_message_hint: hint,
    nonce: "nonce-abc",
    state: "state-xyz",
    ...over,
  };
  for (const [k, v] of Object.entries(params)) if (v === undefined) delete params[k];
  return params;
}

describe("checkAuthRequest accepts", () => {
  it("a complete request: the client, the redirect URI, the nonce and state to echo, the hint's binding", async () => {
    const ok = await checkAuthRequest(await request(), options());
    assert.equal(ok.client.clientId, "c-1");
    assert.equal(ok.redirectUri, REDIRECT);
    assert.equal(ok.nonce, "nonce-abc");
    assert.equal(ok.state, "state-xyz");
    assert.equal(ok.hint.ref, "rl-7");
    assert.equal(ok.hint.deploymentId, "d-1");
  });

  it("a request without state (OIDC makes it RECOMMENDED, not required)", async () => {
    const ok = await checkAuthRequest(await request({ state: undefined }), options());
    assert.equal(ok.state, undefined);
  });

  it("any one of the registered redirect URIs", async () => {
    const ok = await checkAuthRequest(
      await request({ redirect_uri: "https://tool.example/deep-link" }),
      options(),
    );
    assert.equal(ok.redirectUri, "https://tool.example/deep-link");
  });
});

describe("checkAuthRequest refuses", () => {
  type Case = [
    string,
    Record<string, unknown>,
    LtiErrorCode,
    OidcErrorCode,
    boolean,
    Partial<AuthRequestOptions>?,
    string?,
  ];
  const cases: Case[] = [
    // Not redirected: RFC 6749 §4.1.2.1 (client_id or redirect_uri missing or invalid).
    ["no client_id", { client_id: undefined }, "auth_missing_parameter", "invalid_request", false],
    [
      "an unknown client_id (case 93)",
      { client_id: "c-9" },
      "auth_unknown_client",
      "unauthorized_client",
      false,
    ],
    ["no redirect_uri", { redirect_uri: undefined }, "auth_missing_parameter", "invalid_request", false],
    [
      "an unregistered redirect_uri (case 91)",
      { redirect_uri: "https://evil.example/launch" },
      "auth_invalid_redirect_uri",
      "invalid_request",
      false,
    ],
    [
      "a redirect_uri with a trailing slash (byte for byte, case 87)",
      { redirect_uri: `${REDIRECT}/` },
      "auth_invalid_redirect_uri",
      "invalid_request",
      false,
    ],
    [
      "a redirect_uri in another case",
      { redirect_uri: REDIRECT.toUpperCase() },
      "auth_invalid_redirect_uri",
      "invalid_request",
      false,
    ],
    [
      "a redirect_uri with a query added",
      { redirect_uri: `${REDIRECT}?x=1` },
      "auth_invalid_redirect_uri",
      "invalid_request",
      false,
    ],
    [
      "client_id sent twice",
      { client_id: ["c-1", "c-2"] },
      "auth_duplicate_parameter",
      "invalid_request",
      false,
    ],
    // Posted back to the tool with state.
    [
      "no scope (case 88)",
      { scope: undefined },
      "auth_missing_parameter",
      "invalid_request",
      true,
      {},
      "scope",
    ],
    [
      "no nonce (case 88)",
      { nonce: undefined },
      "auth_missing_parameter",
      "invalid_request",
      true,
      {},
      "nonce",
    ],
    [
      "no login_hint",
      { login_hint: undefined },
      "auth_missing_parameter",
      "invalid_request",
      true,
      {},
      "login_hint",
    ],
    [
      "no lti_message_hint",
      { lti_message_hint: undefined },
      "auth_missing_parameter",
      "invalid_request",
      true,
      {},
      "lti_message_hint",
    ],
    ["no prompt", { prompt: undefined }, "auth_missing_parameter", "invalid_request", true, {}, "prompt"],
    [
      "scope openid profile (case 89)",
      { scope: "openid profile" },
      "auth_invalid_scope",
      "invalid_scope",
      true,
    ],
    [
      "response_type code (case 90)",
      { response_type: "code" },
      "auth_unsupported_response_type",
      "unsupported_response_type",
      true,
    ],
    [
      "response_mode query (case 90)",
      { response_mode: "query" },
      "auth_invalid_response_mode",
      "invalid_request",
      true,
    ],
    ["prompt login", { prompt: "login" }, "auth_invalid_prompt", "invalid_request", true],
    [
      "nonce sent twice",
      { nonce: ["a", "b"] },
      "auth_duplicate_parameter",
      "invalid_request",
      true,
      {},
      "nonce",
    ],
    [
      "a login_hint for another user (case 92)",
      { login_hint: "login-43" },
      "auth_login_required",
      "login_required",
      true,
    ],
    [
      "no platform session (case 97)",
      {},
      "auth_login_required",
      "login_required",
      true,
      { currentUser: undefined },
    ],
    [
      "a hint issued to another session user",
      {},
      "message_hint_mismatch",
      "invalid_request",
      true,
      { currentUser: { loginHint: "login-42", userId: "u-99" } },
    ],
    [
      "a hint that is not ours",
      { lti_message_hint: "forged" },
      "message_hint_invalid",
      "invalid_request",
      true,
    ],
    [
      "a hint past its lifetime",
      {},
      "message_hint_expired",
      "invalid_request",
      true,
      { clock: { now: () => new Date((T0 + 301) * 1000) } },
    ],
  ];
  for (const [name, over, code, oidc, sendToTool, opts, parameter] of cases) {
    it(`${name}: ${code} → ${oidc}${sendToTool ? ", posted to the tool" : ", not redirected"}`, async () => {
      await assert.rejects(checkAuthRequest(await request(over), options(opts)), (e: unknown) => {
        assert.ok(e instanceof AuthRequestError, `expected an AuthRequestError, got ${String(e)}`);
        assert.equal(e.code, code);
        assert.equal(e.oidcError, oidc);
        assert.equal(e.sendToTool, sendToTool);
        if (parameter !== undefined) assert.equal(e.details.parameter, parameter);
        const response = buildAuthErrorResponse(e);
        if (sendToTool) {
          assert.deepEqual(response, {
            redirectUri: REDIRECT,
            fields: { error: oidc, error_description: e.message, state: "state-xyz" },
          });
        } else assert.equal(response, undefined);
        return true;
      });
    });
  }

  it("a hint for another tool, even one that is registered", async () => {
    const params = { ...(await request()), client_id: "c-off" };
    await assert.rejects(
      checkAuthRequest(params, options()),
      (e: unknown) => e instanceof AuthRequestError && e.code === "message_hint_mismatch" && e.sendToTool,
    );
  });

  it("a tool that is not enabled (case 93), posted to its valid redirect URI", async () => {
    await assert.rejects(
      checkAuthRequest(await request({}, "c-off"), options()),
      (e: unknown) =>
        e instanceof AuthRequestError &&
        e.code === "auth_client_not_enabled" &&
        e.oidcError === "unauthorized_client" &&
        e.sendToTool,
    );
  });

  it("a replayed request (case 94), while a request refused for another reason leaves the hint usable", async () => {
    const opts = options();
    const params = await request();
    await assert.rejects(
      checkAuthRequest({ ...params, prompt: "login" }, opts),
      (e: unknown) => (e as AuthRequestError).code === "auth_invalid_prompt",
    );
    await checkAuthRequest(params, opts);
    await assert.rejects(
      checkAuthRequest(params, opts),
      (e: unknown) => e instanceof AuthRequestError && e.code === "message_hint_reused" && e.sendToTool,
    );
  });
});

describe("checkAuthRequest with the hint verified beforehand (verifiedHint)", () => {
  const verifiedFor = async (params: Record<string, unknown>) => {
    const hint = params.lti_message_hint as string;
    const clientId = params.client_id as string;
    return { hint, clientId, outcome: await verifyMessageHint(hint, { secret, clock, clientId }) };
  };
  // A secret the hint was not signed with: a request accepted under it was not verified a second time.
  const otherSecret = new Uint8Array(32).fill(9);

  it("takes its claims without checking the signature again, and still spends it once", async () => {
    const params = await request();
    const opts = options({ messageHintSecret: otherSecret, verifiedHint: await verifiedFor(params) });
    const ok = await checkAuthRequest(params, opts);
    assert.equal(ok.hint.ref, "rl-7");
    assert.equal(ok.hint.userId, "u-42");
    await assert.rejects(
      checkAuthRequest(params, opts),
      (e: unknown) => e instanceof AuthRequestError && e.code === "message_hint_reused" && e.sendToTool,
    );
  });

  it("still checks the user it was issued to against the session's", async () => {
    const params = await request();
    await assert.rejects(
      checkAuthRequest(
        params,
        options({
          verifiedHint: await verifiedFor(params),
          currentUser: { loginHint: "login-42", userId: "u-99" },
        }),
      ),
      (e: unknown) =>
        e instanceof AuthRequestError && e.code === "message_hint_mismatch" && e.details.reason === "user",
    );
  });

  it("keeps its refusal, posted to the tool with state, after the request's own checks", async () => {
    const params = await request();
    const expired = new MessageHintError(
      "message_hint_expired",
      "The launch is no longer valid: start it again",
    );
    const verifiedHint = { hint: params.lti_message_hint as string, clientId: "c-1", outcome: expired };
    await assert.rejects(checkAuthRequest(params, options({ verifiedHint })), (e: unknown) => {
      assert.ok(e instanceof AuthRequestError);
      assert.equal(e.code, "message_hint_expired");
      assert.deepEqual(buildAuthErrorResponse(e)?.fields, {
        error: "invalid_request",
        error_description: expired.message,
        state: "state-xyz",
      });
      return true;
    });
    await assert.rejects(
      checkAuthRequest({ ...params, prompt: "login" }, options({ verifiedHint })),
      (e: unknown) => e instanceof AuthRequestError && e.code === "auth_invalid_prompt",
    );
    await assert.rejects(
      checkAuthRequest(params, options({ verifiedHint, currentUser: undefined })),
      (e: unknown) => e instanceof AuthRequestError && e.code === "auth_login_required",
    );
  });

  it("is ignored for another hint or another client_id: the request's own hint is verified", async () => {
    const params = await request();
    const verified = await verifiedFor(params);
    const otherHint = await request({ client_id: "c-1" });
    // Claims of another hint offered for this request's: not taken, the request's hint is checked.
    const ok = await checkAuthRequest(
      otherHint,
      options({ verifiedHint: { ...verified, outcome: { ...verified.outcome, ref: "elsewhere" } } }),
    );
    assert.equal(ok.hint.ref, "rl-7");
    await assert.rejects(
      checkAuthRequest(
        params,
        options({ messageHintSecret: otherSecret, verifiedHint: { ...verified, clientId: "c-2" } }),
      ),
      (e: unknown) => e instanceof AuthRequestError && e.code === "message_hint_invalid",
    );
  });
});

describe("the authentication response", () => {
  it("form-posts id_token and state, and lti_storage_target when platform storage is offered (cases 96, 209)", () => {
    assert.deepEqual(
      buildAuthResponse({ redirectUri: REDIRECT, idToken: "a.b.c", state: "s", storageTarget: "_parent" }),
      {
        redirectUri: REDIRECT,
        fields: { id_token: "a.b.c", state: "s", lti_storage_target: "_parent" },
      },
    );
    assert.deepEqual(
      buildAuthResponse({ redirectUri: REDIRECT, idToken: "a.b.c", state: undefined }).fields,
      { id_token: "a.b.c" },
    );
  });
});
