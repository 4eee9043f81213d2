import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { isLtiError, type LtiErrorCode, ToolLaunchError } from "../errors.js";
import { type KeysetPort, memoryNonceStore, type PublicJwk } from "../ports.js";
import { AGS_CLAIM_ENDPOINT, LTI_CLAIM, NRPS_CLAIM } from "../vocab/claims.js";
import { cachedKeyset } from "./jwks-cache.js";
import {
  DEEP_LINKING_SETTINGS_CLAIM,
  launchSummary,
  nonceStoreConsumer,
  type VerifiedToolLaunch,
  type VerifyToolLaunchOptions,
  verifyToolLaunch,
} from "./tool-launch-verify.js";
import type { LoginBinding, RegisteredPlatform } from "./tool-login.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const ISS = "https://lms.example.edu";
const CLIENT = "10000000000001";
const PLUTO = "https://pluto.example";
const TARGET = `${PLUTO}/lti/1p3/launch`;
const STATE = "state-abcdefghijklmnopqrstuvwxyz012345";
const NONCE = "nonce-abcdefghijklmnopqrstuvwxyz012345";
const ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

const platform: RegisteredPlatform = {
  id: "7",
  issuer: ISS,
  clientId: CLIENT,
  authEndpoint: `${ISS}/auth`,
  deploymentIds: ["dep-1"],
};
const binding: LoginBinding = {
  state: STATE,
  nonce: NONCE,
  platformId: "7",
  issuer: ISS,
  clientId: CLIENT,
  targetLinkUri: TARGET,
  expiresAt: new Date((NOW + 300) * 1000),
};

let key: CryptoKey;
let otherKey: CryptoKey;
let jwk: PublicJwk;
let publicPem: string;

before(async () => {
  const a = await generateKeyPair("RS256", { extractable: true });
  const b = await generateKeyPair("RS256");
  key = a.privateKey;
  otherKey = b.privateKey;
  jwk = { ...(await exportJWK(a.publicKey)), kty: "RSA", kid: "pk1", alg: "RS256", use: "sig" };
  const { exportSPKI } = await import("jose");
  publicPem = await exportSPKI(a.publicKey);
});

/** The platform's key set; counts refetches (an unknown kid gets one). */
function keyset(keys: () => PublicJwk[]) {
  const calls = { refetch: 0 };
  const port: KeysetPort = {
    current: async () => keys(),
    refetch: async () => {
      calls.refetch++;
      return keys();
    },
  };
  return { port, calls };
}

/** A full instructor resource link launch (certification 6.1.2 "plain"). */
const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISS,
  aud: CLIENT,
  sub: "user-42",
  iat: NOW - 2,
  exp: NOW + 300,
  nonce: NONCE,
  name: "Ada Lovelace",
  given_name: "Ada",
  family_name: "Lovelace",
  email: "ada@example.edu",
  picture: "https://lms.example.edu/ada.png",
  [LTI_CLAIM.messageType]: "LtiResourceLinkRequest",
  [LTI_CLAIM.version]: "1.3.0",
  [LTI_CLAIM.deploymentId]: "dep-1",
  [LTI_CLAIM.targetLinkUri]: TARGET,
  [LTI_CLAIM.resourceLink]: { id: "rl-1", title: "Week 1 quiz" },
  [LTI_CLAIM.roles]: [
    `${ROLE}Instructor`,
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
  ],
  [LTI_CLAIM.context]: {
    id: "ctx-1",
    label: "CS101",
    title: "Intro",
    type: ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
  },
  [LTI_CLAIM.launchPresentation]: { document_target: "iframe", return_url: `${ISS}/return`, locale: "en-GB" },
  [LTI_CLAIM.custom]: {
    unit: "3",
    rl_history: "$ResourceLink.id.history",
    ctx_history: "$Context.id.history",
  },
  [LTI_CLAIM.lti1p1]: { user_id: "old-7", oauth_consumer_key: "key", oauth_consumer_key_sign: "sig==" },
  [AGS_CLAIM_ENDPOINT]: {
    scope: ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
    lineitems: `${ISS}/api/lti/courses/1/line_items`,
    lineitem: `${ISS}/api/lti/courses/1/line_items/9`,
  },
  [NRPS_CLAIM]: {
    context_memberships_url: `${ISS}/api/lti/courses/1/names_and_roles`,
    service_versions: ["2.0"],
  },
  ...over,
});

