import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { describe, it } from "node:test";
import OAuth from "oauth-1.0a";
import { memoryNonceStore } from "../ports.js";
import {
  bodyHash,
  hmacSignature,
  normalizeRequestUrl,
  signatureBaseString,
  signRequest,
  verifyRequest,
} from "./oauth.js";
import { verifyBodyHashRequest } from "./oauth-body-hash.js";
import { parseAuthorizationHeader } from "./oauth-header.js";

const T0 = 1_700_000_000;
const clockAt = (seconds: number) => ({ now: () => new Date(seconds * 1000) });

describe("RFC 5849 vectors", () => {
  it("builds the §3.4.1.1 example base string (query, header and body parameters, duplicates, encoding)", () => {
    const params: Array<[string, string]> = [
      ["oauth_consumer_key", "9djdj82h48djs9d2"],
      ["oauth_token", "kkk9d7dh3k39sjv7"],
      ["oauth_signature_method", "HMAC-SHA1"],
      ["oauth_timestamp", "137131201"],
      ["oauth_nonce", "7d8f3e4a"],
      ["oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="],
      // the form body "c2&a3=2+q", decoded
      ["c2", ""],
      ["a3", "2 q"],
    ];
    assert.equal(
      signatureBaseString("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", params),
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
    );
  });

  it("reproduces the §1.2 'Initiate' HMAC-SHA1 signature from its Authorization header", () => {
    const header = `OAuth realm="Photos",
       oauth_consumer_key="dpf43f3p2l4k3l03",
       oauth_signature_method="HMAC-SHA1",
       oauth_timestamp="137131200",
       oauth_nonce="wIjqoS",
       oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready",
       oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D"`;
    const parsed = parseAuthorizationHeader(header);
    assert.equal(parsed.realm, "Photos");
    const base = signatureBaseString("POST", "https://photos.example.net/initiate", parsed.params);
    assert.equal(hmacSignature(base, "kd94hf93k423kf44"), "74KNZJeDHnMBp0EMJ9ZHt/XKycU=");
  });
});

describe("LTI conformance vectors (lti-conformance.md §0)", () => {
  it("V1: default port dropped, scheme and host lower-cased, query merged, duplicates sorted by value", () => {
    const params = {
      oauth_consumer_key: "key",
      oauth_nonce: "abc",
      oauth_signature_method: "HMAC-SHA1",
      oauth_timestamp: "1700000000",
      oauth_version: "1.0",
      oauth_callback: "about:blank",
      lti_message_type: "basic-lti-launch-request",
      lti_version: "LTI-1p0",
      resource_link_id: "rl 1",
      custom_x: "a+b*c~d",
      custom_name: "José",
      a: "3",
    };
    const base = signatureBaseString("post", "HTTPS://Tool.Example.com:443/lti/launch?b=2&a=1", params);
    assert.equal(
      base,
      "POST&https%3A%2F%2Ftool.example.com%2Flti%2Flaunch&a%3D1%26a%3D3%26b%3D2%26custom_name%3DJos%25C3%25A9%26custom_x%3Da%252Bb%252Ac~d%26lti_message_type%3Dbasic-lti-launch-request%26lti_version%3DLTI-1p0%26oauth_callback%3Dabout%253Ablank%26oauth_consumer_key%3Dkey%26oauth_nonce%3Dabc%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0%26resource_link_id%3Drl%25201",
    );
    assert.equal(hmacSignature(base, "secret"), "YY3tU/AOkkChucepprZL8KygWiU=");
  });

  it("V2: a non-default port is kept and an '&' in the secret is encoded", () => {
    const base = signatureBaseString("POST", "http://tool.example.com:8080/lti/launch", {
      oauth_consumer_key: "key",
      oauth_nonce: "n",
      oauth_signature_method: "HMAC-SHA1",
      oauth_timestamp: "1700000000",
      oauth_version: "1.0",
    });
    assert.equal(
      base,
      "POST&http%3A%2F%2Ftool.example.com%3A8080%2Flti%2Flaunch&oauth_consumer_key%3Dkey%26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0",
    );
    assert.equal(hmacSignature(base, "s&cret"), "hBBS5emYSu2VipsTZhff8bgEYjs=");
  });

  it("V3: oauth_body_hash of 'Hello World!'", () => {
    assert.equal(bodyHash("Hello World!"), "Lve95gjOVATpfV8EL5X4nxwjKHE=");
    assert.equal(bodyHash(Buffer.from("Hello World!")), "Lve95gjOVATpfV8EL5X4nxwjKHE=");
  });
});

