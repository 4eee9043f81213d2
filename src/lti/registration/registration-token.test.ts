// The registration token and the registration URL (Dynamic Registration 1.0 §3.3, §3.5.2; cases 189, 192, 195).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyPair, SignJWT } from "jose";
import { isLtiError, RegistrationError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import {
  buildRegistrationUrl,
  issueRegistrationToken,
  type RegistrationTokenOptions,
  registrationTokenFromHeader,
  spendRegistrationToken,
  verifyRegistrationToken,
} from "./registration-token.js";

const NOW = new Date("2026-12-02T12:00:00Z");
const at = (d: Date) => ({ now: () => d });
const secret = new TextEncoder().encode("a site secret of at least thirty-two bytes!!");
const options: RegistrationTokenOptions = {
  issuer: "https://pluto.example",
  registrationEndpoint: "https://pluto.example/lti/1.3/register",
  key: { alg: "HS256", secret },
  clock: at(NOW),
};

const refusedWith = (code: string) => (e: unknown) => isLtiError(e) && e.code === code;

describe("the registration token", () => {
  it("round-trips with HS256, carrying who opened the registration, and is spent once", async () => {
    const issued = await issueRegistrationToken({ ...options, subject: "user-7", ttlSeconds: 600 });
    assert.equal(issued.expiresAt.getTime(), NOW.getTime() + 600_000);
    const claims = await verifyRegistrationToken(issued.token, options);
    assert.deepEqual(claims, { jti: issued.jti, sub: "user-7", expiresAt: issued.expiresAt });
    const store = memoryNonceStore(at(NOW));
    await spendRegistrationToken(claims, store);
    const again = await verifyRegistrationToken(issued.token, options);
    await assert.rejects(spendRegistrationToken(again, store), refusedWith("registration_token_used"));
  });

  it("round-trips with RS256 and the platform key's kid", async () => {
    const pair = await generateKeyPair("RS256");
    const rs = { ...options, key: { alg: "RS256" as const, ...pair, kid: "k1" } };
    const issued = await issueRegistrationToken(rs);
    assert.equal(JSON.parse(Buffer.from(issued.token.split(".")[0] ?? "", "base64url").toString()).kid, "k1");
    assert.equal((await verifyRegistrationToken(issued.token, rs)).jti, issued.jti);
  });

  it("gives each token its own jti", async () => {
    const a = await issueRegistrationToken(options);
    const b = await issueRegistrationToken(options);
    assert.notEqual(a.jti, b.jti);
  });

  it("refuses an expired, foreign, retargeted, re-typed or unsigned token with invalid_registration_token", async () => {
    const issued = await issueRegistrationToken({ ...options, ttlSeconds: 60 });
    const other = new TextEncoder().encode("another secret of at least thirty-two bytes!");
    const iat = Math.floor(NOW.getTime() / 1000);
    const hand = (header: Record<string, unknown>, claims: Record<string, unknown>) =>
      new SignJWT({
        jti: "j",
        iss: options.issuer,
        aud: options.registrationEndpoint,
        iat,
        exp: iat + 60,
        ...claims,
      })
        .setProtectedHeader({ alg: "HS256", ...header })
        .sign(secret);
    const cases: Array<[string, Promise<string> | string, RegistrationTokenOptions]> = [
      ["expired", issued.token, { ...options, clock: at(new Date(NOW.getTime() + 61_000)) }],
      ["signed with another secret", issued.token, { ...options, key: { alg: "HS256", secret: other } }],
      ["for another endpoint", issued.token, { ...options, registrationEndpoint: "https://pluto.example/x" }],
      ["from another issuer", issued.token, { ...options, issuer: "https://other.example" }],
      ["of another type", hand({ typ: "JWT" }, {}), options],
      ["without jti", hand({ typ: "lti-registration+jwt" }, { jti: undefined }), options],
      ["not a JWT", "abc", options],
      [
        "alg none",
        `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.`,
        options,
      ],
    ];
    for (const [what, token, opts] of cases) {
      await assert.rejects(verifyRegistrationToken(await token, opts), (e) => {
        assert.ok(e instanceof RegistrationError, what);
        assert.equal(e.code, "invalid_registration_token", what);
        assert.equal(e.body.error, "invalid_token", what);
        return true;
      });
    }
  });

  it("is read from a Bearer Authorization header, absent when there is none", () => {
    assert.equal(registrationTokenFromHeader("Bearer abc.def-_~+/="), "abc.def-_~+/=");
    assert.equal(registrationTokenFromHeader("bearer x"), "x");
    assert.equal(registrationTokenFromHeader(undefined), undefined);
    assert.equal(registrationTokenFromHeader(""), undefined);
    for (const h of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer\u0000x"])
      assert.throws(() => registrationTokenFromHeader(h), refusedWith("invalid_registration_token"), h);
  });
});

describe("the registration URL", () => {
  const cfg = "https://pluto.example/lti/1.3/openid-configuration";
  it("adds openid_configuration and registration_token, encoded", () => {
    assert.equal(
      buildRegistrationUrl("https://tool.example/register", {
        openidConfiguration: cfg,
        registrationToken: "a.b+c",
      }),
      "https://tool.example/register?openid_configuration=https%3A%2F%2Fpluto.example%2Flti%2F1.3%2Fopenid-configuration&registration_token=a.b%2Bc",
    );
  });

  it("keeps the tool's own query as written, and the fragment last", () => {
    assert.equal(
      buildRegistrationUrl("https://tool.example/register?tenant=a%20b&x=1#top", {
        openidConfiguration: cfg,
      }),
      `https://tool.example/register?tenant=a%20b&x=1&openid_configuration=${encodeURIComponent(cfg)}#top`,
    );
    assert.equal(
      buildRegistrationUrl("https://tool.example/register?", { openidConfiguration: cfg }),
      `https://tool.example/register?openid_configuration=${encodeURIComponent(cfg)}`,
    );
    const u = new URL(
      buildRegistrationUrl("https://tool.example/r?a=1&a=2", {
        openidConfiguration: cfg,
        registrationToken: "t",
      }),
    );
    assert.deepEqual(u.searchParams.getAll("a"), ["1", "2"]);
    assert.equal(u.searchParams.get("openid_configuration"), cfg);
    assert.equal(u.searchParams.get("registration_token"), "t");
  });

  it("refuses a URL that is not http(s) or already carries the parameters", () => {
    for (const url of [
      "/register",
      "javascript:alert(1)",
      "https://tool.example/r?openid_configuration=x",
      "https://t.example/?registration_token=y",
    ])
      assert.throws(
        () => buildRegistrationUrl(url, { openidConfiguration: cfg }),
        refusedWith("invalid_parameter"),
        url,
      );
  });
});
