import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import { ParameterError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import { AGS_CLAIM_ENDPOINT, AGS_SCOPE, LTI_CLAIM, NRPS_CLAIM } from "../vocab/claims.js";
import { buildResourceLinkClaims, type ResourceLinkLaunch, signIdToken } from "./id-token.js";
import { verifyToolJwt } from "./jwt-verify.js";
import {
  buildJwks,
  type GeneratedPlatformKey,
  generatePlatformKey,
  importPlatformSigningKey,
  type PlatformSigningKey,
} from "./keys.js";

const T0 = 1_800_000_000;
const clock = { now: () => new Date(T0 * 1000) };

const minimal: ResourceLinkLaunch = {
  issuer: "https://pluto.example",
  clientId: "c-1",
  deploymentId: "d-1",
  nonce: "nonce-abc",
  targetLinkUri: "https://tool.example/launch",
  resourceLink: { id: "rl-7" },
  user: {
    sub: "u-42",
    name: "Ada Lovelace",
    givenName: "Ada",
    familyName: "Lovelace",
    email: "ada@example.org",
    picture: "https://pluto.example/u/42.png",
  },
  privacy: { shareName: false, shareEmail: false },
  roles: [],
};

const full: ResourceLinkLaunch = {
  ...minimal,
  privacy: { shareName: true, shareEmail: true },
  resourceLink: { id: "rl-7", title: "  Week 1 quiz ", description: "The first quiz" },
  roles: [
    { kind: "context", name: "Instructor" },
    { kind: "context", name: "Instructor", subRole: "TeachingAssistant" },
    { kind: "institution", name: "Faculty" },
    { kind: "system", name: "SysAdmin" },
  ],
  context: { id: "course-3", label: "CHEM101", title: "Chemistry", type: ["CourseOffering"] },
  toolPlatform: {
    guid: "pluto.example",
    name: "Pluto",
    version: "0.1.0",
    productFamilyCode: "pluto",
    url: "https://pluto.example/",
  },
  launchPresentation: {
    documentTarget: "iframe",
    returnUrl: "https://pluto.example/courses/3",
    locale: "en-GB",
    width: 800,
    height: 600,
  },
  custom: { user: "$User.id", history: "$ResourceLink.id.history", unknown: "$Nope.none", plain: " x " },
  substitutions: { "$User.id": "u-42", "$ResourceLink.id.history": "" },
  lis: { personSourcedId: "sis-42", courseSectionSourcedId: "sec-3" },
  ags: {
    scope: [AGS_SCOPE.lineItem, AGS_SCOPE.score],
    lineitems: "https://pluto.example/api/lti/courses/3/line_items",
    lineitem: "https://pluto.example/api/lti/courses/3/line_items/9",
  },
  nrps: { contextMembershipsUrl: "https://pluto.example/api/lti/courses/3/memberships" },
};

describe("the id_token claims of a resource link launch (§K)", () => {
  it("carry every required claim (Core §5.3, OIDC §2) and nothing personal when privacy says no", () => {
    const c = buildResourceLinkClaims(minimal, { clock });
    assert.deepEqual(c, {
      iss: "https://pluto.example",
      aud: "c-1",
      azp: "c-1",
      sub: "u-42",
      iat: T0,
      exp: T0 + 300,
      nonce: "nonce-abc",
      [LTI_CLAIM.messageType]: "LtiResourceLinkRequest",
      [LTI_CLAIM.version]: "1.3.0",
      [LTI_CLAIM.deploymentId]: "d-1",
      [LTI_CLAIM.targetLinkUri]: "https://tool.example/launch",
      [LTI_CLAIM.resourceLink]: { id: "rl-7" },
      [LTI_CLAIM.roles]: [],
    });
  });

  it("carry the optional claims given, roles as full URIs, custom values substituted, text trimmed (case 112)", () => {
    const c = buildResourceLinkClaims(full, { clock, lifetimeSeconds: 120 });
    assert.equal(c.exp, T0 + 120);
    assert.deepEqual(c[LTI_CLAIM.resourceLink], {
      id: "rl-7",
      title: "Week 1 quiz",
      description: "The first quiz",
    });
    assert.deepEqual(c[LTI_CLAIM.roles], [
      "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
      "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
      "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
      "http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin",
    ]);
    assert.deepEqual(c[LTI_CLAIM.context], {
      id: "course-3",
      label: "CHEM101",
      title: "Chemistry",
      type: ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
    });
    assert.deepEqual(c[LTI_CLAIM.toolPlatform], {
      guid: "pluto.example",
      name: "Pluto",
      version: "0.1.0",
      product_family_code: "pluto",
      url: "https://pluto.example/",
    });
    assert.deepEqual(c[LTI_CLAIM.launchPresentation], {
      document_target: "iframe",
      return_url: "https://pluto.example/courses/3",
      locale: "en-GB",
      width: 800,
      height: 600,
    });
    // Case 214: an unknown variable is sent as is; a known one with an empty value is empty.
    assert.deepEqual(c[LTI_CLAIM.custom], { user: "u-42", history: "", unknown: "$Nope.none", plain: "x" });
    assert.deepEqual(c[LTI_CLAIM.lis], { person_sourcedid: "sis-42", course_section_sourcedid: "sec-3" });
    assert.deepEqual(c[AGS_CLAIM_ENDPOINT], {
      scope: [AGS_SCOPE.lineItem, AGS_SCOPE.score],
      lineitems: full.ags!.lineitems,
      lineitem: full.ags!.lineitem,
    });
    assert.deepEqual(c[NRPS_CLAIM], {
      context_memberships_url: full.nrps!.contextMembershipsUrl,
      service_versions: ["2.0"],
    });
    assert.equal(c.name, "Ada Lovelace");
    assert.equal(c.given_name, "Ada");
    assert.equal(c.family_name, "Lovelace");
    assert.equal(c.email, "ada@example.org");
    assert.equal(c.picture, "https://pluto.example/u/42.png");
  });

  it("share the name without the email, and the email without the name, as the privacy settings say", () => {
    const names = buildResourceLinkClaims(
      { ...minimal, privacy: { shareName: true, shareEmail: false } },
      { clock },
    );
    assert.equal(names.name, "Ada Lovelace");
    assert.equal(names.email, undefined);
    const email = buildResourceLinkClaims(
      { ...minimal, privacy: { shareName: false, shareEmail: true } },
      { clock },
    );
    assert.equal(email.email, "ada@example.org");
    assert.equal(email.name, undefined);
    assert.equal(email.given_name, undefined);
  });

  const bad: Array<[string, Partial<ResourceLinkLaunch>, string]> = [
    ["an empty sub", { user: { sub: "" } }, "sub"],
    ["a sub past 255 characters", { user: { sub: "u".repeat(256) } }, "sub"],
    ["a deployment id with a non-ASCII character", { deploymentId: "dé" }, "deploymentId"],
    ["a padded resource link id", { resourceLink: { id: " rl" } }, "resourceLink.id"],
    ["a relative target_link_uri", { targetLinkUri: "/launch" }, "targetLinkUri"],
    ["a relative AGS URL (case 113)", { ags: { scope: [], lineitems: "/line_items" } }, "ags.lineitems"],
    [
      "a relative memberships URL (case 113)",
      { nrps: { contextMembershipsUrl: "memberships" } },
      "nrps.contextMembershipsUrl",
    ],
  ];
  for (const [name, over, parameter] of bad) {
    it(`refuse ${name}`, () => {
      assert.throws(
        () => buildResourceLinkClaims({ ...minimal, ...over }, { clock }),
        (e: unknown) => e instanceof ParameterError && e.parameter === parameter,
      );
    });
  }
});

describe("the signed id_token", () => {
  let stored: GeneratedPlatformKey;
  let key: PlatformSigningKey;
  before(async () => {
    stored = await generatePlatformKey(clock);
    key = await importPlatformSigningKey(stored);
  });

  it("verifies with jose against the platform JWKS: RS256 and the published kid (case 114)", async () => {
    const token = await signIdToken(full, key, { clock });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(buildJwks([stored])), {
      algorithms: ["RS256"],
      issuer: "https://pluto.example",
      audience: "c-1",
      currentDate: clock.now(),
    });
    assert.equal(protectedHeader.kid, stored.kid);
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.nonce, "nonce-abc");
    assert.equal(payload[LTI_CLAIM.messageType], "LtiResourceLinkRequest");
  });

  it("passes the same checks a tool makes (verifyToolJwt with the roles swapped), nonce single use", async () => {
    const token = await signIdToken(minimal, key, { clock });
    const keys = {
      current: async () => buildJwks([stored]).keys,
      refetch: async () => buildJwks([stored]).keys,
    };
    const nonceStore = memoryNonceStore(clock);
    const opts = {
      expectedIssuer: "https://pluto.example",
      expectedAudience: "c-1",
      keys,
      clock,
      nonceStore,
      maxAgeSeconds: 60,
    };
    const v = await verifyToolJwt(token, opts);
    assert.equal(v.payload.sub, "u-42");
    await assert.rejects(
      verifyToolJwt(token, opts),
      (e: unknown) => (e as { code?: string }).code === "jwt_nonce_reused",
    );
  });
});
