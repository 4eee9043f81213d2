// Property tests of the token endpoint's input checks a stranger can reach: parseTokenRequest and
// peekClientAssertion either return or throw an LtiError with a known code, whatever form they are sent;
// a mutated assertion is refused, or (a non-canonical base64url spelling of the same bytes) says exactly
// what the original said.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  fuzzParams,
  hostileText,
  mutatedText,
  returnsOrLtiError,
  settlesOrLtiError,
} from "../../../test/support/fuzz.js";
import { memoryNonceStore, type PublicJwk } from "../ports.js";
import {
  JWT_BEARER_ASSERTION,
  parseTokenRequest,
  peekClientAssertion,
  verifyClientAssertion,
} from "./client-assertion.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const TOKEN_URL = "https://pluto.example/lti/token";
let key: CryptoKey;
let jwk: PublicJwk;

before(async () => {
  const pair = await generateKeyPair("RS256");
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kty: "RSA", kid: "k1", alg: "RS256" };
});

const value = fc.oneof(hostileText(), fc.array(hostileText(), { maxLength: 3 }), fc.constant(undefined));

describe("token request input (property)", () => {
  it("parseTokenRequest returns a request or an LtiError for any form", () => {
    fc.assert(
      fc.property(
        fc.record({
          grant_type: fc.oneof(value, fc.constant("client_credentials")),
          client_assertion_type: fc.oneof(value, fc.constant(JWT_BEARER_ASSERTION)),
          client_assertion: value,
          scope: value,
        }),
        fc.oneof(hostileText(), fc.constant("application/x-www-form-urlencoded")),
        (form, type) => {
          const r = returnsOrLtiError(() => parseTokenRequest(type, form));
          if (r !== undefined) {
            assert.equal(typeof r.clientAssertion, "string");
            assert.ok(r.scopes.length > 0 && r.scopes.every((s) => s !== "" && !/\s/.test(s)));
          }
        },
      ),
      fuzzParams(),
    );
  });

  it("peekClientAssertion returns a client_id or an LtiError for any text", () => {
    fc.assert(
      fc.property(hostileText(80), (text) => {
        returnsOrLtiError(() => peekClientAssertion(text));
      }),
      fuzzParams(),
    );
  });

  it("verifyClientAssertion accepts no mutation of a valid assertion that changes what it says", async () => {
    const valid = await new SignJWT({
      iss: "c1",
      sub: "c1",
      aud: TOKEN_URL,
      iat: NOW,
      exp: NOW + 60,
      jti: "j",
    })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(key);
    await fc.assert(
      fc.asyncProperty(mutatedText(valid), async (text) => {
        fc.pre(text !== valid);
        const r = await settlesOrLtiError(() =>
          verifyClientAssertion(text, {
            clientId: "c1",
            tokenUrl: TOKEN_URL,
            keys: { current: async () => [jwk], refetch: async () => [jwk] },
            clock,
            jtiStore: memoryNonceStore(clock),
          }),
        );
        if (r.ok) assert.deepEqual(r.value, { clientId: "c1", jti: "j", exp: NOW + 60 });
      }),
      fuzzParams(200),
    );
  });
});
