import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMembershipContainerType, membershipsUrl, parseMembershipContainer } from "./nrps.js";

const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";

describe("the NRPS membership container", () => {
  it("reads members, Active when the status is missing, ignoring unknown fields", () => {
    const page = parseMembershipContainer(
      JSON.stringify({
        id: "https://lms.example/m",
        context: { id: "c-1", label: "BIO", title: "Biology", extra: 1 },
        members: [
          {
            user_id: "u-1",
            roles: [LEARNER],
            name: "Ann Lee",
            given_name: "Ann",
            family_name: "Lee",
            email: "a@x.example",
            picture: "p",
            message: [{}],
          },
          { user_id: "u-2", roles: [], status: "Inactive", lis_person_sourcedid: "sis-2" },
        ],
      }),
    );
    assert.deepEqual(page, {
      context: { id: "c-1", label: "BIO", title: "Biology" },
      members: [
        {
          userId: "u-1",
          roles: [LEARNER],
          status: "Active",
          name: "Ann Lee",
          givenName: "Ann",
          familyName: "Lee",
          email: "a@x.example",
        },
        { userId: "u-2", roles: [], status: "Inactive", lisPersonSourcedId: "sis-2" },
      ],
    });
  });

  it("refuses a page without members, a member without user_id or roles, and an unknown status", () => {
    assert.throws(() => parseMembershipContainer("{}"), /members/);
    assert.throws(() => parseMembershipContainer("nope"), /not JSON/);
    assert.throws(() => parseMembershipContainer('{"members":[{"roles":[]}]}'), /members\[0\]\.user_id/);
    assert.throws(() => parseMembershipContainer('{"members":[{"user_id":"u"}]}'), /members\[0\]\.roles/);
    assert.throws(
      () => parseMembershipContainer('{"members":[{"user_id":"u","roles":[],"status":"Gone"}]}'),
      /status/,
    );
  });

  it("accepts the current and the older (Canvas) media types", () => {
    assert.ok(isMembershipContainerType("application/vnd.ims.lti-nrps.v2.membershipcontainer+json"));
    assert.ok(
      isMembershipContainerType("application/vnd.ims.lis.v2.membershipcontainer+json; charset=utf-8"),
    );
    assert.ok(isMembershipContainerType("application/json"));
    assert.ok(!isMembershipContainerType("text/html"));
  });

  it("adds rlid to the memberships URL, keeping its query", () => {
    assert.equal(
      membershipsUrl(
        "https://moodle.example/mod/lti/services.php/CourseSection/2/bindings/3/memberships?a=1",
        { rlid: "7" },
      ),
      "https://moodle.example/mod/lti/services.php/CourseSection/2/bindings/3/memberships?a=1&rlid=7",
    );
    assert.equal(membershipsUrl("https://lms.example/m"), "https://lms.example/m");
  });
});