const without = (...names: string[]) => {
  const c = claims();
  for (const n of names) delete c[n];
  return c;
};

const sign = (
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", kid: "pk1" },
  k = key,
) => new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(k);

function options(over: Partial<VerifyToolLaunchOptions> = {}) {
  const store = memoryNonceStore(clock);
  const ks = keyset(() => [jwk]);
  const opts: VerifyToolLaunchOptions = {
    binding,
    browser: { kind: "cookie", value: STATE },
    findPlatform: (id) => (id === "7" ? platform : undefined),
    keysFor: () => ks.port,
    consumeNonce: nonceStoreConsumer(store, ISS),
    isOwnLaunchUrl: (url) => new URL(url).origin === PLUTO,
    clock,
    ...over,
  };
  return { opts, store, calls: ks.calls };
}

async function launch(token: string | Promise<string>, over: Partial<VerifyToolLaunchOptions> = {}) {
  return verifyToolLaunch({ id_token: await token, state: STATE }, options(over).opts);
}

async function refused(p: Promise<unknown>): Promise<{ code: LtiErrorCode; claim?: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isLtiError(e), String(e));
    const details = (e as { details?: { claim?: string } }).details;
    const parameter = (e as { parameter?: string }).parameter;
    const claim = details?.claim ?? parameter;
    return claim === undefined ? { code: e.code } : { code: e.code, claim };
  }
  assert.fail("expected a refusal");
}

describe("verifyToolLaunch: the certification's known bad payloads (6.1.1)", () => {
  const cases: Array<[string, () => Promise<string> | string, LtiErrorCode, string?]> = [
    ["No KID Sent in JWT header", () => sign(claims(), { alg: "RS256" }), "jwt_missing_kid"],
    ["Incorrect KID in JWT header", () => sign(claims(), { alg: "RS256", kid: "nope" }), "jwt_unknown_kid"],
    ["Wrong LTI Version", () => sign(claims({ [LTI_CLAIM.version]: "1.2.0" })), "unsupported_version"],
    ["No LTI Version", () => sign(without(LTI_CLAIM.version)), "launch_missing_claim", "version"],
    ["Invalid LTI message (not a JWT)", () => "this.is-not.a-jwt!", "jwt_malformed"],
    [
      "Missing LTI Claims",
      () => sign(without(LTI_CLAIM.messageType, LTI_CLAIM.version, LTI_CLAIM.deploymentId, LTI_CLAIM.roles)),
      "launch_missing_claim",
      "message_type",
    ],
    [
      "Timestamps Incorrect (expired)",
      () => sign(claims({ iat: NOW - 4000, exp: NOW - 3600 })),
      "jwt_expired",
    ],
    [
      "message_type Claim Missing",
      () => sign(without(LTI_CLAIM.messageType)),
      "launch_missing_claim",
      "message_type",
    ],
    ["role Claim Missing", () => sign(without(LTI_CLAIM.roles)), "launch_missing_claim", "roles"],
    [
      "deployment_id Claim Missing",
      () => sign(without(LTI_CLAIM.deploymentId)),
      "launch_missing_claim",
      "deployment_id",
    ],
    [
      "resource_link_id Claim Missing",
      () => sign(without(LTI_CLAIM.resourceLink)),
      "launch_missing_claim",
      "resource_link",
    ],
    [
      "resource_link without id",
      () => sign(claims({ [LTI_CLAIM.resourceLink]: { title: "x" } })),
      "launch_missing_claim",
      "resource_link.id",
    ],
    ["user (sub) Claim Missing", () => sign(without("sub")), "launch_missing_claim", "sub"],
  ];
  for (const [name, token, code, claim] of cases) {
    it(`${name} → ${code}${claim === undefined ? "" : ` (${claim})`}`, async () => {
      const { opts, store } = options();
      const r = await refused(verifyToolLaunch({ id_token: await token(), state: STATE }, opts));
      assert.equal(r.code, code);
      if (claim !== undefined) assert.equal(r.claim, claim);
      assert.equal(store.size(), 0, "a refused launch consumes no nonce");
    });
  }

  it("an incorrect kid makes one refetch of the platform's key set before the refusal", async () => {
    const { opts, calls } = options();
    await refused(
      verifyToolLaunch({ id_token: await sign(claims(), { alg: "RS256", kid: "nope" }), state: STATE }, opts),
    );
    assert.equal(calls.refetch, 1);
  });
});

