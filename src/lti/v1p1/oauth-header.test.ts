import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LtiErrorCode, OAuthError, ParameterError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import { bodyHash, signRequest, type VerifyOptions } from "./oauth.js";
import { signBodyHashRequest, verifyBodyHashRequest } from "./oauth-body-hash.js";
import { buildAuthorizationHeader, parseAuthorizationHeader } from "./oauth-header.js";

const T0 = 1_700_000_000;
function clockAt(seconds: number) {
  return { now: () => new Date(seconds * 1000) };
}
function verifyOptions(secret = "secret", at = T0): VerifyOptions {
  const clock = clockAt(at);
  return { secret, clock, nonceStore: memoryNonceStore(clock) };
}
async function rejects(p: Promise<unknown>, code: LtiErrorCode, detail?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof OAuthError || e instanceof ParameterError, `unexpected ${String(e)}`);
    assert.equal(e.code, code);
    if (detail !== undefined && e instanceof ParameterError) assert.equal(e.parameter, detail);
    return true;
  });
}

describe("Authorization header and body hash", () => {
  it("round-trips protocol parameters through buildAuthorizationHeader and parseAuthorizationHeader", () => {
    const params = { oauth_consumer_key: "k y", oauth_signature: "a+b/c=", oauth_body_hash: "x=" };
    const header = buildAuthorizationHeader(params, "");
    assert.match(header, /^OAuth realm="", oauth_consumer_key="k%20y", /);
    const parsed = parseAuthorizationHeader(header);
    assert.equal(parsed.realm, "");
    assert.deepEqual(Object.fromEntries(parsed.params), params);
  });

  it("tolerates unquoted values, tabs and a lower-case scheme", () => {
    assert.deepEqual(parseAuthorizationHeader('oauth  a=1,\tb="2" ,c=').params, [
      ["a", "1"],
      ["b", "2"],
      ["c", ""],
    ]);
  });

  const malformed = ["Basic abc", 'OAuth a="1" b="2"', 'OAuth a="%zz"', 'OAuth ="x"', 'OAuth a="1'];
  for (const header of malformed) {
    it(`rejects the malformed header ${JSON.stringify(header)}`, () => {
      assert.throws(() => parseAuthorizationHeader(header), {
        code: "invalid_parameter",
        parameter: "Authorization",
      });
    });
  }

  const url = "https://lms.example.com/lti/outcomes";
  const body = '<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest>é</imsx_POXEnvelopeRequest>';
  const signed = () =>
    signBodyHashRequest({ url, body, consumerKey: "key", secret: "secret" }, { clock: clockAt(T0) });

  it("signs and verifies a POX request with oauth_body_hash", async () => {
    const s = signed();
    assert.equal(s.oauth.oauth_body_hash, bodyHash(Buffer.from(body, "utf8")));
    const v = await verifyBodyHashRequest(
      { url, authorization: s.authorization, body: Buffer.from(body) },
      verifyOptions(),
    );
    assert.equal(v.consumerKey, "key");
  });

  it("rejects a changed body with bad_body_hash", async () => {
    await rejects(
      verifyBodyHashRequest(
        { url, authorization: signed().authorization, body: body.replace("é", "e") },
        verifyOptions(),
      ),
      "bad_body_hash",
    );
  });

  it("rejects a request signed without oauth_body_hash with missing_parameter", async () => {
    const params = signRequest({}, url, "POST", "key", "secret", { clock: clockAt(T0) });
    const authorization = buildAuthorizationHeader(params);
    await rejects(
      verifyBodyHashRequest({ url, authorization, body }, verifyOptions()),
      "missing_parameter",
      "oauth_body_hash",
    );
  });

  it("rejects a request without an Authorization header with missing_parameter", async () => {
    await rejects(
      verifyBodyHashRequest({ url, authorization: undefined, body }, verifyOptions()),
      "missing_parameter",
    );
  });

  it("rejects a changed body hash in the header with bad_signature", async () => {
    const s = signed();
    const authorization = buildAuthorizationHeader({ ...s.oauth, oauth_body_hash: bodyHash("other") });
    await rejects(
      verifyBodyHashRequest({ url, authorization, body: "other" }, verifyOptions()),
      "bad_signature",
    );
  });
});
