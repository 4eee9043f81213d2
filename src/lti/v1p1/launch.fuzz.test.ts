// Property tests of the LTI 1.1 launch parser: for any parameter list it returns a launch or refuses it with an
// LtiError of a stable code, and a launch built, signed, verified and parsed reads back what was put in.
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
import { buildLaunchParams, type LaunchInput, parseLaunch } from "./launch.js";
import { signRequest, verifyRequest } from "./oauth.js";

const KNOWN = [
  "lti_message_type",
  "lti_version",
  "resource_link_id",
  "oauth_consumer_key",
  "user_id",
  "roles",
  "context_id",
  "lis_outcome_service_url",
  "lis_result_sourcedid",
  "ext_ims_lis_memberships_url",
  "ext_ims_lis_memberships_id",
  "launch_presentation_locale",
  "launch_presentation_document_target",
  "launch_presentation_return_url",
  "launch_presentation_width",
  "launch_presentation_height",
  "launch_presentation_css_url",
  "custom_x",
  "ext_y",
];

const VALID: Array<[string, string]> = [
  ["lti_message_type", "basic-lti-launch-request"],
  ["lti_version", "LTI-1p0"],
  ["resource_link_id", "rl-1"],
  ["oauth_consumer_key", "key"],
  ["user_id", "u-1"],
  ["roles", "Learner"],
];

const name = fc.oneof(fc.constantFrom(...KNOWN), hostileText(12));
const value = fc.oneof(
  hostileText(),
  fc.constantFrom("basic-lti-launch-request", "LTI-1p0", "LTI-1p2", "http://x.example/a", "iframe", "640"),
  fc.nat(400).map((n) => "x".repeat(n)),
);
/** A valid launch with entries added, removed, duplicated or replaced. */
const mutatedLaunch = fc
  .tuple(
    fc.subarray(VALID),
    fc.array(fc.tuple(name, value), { maxLength: 8 }),
    fc.array(fc.constantFrom(...VALID), { maxLength: 2 }),
  )
  .chain(([kept, extra, dup]) => fc.shuffledSubarray([...kept, ...extra, ...dup], { minLength: 0 }));

const isOnly = (roles: string | readonly string[] | undefined, role: string) =>
  roles !== undefined && [...roles].every((r) => r === role);

describe("the LTI 1.1 launch parser under arbitrary input", () => {
  it("returns a launch or throws an LtiError with a stable code, for arbitrary and mutated parameter lists", () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.tuple(name, value), { maxLength: 12 }), mutatedLaunch), (params) => {
        const launch = returnsOrLtiError(() => parseLaunch(params));
        if (launch === undefined) return;
        // What it accepts keeps its promises.
        assert.equal(launch.messageType, "basic-lti-launch-request");
        assert.ok(launch.resourceLink.id.trim() !== "" && launch.resourceLink.id.length <= 255);
        assert.ok(launch.consumerKey.length <= 255);
        assert.ok(launch.userId === undefined || launch.userId.length <= 255);
        for (const u of [launch.outcome?.serviceUrl, launch.presentation.returnUrl, launch.memberships?.url])
          if (u !== undefined) assert.match(new URL(u).protocol, /^https?:$/);
        assert.equal(new Set(params.map(([n]) => n)).size, params.length, "no repeated name accepted");
      }),
      fuzzParams(1000),
    );
  });

  it("reads back what buildLaunchParams put in, after signing and verifying", async () => {
    const text = unicodeText(30).filter((s) => s.trim() !== "" && s.trim() === s);
    const input: fc.Arbitrary<LaunchInput> = fc.record(
      {
        resourceLink: fc.record({ id: text, title: text }, { requiredKeys: ["id"] }),
        user: fc.record(
          {
            id: text,
            roles: fc.subarray(["Learner", "Instructor", "urn:lti:role:ims/lis/TeachingAssistant"]),
            givenName: text,
            email: text,
          },
          { requiredKeys: ["id", "roles"] },
        ),
        context: fc.record({ id: text, title: text }, { requiredKeys: ["id"] }),
        custom: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), text, { maxKeys: 4 }),
      },
      { requiredKeys: ["resourceLink"] },
    );
    await fc.assert(
      fc.asyncProperty(input, async (li) => {
        const now = new Date("2026-01-01T00:00:00Z");
        const clock = { now: () => now };
        const url = "https://tool.example/lti/launch?x=1";
        const signed = signRequest(buildLaunchParams(li), url, "POST", "key", "secret", { clock });
        const verified = await verifyRequest(
          { method: "POST", url, params: signed },
          { secret: "secret", clock, nonceStore: memoryNonceStore(clock) },
        );
        assert.equal(verified.consumerKey, "key");
        const launch = parseLaunch(signed);
        assert.equal(launch.resourceLink.id, li.resourceLink.id);
        assert.equal(launch.resourceLink.title, li.resourceLink.title);
        assert.equal(launch.userId, li.user?.id);
        assert.equal(launch.person.givenName, li.user?.givenName);
        assert.equal(launch.person.email, li.user?.email);
        assert.equal(launch.context?.id, li.context?.id);
        // TeachingAssistant counts as an instructor (vocab/roles.ts).
        assert.equal(
          launch.isInstructor,
          (li.user?.roles.length ?? 0) > 0 && !isOnly(li.user?.roles, "Learner"),
        );
        for (const [k, v] of Object.entries(li.custom ?? {})) assert.equal(launch.custom[k], v);
      }),
      fuzzParams(200),
    );
  });

  it("verifies or refuses with an LtiError any parameter list posted as a signed launch", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const clock = { now: () => now };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 10 }), async (params) => {
        await settlesOrLtiError(() =>
          verifyRequest(
            { method: "POST", url: "https://tool.example/launch", params },
            { secret: "secret", clock, nonceStore: memoryNonceStore(clock) },
          ),
        );
      }),
      fuzzParams(500),
    );
  });
});
