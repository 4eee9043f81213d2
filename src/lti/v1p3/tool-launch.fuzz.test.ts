// Property tests of the tool side's inputs a stranger can reach: handleToolLogin and verifyToolLaunch either
// accept or throw an LtiError with a known code, whatever they are sent; an unsigned or wrongly signed token is
// never accepted; an accepted launch satisfies every claim rule.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { fuzzParams, hostileText, settlesOrLtiError } from "../../../test/support/fuzz.js";
import { memoryNonceStore, type PublicJwk } from "../ports.js";
import { LTI_CLAIM } from "../vocab/claims.js";
import { nonceStoreConsumer, type VerifyToolLaunchOptions, verifyToolLaunch } from "./tool-launch-verify.js";
import { handleToolLogin, type LoginBinding, type RegisteredPlatform } from "./tool-login.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const ISS = "https://lms.example.edu";
const CLIENT = "client-1";
const PLUTO = "https://pluto.example";
const TARGET = `${PLUTO}/lti/1p3/launch`;
const STATE = "s".repeat(43);
const NONCE = "n".repeat(43);

const platform: RegisteredPlatform = {
  id: "1",
  issuer: ISS,
  clientId: CLIENT,
  authEndpoint: `${ISS}/auth`,
  deploymentIds: ["dep-1"],
};
const binding: LoginBinding = {
  state: STATE,
  nonce: NONCE,
  platformId: "1",
  issuer: ISS,
  clientId: CLIENT,
  targetLinkUri: TARGET,
  expiresAt: new Date((NOW + 300) * 1000),
};
const isOwnLaunchUrl = (url: string) => url.startsWith(`${PLUTO}/`);

let key: CryptoKey;
let jwk: PublicJwk;
before(async () => {
  const pair = await generateKeyPair("RS256");
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kty: "RSA", kid: "k1", alg: "RS256" };
});

const options = (): VerifyToolLaunchOptions => ({
  binding,
  browser: { kind: "cookie", value: STATE },
  findPlatform: (id) => (id === "1" ? platform : undefined),
  keysFor: () => ({ current: async () => [jwk], refetch: async () => [jwk] }),
  consumeNonce: nonceStoreConsumer(memoryNonceStore(clock), ISS),
  isOwnLaunchUrl,
  clock,
});
const b64 = (s: string) => Buffer.from(s).toString("base64url");
const json = fc.jsonValue({ maxDepth: 3 });
const value = fc.oneof(hostileText(30), fc.array(hostileText(5), { maxLength: 3 }), fc.anything());

describe("handleToolLogin under arbitrary input", () => {
  it("answers any form with an LtiError or a redirect to the platform's endpoint", async () => {
    const valid: Record<string, unknown> = {
      iss: ISS,
      login_hint: "u",
      target_link_uri: TARGET,
      lti_message_hint: "h",
      client_id: CLIENT,
      lti_deployment_id: "dep-1",
      lti_storage_target: "_parent",
    };
    const form = fc.record(
      Object.fromEntries(Object.keys(valid).map((k) => [k, fc.oneof(fc.constant(valid[k]), value)])),
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(form, fc.dictionary(hostileText(10), value, { maxKeys: 3 }), async (f, extra) => {
        const r = await settlesOrLtiError(() =>
          handleToolLogin(
            { ...extra, ...f },
            {
              findPlatforms: (iss) => (iss === ISS ? [platform] : []),
              isOwnLaunchUrl,
              redirectUri: `${PLUTO}/lti/1p3/redirect`,
              clock,
            },
          ),
        );
        if (r.ok && r.value.action === "redirect") {
          assert.ok(r.value.redirectUrl.startsWith(`${ISS}/auth?`));
          assert.ok(isOwnLaunchUrl(r.value.binding.targetLinkUri));
        }
      }),
      fuzzParams(),
    );
  });
});

