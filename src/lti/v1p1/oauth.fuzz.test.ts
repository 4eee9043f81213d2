// Property tests of the OAuth 1.0a signer and verifier (RFC 5849): a signed request verifies whatever its
// parameters and in any order; any change to its method, URL, a parameter's name or value, or a parameter
// added or dropped is refused; percent-encoding and the Authorization header round-trip.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  fuzzParams,
  hostileText,
  returnsOrLtiError,
  settlesOrLtiError,
  unicodeText,
} from "../../../test/support/fuzz.js";
import { memoryNonceStore } from "../ports.js";
import { signRequest, verifyRequest } from "./oauth.js";
import { percentDecode, percentEncode } from "./oauth-encoding.js";
import { buildAuthorizationHeader, parseAuthorizationHeader } from "./oauth-header.js";

const now = new Date("2026-01-01T00:00:00Z");
const clock = { now: () => now };
const URL_ = "https://tool.example/lti/launch";
const verify = (method: string, url: string, params: ReadonlyArray<readonly [string, string]>) =>
  verifyRequest({ method, url, params }, { secret: "s3cret", clock, nonceStore: memoryNonceStore(clock) });

// Names that are not protocol parameters, and unique, so the request is a plain record.
const params = fc.dictionary(
  unicodeText(12).filter((n) => n !== "" && !n.startsWith("oauth_")),
  unicodeText(30),
  { maxKeys: 8 },
);
const signed = params.map((p) => signRequest(p, URL_, "POST", "key", "s3cret", { clock }));
const entries = (r: Record<string, string>) => Object.entries(r) as Array<[string, string]>;

describe("the OAuth 1.0a verifier under arbitrary input", () => {
  it("verifies a signed request whatever its parameters and in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        signed.chain((s) => fc.shuffledSubarray(entries(s), { minLength: entries(s).length })),
        async (shuffled) => {
          const v = await verify("POST", URL_, shuffled);
          assert.equal(v.consumerKey, "key");
        },
      ),
      fuzzParams(300),
    );
  });

  it("refuses a signed request whose method, URL, parameter name or value was changed, or which gained or lost a parameter", async () => {
    const change = signed.chain((s) => {
      const list = entries(s);
      const index = fc.nat(list.length - 1);
      const edits: Array<fc.Arbitrary<{ method: string; url: string; list: Array<[string, string]> }>> = [
        fc.constantFrom("GET", "PUT", "DELETE", "PATCH").map((method) => ({ method, url: URL_, list })),
        fc
          .constantFrom(
            "https://tool.example/lti/launch2",
            "http://tool.example/lti/launch",
            "https://tool.example:8443/lti/launch",
            "https://other.example/lti/launch",
            "https://tool.example/lti/Launch",
            `${URL_}?extra=1`,
          )
          .map((url) => ({ method: "POST", url, list })),
        fc.tuple(index, unicodeText(10)).map(([i, suffix]) => ({
          method: "POST",
          url: URL_,
          list: list.map(([n, v], j): [string, string] =>
            j === i && n !== "oauth_signature" ? [n, `${v}${suffix || "x"}`] : [n, v],
          ),
        })),
        fc.tuple(index, unicodeText(10)).map(([i, suffix]) => ({
          method: "POST",
          url: URL_,
          list: list.map(([n, v], j): [string, string] =>
            j === i && !n.startsWith("oauth_") ? [`${n}${suffix || "x"}`, v] : [n, v],
          ),
        })),
        fc.tuple(unicodeText(10), unicodeText(10)).map(([n, v]) => ({
          method: "POST",
          url: URL_,
          list: [...list, [`x${n}`, v] as [string, string]],
        })),
        index.map((i) => ({
          method: "POST",
          url: URL_,
          list: list.filter(([n], j) => j !== i || n.startsWith("oauth_")),
        })),
      ];
      return fc.tuple(fc.constant(list), fc.oneof(...edits));
    });
    await fc.assert(
      fc.asyncProperty(change, async ([original, edit]) => {
        const unchanged =
          edit.method === "POST" &&
          edit.url === URL_ &&
          JSON.stringify(edit.list) === JSON.stringify(original);
        const r = await settlesOrLtiError(() => verify(edit.method, edit.url, edit.list));
        assert.equal(r.ok, unchanged, JSON.stringify(r));
      }),
      fuzzParams(500),
    );
  });

  it("refuses, with an LtiError, signatures, timestamps and nonces of any shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        signed,
        fc.constantFrom(
          "oauth_signature",
          "oauth_timestamp",
          "oauth_nonce",
          "oauth_signature_method",
          "oauth_version",
        ),
        hostileText(300),
        async (s, field, value) => {
          const r = await settlesOrLtiError(() => verify("POST", URL_, entries({ ...s, [field]: value })));
          if (r.ok) assert.equal(value, s[field], `${field}=${JSON.stringify(value)} accepted`);
        },
      ),
      fuzzParams(500),
    );
  });

  it("percent-encodes any well-formed string to unreserved characters and %XX, and decodes it back", () => {
    fc.assert(
      fc.property(unicodeText(60), (s) => {
        const e = percentEncode(s);
        assert.match(e, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        assert.equal(percentDecode(e), s);
      }),
      fuzzParams(1000),
    );
  });

  it("encodes or refuses (lone surrogates) any string, and decodes or refuses any text", () => {
    fc.assert(
      fc.property(hostileText(60), (s) => {
        returnsOrLtiError(() => percentEncode(s));
        returnsOrLtiError(() => percentDecode(s));
      }),
      fuzzParams(1000),
    );
  });

  it("reads back the parameters of an Authorization header it built, and parses or refuses any header", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          unicodeText(10).map((n) => `oauth_${n}`),
          unicodeText(30),
          { maxKeys: 8 },
        ),
        (p) => {
          const header = buildAuthorizationHeader(p, "");
          // A parameter holding a NUL is refused by name; every other one reads back as built.
          const nul = Object.keys(p).find((k) => `${k}${p[k]}`.includes("\u0000"));
          if (nul !== undefined) {
            assert.throws(() => parseAuthorizationHeader(header), { code: "invalid_parameter" });
            return;
          }
          const parsed = parseAuthorizationHeader(header);
          assert.deepEqual(parsed.params, Object.entries(p));
          assert.equal(parsed.realm, "");
        },
      ),
      fuzzParams(500),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText(80),
          hostileText(80).map((s) => `OAuth ${s}`),
        ),
        (h) => {
          returnsOrLtiError(() => parseAuthorizationHeader(h));
        },
      ),
      fuzzParams(1000),
    );
  });
});
