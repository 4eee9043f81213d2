import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LtiErrorCode } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import { buildLaunchParams, buildReturnUrl, type LaunchInput, parseLaunch } from "./launch.js";
import { signRequest, verifyRequest } from "./oauth.js";

const full: LaunchInput = {
  resourceLink: { id: "act-42", title: "Quiz & notes", description: "Week 1" },
  user: {
    id: "u-7",
    roles: "Learner,urn:lti:role:ims/lis/Learner",
    givenName: "Ada",
    familyName: "Lovelace",
    fullName: "Ada Lovelace",
    email: "ada@example.com",
  },
  context: { id: "course-3", title: "Analytical Engines", label: "AE101", type: "CourseSection" },
  outcome: { serviceUrl: "https://lms.example.com/lti/outcomes", sourcedId: "signed:abc" },
  memberships: { url: "https://lms.example.com/lti/memberships", id: "m-3" },
  presentation: {
    locale: "en-GB",
    documentTarget: "iframe",
    returnUrl: "https://lms.example.com/course/3?x=1",
  },
  toolConsumer: {
    instanceGuid: "lms.example.com",
    instanceName: "Pluto",
    productFamilyCode: "pluto",
    version: "0.1.0",
  },
  custom: {
    "Complex!@#$^*(){}[]KEY": "v",
    who: "$User.id",
    section: "$CourseSection.title",
    odd: "$Unknown.var",
  },
  substitutions: { "$CourseSection.title": "Group A" },
};

describe("buildLaunchParams", () => {
  it("sends every parameter of a consumer launch", () => {
    const p = buildLaunchParams(full);
    assert.deepEqual(
      {
        lti_message_type: p.lti_message_type,
        lti_version: p.lti_version,
        resource_link_id: p.resource_link_id,
        resource_link_title: p.resource_link_title,
        user_id: p.user_id,
        roles: p.roles,
        context_id: p.context_id,
        context_title: p.context_title,
        context_label: p.context_label,
        lis_person_name_full: p.lis_person_name_full,
        lis_person_contact_email_primary: p.lis_person_contact_email_primary,
        lis_outcome_service_url: p.lis_outcome_service_url,
        lis_result_sourcedid: p.lis_result_sourcedid,
        ext_ims_lis_memberships_url: p.ext_ims_lis_memberships_url,
        ext_ims_lis_memberships_id: p.ext_ims_lis_memberships_id,
        launch_presentation_locale: p.launch_presentation_locale,
        launch_presentation_document_target: p.launch_presentation_document_target,
        launch_presentation_return_url: p.launch_presentation_return_url,
        tool_consumer_instance_guid: p.tool_consumer_instance_guid,
        tool_consumer_instance_name: p.tool_consumer_instance_name,
        tool_consumer_info_product_family_code: p.tool_consumer_info_product_family_code,
        tool_consumer_info_version: p.tool_consumer_info_version,
        oauth_callback: p.oauth_callback,
      },
      {
        lti_message_type: "basic-lti-launch-request",
        lti_version: "LTI-1p0",
        resource_link_id: "act-42",
        resource_link_title: "Quiz & notes",
        user_id: "u-7",
        roles: "Learner,urn:lti:role:ims/lis/Learner",
        context_id: "course-3",
        context_title: "Analytical Engines",
        context_label: "AE101",
        lis_person_name_full: "Ada Lovelace",
        lis_person_contact_email_primary: "ada@example.com",
        lis_outcome_service_url: "https://lms.example.com/lti/outcomes",
        lis_result_sourcedid: "signed:abc",
        ext_ims_lis_memberships_url: "https://lms.example.com/lti/memberships",
        ext_ims_lis_memberships_id: "m-3",
        launch_presentation_locale: "en-GB",
        launch_presentation_document_target: "iframe",
        launch_presentation_return_url: "https://lms.example.com/course/3?x=1",
        tool_consumer_instance_guid: "lms.example.com",
        tool_consumer_instance_name: "Pluto",
        tool_consumer_info_product_family_code: "pluto",
        tool_consumer_info_version: "0.1.0",
        oauth_callback: "about:blank",
      },
    );
    assert.equal(p.custom_complex____________key, "v");
    assert.equal(p.custom_who, "u-7");
    assert.equal(p.custom_section, "Group A");
    assert.equal(p.custom_odd, "$Unknown.var");
  });

  it("sends no name, email, outcome or $Person values that were withheld", () => {
    const p = buildLaunchParams({
      resourceLink: { id: "r" },
      user: { id: "u", roles: ["Learner"] },
      custom: { given: "$Person.name.given" },
    });
    for (const name of [
      "lis_person_name_given",
      "lis_person_name_full",
      "lis_person_contact_email_primary",
      "lis_result_sourcedid",
      "lis_outcome_service_url",
    ]) {
      assert.equal(p[name], undefined, name);
    }
    assert.equal(p.custom_given, "$Person.name.given");
  });

  it("round-trips through signRequest, verifyRequest and parseLaunch", async () => {
    const url = "https://tool.example.com/lti/launch";
    const clock = { now: () => new Date(1_700_000_000_000) };
    const signed = signRequest(buildLaunchParams(full), url, "POST", "consumer-1", "s3cret", { clock });
    await verifyRequest(
      { method: "POST", url, params: signed },
      { secret: "s3cret", clock, nonceStore: memoryNonceStore(clock) },
    );
    const launch = parseLaunch(signed);
    assert.equal(launch.consumerKey, "consumer-1");
    assert.equal(launch.userId, "u-7");
    assert.deepEqual(launch.resourceLink, full.resourceLink);
    assert.deepEqual(launch.context, full.context);
    assert.deepEqual(launch.outcome, full.outcome);
    assert.deepEqual(launch.memberships, full.memberships);
    assert.deepEqual(launch.presentation, full.presentation);
    assert.deepEqual(launch.toolConsumer, full.toolConsumer);
    assert.deepEqual(launch.person, {
      givenName: "Ada",
      familyName: "Lovelace",
      fullName: "Ada Lovelace",
      email: "ada@example.com",
    });
    assert.equal(launch.isLearner, true);
    assert.equal(launch.isInstructor, false);
    assert.equal(launch.custom.who, "u-7");
    assert.equal(launch.params.oauth_signature, undefined);
    assert.deepEqual(launch.warnings, []);
  });
});

