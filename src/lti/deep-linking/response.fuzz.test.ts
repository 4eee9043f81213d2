// Property tests of the Deep Linking response check: for any JSON payload, and for valid payloads with one
// claim or item property replaced by arbitrary JSON, parseDeepLinkingResponse returns or throws an LtiError.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fuzzParams, returnsOrLtiError } from "../../../test/support/fuzz.js";
import { type DeepLinkingExpectations, parseDeepLinkingResponse } from "./response.js";
import { buildDeepLinkingResponseClaims } from "./response-build.js";

const NOW = new Date("2026-12-02T12:00:00Z");
const clock = { now: () => NOW };
const iat = Math.floor(NOW.getTime() / 1000);
const expect: DeepLinkingExpectations = {
  clientId: "c",
  platformIssuer: "https://pluto.example",
  deploymentId: "d",
  data: "x",
  acceptTypes: ["ltiResourceLink", "link", "html", "file", "image"],
  acceptMultiple: true,
};
const ITEMS = [
  {
    type: "ltiResourceLink",
    url: "https://t.example/l",
    custom: { a: "b" },
    lineItem: { scoreMaximum: 5, label: "L" },
    window: { targetName: "_blank", width: 10 },
    iframe: { width: 1, height: 2 },
    available: { startDateTime: "2026-01-01T00:00:00Z" },
    icon: { url: "https://t.example/i.png" },
  },
  { type: "link", url: "https://t.example/", embed: { html: "<b>" } },
  { type: "html", html: "<p>" },
  { type: "file", url: "https://t.example/f", expiresAt: "2026-01-01T00:00:00Z" },
  { type: "image", url: "https://t.example/i", width: 3 },
];
const valid = () => ({
  ...buildDeepLinkingResponseClaims({
    clientId: "c",
    platformIssuer: "https://pluto.example",
    deploymentId: "d",
    data: "x",
    nonce: "n",
    contentItems: structuredClone(ITEMS),
  }),
  iat,
  exp: iat + 60,
});

const CONTENT = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items";
const claimNames = Object.keys(valid());
const itemPaths = ITEMS.flatMap((item, i) =>
  Object.entries(item).flatMap(([k, v]) => [
    [i, k],
    ...(typeof v === "object" ? Object.keys(v).map((sub) => [i, k, sub]) : []),
  ]),
) as Array<[number, string, string?]>;

const mutated = fc.oneof(
  fc.tuple(fc.constantFrom(...claimNames), fc.jsonValue()).map(([name, v]) => ({ ...valid(), [name]: v })),
  fc.tuple(fc.constantFrom(...itemPaths), fc.jsonValue()).map(([[i, k, sub], v]) => {
    const p = valid() as Record<string, unknown>;
    const items = p[CONTENT] as Array<Record<string, Record<string, unknown>>>;
    const item = items[i] as Record<string, Record<string, unknown>>;
    if (sub === undefined) (item as Record<string, unknown>)[k] = v;
    else (item[k] as Record<string, unknown>)[sub] = v;
    return p;
  }),
);

describe("the Deep Linking response check under arbitrary input", () => {
  it("returns or throws an LtiError with a stable code, for arbitrary JSON and mutated payloads", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (payload) => {
        const r = returnsOrLtiError(() => parseDeepLinkingResponse(payload, { ...expect, clock }));
        if (r === undefined) return;
        // What it accepts keeps its promises.
        for (const item of r.items) {
          assert.ok(expect.acceptTypes.includes(item.type));
          if ("url" in item && item.url !== undefined) assert.match(new URL(item.url).protocol, /^https?:$/);
          if (item.type === "ltiResourceLink") {
            for (const v of Object.values(item.custom)) assert.equal(typeof v, "string");
            if (item.lineItem) assert.ok(item.lineItem.scoreMaximum > 0);
          }
        }
        assert.deepEqual(
          r.items.map((i) => i.index),
          [...r.items.map((i) => i.index)].sort((a, b) => a - b),
        );
      }),
      fuzzParams(1000),
    );
  });
});
