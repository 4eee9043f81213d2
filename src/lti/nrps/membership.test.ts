// NRPS 2.0 container, member, role filter, paging and cursor vectors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ParameterError } from "../errors.js";
import {
  acceptsMembershipContainer,
  buildMembershipContainer,
  NRPS_LEGACY_MEDIA_TYPE,
  NRPS_MEDIA_TYPE,
  normaliseRoleFilter,
  resourceLinkMessage,
  serialiseMember,
} from "./membership.js";
import {
  buildLinkHeader,
  cursorKey,
  membershipPageUrl,
  openCursor,
  parseLimit,
  parseLinkHeader,
  sealCursor,
} from "./paging.js";

const MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

describe("NRPS media types", () => {
  it("accepts the NRPS type, the older Canvas type, JSON, wildcards and no Accept at all", () => {
    for (const accept of [
      undefined,
      "",
      NRPS_MEDIA_TYPE,
      NRPS_LEGACY_MEDIA_TYPE,
      `${NRPS_LEGACY_MEDIA_TYPE};q=0.9, text/html`,
      "application/json",
      "*/*",
      "application/*",
    ])
      assert.equal(acceptsMembershipContainer(accept), true, String(accept));
  });
  it("refuses a type it cannot answer, and a quality of zero", () => {
    assert.equal(acceptsMembershipContainer("text/html"), false);
    assert.equal(acceptsMembershipContainer("application/xml, text/plain"), false);
    assert.equal(acceptsMembershipContainer(`${NRPS_MEDIA_TYPE};q=0`), false);
  });
});

describe("NRPS role filter", () => {
  it("turns short names and LTI 1.1 URNs into membership URIs, any case", () => {
    assert.equal(normaliseRoleFilter("Learner"), `${MEMBERSHIP}Learner`);
    assert.equal(normaliseRoleFilter("instructor"), `${MEMBERSHIP}Instructor`);
    assert.equal(
      normaliseRoleFilter("urn:lti:role:ims/lis/TeachingAssistant"),
      `${MEMBERSHIP}TeachingAssistant`,
    );
  });
  it("keeps a full URI and an unknown token as given", () => {
    assert.equal(normaliseRoleFilter(`${MEMBERSHIP}Instructor`), `${MEMBERSHIP}Instructor`);
    assert.equal(normaliseRoleFilter(" Astronaut "), "Astronaut");
  });
  it("refuses an empty filter and a list", () => {
    assert.throws(() => normaliseRoleFilter(" "), ParameterError);
    assert.throws(() => normaliseRoleFilter("Learner,Instructor"), ParameterError);
    assert.throws(() => normaliseRoleFilter("x".repeat(256)), ParameterError);
  });
});

describe("NRPS container and members", () => {
  it("spells a member in snake_case and leaves blank optional fields out", () => {
    assert.deepEqual(
      serialiseMember({
        userId: "u1",
        roles: [`${MEMBERSHIP}Learner`],
        status: "Active",
        name: " Sue Student ",
        givenName: "Sue",
        familyName: "",
        email: "sue@example.org",
      }),
      {
        status: "Active",
        name: "Sue Student",
        given_name: "Sue",
        email: "sue@example.org",
        user_id: "u1",
        roles: [`${MEMBERSHIP}Learner`],
      },
    );
  });
  it("gives a Deleted member only its id, status and empty roles", () => {
    assert.deepEqual(serialiseMember({ userId: "u2", roles: [], status: "Deleted" }), {
      status: "Deleted",
      user_id: "u2",
      roles: [],
    });
  });
  it("builds the container with its id, context and members; the message per member", () => {
    const message = resourceLinkMessage({ topic: "Cells" });
    assert.deepEqual(message, {
      "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
      "https://purl.imsglobal.org/spec/lti/claim/custom": { topic: "Cells" },
    });
    assert.deepEqual(Object.keys(resourceLinkMessage({})), [
      "https://purl.imsglobal.org/spec/lti/claim/message_type",
    ]);
    const c = buildMembershipContainer({
      id: "https://pluto.test/lti/nrps/7/memberships",
      context: { id: "7", label: "BIO", title: " " },
      members: [
        { userId: "u1", roles: [`${MEMBERSHIP}Instructor`], status: "Inactive", messages: [message] },
      ],
    });
    assert.deepEqual(c, {
      id: "https://pluto.test/lti/nrps/7/memberships",
      context: { id: "7", label: "BIO" },
      members: [
        { status: "Inactive", user_id: "u1", roles: [`${MEMBERSHIP}Instructor`], message: [message] },
      ],
    });
    assert.throws(
      () => buildMembershipContainer({ id: "x", context: { id: "" }, members: [] }),
      ParameterError,
    );
  });
});

describe("NRPS paging", () => {
  it("reads limit, capped, with a default", () => {
    assert.equal(parseLimit(undefined), 100);
    assert.equal(parseLimit("10"), 10);
    assert.equal(parseLimit("5000"), 1000);
    assert.equal(parseLimit("60", { max: 50 }), 50);
    for (const bad of ["0", "-1", "ten", "1.5", ""])
      assert.throws(() => parseLimit(bad), ParameterError, bad);
  });
  it("builds page URLs carrying the filters, and the Link header", () => {
    const base = "https://pluto.test/lti/nrps/7/memberships?stale=1";
    const next = membershipPageUrl(base, {
      role: `${MEMBERSHIP}Learner`,
      rlid: "12",
      limit: 50,
      page: "abc",
    });
    assert.equal(
      next,
      "https://pluto.test/lti/nrps/7/memberships?role=http%3A%2F%2Fpurl.imsglobal.org%2Fvocab%2Flis%2Fv2%2Fmembership%23Learner&rlid=12&limit=50&p=abc",
    );
    const diff = membershipPageUrl(base, { since: "s1" });
    assert.equal(diff, "https://pluto.test/lti/nrps/7/memberships?since=s1");
    const header = buildLinkHeader({ next, differences: diff });
    assert.equal(header, `<${next}>; rel="next", <${diff}>; rel="differences"`);
    assert.deepEqual(parseLinkHeader(header), { next, differences: diff });
    assert.equal(buildLinkHeader({}), undefined);
    assert.deepEqual(parseLinkHeader(undefined), {});
  });
  it("seals cursors a tool can neither read nor forge", () => {
    const key = cursorKey("site secret");
    const token = sealCursor(key, { c: 7, a: 42 });
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(Buffer.from(token, "base64url").toString("latin1"), /42/);
    assert.deepEqual(openCursor(key, token), { c: 7, a: 42 });
    assert.equal(openCursor(cursorKey("another secret"), token), undefined);
    const flipped = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    assert.equal(openCursor(key, flipped), undefined);
    for (const bad of ["", "!!", "abc", "x".repeat(600)]) assert.equal(openCursor(key, bad), undefined, bad);
  });
});