describe("verifyToolLaunch: further refusals", () => {
  const cases: Array<
    [string, () => Promise<string> | string, LtiErrorCode, Partial<VerifyToolLaunchOptions>?]
  > = [
    [
      "nonce is not the one bound to this state",
      () => sign(claims({ nonce: "other-nonce" })),
      "nonce_mismatch",
    ],
    ["nonce missing", () => sign(without("nonce")), "jwt_missing_claim"],
    [
      "iat an hour in the future",
      () => sign(claims({ iat: NOW + 3600, exp: NOW + 7200 })),
      "jwt_issued_in_future",
    ],
    ["iat 61 s beyond the leeway", () => sign(claims({ iat: NOW + 121 })), "jwt_issued_in_future"],
    [
      "iat older than the maximum age",
      () => sign(claims({ iat: NOW - 3600, exp: NOW + 300 })),
      "jwt_too_old",
    ],
    ["iat missing", () => sign(without("iat")), "jwt_missing_claim"],
    ["unknown deployment", () => sign(claims({ [LTI_CLAIM.deploymentId]: "dep-9" })), "deployment_unknown"],
    [
      "deployment other than the login's lti_deployment_id",
      () => sign(claims()),
      "deployment_mismatch",
      {
        binding: { ...binding, deploymentId: "dep-0" },
        findPlatform: () => ({ ...platform, deploymentIds: ["dep-0", "dep-1"] }),
      },
    ],
    ["alg none", () => new UnsecuredJWT(claims()).encode(), "jwt_alg_not_allowed"],
    [
      "HS256 with the platform's public key as secret",
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: "HS256", kid: "pk1" })
          .sign(new TextEncoder().encode(publicPem)),
      "jwt_alg_not_allowed",
    ],
    [
      "signed by another key under the platform's kid",
      () => sign(claims(), { alg: "RS256", kid: "pk1" }, otherKey),
      "jwt_invalid_signature",
    ],
    ["iss another issuer", () => sign(claims({ iss: "https://evil.example" })), "jwt_wrong_issuer"],
    ["iss with a trailing slash", () => sign(claims({ iss: `${ISS}/` })), "jwt_wrong_issuer"],
    ["aud another client", () => sign(claims({ aud: "other" })), "jwt_wrong_audience"],
    [
      "aud array of several without azp",
      () => sign(claims({ aud: [CLIENT, "other"] })),
      "jwt_wrong_audience",
    ],
    [
      "aud array with azp another client",
      () => sign(claims({ aud: [CLIENT, "other"], azp: "other" })),
      "jwt_wrong_audience",
    ],
    [
      "aud array without Pluto's client",
      () => sign(claims({ aud: ["a", "b"], azp: "a" })),
      "jwt_wrong_audience",
    ],
    [
      "message type not handled",
      () => sign(claims({ [LTI_CLAIM.messageType]: "LtiSubmissionReviewRequest" })),
      "unsupported_message_type",
    ],
    ["target_link_uri missing", () => sign(without(LTI_CLAIM.targetLinkUri)), "launch_missing_claim"],
    [
      "target_link_uri foreign",
      () => sign(claims({ [LTI_CLAIM.targetLinkUri]: "https://evil.example/" })),
      "target_link_uri_foreign",
    ],
    ["roles not an array", () => sign(claims({ [LTI_CLAIM.roles]: "Instructor" })), "launch_invalid_claim"],
    [
      "context without id",
      () => sign(claims({ [LTI_CLAIM.context]: { title: "x" } })),
      "launch_missing_claim",
    ],
    [
      "deployment_id longer than 255",
      () => sign(claims({ [LTI_CLAIM.deploymentId]: "d".repeat(256) })),
      "launch_invalid_claim",
    ],
    ["custom not an object", () => sign(claims({ [LTI_CLAIM.custom]: ["a"] })), "launch_invalid_claim"],
    [
      "Deep Linking request without deep_linking_settings",
      () => sign(claims({ [LTI_CLAIM.messageType]: "LtiDeepLinkingRequest" })),
      "launch_missing_claim",
    ],
    [
      "Deep Linking settings without deep_link_return_url",
      () =>
        sign(
          claims({
            [LTI_CLAIM.messageType]: "LtiDeepLinkingRequest",
            [DEEP_LINKING_SETTINGS_CLAIM]: { accept_types: ["ltiResourceLink"] },
          }),
        ),
      "launch_missing_claim",
    ],
    [
      "Deep Linking settings without accept_types",
      () =>
        sign(
          claims({
            [LTI_CLAIM.messageType]: "LtiDeepLinkingRequest",
            [DEEP_LINKING_SETTINGS_CLAIM]: { deep_link_return_url: `${ISS}/dl` },
          }),
        ),
      "launch_missing_claim",
    ],
    ["no login pending for the state", () => sign(claims()), "state_unknown", { binding: undefined }],
    [
      "login expired",
      () => sign(claims()),
      "state_expired",
      { binding: { ...binding, expiresAt: new Date((NOW - 1) * 1000) } },
    ],
    [
      "state cookie absent",
      () => sign(claims()),
      "state_mismatch",
      { browser: { kind: "cookie", value: undefined } },
    ],
    [
      "state cookie of another login",
      () => sign(claims()),
      "state_mismatch",
      { browser: { kind: "cookie", value: "x" } },
    ],
    [
      "platform storage nonce differs",
      () => sign(claims()),
      "state_mismatch",
      { browser: { kind: "platform_storage", state: STATE, nonce: "other" } },
    ],
    [
      "platform deleted since the login",
      () => sign(claims()),
      "platform_unknown",
      { findPlatform: () => undefined },
    ],
  ];
  for (const [name, token, code, over] of cases) {
    it(`${name} → ${code}`, async () => {
      const { opts, store } = options(over);
      const r = await refused(verifyToolLaunch({ id_token: await token(), state: STATE }, opts));
      assert.equal(r.code, code);
      assert.equal(store.size(), 0, "a refused launch consumes no nonce");
    });
  }

  it("refuses a replay of an accepted id_token (nonce single use)", async () => {
    const { opts, store } = options();
    const token = await sign(claims());
    await verifyToolLaunch({ id_token: token, state: STATE }, opts);
    assert.equal(store.size(), 1);
    assert.equal(
      (await refused(verifyToolLaunch({ id_token: token, state: STATE }, opts))).code,
      "jwt_nonce_reused",
    );
  });

  it("reads the platform's error post as a refused launch (case 125)", async () => {
    try {
      await verifyToolLaunch(
        { error: "launch_no_longer_valid", error_description: "gone", state: STATE },
        options().opts,
      );
      assert.fail("expected a refusal");
    } catch (e) {
      assert.ok(e instanceof ToolLaunchError);
      assert.equal(e.code, "launch_platform_error");
      assert.deepEqual(e.details, {
        error: "launch_no_longer_valid",
        errorDescription: "gone",
      });
    }
  });

  it("refuses a form without id_token or state, or with them repeated", async () => {
    const o = options().opts;
    assert.equal((await refused(verifyToolLaunch({ state: STATE }, o))).code, "missing_parameter");
    assert.equal(
      (await refused(verifyToolLaunch({ id_token: await sign(claims()) }, o))).code,
      "missing_parameter",
    );
    assert.equal(
      (await refused(verifyToolLaunch({ id_token: ["a", "b"], state: STATE }, o))).code,
      "invalid_parameter",
    );
    const posted = { id_token: await sign(claims()), state: "another-state" };
    assert.equal((await refused(verifyToolLaunch(posted, o))).code, "state_unknown");
  });
});