describe("parseLaunch", () => {
  const minimal = {
    lti_message_type: "basic-lti-launch-request",
    lti_version: "LTI-1p0",
    resource_link_id: "r1",
    oauth_consumer_key: "k",
  };

  it("accepts a minimal anonymous, context-less launch", () => {
    const l = parseLaunch(minimal);
    assert.equal(l.userId, undefined);
    assert.equal(l.context, undefined);
    assert.deepEqual(l.roles, []);
    assert.equal(l.isInstructor, false);
  });

  it("accepts LTI-1p2 and reads instructor roles in URN form", () => {
    const l = parseLaunch({
      ...minimal,
      lti_version: "LTI-1p2",
      roles: "urn:lti:role:ims/lis/TeachingAssistant",
    });
    assert.equal(l.version, "LTI-1p2");
    assert.equal(l.isInstructor, true);
  });

  it("treats empty optional values as absent and keeps outcome only with both URL and sourcedid", () => {
    const l = parseLaunch({
      ...minimal,
      user_id: "",
      lis_person_contact_email_primary: "",
      lis_outcome_service_url: "https://x.test/o",
    });
    assert.equal(l.userId, undefined);
    assert.equal(l.person.email, undefined);
    assert.equal(l.outcome, undefined);
  });

  it("ignores malformed presentation hints and service URLs with a warning", () => {
    const l = parseLaunch({
      ...minimal,
      launch_presentation_document_target: "sidebar",
      launch_presentation_return_url: "javascript:alert(1)",
      launch_presentation_width: "wide",
      launch_presentation_locale: "en US!",
      lis_outcome_service_url: "ftp://x.test/o",
      lis_result_sourcedid: "s",
    });
    assert.deepEqual(l.presentation, {});
    assert.equal(l.outcome, undefined);
    assert.equal(l.warnings.length, 5);
  });

  it("reads the sizes and frame hints it understands", () => {
    const l = parseLaunch({
      ...minimal,
      launch_presentation_width: "640",
      launch_presentation_height: "480",
      launch_presentation_document_target: "frame",
    });
    assert.deepEqual(l.presentation, { width: 640, height: 480, documentTarget: "frame" });
  });

  const bad: Array<[string, Record<string, string | string[]>, LtiErrorCode, string]> = [
    ["no lti_message_type", { ...minimal, lti_message_type: "" }, "missing_parameter", "lti_message_type"],
    [
      "a content-item message",
      { ...minimal, lti_message_type: "ContentItemSelectionRequest" },
      "unsupported_message_type",
      "lti_message_type",
    ],
    ["no lti_version", { ...minimal, lti_version: "" }, "missing_parameter", "lti_version"],
    ["LTI-2p0", { ...minimal, lti_version: "LTI-2p0" }, "unsupported_version", "lti_version"],
    [
      "a blank resource_link_id",
      { ...minimal, resource_link_id: "  " },
      "missing_parameter",
      "resource_link_id",
    ],
    [
      "no oauth_consumer_key",
      { ...minimal, oauth_consumer_key: "" },
      "missing_parameter",
      "oauth_consumer_key",
    ],
    ["a 256-character user_id", { ...minimal, user_id: "u".repeat(256) }, "invalid_parameter", "user_id"],
    [
      "a repeated roles parameter",
      { ...minimal, roles: ["Learner", "Instructor"] },
      "invalid_parameter",
      "roles",
    ],
  ];
  for (const [what, params, code, parameter] of bad) {
    it(`rejects ${what} with ${code}`, () => {
      assert.throws(
        () => parseLaunch(params),
        (e: unknown) => {
          assert.equal((e as { code: string }).code, code);
          assert.equal((e as { parameter: string }).parameter, parameter);
          return true;
        },
      );
    });
  }
});

describe("buildReturnUrl", () => {
  it("adds lti_errormsg and lti_errorlog and keeps the query already there", () => {
    const url = new URL(
      buildReturnUrl("https://lms.test/return?launch=9", {
        lti_errormsg: "Course full",
        lti_errorlog: "full",
      }),
    );
    assert.equal(url.searchParams.get("launch"), "9");
    assert.equal(url.searchParams.get("lti_errormsg"), "Course full");
    assert.equal(url.searchParams.get("lti_errorlog"), "full");
  });
});
