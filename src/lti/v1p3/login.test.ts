import assert from "node:assert/strict";
import { createHmac, createSecretKey } from "node:crypto";
import { describe, it } from "node:test";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { type LtiErrorCode, MessageHintError, ParameterError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import {
  buildLoginInitiation,
  loginInitiationUrl,
  type SignMessageHintInput,
  signMessageHint,
  type VerifyMessageHintOptions,
  verifyMessageHint,
} from "./login.js";

const T0 = 1_800_000_000;
const clockAt = (s: number) => ({ now: () => new Date(s * 1000) });
const clock = clockAt(T0);
const secret = new Uint8Array(32).fill(7);

const input = {
  issuer: "https://pluto.example",
  loginHint: "user-42",
  targetLinkUri: "https://tool.example/launch",
  messageHint: "hint",
  clientId: "c-1",
  deploymentId: "d-1",
};

describe("the login initiation", () => {
  it("carries iss, login_hint, target_link_uri, lti_message_hint, client_id and lti_deployment_id, always", () => {
    assert.deepEqual(buildLoginInitiation(input), {
      iss: "https://pluto.example",
      login_hint: "user-42",
      target_link_uri: "https://tool.example/launch",
      lti_message_hint: "hint",
      client_id: "c-1",
      lti_deployment_id: "d-1",
    });
  });

  it("offers lti_storage_target when platform storage is on (case 209)", () => {
    assert.equal(buildLoginInitiation({ ...input, storageTarget: "_parent" }).lti_storage_target, "_parent");
  });

  it("as a GET, adds the fields to the initiate login URL's query and keeps the URL's own", () => {
    const url = new URL(
      loginInitiationUrl("https://tool.example/login?tenant=a%20b", buildLoginInitiation(input)),
    );
    assert.equal(url.origin + url.pathname, "https://tool.example/login");
    assert.equal(url.searchParams.get("tenant"), "a b");
    assert.equal(url.searchParams.get("target_link_uri"), "https://tool.example/launch");
    assert.equal(url.searchParams.get("lti_deployment_id"), "d-1");
  });

  const bad: Array<[string, Partial<typeof input>, string]> = [
    ["an empty login_hint", { loginHint: "" }, "loginHint"],
    ["a padded client_id", { clientId: " c-1" }, "clientId"],
    ["a relative target_link_uri", { targetLinkUri: "/launch" }, "targetLinkUri"],
    ["a javascript: target_link_uri", { targetLinkUri: "javascript:alert(1)" }, "targetLinkUri"],
  ];
  for (const [name, over, parameter] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => buildLoginInitiation({ ...input, ...over }),
        (e: unknown) =>
          e instanceof ParameterError && e.code === "invalid_parameter" && e.parameter === parameter,
      );
    });
  }
});

