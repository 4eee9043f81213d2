// The lti13-platform bench's authentication requests: read from the launch page Pluto renders, accepted by
// Pluto's own checks, each hint handed out once; a hint used twice is refused, which is why there is a pool.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { h } from "preact";
import { LaunchFormPage } from "../src/features/lti-consumer/launch/launch.views.js";
import { AuthRequestError } from "../src/lti/errors.js";
import { checkAuthRequest } from "../src/lti/v1p3/auth-request.js";
import { buildLoginInitiation, signMessageHint } from "../src/lti/v1p3/login.js";
import { renderPage } from "../src/views/html.js";
import {
  authRequestPath,
  HINT_LIFETIME_SECONDS,
  HintPool,
  type LoginInitiation,
  loginInitiationOf,
} from "./lti13-auth.js";

const clock = { now: () => new Date() };
const secret = new Uint8Array(randomBytes(32));
const REDIRECT = "http://127.0.0.1:9/launch";

async function launchPage(userId: string): Promise<string> {
  const fields = buildLoginInitiation({
    issuer: "http://pluto.example",
    loginHint: `login-${userId}`,
    targetLinkUri: REDIRECT,
    messageHint: await signMessageHint(
      { userId, clientId: "client-1", deploymentId: "1", messageType: "LtiResourceLinkRequest", ref: "7" },
      { secret, clock },
    ),
    clientId: "client-1",
    deploymentId: "1",
  });
  return renderPage(
    h(LaunchFormPage, { name: "Tool", url: "http://127.0.0.1:9/login", fields: { ...fields } }),
  );
}

function paramsOf(path: string): Record<string, string> {
  const [route, query] = path.split("?");
  assert.equal(route, "/lti/auth");
  return Object.fromEntries(new URLSearchParams(query));
}

const spent = new Set<string>();
const options = {
  findClient: async (clientId: string) =>
    clientId === "client-1" ? { clientId, redirectUris: [REDIRECT], enabled: true } : undefined,
  messageHintSecret: secret,
  clock,
  nonceStore: {
    seen: async (_key: string, jti: string) => {
      if (spent.has(jti)) return true;
      spent.add(jti);
      return false;
    },
  },
  currentUser: { userId: "42", loginHint: "login-42" },
};

describe("the lti13-platform bench's authentication requests", () => {
  it("are read from the launch page and pass Pluto's checks, each with its own state and nonce", async () => {
    const login = loginInitiationOf(await launchPage("42"));
    assert.equal(login.client_id, "client-1");
    assert.equal(login.login_hint, "login-42");
    const first = paramsOf(authRequestPath(login, REDIRECT, 1));
    const ok = await checkAuthRequest(first, options);
    assert.deepEqual([ok.redirectUri, ok.hint.userId, ok.hint.ref], [REDIRECT, "42", "7"]);
    assert.equal(ok.state, first.state);
    assert.equal(ok.nonce, first.nonce);
    const second = paramsOf(authRequestPath(login, REDIRECT, 2));
    assert.notEqual(second.nonce, first.nonce);
    assert.notEqual(second.state, first.state);
    // The same hint again: refused, so every measured request needs a hint of its own.
    await assert.rejects(
      checkAuthRequest(second, options),
      (e: unknown) => e instanceof AuthRequestError && e.code === "message_hint_reused",
    );
  });

  it("refuses a launch page that is no LTI 1.3 login initiation", () => {
    const lti11 = renderPage(
      h(LaunchFormPage, { name: "Tool", url: "http://127.0.0.1:9/launch", fields: { oauth_signature: "x" } }),
    );
    assert.throws(() => loginInitiationOf(lti11), /not an LTI 1\.3 login initiation \(no iss, login_hint/);
  });
});

describe("the hint pool", () => {
  const logins = (n: number): LoginInitiation[] =>
    Array.from({ length: n }, (_, i) => ({
      iss: "i",
      login_hint: "l",
      lti_message_hint: `h${i}`,
      client_id: "c",
    }));

  it("hands out each hint once, in order, and says when it is spent", () => {
    const pool = new HintPool(logins(5), 0, () => 0);
    assert.deepEqual(
      pool.take(3, 10).map((l) => l.lti_message_hint),
      ["h0", "h1", "h2"],
    );
    assert.equal(pool.size, 2);
    assert.throws(() => pool.take(3, 10), /the pool has 2 hints, the run needs 3/);
    assert.deepEqual(
      pool.take(2, 10).map((l) => l.lti_message_hint),
      ["h3", "h4"],
    );
  });

  it("refuses a run that would end when the hints are about to expire", () => {
    let now = 0;
    const pool = new HintPool(logins(4), 0, () => now);
    assert.equal(pool.take(1, HINT_LIFETIME_SECONDS - 31).length, 1);
    now = 200_000;
    assert.throws(
      () => pool.take(1, 70),
      /hints would be 270 s old by the end of the run \(they live 300 s\)/,
    );
    assert.equal(pool.size, 3);
  });
});