describe("verifyToolLaunch under arbitrary input", () => {
  it("refuses arbitrary forms and text with an LtiError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          id_token: fc.oneof(hostileText(200), fc.anything()),
          state: fc.oneof(fc.constant(STATE), value),
        }),
        async (form) => {
          const r = await settlesOrLtiError(() => verifyToolLaunch(form, options()));
          assert.equal(r.ok, false);
        },
      ),
      fuzzParams(),
    );
  });

  it("refuses any header and payload under a signature that is not the platform's", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          json,
          fc.record({
            alg: fc.constantFrom("RS256", "none", "HS256", "PS256"),
            kid: fc.constantFrom("k1", "k2", ""),
          }),
        ),
        json,
        fc.base64String({ maxLength: 64 }),
        async (header, payload, sig) => {
          const token = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${sig.replace(/=/g, "").replace(/\+/g, "-").replace(/\//g, "_")}`;
          const r = await settlesOrLtiError(() =>
            verifyToolLaunch({ id_token: token, state: STATE }, options()),
          );
          assert.equal(r.ok, false);
        },
      ),
      fuzzParams(),
    );
  });

  it("accepts a signed id_token only when its claims follow every rule", async () => {
    // Mostly the good value; now and then a wrong one or any JSON value.
    const usually = <T>(good: fc.Arbitrary<T>, ...bad: unknown[]) =>
      fc.oneof(
        { weight: 12, arbitrary: good as fc.Arbitrary<unknown> },
        { weight: 1, arbitrary: bad.length === 0 ? json : fc.constantFrom(...bad) },
        { weight: 1, arbitrary: json },
      );
    const claims = fc.record(
      {
        iss: usually(fc.constant(ISS), `${ISS}/`),
        aud: usually(fc.constantFrom(CLIENT, [CLIENT], [CLIENT, "x"]), "other", [], ["x", "y"]),
        azp: usually(fc.constant(CLIENT), "x"),
        sub: usually(fc.constant("u1"), ""),
        exp: usually(fc.integer({ min: NOW - 30, max: NOW + 300 }), NOW - 200),
        iat: usually(fc.integer({ min: NOW - 500, max: NOW + 50 }), NOW + 100, NOW - 700),
        nonce: usually(fc.constant(NONCE), "other"),
        [LTI_CLAIM.messageType]: usually(fc.constant("LtiResourceLinkRequest"), "LtiDeepLinkingRequest"),
        [LTI_CLAIM.version]: usually(fc.constant("1.3.0"), "1.1"),
        [LTI_CLAIM.deploymentId]: usually(fc.constant("dep-1"), "dep-2"),
        [LTI_CLAIM.targetLinkUri]: usually(fc.constant(TARGET), "https://evil.example/"),
        [LTI_CLAIM.resourceLink]: usually(fc.constant({ id: "rl" }), {}, { id: 3 }),
        [LTI_CLAIM.roles]: usually(
          fc.array(fc.constantFrom("Learner", "Instructor", "x"), { maxLength: 3 }),
          "Learner",
        ),
        [LTI_CLAIM.custom]: usually(fc.dictionary(fc.string({ maxLength: 5 }), json, { maxKeys: 3 }), ["a"]),
      },
      {
        requiredKeys: [
          "iss",
          "aud",
          "sub",
          "exp",
          "iat",
          "nonce",
          LTI_CLAIM.messageType,
          LTI_CLAIM.version,
          LTI_CLAIM.deploymentId,
          LTI_CLAIM.targetLinkUri,
          LTI_CLAIM.resourceLink,
          LTI_CLAIM.roles,
        ],
      },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(claims, async (c) => {
        const token = await new SignJWT(c as Record<string, unknown>)
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .sign(key);
        const r = await settlesOrLtiError(() =>
          verifyToolLaunch({ id_token: token, state: STATE }, options()),
        );
        if (!r.ok) return;
        accepted++;
        const p = r.value.claims;
        const l = r.value;
        assert.equal(p.iss, ISS);
        assert.ok(p.aud === CLIENT || (Array.isArray(p.aud) && p.aud.includes(CLIENT)));
        assert.ok(!Array.isArray(p.aud) || p.aud.length === 1 || p.azp === CLIENT);
        assert.ok(typeof p.exp === "number" && p.exp >= NOW - 60);
        assert.ok(typeof p.iat === "number" && p.iat <= NOW + 60);
        assert.equal(p.nonce, NONCE);
        assert.equal(l.deploymentId, "dep-1");
        assert.equal(l.targetLinkUri, TARGET);
        assert.equal(p[LTI_CLAIM.version], "1.3.0");
        assert.ok(typeof l.sub === "string" && l.sub !== "");
        assert.ok(Array.isArray(l.roles));
        assert.ok(l.messageType !== "LtiResourceLinkRequest" || l.resourceLink?.id === "rl");
        assert.ok(Object.values(l.custom).every((v) => typeof v === "string"));
      }),
      fuzzParams(200),
    );
    assert.ok(accepted >= 3, `some generated id_tokens are valid (${accepted})`);
  });
});
