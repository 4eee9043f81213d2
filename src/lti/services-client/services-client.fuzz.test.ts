// Property tests of what a platform's answers reach: the token response, line item containers, membership
// containers and Link headers either give a well-formed value or an LtiError (parseTokenResponse: an error
// result), whatever text they are sent; mutations of valid documents too.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fuzzParams, hostileText, mutatedText, returnsOrLtiError } from "../../../test/support/fuzz.js";
import { parseLineItemContainer } from "./ags.js";
import { nextPageUrl, parseLinkHeader } from "./link-header.js";
import { parseMembershipContainer } from "./nrps.js";
import { parseTokenResponse } from "./service-token.js";

const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
const TOKEN = JSON.stringify({ access_token: "t", token_type: "Bearer", expires_in: 3600, scope: "a b" });
const MEMBERS = JSON.stringify({
  id: "https://lms.example/m",
  context: { id: "c" },
  members: [
    { user_id: "u", roles: ["r"], status: "Inactive", name: "N" },
    { user_id: "v", roles: [] },
  ],
});
const ITEMS = JSON.stringify([
  { id: "https://lms.example/li/1", label: "L", scoreMaximum: 1, resourceLinkId: "r" },
]);
const text = (valid: string) => fc.oneof(hostileText(200), mutatedText(valid), fc.json());

describe("the platform's answers, whatever they are", () => {
  it("a token response is a token with a future expiry or an error result", () => {
    fc.assert(
      fc.property(text(TOKEN), fc.integer({ min: 100, max: 599 }), (body, status) => {
        const r = parseTokenResponse(status, body, ["a"], clock);
        if (r.ok) {
          assert.ok(status >= 200 && status <= 299);
          assert.ok(r.token.accessToken !== "");
          assert.ok(r.token.expiresAt.getTime() > clock.now().getTime());
        } else assert.ok(typeof r.error === "string" && r.error !== "");
      }),
      fuzzParams(),
    );
  });

  it("a membership container gives members with an id, roles and a known status, or an LtiError", () => {
    fc.assert(
      fc.property(text(MEMBERS), (body) => {
        const page = returnsOrLtiError(() => parseMembershipContainer(body));
        for (const m of page?.members ?? []) {
          assert.ok(typeof m.userId === "string" && m.userId !== "");
          assert.ok(Array.isArray(m.roles));
          assert.ok(["Active", "Inactive", "Deleted"].includes(m.status));
        }
      }),
      fuzzParams(),
    );
  });

  it("a line item container gives items with URL ids, or an LtiError", () => {
    fc.assert(
      fc.property(text(ITEMS), (body) => {
        for (const i of returnsOrLtiError(() => parseLineItemContainer(body)) ?? [])
          assert.match(i.id, /^https?:\/\//i);
      }),
      fuzzParams(),
    );
  });

  it("a Link header never throws, and a next page is an absolute http(s) URL", () => {
    fc.assert(
      fc.property(text('<https://lms.example/m?page=2>; rel="next", </m?page=9>; rel=last'), (header) => {
        parseLinkHeader(header);
        const next = nextPageUrl(header, "https://lms.example/m");
        if (next !== undefined) assert.match(next, /^https?:\/\//);
      }),
      fuzzParams(),
    );
  });
});
