import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from "jose";
import {
  buildClientAssertionClaims,
  buildTokenRequestForm,
  CLIENT_ASSERTION_TYPE,
  parseTokenResponse,
  scopeKey,
  signClientAssertion,
} from "./service-token.js";

const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
const NOW = Date.parse("2026-12-01T10:00:00.000Z") / 1000;
const SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
const LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";

describe("the client assertion Pluto signs as a tool", () => {
  it("has iss = sub = client_id, the audience, iat now, exp a minute on and a unique jti", () => {
    const a = buildClientAssertionClaims(
      { clientId: "pluto-1", audience: "https://lms.example/token" },
      clock,
    );
    const b = buildClientAssertionClaims(
      { clientId: "pluto-1", audience: "https://lms.example/token" },
      clock,
    );
    assert.deepEqual(
      { ...a, jti: "x" },
      { iss: "pluto-1", sub: "pluto-1", aud: "https://lms.example/token", iat: NOW, exp: NOW + 60, jti: "x" },
    );
    assert.match(a.jti, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.jti, b.jti);
    assert.throws(() => buildClientAssertionClaims({ clientId: "", audience: "a" }, clock), /clientId/);
  });

  it("is RS256 with the key's kid, and verifies with its public key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwt = await signClientAssertion(
      { clientId: "pluto-1", audience: "https://lms.example/token", jti: "j-1" },
      { kid: "k-1", privateKey },
      clock,
    );
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: "RS256", kid: "k-1", typ: "JWT" });
    const pub = await importJWK(await exportJWK(publicKey), "RS256");
    const { payload } = await jwtVerify(jwt, pub, {
      issuer: "pluto-1",
      subject: "pluto-1",
      audience: "https://lms.example/token",
      currentDate: clock.now(),
    });
    assert.equal(payload.jti, "j-1");
  });
});

describe("the token request and its answer", () => {
  it("posts the client_credentials grant with the assertion and the scopes sorted, space-separated", () => {
    const form = new URLSearchParams(buildTokenRequestForm("a.b.c", [SCORE, LINEITEM, SCORE]));
    assert.deepEqual(Object.fromEntries(form), {
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: "a.b.c",
      scope: `${LINEITEM} ${SCORE}`,
    });
    assert.equal(scopeKey([SCORE, LINEITEM]), scopeKey([LINEITEM, SCORE]));
  });

  it("reads a token with its expiry (less a margin) and the granted scopes", () => {
    const r = parseTokenResponse(
      200,
      JSON.stringify({ access_token: "t-1", token_type: "bearer", expires_in: 3600, scope: SCORE }),
      [SCORE, LINEITEM],
      clock,
    );
    assert.deepEqual(r, {
      ok: true,
      token: { accessToken: "t-1", expiresAt: new Date((NOW + 3570) * 1000), scopes: [SCORE] },
    });
  });

  it("takes the asked scopes when the answer names none, and a short default lifetime without expires_in", () => {
    const r = parseTokenResponse(200, '{"access_token":"t","token_type":"Bearer"}', [SCORE], clock);
    assert.ok(r.ok);
    assert.deepEqual(r.token.scopes, [SCORE]);
    assert.equal(r.token.expiresAt.getTime(), (NOW + 270) * 1000);
  });

  it("returns the RFC 6749 error and description of a refusal", () => {
    assert.deepEqual(
      parseTokenResponse(400, '{"error":"invalid_client","error_description":"bad kid"}', [], clock),
      { ok: false, error: "invalid_client", description: "bad kid" },
    );
    assert.deepEqual(parseTokenResponse(200, '{"error":"invalid_scope"}', [], clock), {
      ok: false,
      error: "invalid_scope",
    });
  });

  it("calls anything else an invalid response, saying what was wrong", () => {
    const bad = (status: number, body: string) => {
      const r = parseTokenResponse(status, body, [], clock);
      assert.equal(r.ok, false);
      return r.ok ? "" : `${r.error}: ${r.description}`;
    };
    assert.equal(bad(500, "<html>"), "invalid_response: HTTP 500 without an error code");
    assert.equal(bad(200, "[]"), "invalid_response: the body is not a JSON object");
    assert.equal(bad(200, '{"token_type":"Bearer"}'), "invalid_response: no access_token");
    assert.equal(
      bad(200, '{"access_token":"t","token_type":"mac"}'),
      "invalid_response: token_type is not Bearer",
    );
    assert.equal(
      bad(200, '{"access_token":"t","token_type":"Bearer","expires_in":-5}'),
      "invalid_response: expires_in is not a positive number",
    );
  });
});
