import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryNonceStore } from "../ports.js";
import {
  buildMembershipsRequestParams,
  buildMembershipsResponse,
  type Member,
  parseMembershipsRequest,
  parseMembershipsResponse,
} from "./memberships.js";
import { signRequest, verifyRequest } from "./oauth.js";

const members: Member[] = [
  {
    userId: "u1",
    roles: ["Instructor", "urn:lti:role:ims/lis/Instructor"],
    givenName: "Grace",
    familyName: "Hopper",
    fullName: "Grace Hopper",
    email: "grace@example.com",
  },
  { userId: "u2", roles: ["Learner"], resultSourcedId: "sig:u2&x" },
];

describe("memberships request", () => {
  it("builds a signed form request that the consumer side verifies and reads", async () => {
    const params = buildMembershipsRequestParams({ id: "m-3" });
    assert.deepEqual(params, {
      lti_message_type: "basic-lis-readmembershipsforcontext",
      lti_version: "LTI-1p0",
      id: "m-3",
      oauth_callback: "about:blank",
    });
    const url = "https://lms.example.com/lti/memberships";
    const clock = { now: () => new Date(1_700_000_000_000) };
    const signed = signRequest(params, url, "POST", "key", "secret", { clock });
    await verifyRequest(
      { method: "POST", url, params: signed },
      { secret: "secret", clock, nonceStore: memoryNonceStore(clock) },
    );
    assert.deepEqual(parseMembershipsRequest(signed), {
      id: "m-3",
      messageType: "basic-lis-readmembershipsforcontext",
    });
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ["no message type", { id: "m" }, "missing_parameter"],
    [
      "a launch message type",
      { lti_message_type: "basic-lti-launch-request", id: "m" },
      "unsupported_message_type",
    ],
    ["no id", { lti_message_type: "basic-lis-readmembershipsforcontext" }, "missing_parameter"],
  ];
  for (const [what, params, code] of bad) {
    it(`refuses a request with ${what} with ${code}`, () =>
      assert.throws(() => parseMembershipsRequest(params), { code }));
  }
});

describe("memberships response", () => {
  it("round-trips members with roles, names, email and result sourcedids", () => {
    const xml = buildMembershipsResponse({ members });
    assert.ok(xml.includes("<codemajor>Success</codemajor>"));
    assert.ok(xml.includes("<roles>Instructor,urn:lti:role:ims/lis/Instructor</roles>"));
    assert.deepEqual(parseMembershipsResponse(xml), {
      success: true,
      codeMajor: "Success",
      members,
      skipped: 0,
    });
  });

  it("sends no name or email that was left out", () => {
    const xml = buildMembershipsResponse({ members: [{ userId: "u9", roles: ["Learner"] }] });
    assert.ok(!xml.includes("person_name") && !xml.includes("person_contact"));
  });

  it("reads a failure and an empty list", () => {
    const failure = parseMembershipsResponse(
      buildMembershipsResponse({ members: [], codeMajor: "Failure", description: "no" }),
    );
    assert.deepEqual(failure, {
      success: false,
      codeMajor: "Failure",
      description: "no",
      members: [],
      skipped: 0,
    });
    assert.deepEqual(parseMembershipsResponse(buildMembershipsResponse({ members: [] })).members, []);
  });

  it("reads a peer's shape: one member, extra elements, a member without user_id", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<message_response>
  <lti_message_type>basic-lis-readmembershipsforcontext</lti_message_type>
  <statusinfo><codemajor>Success</codemajor><severity>Status</severity><codeminor>fullsuccess</codeminor></statusinfo>
  <memberships>
    <member>
      <user_id>292832126</user_id>
      <roles>Learner</roles>
      <person_sourcedid>school.edu:user</person_sourcedid>
      <person_name_full>Jane Q. Public</person_name_full>
      <groups><group><id>g1</id><title>Group 1</title><set><id>s1</id><title>Set</title></set></group></groups>
    </member>
    <member><roles>Learner</roles></member>
  </memberships>
</message_response>`;
    assert.deepEqual(parseMembershipsResponse(xml), {
      success: true,
      codeMajor: "Success",
      members: [
        { userId: "292832126", roles: ["Learner"], sourcedId: "school.edu:user", fullName: "Jane Q. Public" },
      ],
      skipped: 1,
    });
  });

  it("refuses other documents and entities", () => {
    assert.throws(() => parseMembershipsResponse("<imsx_POXEnvelopeResponse/>"), {
      code: "not_a_memberships_response",
    });
    assert.throws(() => parseMembershipsResponse('<!DOCTYPE m [<!ENTITY e "x">]><message_response/>'), {
      code: "xml_entities",
    });
  });
});