describe("verifyToolLaunch with the platform's cached JWKS", () => {
  it("refetches once on an unknown kid (the platform rotated) and then accepts; a stranger's kid costs one fetch per cooldown", async () => {
    let published: PublicJwk[] = [{ ...jwk, kid: "old" }];
    let fetches = 0;
    let now = NOW;
    const tick = { now: () => new Date(now * 1000) };
    const jwks = cachedKeyset(async () => {
      fetches++;
      return { keys: published };
    }, tick);
    const over = { keysFor: () => jwks, clock: tick };
    await jwks.current(); // the cache holds the old key set
    assert.equal(fetches, 1);
    published = [{ ...jwk, kid: "old" }, jwk];
    now += 31;
    const token = sign(claims({ iat: now, exp: now + 300 }));
    const l = await verifyToolLaunch(
      { id_token: await token, state: STATE },
      options({ ...over, binding: { ...binding, expiresAt: new Date((now + 300) * 1000) } }).opts,
    );
    assert.equal(l.kid, "pk1");
    assert.equal(fetches, 2);
    const stranger = sign(claims({ iat: now, exp: now + 300 }), { alg: "RS256", kid: "made-up" });
    const o = options({ ...over, binding: { ...binding, expiresAt: new Date((now + 300) * 1000) } }).opts;
    assert.equal(
      (await refused(verifyToolLaunch({ id_token: await stranger, state: STATE }, o))).code,
      "jwt_unknown_kid",
    );
    assert.equal(
      (await refused(verifyToolLaunch({ id_token: await stranger, state: STATE }, o))).code,
      "jwt_unknown_kid",
    );
    assert.equal(fetches, 2, "no refetch within the cooldown");
  });
});

