import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classifyRole,
  isInstructorRole,
  isLearnerRole,
  launchRoles,
  lti13RoleUris,
  parseRoles,
  toRoleUrn,
} from "./roles.js";

describe("parseRoles", () => {
  it("splits on commas, trims entries and drops empty ones", () => {
    assert.deepEqual(parseRoles(" Instructor, ,urn:lti:role:ims/lis/Learner ,"), [
      "Instructor",
      "urn:lti:role:ims/lis/Learner",
    ]);
    assert.deepEqual(parseRoles(["Learner,Mentor", "Member"]), ["Learner", "Mentor", "Member"]);
    assert.deepEqual(parseRoles(undefined), []);
    assert.deepEqual(parseRoles(""), []);
  });
});

describe("isInstructorRole", () => {
  const instructor = [
    "Instructor",
    "instructor",
    "Administrator",
    "ContentDeveloper",
    "TeachingAssistant",
    "Instructor/TeachingAssistant",
    "TeachingAssistant/Grader",
    "urn:lti:role:ims/lis/Instructor",
    "urn:lti:role:ims/lis/Instructor/PrimaryInstructor",
    "urn:lti:role:ims/lis/TeachingAssistant/Grader",
    "urn:lti:role:ims/lis/ContentDeveloper",
    "urn:lti:role:ims/lis/Administrator",
    "urn:lti:sysrole:ims/lis/SysAdmin",
    "urn:lti:sysrole:ims/lis/Administrator",
    "urn:lti:instrole:ims/lis/Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "Learner,Instructor",
  ];
  for (const roles of instructor) {
    it(`treats ${roles} as an instructor`, () => assert.equal(isInstructorRole(roles), true));
  }
  const learner = [
    "",
    "Learner",
    "urn:lti:role:ims/lis/Learner",
    "urn:lti:role:ims/lis/Learner/Instructor",
    "Mentor",
    "Member",
    "Manager",
    "urn:lti:instrole:ims/lis/Instructor",
    "urn:lti:instrole:ims/lis/Faculty",
    "urn:lti:sysrole:ims/lis/User",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
    "http://example.com/roles#Instructor",
    "urn:example:Instructor",
    "SuperInstructor",
  ];
  for (const roles of learner) {
    it(`does not treat ${JSON.stringify(roles)} as an instructor`, () =>
      assert.equal(isInstructorRole(roles), false));
  }
});

describe("classifyRole, isLearnerRole, toRoleUrn and launchRoles", () => {
  it("classifies each vocabulary and sub-role", () => {
    assert.deepEqual(classifyRole("urn:lti:role:ims/lis/TeachingAssistant/Grader"), {
      raw: "urn:lti:role:ims/lis/TeachingAssistant/Grader",
      kind: "context",
      name: "TeachingAssistant",
      subRole: "Grader",
    });
    assert.equal(classifyRole("urn:lti:instrole:ims/lis/Student").kind, "institution");
    assert.equal(classifyRole("urn:lti:sysrole:ims/lis/SysAdmin").kind, "system");
    assert.equal(classifyRole("http://purl.imsglobal.org/vocab/lti/system/person#TestUser").kind, "system");
    assert.equal(classifyRole("Guest").kind, "unknown");
  });

  it("finds learners in short, URN and LTI 1.3 forms", () => {
    assert.equal(isLearnerRole("Learner"), true);
    assert.equal(isLearnerRole("urn:lti:role:ims/lis/Learner/NonCreditLearner"), true);
    assert.equal(isLearnerRole("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"), true);
    assert.equal(isLearnerRole("urn:lti:instrole:ims/lis/Learner"), false);
    assert.equal(isLearnerRole("Instructor"), false);
  });

  it("maps short context roles to URNs and keeps everything else", () => {
    assert.equal(toRoleUrn("Instructor"), "urn:lti:role:ims/lis/Instructor");
    assert.equal(toRoleUrn("learner"), "urn:lti:role:ims/lis/Learner");
    assert.equal(toRoleUrn("TeachingAssistant/Grader"), "urn:lti:role:ims/lis/TeachingAssistant/Grader");
    assert.equal(toRoleUrn("urn:lti:instrole:ims/lis/Faculty"), "urn:lti:instrole:ims/lis/Faculty");
    assert.equal(toRoleUrn("Whatever"), "Whatever");
  });

  it("sends each launch role in short and URN form", () => {
    assert.equal(launchRoles(["Instructor"]), "Instructor,urn:lti:role:ims/lis/Instructor");
    assert.equal(isInstructorRole(launchRoles(["Learner"])), false);
  });
});

describe("lti13RoleUris", () => {
  it("writes full LTI 1.3 URIs, a sub-role with its principal role, each once", () => {
    assert.deepEqual(
      lti13RoleUris([
        { kind: "context", name: "TeachingAssistant", subRole: "Grader" },
        { kind: "context", name: "TeachingAssistant" },
        { kind: "institution", name: "Student" },
        { kind: "system", name: "User" },
      ]),
      [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/TeachingAssistant#Grader",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#User",
      ],
    );
    assert.deepEqual(lti13RoleUris([]), []);
  });

  it("gives URIs that classifyRole reads back as the same roles", () => {
    const uris = lti13RoleUris([
      { kind: "context", name: "Instructor", subRole: "Lecturer" },
      { kind: "system", name: "SysAdmin" },
    ]);
    assert.deepEqual(
      uris.map((u) => classifyRole(u)).map(({ kind, name, subRole }) => ({ kind, name, subRole })),
      [
        { kind: "context", name: "Instructor", subRole: undefined },
        { kind: "context", name: "Instructor", subRole: "Lecturer" },
        { kind: "system", name: "SysAdmin", subRole: undefined },
      ],
    );
  });
});