describe("base string URI normalisation (§3.4.1.2)", () => {
  const cases: Array<[string, string]> = [
    ["HTTP://Example.COM:80/Path", "http://example.com/Path"],
    ["https://example.com:443/a?x=1#frag", "https://example.com/a"],
    ["https://example.com:8443/a", "https://example.com:8443/a"],
    ["http://example.com:443/a", "http://example.com:443/a"],
    ["http://example.com", "http://example.com/"],
    ["http://[::1]:3000/lti", "http://[::1]:3000/lti"],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(normalizeRequestUrl(input).baseUri, expected));
  }
  it("decodes query values as form data: '+' is a space and '=' may appear in a value", () => {
    assert.deepEqual(normalizeRequestUrl("http://x.test/p?q=a=b&r=c+d&e").query, [
      ["q", "a=b"],
      ["r", "c d"],
      ["e", ""],
    ]);
  });
  it("refuses relative and non-http URLs", () => {
    for (const url of ["/lti/launch", "ftp://x.test/a"]) {
      assert.throws(() => normalizeRequestUrl(url), { code: "invalid_parameter" });
    }
  });
});

describe("oauth-1.0a, an independent signer, is accepted", () => {
  const hmac = (base: string, key: string) => createHmac("sha1", key).update(base).digest("base64");
  const signer = new OAuth({
    consumer: { key: "key", secret: "s&cret" },
    signature_method: "HMAC-SHA1",
    hash_function: hmac,
  });

  it("for a launch with special characters and a URL query", async () => {
    const url = "https://tool.example.com/lti/launch?tenant=abc&x=1";
    const data = {
      lti_message_type: "basic-lti-launch-request",
      resource_link_id: "r1",
      custom_q: "!*'() & = + ~ é 😀",
    };
    // Interop: oauth-1.0a mutates `data` and returns every parameter it signed; send only its oauth_* keys.
    const auth = signer.authorize({ url, method: "POST", data: { ...data } });
    const oauthOnly = Object.fromEntries(
      Object.entries(auth)
        .filter(([k]) => k.startsWith("oauth_"))
        .map(([k, v]) => [k, String(v)]),
    );
    const clock = { now: () => new Date(Number(auth.oauth_timestamp) * 1000) };
    await verifyRequest(
      { method: "POST", url, params: { ...data, ...oauthOnly } },
      { secret: "s&cret", clock, nonceStore: memoryNonceStore(clock) },
    );
  });

  it("for a POX request signed with oauth_body_hash in an Authorization header", async () => {
    const signerWithHash = new OAuth({
      consumer: { key: "key", secret: "secret" },
      signature_method: "HMAC-SHA1",
      hash_function: hmac,
      body_hash_function: (body: string) => createHash("sha1").update(body).digest("base64"),
    });
    const url = "http://127.0.0.1:3100/outcomes?tool=7";
    const body = "<?xml version='1.0'?><imsx_POXEnvelopeRequest/>";
    const auth = signerWithHash.authorize({ url, method: "POST", data: body, includeBodyHash: true });
    const header = signerWithHash.toHeader(auth).Authorization;
    const clock = { now: () => new Date(Number(auth.oauth_timestamp) * 1000) };
    const v = await verifyBodyHashRequest(
      { url, authorization: header, body },
      { secret: "secret", clock, nonceStore: memoryNonceStore(clock) },
    );
    assert.equal(v.oauth.oauth_body_hash, bodyHash(body));
  });

  it("and our signature equals oauth-1.0a's for the same inputs (normalised URL, no cross duplicates)", () => {
    const ours = signRequest({ a: "1", custom_x: "x y" }, "https://t.test/p?q=1", "POST", "key", "s&cret", {
      clock: clockAt(T0),
      nonce: () => "abc",
    });
    const { oauth_signature, ...rest } = ours;
    const theirs = signer.getSignature(
      { url: "https://t.test/p?q=1", method: "POST", data: { ...rest } },
      undefined,
      {
        oauth_consumer_key: "key",
        oauth_nonce: "abc",
        oauth_signature_method: "HMAC-SHA1",
        oauth_timestamp: T0,
        oauth_version: "1.0",
      },
    );
    assert.equal(oauth_signature, theirs);
  });
});