describe("nonceStoreConsumer", () => {
  it("consumes a nonce once per scope", async () => {
    const store = memoryNonceStore(clock);
    const a = nonceStoreConsumer(store, ISS);
    const b = nonceStoreConsumer(store, "https://other.example");
    const until = new Date((NOW + 60) * 1000);
    assert.equal(await a("n", until), true);
    assert.equal(await a("n", until), false);
    assert.equal(await b("n", until), true);
  });
});

describe("verifyToolLaunch: valid launches", () => {
  it("accepts the full instructor launch and reads every claim", async () => {
    const l = await launch(sign(claims()));
    assert.deepEqual({ ...l, claims: undefined }, {
      platform: { id: "7", issuer: ISS, clientId: CLIENT },
      deploymentId: "dep-1",
      messageType: "LtiResourceLinkRequest",
      sub: "user-42",
      roles: [`${ROLE}Instructor`, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"],
      roleScopeMentor: [],
      person: {
        name: "Ada Lovelace",
        givenName: "Ada",
        familyName: "Lovelace",
        email: "ada@example.edu",
        picture: "https://lms.example.edu/ada.png",
      },
      targetLinkUri: TARGET,
      resourceLink: { id: "rl-1", title: "Week 1 quiz" },
      context: {
        id: "ctx-1",
        label: "CS101",
        title: "Intro",
        type: ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
      },
      presentation: { documentTarget: "iframe", returnUrl: `${ISS}/return`, locale: "en-GB" },
      custom: { unit: "3", rl_history: "$ResourceLink.id.history", ctx_history: "$Context.id.history" },
      lti1p1: { user_id: "old-7", oauth_consumer_key: "key", oauth_consumer_key_sign: "sig==" },
      ags: {
        scope: ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        lineitems: `${ISS}/api/lti/courses/1/line_items`,
        lineitem: `${ISS}/api/lti/courses/1/line_items/9`,
      },
      nrps: { contextMembershipsUrl: `${ISS}/api/lti/courses/1/names_and_roles`, serviceVersions: ["2.0"] },
      kid: "pk1",
      claims: undefined,
    } as unknown as VerifiedToolLaunch);
    assert.deepEqual(launchSummary(l), {
      userId: "user-42",
      roles: { instructor: true, learner: false, raw: l.roles },
      person: {
        givenName: "Ada",
        familyName: "Lovelace",
        fullName: "Ada Lovelace",
        email: "ada@example.edu",
      },
      resourceLink: { id: "rl-1", title: "Week 1 quiz" },
      context: { id: "ctx-1", title: "Intro" },
      returnUrl: `${ISS}/return`,
      presentation: { documentTarget: "iframe", locale: "en-GB" },
      custom: { unit: "3", rl_history: "$ResourceLink.id.history", ctx_history: "$Context.id.history" },
    });
  });

  const valid: Array<
    [string, Record<string, unknown>, (l: VerifiedToolLaunch) => void, Partial<VerifyToolLaunchOptions>?]
  > = [
    [
      "No PII (no name, no email)",
      without("name", "given_name", "family_name", "email", "picture"),
      (l) => assert.deepEqual(l.person, {}),
    ],
    [
      "empty roles",
      claims({ [LTI_CLAIM.roles]: [] }),
      (l) => assert.deepEqual(launchSummary(l).roles, { instructor: false, learner: false, raw: [] }),
    ],
    [
      "no context (Email Without Context)",
      without(LTI_CLAIM.context, "name", "given_name", "family_name"),
      (l) => {
        assert.equal(l.context, undefined);
        assert.equal(l.person.email, "ada@example.edu");
      },
    ],
    [
      "short role value",
      claims({ [LTI_CLAIM.roles]: ["Learner"] }),
      (l) => assert.equal(launchSummary(l).roles.learner, true),
    ],
    [
      "unknown role",
      claims({ [LTI_CLAIM.roles]: ["urn:example:role:Wizard"] }),
      (l) => assert.equal(launchSummary(l).roles.instructor, false),
    ],
    [
      "multiple role values: learner and TA sub-role",
      claims({
        [LTI_CLAIM.roles]: [
          `${ROLE}Learner`,
          "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        ],
      }),
      (l) => assert.deepEqual(launchSummary(l).roles, { instructor: true, learner: true, raw: l.roles }),
    ],
    [
      "system administrator role",
      claims({ [LTI_CLAIM.roles]: ["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"] }),
      (l) => assert.equal(launchSummary(l).roles.instructor, true),
    ],
    [
      "institution Instructor only is not an instructor here",
      claims({ [LTI_CLAIM.roles]: ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"] }),
      (l) => assert.equal(launchSummary(l).roles.instructor, false),
    ],
    ["iat 20 s old", claims({ iat: NOW - 20 }), (l) => assert.equal(l.sub, "user-42")],
    ["iat 50 s ahead (within the leeway)", claims({ iat: NOW + 50 }), (l) => assert.equal(l.sub, "user-42")],
    ["aud one-element array", claims({ aud: [CLIENT] }), (l) => assert.equal(l.platform.clientId, CLIENT)],
    [
      "aud array with azp = client_id",
      claims({ aud: [CLIENT, "other"], azp: CLIENT }),
      (l) => assert.equal(l.platform.clientId, CLIENT),
    ],
    [
      "Student Only Resource Link (minimal claims)",
      {
        iss: ISS,
        aud: CLIENT,
        sub: "s",
        iat: NOW,
        exp: NOW + 60,
        nonce: NONCE,
        [LTI_CLAIM.messageType]: "LtiResourceLinkRequest",
        [LTI_CLAIM.version]: "1.3.0",
        [LTI_CLAIM.deploymentId]: "dep-1",
        [LTI_CLAIM.targetLinkUri]: TARGET,
        [LTI_CLAIM.resourceLink]: { id: "r" },
        [LTI_CLAIM.roles]: [`${ROLE}Learner`],
      },
      (l) => {
        assert.deepEqual(l.custom, {});
        assert.deepEqual(l.presentation, {});
        assert.equal(l.ags, undefined);
        assert.equal(l.nrps, undefined);
        assert.equal(l.lti1p1, undefined);
      },
    ],
    [
      "unknown document_target ignored, non-string custom values dropped",
      claims({
        [LTI_CLAIM.launchPresentation]: { document_target: "sidebar", return_url: "javascript:x" },
        [LTI_CLAIM.custom]: { a: "1", b: 2 },
      }),
      (l) => {
        assert.deepEqual(l.presentation, {});
        assert.deepEqual(l.custom, { a: "1" });
      },
    ],
    [
      "anonymous launch, when allowed",
      without("sub"),
      (l) => assert.equal(launchSummary(l).userId, undefined),
      { allowAnonymous: true },
    ],
    [
      "platform storage proof",
      claims(),
      (l) => assert.equal(l.sub, "user-42"),
      { browser: { kind: "platform_storage", state: STATE, nonce: NONCE } },
    ],
    [
      "login's lti_deployment_id equal to the claim",
      claims(),
      (l) => assert.equal(l.deploymentId, "dep-1"),
      { binding: { ...binding, deploymentId: "dep-1" } },
    ],
    [
      "Deep Linking request",
      claims({
        [LTI_CLAIM.messageType]: "LtiDeepLinkingRequest",
        [LTI_CLAIM.resourceLink]: undefined,
        [DEEP_LINKING_SETTINGS_CLAIM]: {
          deep_link_return_url: `${ISS}/dl/return`,
          accept_types: ["ltiResourceLink", "link"],
          accept_presentation_document_targets: ["iframe", "window"],
          accept_multiple: true,
          data: "opaque-data",
        },
      }),
      (l) => {
        assert.equal(l.resourceLink, undefined);
        assert.deepEqual(l.deepLinking, {
          deepLinkReturnUrl: `${ISS}/dl/return`,
          acceptTypes: ["ltiResourceLink", "link"],
          acceptPresentationDocumentTargets: ["iframe", "window"],
          acceptMultiple: true,
          data: "opaque-data",
        });
      },
    ],
    [
      "Deep Linking flags sent as strings (case 142)",
      claims({
        [LTI_CLAIM.messageType]: "LtiDeepLinkingRequest",
        [LTI_CLAIM.resourceLink]: undefined,
        [DEEP_LINKING_SETTINGS_CLAIM]: {
          deep_link_return_url: `${ISS}/dl/return`,
          accept_types: ["ltiResourceLink"],
          accept_presentation_document_targets: ["iframe"],
          accept_multiple: "true",
          accept_lineitem: "false",
        },
      }),
      (l) => {
        assert.equal(l.deepLinking?.acceptMultiple, true);
        assert.equal(l.deepLinking?.acceptLineItem, false);
      },
    ],
  ];
  for (const [name, payload, check, over] of valid) {
    it(`accepts: ${name}`, async () => {
      const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
      check(await launch(sign(clean), over));
    });
  }
});
