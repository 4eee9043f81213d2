import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LtiErrorCode, OAuthError, ParameterError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import {
  type OAuthRequest,
  signatureBaseString,
  signRequest,
  type VerifyOptions,
  verifyRequest,
} from "./oauth.js";

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

describe("signRequest and verifyRequest", () => {
  const url = "https://tool.example.com/lti/launch?tenant=abc";
  const launch = { lti_message_type: "basic-lti-launch-request", resource_link_id: "r1", custom_x: "a b" };
  const sign = (params = launch, at = T0, nonce = "n1") =>
    signRequest(params, url, "POST", "key", "secret", { clock: clockAt(at), nonce: () => nonce });

  it("adds the oauth_* protocol parameters and signs them with the form parameters", async () => {
    const signed = sign();
    assert.equal(signed.oauth_consumer_key, "key");
    assert.equal(signed.oauth_timestamp, String(T0));
    assert.equal(signed.oauth_version, "1.0");
    assert.equal(signed.oauth_signature_method, "HMAC-SHA1");
    assert.equal(signed.custom_x, "a b");
    const v = await verifyRequest({ method: "POST", url, params: signed }, verifyOptions());
    assert.deepEqual([v.consumerKey, v.nonce, v.timestamp], ["key", "n1", T0]);
  });

  it("signs the URL's query parameters but does not copy them into the posted parameters", () => {
    const signed = sign();
    assert.equal(signed.tenant, undefined);
    const base = signatureBaseString("POST", url, signed);
    assert.match(base, /tenant%3Dabc/);
  });

  it("generates fresh nonces by default", () => {
    const a = signRequest(launch, url, "POST", "key", "secret");
    const b = signRequest(launch, url, "POST", "key", "secret");
    assert.notEqual(a.oauth_nonce, b.oauth_nonce);
    assert.ok((a.oauth_nonce ?? "").length >= 16);
  });

  it("accepts the same request at the edges of the timestamp window", async () => {
    await verifyRequest({ method: "POST", url, params: sign(launch, T0 - 300) }, verifyOptions());
    await verifyRequest({ method: "POST", url, params: sign(launch, T0 + 300) }, verifyOptions());
  });

  it("accepts HMAC-SHA256 only when configured", async () => {
    const signed = signRequest(launch, url, "POST", "key", "secret", {
      clock: clockAt(T0),
      signatureMethod: "HMAC-SHA256",
    });
    await rejects(
      verifyRequest({ method: "POST", url, params: signed }, verifyOptions()),
      "unsupported_signature_method",
    );
    await verifyRequest(
      { method: "POST", url, params: signed },
      { ...verifyOptions(), signatureMethods: ["HMAC-SHA1", "HMAC-SHA256"] },
    );
  });

  it("rejects a replayed nonce for the same consumer key, but not for another key", async () => {
    const options = verifyOptions();
    await verifyRequest({ method: "POST", url, params: sign() }, options);
    await rejects(verifyRequest({ method: "POST", url, params: sign() }, options), "replayed_nonce");
    const other = signRequest(launch, url, "POST", "key2", "secret", {
      clock: clockAt(T0),
      nonce: () => "n1",
    });
    await verifyRequest({ method: "POST", url, params: other }, options);
  });

  it("does not record the nonce of a request that failed verification", async () => {
    const options = verifyOptions();
    const forged = { ...sign(), custom_x: "tampered" };
    await rejects(verifyRequest({ method: "POST", url, params: forged }, options), "bad_signature");
    await verifyRequest({ method: "POST", url, params: sign() }, options);
  });

  it("looks the secret up by consumer key, and treats an unknown key like a bad signature", async () => {
    const lookup = (key: string) => (key === "key" ? "secret" : undefined);
    await verifyRequest({ method: "POST", url, params: sign() }, { ...verifyOptions(), secret: lookup });
    const stranger = signRequest(launch, url, "POST", "who", "secret", { clock: clockAt(T0) });
    await rejects(
      verifyRequest(
        { method: "POST", url, params: stranger },
        { ...verifyOptions(), secret: async (k) => lookup(k) },
      ),
      "bad_signature",
    );
  });

  const bad: Array<[string, (p: Record<string, string>) => OAuthRequest, LtiErrorCode, string?, number?]> = [
    [
      "a changed parameter",
      (p) => ({ method: "POST", url, params: { ...p, resource_link_id: "r2" } }),
      "bad_signature",
    ],
    ["an added parameter", (p) => ({ method: "POST", url, params: { ...p, extra: "1" } }), "bad_signature"],
    [
      "another URL",
      (p) => ({ method: "POST", url: "https://tool.example.com/lti/launch", params: p }),
      "bad_signature",
    ],
    [
      "http instead of https",
      (p) => ({ method: "POST", url: url.replace("https", "http"), params: p }),
      "bad_signature",
    ],
    ["another method", (p) => ({ method: "GET", url, params: p }), "bad_signature"],
    [
      "a signature of another length",
      (p) => ({ method: "POST", url, params: { ...p, oauth_signature: "x" } }),
      "bad_signature",
    ],
    [
      "a timestamp 301 s old",
      (p) => ({ method: "POST", url, params: p }),
      "stale_timestamp",
      undefined,
      T0 - 301,
    ],
    [
      "a timestamp 301 s ahead",
      (p) => ({ method: "POST", url, params: p }),
      "stale_timestamp",
      undefined,
      T0 + 301,
    ],
    [
      "PLAINTEXT",
      (p) => ({ method: "POST", url, params: { ...p, oauth_signature_method: "PLAINTEXT" } }),
      "unsupported_signature_method",
    ],
    [
      "oauth_version 2.0",
      (p) => ({ method: "POST", url, params: { ...p, oauth_version: "2.0" } }),
      "invalid_parameter",
      "oauth_version",
    ],
    [
      "a non-numeric timestamp",
      (p) => ({ method: "POST", url, params: { ...p, oauth_timestamp: "17e8" } }),
      "invalid_parameter",
      "oauth_timestamp",
    ],
    [
      "a repeated oauth_nonce",
      (p) => ({ method: "POST", url, params: [...Object.entries(p), ["oauth_nonce", "n2"]] }),
      "invalid_parameter",
      "oauth_nonce",
    ],
    [
      "an oauth_nonce in the query too",
      (p) => ({ method: "POST", url: `${url}&oauth_nonce=n1`, params: p }),
      "invalid_parameter",
      "oauth_nonce",
    ],
  ];
  for (const [what, make, code, parameter, at = T0] of bad) {
    it(`rejects ${what} with ${code}`, async () => {
      await rejects(verifyRequest(make(sign(launch, at)), verifyOptions()), code, parameter);
    });
  }
  for (const name of [
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
  ]) {
    it(`rejects a request without ${name} with missing_parameter`, async () => {
      const params: Record<string, string> = { ...sign() };
      delete params[name];
      await rejects(
        verifyRequest({ method: "POST", url, params }, verifyOptions()),
        "missing_parameter",
        name,
      );
    });
  }

  it("sorts repeated names by value, whether given as a record of arrays or as pairs", () => {
    const fromRecord = signatureBaseString("POST", "https://t.test/l", { a: ["2", "1"], b: "x" });
    const fromPairs = signatureBaseString("POST", "https://t.test/l?a=2", [
      ["b", "x"],
      ["a", "1"],
    ]);
    assert.equal(fromRecord, fromPairs);
    assert.ok(fromRecord.endsWith("&a%3D1%26a%3D2%26b%3Dx"));
  });

  it("verifies whatever order the query parameters come in", async () => {
    const signed = signRequest({ b: "x" }, "https://t.test/l?a=2&a=1", "POST", "key", "secret", {
      clock: clockAt(T0),
    });
    await verifyRequest({ method: "POST", url: "https://t.test/l?a=1&a=2", params: signed }, verifyOptions());
  });
});
