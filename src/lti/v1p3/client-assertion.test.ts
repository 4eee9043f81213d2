// The token endpoint's protocol (conformance cases 129–136): the form, the client assertion and the scope
// grant, with jose-signed assertions; each refusal has its RFC 6749 error and a stable reason.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { TokenRequestError } from "../errors.js";
import { type KeysetPort, memoryNonceStore, type PublicJwk } from "../ports.js";
import { AGS_SCOPE, NRPS_SCOPE_MEMBERSHIP_READONLY } from "../vocab/claims.js";
import {
  grantScopes,
  JWT_BEARER_ASSERTION,
  parseTokenRequest,
  peekClientAssertion,
  type VerifyClientAssertionOptions,
  verifyClientAssertion,
} from "./client-assertion.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const CLIENT = "client-abc";
const TOKEN_URL = "https://pluto.example/lti/token";
const FORM = "application/x-www-form-urlencoded";

let key: CryptoKey;
let otherKey: CryptoKey;
let keys: KeysetPort;

before(async () => {
  const a = await generateKeyPair("RS256", { extractable: true });
  key = a.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  const jwk: PublicJwk = { ...(await exportJWK(a.publicKey)), kty: "RSA", kid: "k1", alg: "RS256" };
  keys = { current: async () => [jwk], refetch: async () => [jwk] };
});

let jtiCounter = 0;
function sign(
  claims: JWTPayload = {},
  opts: { header?: Record<string, unknown>; signWith?: CryptoKey; omit?: string[] } = {},
): Promise<string> {
  const payload: JWTPayload = {
    iss: CLIENT,
    sub: CLIENT,
    aud: TOKEN_URL,
    iat: NOW - 5,
    exp: NOW + 55,
    jti: `jti-${++jtiCounter}`,
    ...claims,
  };
  for (const k of opts.omit ?? []) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: "k1", typ: "JWT", ...opts.header } as { alg: string })
    .sign(opts.signWith ?? key);
}

function options(extra: Partial<VerifyClientAssertionOptions> = {}): VerifyClientAssertionOptions {
  return { clientId: CLIENT, tokenUrl: TOKEN_URL, keys, clock, jtiStore: memoryNonceStore(clock), ...extra };
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<TokenRequestError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    assert.ok(e instanceof TokenRequestError, String(e));
    return e;
  }
  assert.fail("expected a refusal");
}

const form = (fields: Record<string, string | string[]>) => ({
  grant_type: "client_credentials",
  client_assertion_type: JWT_BEARER_ASSERTION,
  client_assertion: "a.b.c",
  scope: AGS_SCOPE.score,
  ...fields,
});

