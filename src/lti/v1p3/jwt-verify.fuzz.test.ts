// Property tests of the LTI 1.3 input checks a stranger can reach: verifyToolJwt, checkAuthRequest and
// verifyMessageHint either accept or throw an LtiError with a known code, whatever they are sent; an
// unsigned or wrongly signed token is never accepted; an accepted token satisfies every claim rule.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { fuzzParams, hostileText, settlesOrLtiError, unicodeText } from "../../../test/support/fuzz.js";
import { memoryNonceStore, type PublicJwk } from "../ports.js";
import { checkAuthRequest } from "./auth-request.js";
import { type VerifyToolJwtOptions, verifyToolJwt } from "./jwt-verify.js";
import { signMessageHint, verifyMessageHint } from "./login.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const TOOL = "tool-1";
const PLATFORM = "https://pluto.example";
let key: CryptoKey;
let jwk: PublicJwk;

before(async () => {
  const pair = await generateKeyPair("RS256");
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kty: "RSA", kid: "k1", alg: "RS256" };
});

const options = (): VerifyToolJwtOptions => ({
  expectedIssuer: TOOL,
  expectedAudience: PLATFORM,
  keys: { current: async () => [jwk], refetch: async () => [jwk] },
  clock,
  nonceStore: memoryNonceStore(clock),
  maxAgeSeconds: 600,
});
const b64 = (s: string) => Buffer.from(s).toString("base64url");
const json = fc.jsonValue({ maxDepth: 3 });

describe("verifyToolJwt under arbitrary input", () => {
  it("refuses arbitrary text with an LtiError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileText(200), fc.anything()), async (token) => {
        const r = await settlesOrLtiError(() => verifyToolJwt(token, options()));
        assert.equal(r.ok, false);
      }),
      fuzzParams(),
    );
  });

  it("refuses any header and payload under a signature that is not the key's", async () => {
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
          const r = await settlesOrLtiError(() => verifyToolJwt(token, options()));
          assert.equal(r.ok, false);
        },
      ),
      fuzzParams(),
    );
  });

  it("accepts a signed token only when its claims follow every rule", async () => {
    const usually = <T>(good: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: json });
    const time = usually(fc.integer({ min: NOW - 300, max: NOW + 100 }));
    const claims = fc.record(
      {
        iss: usually(fc.constant(TOOL)),
        aud: usually(fc.constantFrom(PLATFORM, [PLATFORM, "x"], [PLATFORM])),
        azp: usually(fc.constant(PLATFORM)),
        exp: time,
        iat: time,
        nbf: time,
        nonce: usually(unicodeText(10)),
      },
      { requiredKeys: ["iss", "aud", "exp", "iat", "nonce"] },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(claims, async (c) => {
        const token = await new SignJWT(c as Record<string, unknown>)
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .sign(key);
        const r = await settlesOrLtiError(() => verifyToolJwt(token, options()));
        if (!r.ok) return;
        accepted++;
        const p = r.value.payload;
        assert.equal(p.iss, TOOL);
        assert.ok(
          p.aud === PLATFORM || (Array.isArray(p.aud) && p.aud.length === 1 && p.aud[0] === PLATFORM),
        );
        assert.ok(p.azp === undefined || p.azp === PLATFORM);
        assert.ok(typeof p.exp === "number" && p.exp >= NOW - 60);
        assert.ok(typeof p.iat === "number" && p.iat <= NOW + 60 && p.iat >= NOW - 660);
        assert.ok(p.nbf === undefined || (typeof p.nbf === "number" && p.nbf <= NOW + 60));
        assert.ok(typeof p.nonce === "string" && p.nonce !== "");
      }),
      fuzzParams(150),
    );
    assert.ok(accepted >= 5, `some generated tokens are valid (${accepted})`);
  });
});

describe("checkAuthRequest and verifyMessageHint under arbitrary input", () => {
  const secret = new Uint8Array(32).fill(1);
  it("answer any form with an AuthRequestError or accept it, never anything else", async () => {
    const hint = await signMessageHint(
      { userId: "u", clientId: "c", deploymentId: "d", messageType: "LtiResourceLinkRequest", ref: "r" },
      { secret, clock },
    );
    const valid: Record<string, unknown> = {
      scope: "openid",
      response_type: "id_token",
      response_mode: "form_post",
      prompt: "none",
      client_id: "c",
      redirect_uri: "https://tool.example/r",
      login_hint: "u",
      lti_message_hint: hint,
      nonce: "n",
      state: "s",
    };
    const value = fc.oneof(hostileText(30), fc.array(hostileText(5), { maxLength: 3 }), fc.anything());
    const form = fc.record(
      Object.fromEntries(Object.keys(valid).map((k) => [k, fc.oneof(fc.constant(valid[k]), value)])),
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(form, fc.dictionary(hostileText(10), value, { maxKeys: 3 }), async (f, extra) => {
        await settlesOrLtiError(() =>
          checkAuthRequest(
            { ...extra, ...f },
            {
              findClient: (id) =>
                id === "c"
                  ? { clientId: "c", redirectUris: ["https://tool.example/r"], enabled: true }
                  : undefined,
              messageHintSecret: secret,
              clock,
              nonceStore: memoryNonceStore(clock),
              currentUser: { loginHint: "u", userId: "u" },
            },
          ),
        );
      }),
      fuzzParams(),
    );
    await fc.assert(
      fc.asyncProperty(hostileText(300), async (h) => {
        const r = await settlesOrLtiError(() => verifyMessageHint(h, { secret, clock, clientId: "c" }));
        assert.equal(r.ok, false);
      }),
      fuzzParams(),
    );
  });
});