describe("lti_message_hint", () => {
  const bind: SignMessageHintInput = {
    userId: "u-42",
    clientId: "c-1",
    deploymentId: "d-1",
    messageType: "LtiResourceLinkRequest",
    ref: "rl-7",
  };
  const verifyOpts = (over: Partial<VerifyMessageHintOptions> = {}): VerifyMessageHintOptions => ({
    secret,
    clock,
    clientId: "c-1",
    userId: "u-42",
    ...over,
  });

  it("round-trips: signed, short (HS256, 5 minutes), bound to the user, tool, deployment and link", async () => {
    const hint = await signMessageHint(bind, { secret, clock, jti: "j-1" });
    assert.ok(hint.length < 400, `compact (${hint.length} characters)`);
    assert.equal(decodeProtectedHeader(hint).alg, "HS256");
    assert.equal(decodeJwt(hint).exp, T0 + 300);
    assert.deepEqual(await verifyMessageHint(hint, verifyOpts()), {
      userId: "u-42",
      clientId: "c-1",
      deploymentId: "d-1",
      messageType: "LtiResourceLinkRequest",
      ref: "rl-7",
      jti: "j-1",
      expiresAt: new Date((T0 + 300) * 1000),
    });
  });

  it("carries the storage target the login initiation offered, for the auth response (case 209)", async () => {
    const hint = await signMessageHint({ ...bind, storageTarget: "_parent" }, { secret, clock });
    assert.equal((await verifyMessageHint(hint, verifyOpts())).storageTarget, "_parent");
    const without = await signMessageHint(bind, { secret, clock });
    assert.equal("storageTarget" in (await verifyMessageHint(without, verifyOpts())), false);
  });

  it("is single use once consumed (case 94)", async () => {
    const nonceStore = memoryNonceStore(clock);
    const hint = await signMessageHint(bind, { secret, clock });
    await verifyMessageHint(hint, verifyOpts({ nonceStore }));
    await assert.rejects(
      verifyMessageHint(hint, verifyOpts({ nonceStore })),
      (e: unknown) => e instanceof MessageHintError && e.code === "message_hint_reused",
    );
  });

  it("gets a fresh jti each time", async () => {
    const a = decodeJwt(await signMessageHint(bind, { secret, clock })).jti;
    const b = decodeJwt(await signMessageHint(bind, { secret, clock })).jti;
    assert.notEqual(a, b);
  });

  const refusals: Array<[string, () => Promise<string>, Partial<VerifyMessageHintOptions>, LtiErrorCode]> = [
    [
      "past its lifetime",
      () => signMessageHint(bind, { secret, clock, ttlSeconds: 60 }),
      { clock: clockAt(T0 + 61) },
      "message_hint_expired",
    ],
    [
      "for another tool",
      () => signMessageHint(bind, { secret, clock }),
      { clientId: "c-2" },
      "message_hint_mismatch",
    ],
    [
      "for another user",
      () => signMessageHint(bind, { secret, clock }),
      { userId: "u-43" },
      "message_hint_mismatch",
    ],
    [
      "signed under another secret",
      () => signMessageHint(bind, { secret: new Uint8Array(32).fill(8), clock }),
      {},
      "message_hint_invalid",
    ],
    [
      "tampered",
      async () => {
        const [h, , s] = (await signMessageHint(bind, { secret, clock })).split(".");
        return `${h}.${Buffer.from(JSON.stringify({ sub: "u-42", aud: "c-1" })).toString("base64url")}.${s}`;
      },
      {},
      "message_hint_invalid",
    ],
    ["not a JWT", async () => "opaque-handle", {}, "message_hint_invalid"],
  ];
  for (const [name, make, over, code] of refusals) {
    it(`refuses a hint ${name}: ${code}`, async () => {
      const hint = await make();
      await assert.rejects(
        verifyMessageHint(hint, verifyOpts(over)),
        (e: unknown) => e instanceof MessageHintError && e.code === code,
      );
    });
  }

  it("refuses a secret shorter than 256 bits (RFC 7518 §3.2)", async () => {
    await assert.rejects(
      signMessageHint(bind, { secret: new Uint8Array(31), clock }),
      (e: unknown) => e instanceof ParameterError && e.parameter === "secret",
    );
    await assert.rejects(
      verifyMessageHint("a.b.c", verifyOpts({ secret: createSecretKey(new Uint8Array(31)) })),
      (e: unknown) => e instanceof ParameterError && e.parameter === "secret",
    );
  });

  it("takes the secret as bytes or as a KeyObject made from them, alike", async () => {
    const key = createSecretKey(secret);
    const hint = await signMessageHint(bind, { secret: key, clock, jti: "j-2" });
    assert.equal(hint, await signMessageHint(bind, { secret, clock, jti: "j-2" }));
    assert.equal((await verifyMessageHint(hint, verifyOpts({ secret: key }))).jti, "j-2");
  });

  // The hint is an ordinary HS256 JWT: one signed by jose (as earlier versions of Pluto signed them, so a
  // hint issued by a node not yet upgraded still launches) verifies here, and jose verifies ours.
  const joseHint = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "HS256" }) =>
    new SignJWT({ dep: "d-1", mt: "LtiResourceLinkRequest", ref: "rl-7", ...claims })
      .setProtectedHeader(header as { alg: string })
      .sign(secret);
  const joseClaims = {
    iss: "pluto:lti_message_hint",
    sub: "u-42",
    aud: "c-1",
    jti: "j-3",
    iat: T0,
    exp: T0 + 300,
  };

  it("is the JWT jose makes and checks (RFC 7519), byte for byte", async () => {
    const ours = await signMessageHint(bind, { secret, clock, jti: "j-3" });
    assert.equal(ours, await joseHint(joseClaims));
    const { payload, protectedHeader } = await jwtVerify(ours, secret, {
      algorithms: ["HS256"],
      issuer: "pluto:lti_message_hint",
      audience: "c-1",
      currentDate: clock.now(),
    });
    assert.deepEqual(protectedHeader, { alg: "HS256" });
    assert.equal(payload.sub, "u-42");
    assert.equal((await verifyMessageHint(await joseHint(joseClaims), verifyOpts())).jti, "j-3");
  });

  const forged: Array<[string, () => Promise<string>, LtiErrorCode]> = [
    ["signed with another algorithm", () => joseHint(joseClaims, { alg: "HS512" }), "message_hint_invalid"],
    [
      "naming a critical extension",
      () => joseHint(joseClaims, { alg: "HS256", crit: ["b64"], b64: true }),
      "message_hint_invalid",
    ],
    ["of another issuer", () => joseHint({ ...joseClaims, iss: "someone" }), "message_hint_invalid"],
    ["without iat", () => joseHint({ ...joseClaims, iat: undefined }), "message_hint_invalid"],
    ["with a text exp", () => joseHint({ ...joseClaims, exp: String(T0 + 300) }), "message_hint_invalid"],
    ["not valid before later", () => joseHint({ ...joseClaims, nbf: T0 + 10 }), "message_hint_invalid"],
    ["whose exp is now", () => joseHint({ ...joseClaims, exp: T0 }), "message_hint_expired"],
    [
      "whose signature is padded",
      async () => `${await signMessageHint(bind, { secret, clock })}=`,
      "message_hint_invalid",
    ],
    [
      "whose payload is not an object",
      async () => {
        const [h] = (await signMessageHint(bind, { secret, clock })).split(".");
        const p = Buffer.from("[1]").toString("base64url");
        return `${h}.${p}.${createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url")}`;
      },
      "message_hint_invalid",
    ],
  ];
  for (const [name, make, code] of forged) {
    it(`refuses a hint ${name}: ${code}`, async () => {
      const hint = await make();
      await assert.rejects(
        verifyMessageHint(hint, verifyOpts()),
        (e: unknown) => e instanceof MessageHintError && e.code === code,
      );
    });
  }
});