describe("parseTokenRequest (case 129, 131, 135)", () => {
  it("reads a well-formed request: the assertion and the scopes, deduplicated in order", () => {
    const r = parseTokenRequest(
      "application/x-www-form-urlencoded; charset=utf-8",
      form({ scope: `${AGS_SCOPE.score}  ${AGS_SCOPE.lineItem} ${AGS_SCOPE.score}` }),
    );
    assert.deepEqual(r, { clientAssertion: "a.b.c", scopes: [AGS_SCOPE.score, AGS_SCOPE.lineItem] });
  });

  const cases: Array<{ why: string; type?: string; body: unknown; error: string; reason: string }> = [
    {
      why: "JSON",
      type: "application/json",
      body: form({}),
      error: "invalid_request",
      reason: "content_type",
    },
    { why: "no content type", body: form({}), error: "invalid_request", reason: "content_type" },
    { why: "no body", type: FORM, body: undefined, error: "invalid_request", reason: "body" },
    {
      why: "no grant_type",
      type: FORM,
      body: { ...form({}), grant_type: undefined },
      error: "invalid_request",
      reason: "missing_grant_type",
    },
    {
      why: "authorization_code",
      type: FORM,
      body: form({ grant_type: "authorization_code" }),
      error: "unsupported_grant_type",
      reason: "grant_type",
    },
    {
      why: "a client secret assertion type",
      type: FORM,
      body: form({ client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer" }),
      error: "unsupported_grant_type",
      reason: "client_assertion_type",
    },
    {
      why: "no assertion",
      type: FORM,
      body: form({ client_assertion: "" }),
      error: "invalid_request",
      reason: "missing_client_assertion",
    },
    {
      why: "grant_type twice",
      type: FORM,
      body: form({ grant_type: ["client_credentials", "client_credentials"] }),
      error: "invalid_request",
      reason: "duplicate_parameter",
    },
    {
      why: "no scope",
      type: FORM,
      body: form({ scope: " " }),
      error: "invalid_scope",
      reason: "scope_missing",
    },
    {
      why: "a scope with a quote",
      type: FORM,
      body: form({ scope: 'a"b' }),
      error: "invalid_scope",
      reason: "scope_malformed",
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.why}: ${c.error} (${c.reason})`, async () => {
      const e = await refusal(() => parseTokenRequest(c.type, c.body));
      assert.equal(e.body.error, c.error);
      assert.equal(e.reason, c.reason);
      assert.equal(e.code, `token_${c.error}`);
    });
  }
});

describe("verifyClientAssertion (cases 130, 132–134)", () => {
  it("accepts a well-formed assertion and remembers its jti: a replay is invalid_client (jti_reused)", async () => {
    const o = options();
    const jwt = await sign({ jti: "once" });
    assert.deepEqual(peekClientAssertion(jwt), { clientId: CLIENT, kid: "k1" });
    const v = await verifyClientAssertion(jwt, o);
    assert.deepEqual(v, { clientId: CLIENT, jti: "once", exp: NOW + 55 });
    const e = await refusal(verifyClientAssertion(jwt, o));
    assert.equal(e.body.error, "invalid_client");
    assert.equal(e.reason, "jti_reused");
    // Another assertion with the same jti is a replay too.
    assert.equal((await refusal(verifyClientAssertion(await sign({ jti: "once" }), o))).reason, "jti_reused");
  });

  it("accepts an aud array holding the token URL and the declared authorization server", async () => {
    const server = "https://pluto.example/oauth";
    const o = options({ authorizationServer: server });
    await verifyClientAssertion(await sign({ aud: server }), o);
    await verifyClientAssertion(await sign({ aud: [TOKEN_URL] }), o);
  });

  it("does not record the jti of a refused assertion", async () => {
    const o = options();
    await refusal(
      verifyClientAssertion(await sign({ jti: "kept", aud: "https://elsewhere.example/token" }), o),
    );
    await verifyClientAssertion(await sign({ jti: "kept" }), o);
  });

  const refusals: Array<{ why: string; make: () => Promise<string>; reason: string }> = [
    {
      why: "aud another platform's",
      make: () => sign({ aud: "https://lms.example/token" }),
      reason: "jwt_wrong_audience",
    },
    {
      why: "aud the issuer",
      make: () => sign({ aud: "https://pluto.example" }),
      reason: "jwt_wrong_audience",
    },
    {
      why: "aud with an untrusted extra",
      make: () => sign({ aud: [TOKEN_URL, "https://x.example"], azp: TOKEN_URL }),
      reason: "jwt_wrong_audience",
    },
    { why: "iss another client", make: () => sign({ iss: "client-other" }), reason: "jwt_wrong_issuer" },
    { why: "sub another client", make: () => sign({ sub: "client-other" }), reason: "jwt_wrong_subject" },
    { why: "no sub", make: () => sign({}, { omit: ["sub"] }), reason: "jwt_missing_claim" },
    { why: "expired", make: () => sign({ iat: NOW - 400, exp: NOW - 100 }), reason: "jwt_expired" },
    { why: "no exp", make: () => sign({}, { omit: ["exp"] }), reason: "jwt_missing_claim" },
    { why: "no iat", make: () => sign({}, { omit: ["iat"] }), reason: "jwt_missing_claim" },
    {
      why: "living an hour",
      make: () => sign({ iat: NOW, exp: NOW + 3600 }),
      reason: "jwt_lifetime_too_long",
    },
    { why: "no jti", make: () => sign({}, { omit: ["jti"] }), reason: "jwt_missing_claim" },
    { why: "a jti of 201 characters", make: () => sign({ jti: "j".repeat(201) }), reason: "jwt_malformed" },
    { why: "no kid", make: () => sign({}, { header: { kid: undefined } }), reason: "jwt_missing_kid" },
    { why: "an unknown kid", make: () => sign({}, { header: { kid: "k9" } }), reason: "jwt_unknown_kid" },
    {
      why: "another key's signature",
      make: () => sign({}, { signWith: otherKey }),
      reason: "jwt_invalid_signature",
    },
    {
      why: "HS256",
      make: () =>
        new SignJWT({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, iat: NOW, exp: NOW + 60, jti: "h" })
          .setProtectedHeader({ alg: "HS256", kid: "k1" })
          .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!")),
      reason: "jwt_alg_not_allowed",
    },
    { why: "not a JWT", make: async () => "not-a-jwt", reason: "jwt_malformed" },
  ];
  for (const c of refusals) {
    it(`refuses ${c.why}: invalid_client (${c.reason})`, async () => {
      const e = await refusal(async () => verifyClientAssertion(await c.make(), options()));
      assert.equal(e.body.error, "invalid_client");
      assert.equal(e.reason, c.reason);
    });
  }

  it("peeks at the client_id only of something JWT-shaped with an iss", async () => {
    assert.equal((await refusal(() => peekClientAssertion("x.y"))).reason, "jwt_malformed");
    assert.equal(
      (await refusal(async () => peekClientAssertion(await sign({}, { omit: ["iss"] })))).reason,
      "jwt_missing_claim",
    );
    assert.deepEqual(peekClientAssertion(await sign({}, { header: { kid: undefined } })), {
      clientId: CLIENT,
    });
  });
});

describe("grantScopes (case 136, the suite's single-scope tokens)", () => {
  const allowed = [AGS_SCOPE.lineItem, AGS_SCOPE.score, NRPS_SCOPE_MEMBERSHIP_READONLY];
  it("grants exactly the requested scopes the tool may have, in the order asked", () => {
    assert.deepEqual(grantScopes([AGS_SCOPE.score], allowed), [AGS_SCOPE.score]);
    assert.deepEqual(
      grantScopes([NRPS_SCOPE_MEMBERSHIP_READONLY, AGS_SCOPE.resultReadOnly, AGS_SCOPE.lineItem], allowed),
      [NRPS_SCOPE_MEMBERSHIP_READONLY, AGS_SCOPE.lineItem],
    );
  });
  it("refuses a request with no permitted scope: invalid_scope", async () => {
    const e = await refusal(() => grantScopes([AGS_SCOPE.resultReadOnly, "openid"], allowed));
    assert.equal(e.body.error, "invalid_scope");
    assert.equal(e.reason, "no_permitted_scope");
  });
});
