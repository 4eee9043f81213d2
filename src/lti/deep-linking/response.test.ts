// The Deep Linking response as Pluto receives it: a JWT signed by the tool, checked against the request
// (Deep Linking 2.0 §4.5; conformance cases 143–155). The signature is verified with jose and a generated
// keyset standing in for the v1p3 verifier.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CryptoKey, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { DeepLinkingError, isLtiError } from "../errors.js";
import { memoryNonceStore } from "../ports.js";
import {
  type DeepLinkingExpectations,
  parseDeepLinkingResponse,
  type VerifyJwt,
  verifyDeepLinkingResponse,
} from "./response.js";
import {
  buildDeepLinkingResponseClaims,
  type DeepLinkingResponseInput,
  signDeepLinkingResponse,
} from "./response-build.js";

const NOW = new Date("2026-12-02T12:00:00Z");
const clock = { now: () => NOW };
const T = (s: number) => Math.floor(NOW.getTime() / 1000) + s;
const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
const LTI = "https://purl.imsglobal.org/spec/lti/claim/";

const expect: DeepLinkingExpectations = {
  clientId: "tool-client-1",
  platformIssuer: "https://pluto.example",
  deploymentId: "dep-1",
  data: "pending-request-42",
  acceptTypes: ["ltiResourceLink", "link", "html", "file", "image"],
  acceptMultiple: true,
  acceptLineItem: true,
};

const input: DeepLinkingResponseInput = {
  clientId: "tool-client-1",
  platformIssuer: "https://pluto.example",
  deploymentId: "dep-1",
  data: "pending-request-42",
  nonce: "n-1",
  contentItems: [],
};

/** A response payload as a tool signs it, with iat/exp, and `change` applied (undefined deletes a claim). */
function payload(
  change: Record<string, unknown> = {},
  items: unknown[] = [{ type: "link", url: "https://x.example/" }],
) {
  const p: Record<string, unknown> = {
    ...buildDeepLinkingResponseClaims({ ...input, contentItems: items }),
    iat: T(0),
    exp: T(300),
  };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete p[k];
    else p[k] = v;
  }
  return p;
}

const parse = (p: unknown, e: Partial<DeepLinkingExpectations> = {}) =>
  parseDeepLinkingResponse(p, { ...expect, ...e, clock });

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(isLtiError(e), String(e));
    return e.code;
  }
  return "accepted";
};

const RESOURCE_LINK = {
  type: "ltiResourceLink",
  title: "Quiz 1",
  text: "Ten questions",
  url: "https://tool.example/launch/quiz-1",
  icon: { url: "https://tool.example/icon.png", width: 32, height: 32 },
  thumbnail: { url: "https://tool.example/thumb.png", width: 90, height: 90 },
  custom: { quiz_id: "q1", due: "$ResourceLink.submission.endDateTime" },
  lineItem: { scoreMaximum: 10, label: "Quiz 1", resourceId: "q1", tag: "quiz", gradesReleased: true },
  window: { targetName: "quiz", width: 800, height: 600, windowFeatures: "menubar=no" },
  iframe: { width: 800, height: 600, src: "https://tool.example/frame/q1" },
  available: { startDateTime: "2026-12-01T00:00:00Z", endDateTime: "2026-12-31T23:59:59Z" },
  submission: { startDateTime: "2026-12-01T00:00:00+01:00", endDateTime: "2026-12-20T23:59:59.500Z" },
  vendor_extra: { ignored: true },
};

describe("a Deep Linking response payload", () => {
  it("reads every item type with its properties, keyed by position, unknown properties ignored", () => {
    const r = parse(
      payload({ [`${DL}msg`]: "3 items added", [`${DL}log`]: "ok" }, [
        RESOURCE_LINK,
        {
          type: "link",
          url: "https://en.wikipedia.org/wiki/Pluto",
          title: "Pluto",
          embed: { html: "<iframe src='https://x.example'></iframe>" },
          window: { targetName: "_blank" },
          iframe: { width: 400, height: 300 },
        },
        { type: "html", html: "<p>Hello</p>", title: "Note" },
        {
          type: "file",
          url: "https://tool.example/f.pdf",
          title: "Syllabus",
          mediaType: "application/pdf",
          expiresAt: "2026-12-03T00:00:00Z",
        },
        { type: "image", url: "https://tool.example/i.png", width: 640, height: 480, text: "Diagram" },
      ]),
    );
    assert.equal(r.cancelled, false);
    assert.equal(r.message, "3 items added");
    assert.equal(r.log, "ok");
    assert.equal(r.deploymentId, "dep-1");
    assert.deepEqual(
      r.items.map((i) => [i.index, i.type]),
      [
        [0, "ltiResourceLink"],
        [1, "link"],
        [2, "html"],
        [3, "file"],
        [4, "image"],
      ],
    );
    assert.deepEqual(r.items[0], {
      index: 0,
      type: "ltiResourceLink",
      title: "Quiz 1",
      text: "Ten questions",
      url: "https://tool.example/launch/quiz-1",
      icon: { url: "https://tool.example/icon.png", width: 32, height: 32 },
      thumbnail: { url: "https://tool.example/thumb.png", width: 90, height: 90 },
      custom: { quiz_id: "q1", due: "$ResourceLink.submission.endDateTime" },
      lineItem: { scoreMaximum: 10, label: "Quiz 1", resourceId: "q1", tag: "quiz", gradesReleased: true },
      window: { targetName: "quiz", width: 800, height: 600, windowFeatures: "menubar=no" },
      iframe: { width: 800, height: 600, src: "https://tool.example/frame/q1" },
      available: {
        startDateTime: new Date("2026-12-01T00:00:00Z"),
        endDateTime: new Date("2026-12-31T23:59:59Z"),
      },
      submission: {
        startDateTime: new Date("2026-11-30T23:00:00Z"),
        endDateTime: new Date("2026-12-20T23:59:59.500Z"),
      },
    });
    assert.deepEqual(r.items[1], {
      index: 1,
      type: "link",
      url: "https://en.wikipedia.org/wiki/Pluto",
      title: "Pluto",
      embed: { html: "<iframe src='https://x.example'></iframe>" },
      window: { targetName: "_blank" },
      iframe: { width: 400, height: 300 },
    });
    assert.deepEqual(r.items[2], { index: 2, type: "html", html: "<p>Hello</p>", title: "Note" });
    assert.deepEqual(r.items[3], {
      index: 3,
      type: "file",
      url: "https://tool.example/f.pdf",
      title: "Syllabus",
      mediaType: "application/pdf",
      expiresAt: new Date("2026-12-03T00:00:00Z"),
    });
    assert.deepEqual(r.items[4], {
      index: 4,
      type: "image",
      url: "https://tool.example/i.png",
      width: 640,
      height: 480,
      text: "Diagram",
    });
  });

  it("keeps two items with one URL as two items", () => {
    const same = { type: "ltiResourceLink", url: "https://tool.example/launch" };
    const r = parse(
      payload({}, [
        { ...same, title: "A" },
        { ...same, title: "B" },
      ]),
    );
    assert.deepEqual(
      r.items.map((i) => [i.index, i.title]),
      [
        [0, "A"],
        [1, "B"],
      ],
    );
  });

  it("reads an ltiResourceLink without url (the tool's target_link_uri) and with empty custom", () => {
    const r = parse(payload({}, [{ type: "ltiResourceLink", title: "Default" }]));
    assert.deepEqual(r.items[0], { index: 0, type: "ltiResourceLink", title: "Default", custom: {} });
  });

  it("reads an empty content_items, or none, as cancelled with the tool's messages (case 155)", () => {
    const r = parse(payload({ [`${DL}errormsg`]: "Nothing selected", [`${DL}errorlog`]: "user closed" }, []));
    assert.equal(r.cancelled, true);
    assert.deepEqual(r.items, []);
    assert.equal(r.errorMessage, "Nothing selected");
    assert.equal(r.errorLog, "user closed");
    assert.equal(parse(payload({ [`${DL}content_items`]: undefined })).cancelled, true);
  });

  it("accepts aud as a one-element array, and several audiences with azp naming the platform", () => {
    assert.equal(parse(payload({ aud: ["https://pluto.example"] })).items.length, 1);
    assert.equal(
      parse(payload({ aud: ["https://pluto.example", "other"], azp: "https://pluto.example" })).items.length,
      1,
    );
  });

  it("accepts a response without data when the request sent none", () => {
    assert.equal(parse(payload({ [`${DL}data`]: undefined }), { data: undefined }).items.length, 1);
  });

  it("drops a lineItem with a warning when accept_lineitem was false", () => {
    const r = parse(payload({}, [RESOURCE_LINK]), { acceptLineItem: false });
    assert.equal(r.items[0]?.type === "ltiResourceLink" && r.items[0].lineItem, undefined);
    assert.match(r.warnings[0] ?? "", /lineItem ignored/);
  });

  it("reports unknown item types without refusing the known ones", () => {
    const r = parse(
      payload({}, [
        { type: "x-vendor-widget", foo: 1 },
        { type: "html", html: "<b>x</b>" },
      ]),
    );
    assert.deepEqual(r.skipped, [{ index: 0, type: "x-vendor-widget", reason: "unknown_type" }]);
    assert.deepEqual(
      r.items.map((i) => i.index),
      [1],
    );
  });

  it("skips types not offered when the policy is report", () => {
    const r = parse(
      payload({}, [
        { type: "html", html: "x" },
        { type: "link", url: "https://a.example/" },
      ]),
      {
        acceptTypes: ["link"],
        unacceptedItems: "report",
      },
    );
    assert.deepEqual(r.skipped, [{ index: 0, type: "html", reason: "not_accepted" }]);
    assert.equal(r.items.length, 1);
  });

  // Every refusal with its code (cases 143, 145–153).
  const refusals: Array<
    [string, Record<string, unknown>, unknown[] | undefined, Partial<DeepLinkingExpectations>, string]
  > = [
    ["no message_type", { [`${LTI}message_type`]: undefined }, undefined, {}, "dl_missing_claim"],
    [
      "a resource-link message type",
      { [`${LTI}message_type`]: "LtiResourceLinkRequest" },
      undefined,
      {},
      "unsupported_message_type",
    ],
    [
      "the request's message type",
      { [`${LTI}message_type`]: "LtiDeepLinkingRequest" },
      undefined,
      {},
      "unsupported_message_type",
    ],
    ["no version", { [`${LTI}version`]: undefined }, undefined, {}, "dl_missing_claim"],
    ["version 1.1", { [`${LTI}version`]: "1.1" }, undefined, {}, "unsupported_version"],
    ["no iss", { iss: undefined }, undefined, {}, "dl_missing_claim"],
    ["iss not the client_id", { iss: "other-client" }, undefined, {}, "dl_issuer_mismatch"],
    ["iss with a trailing slash", { iss: "tool-client-1/" }, undefined, {}, "dl_issuer_mismatch"],
    ["no aud", { aud: undefined }, undefined, {}, "dl_missing_claim"],
    ["aud another platform", { aud: "https://other.example" }, undefined, {}, "dl_audience_mismatch"],
    ["aud with a trailing slash", { aud: "https://pluto.example/" }, undefined, {}, "dl_audience_mismatch"],
    ["aud a number", { aud: 5 }, undefined, {}, "dl_invalid_claim"],
    ["aud an empty array", { aud: [] }, undefined, {}, "dl_invalid_claim"],
    [
      "several audiences without azp",
      { aud: ["https://pluto.example", "x"] },
      undefined,
      {},
      "dl_audience_mismatch",
    ],
    ["an expired token", { exp: T(-61) }, undefined, {}, "dl_expired"],
    ["iat in the future", { iat: T(3600) }, undefined, {}, "dl_expired"],
    ["no exp", { exp: undefined }, undefined, {}, "dl_missing_claim"],
    ["exp a string", { exp: "soon" }, undefined, {}, "dl_invalid_claim"],
    ["no deployment_id", { [`${LTI}deployment_id`]: undefined }, undefined, {}, "dl_missing_claim"],
    ["another deployment", { [`${LTI}deployment_id`]: "dep-2" }, undefined, {}, "dl_deployment_mismatch"],
    ["no data when the request sent one", { [`${DL}data`]: undefined }, undefined, {}, "dl_data_mismatch"],
    ["data changed", { [`${DL}data`]: "pending-request-43" }, undefined, {}, "dl_data_mismatch"],
    [
      "data with a trailing space",
      { [`${DL}data`]: "pending-request-42 " },
      undefined,
      {},
      "dl_data_mismatch",
    ],
    ["data as an object", { [`${DL}data`]: { id: "pending-request-42" } }, undefined, {}, "dl_data_mismatch"],
    ["no nonce", { nonce: undefined }, undefined, {}, "dl_missing_claim"],
    [
      "content_items not an array",
      { [`${DL}content_items`]: { type: "link" } },
      undefined,
      {},
      "dl_invalid_claim",
    ],
    ["msg not a string", { [`${DL}msg`]: 3 }, undefined, {}, "dl_invalid_claim"],
    [
      "two items when accept_multiple was false",
      {},
      [
        { type: "html", html: "a" },
        { type: "html", html: "b" },
      ],
      { acceptMultiple: false },
      "dl_multiple_not_accepted",
    ],
    [
      "a type that was not offered",
      {},
      [{ type: "html", html: "a" }],
      { acceptTypes: ["ltiResourceLink"] },
      "dl_type_not_accepted",
    ],
    [
      "more items than allowed",
      {},
      Array(5).fill({ type: "html", html: "a" }),
      { maxItems: 4 },
      "dl_invalid_claim",
    ],
    ["an item that is not an object", {}, ["link"], {}, "dl_invalid_item"],
    ["an item without type", {}, [{ url: "https://a.example/" }], {}, "dl_invalid_item"],
    ["a link without url", {}, [{ type: "link", title: "x" }], {}, "dl_invalid_item"],
    ["a link to javascript:", {}, [{ type: "link", url: "javascript:alert(1)" }], {}, "dl_invalid_item"],
    ["a relative link", {}, [{ type: "link", url: "/x" }], {}, "dl_invalid_item"],
    ["a file without url", {}, [{ type: "file", title: "x" }], {}, "dl_invalid_item"],
    ["an image without url", {}, [{ type: "image" }], {}, "dl_invalid_item"],
    ["an html item without html", {}, [{ type: "html", title: "x" }], {}, "dl_invalid_item"],
    [
      "a link embed without html",
      {},
      [{ type: "link", url: "https://a.example/", embed: {} }],
      {},
      "dl_invalid_item",
    ],
    [
      "a lineItem without scoreMaximum",
      {},
      [{ type: "ltiResourceLink", lineItem: { label: "x" } }],
      {},
      "dl_invalid_item",
    ],
    [
      "a lineItem scoreMaximum of 0",
      {},
      [{ type: "ltiResourceLink", lineItem: { scoreMaximum: 0 } }],
      {},
      "dl_invalid_item",
    ],
    [
      "a lineItem scoreMaximum as a string",
      {},
      [{ type: "ltiResourceLink", lineItem: { scoreMaximum: "10" } }],
      {},
      "dl_invalid_item",
    ],
    [
      "a custom value that is a number",
      {},
      [{ type: "ltiResourceLink", custom: { n: 1 } }],
      {},
      "dl_invalid_item",
    ],
    ["custom an array", {}, [{ type: "ltiResourceLink", custom: ["a"] }], {}, "dl_invalid_item"],
    ["a window width of -1", {}, [{ type: "ltiResourceLink", window: { width: -1 } }], {}, "dl_invalid_item"],
    [
      "an iframe src to data:",
      {},
      [{ type: "link", url: "https://a.example/", iframe: { src: "data:text/html,x" } }],
      {},
      "dl_invalid_item",
    ],
    ["an icon without url", {}, [{ type: "html", html: "x", icon: { width: 3 } }], {}, "dl_invalid_item"],
    [
      "a date without a time zone",
      {},
      [{ type: "ltiResourceLink", available: { startDateTime: "2026-12-01T00:00:00" } }],
      {},
      "dl_invalid_item",
    ],
    [
      "a date that is not a date",
      {},
      [{ type: "file", url: "https://a.example/", expiresAt: "tomorrow" }],
      {},
      "dl_invalid_item",
    ],
    [
      "an end before the start",
      {},
      [
        {
          type: "ltiResourceLink",
          submission: { startDateTime: "2026-12-02T00:00:00Z", endDateTime: "2026-12-01T00:00:00Z" },
        },
      ],
      {},
      "dl_invalid_item",
    ],
    ["a title that is not a string", {}, [{ type: "html", html: "x", title: ["t"] }], {}, "dl_invalid_item"],
    [
      "gradesReleased as a string",
      {},
      [{ type: "ltiResourceLink", lineItem: { scoreMaximum: 1, gradesReleased: "true" } }],
      {},
      "dl_invalid_item",
    ],
  ];
  for (const [what, change, items, exp, code] of refusals) {
    it(`refuses ${what} with ${code}`, () => {
      assert.equal(
        codeOf(() => parse(payload(change, items), exp)),
        code,
      );
    });
  }

  it("names the item and the property of a refused item", () => {
    try {
      parse(
        payload({}, [
          { type: "html", html: "ok" },
          { type: "ltiResourceLink", lineItem: { scoreMaximum: -2 } },
        ]),
      );
      assert.fail("accepted");
    } catch (e) {
      assert.ok(isLtiError(e) && e.code === "dl_invalid_item");
      assert.deepEqual((e as unknown as { details: unknown }).details, {
        index: 1,
        field: "lineItem.scoreMaximum",
        reason: "is not a number greater than 0",
      });
    }
  });

  it("reads a response shaped as ltijs 5.9.9 builds it: fractional iat/exp, base64 nonce, `errormsg ` key", () => {
    // Interop: ltijs (src/Provider/Services/DeepLinking.js) sets iat and exp to Date.now() / 1000 (fractional),
    // exp 60 s later, and writes the error message under ".../errormsg " with a trailing space.
    const now = NOW.getTime() / 1000 + 0.123;
    const r = parse({
      iss: "tool-client-1",
      aud: "https://pluto.example",
      iat: now,
      exp: now + 60,
      nonce: "q8Jm3kS0l+eY2c/9ZpQx1w==",
      [`${LTI}deployment_id`]: "dep-1",
      [`${LTI}message_type`]: "LtiDeepLinkingResponse",
      [`${LTI}version`]: "1.3.0",
      [`${DL}msg`]: "Done",
      [`${DL}errormsg `]: "ignored: not the claim name",
      [`${DL}data`]: "pending-request-42",
      [`${DL}content_items`]: [
        {
          type: "ltiResourceLink",
          title: "Chapter 1",
          url: "https://tool.example/c1",
          custom: { name: "c1" },
        },
      ],
    });
    assert.equal(r.message, "Done");
    assert.equal(r.errorMessage, undefined);
    assert.equal(r.nonce, "q8Jm3kS0l+eY2c/9ZpQx1w==");
    assert.deepEqual(r.items, [
      {
        index: 0,
        type: "ltiResourceLink",
        title: "Chapter 1",
        url: "https://tool.example/c1",
        custom: { name: "c1" },
      },
    ]);
  });

  it("refuses a payload that is not an object", () => {
    for (const p of [null, "x", [], 3])
      assert.equal(
        codeOf(() => parse(p)),
        "dl_invalid_jwt",
      );
  });
});

describe("a signed Deep Linking response", () => {
  let toolKey: CryptoKey;
  let verifyJwt: VerifyJwt;
  before(async () => {
    const pair = await generateKeyPair("RS256");
    toolKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "tool-key-1", alg: "RS256" };
    const jwks = createLocalJWKSet({ keys: [jwk] });
    verifyJwt = async (token) =>
      (await jwtVerify(token, jwks, { algorithms: ["RS256"], currentDate: NOW, issuer: "tool-client-1" }))
        .payload;
  });

  const sign = (over: Partial<DeepLinkingResponseInput> = {}) =>
    signDeepLinkingResponse(
      buildDeepLinkingResponseClaims({
        ...input,
        contentItems: [RESOURCE_LINK, { type: "link", url: "https://a.example/" }],
        nonce: undefined,
        ...over,
      }),
      { key: toolKey, kid: "tool-key-1", clock },
    );

  const verify = (jwt: string, nonceStore = memoryNonceStore(clock)) =>
    verifyDeepLinkingResponse(jwt, { ...expect, clock, nonceStore, verifyJwt });

  it("round-trips: what the tool built and signed is what the platform reads", async () => {
    const r = await verify(await sign({ msg: "Added" }));
    assert.equal(r.message, "Added");
    assert.deepEqual(
      r.items.map((i) => [i.index, i.type, i.title]),
      [
        [0, "ltiResourceLink", "Quiz 1"],
        [1, "link", undefined],
      ],
    );
    assert.equal(r.expiresAt.getTime(), NOW.getTime() + 300_000);
  });

  it("refuses a replayed response (the nonce is single use) with dl_replayed_nonce", async () => {
    const store = memoryNonceStore(clock);
    const jwt = await sign();
    await verify(jwt, store);
    await assert.rejects(verify(jwt, store), (e) => isLtiError(e) && e.code === "dl_replayed_nonce");
  });

  it("does not spend the nonce of a refused response", async () => {
    const store = memoryNonceStore(clock);
    await assert.rejects(verify(await sign({ deploymentId: "dep-9", nonce: "n-x" }), store));
    assert.equal(store.size(), 0);
  });

  it("refuses a tampered or foreign-signed token with dl_invalid_jwt", async () => {
    const jwt = await sign();
    const [h, p, s] = jwt.split(".");
    const forged = JSON.parse(Buffer.from(p ?? "", "base64url").toString());
    forged[`${DL}data`] = "other";
    const tampered = `${h}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${s}`;
    await assert.rejects(verify(tampered), (e) => isLtiError(e) && e.code === "dl_invalid_jwt");
    const other = (await generateKeyPair("RS256")).privateKey;
    const foreign = await signDeepLinkingResponse(
      buildDeepLinkingResponseClaims({ ...input, contentItems: [] }),
      {
        key: other,
        kid: "tool-key-1",
        clock,
      },
    );
    await assert.rejects(verify(foreign), (e) => isLtiError(e) && e.code === "dl_invalid_jwt");
    await assert.rejects(verify("not.a.jwt"), (e) => isLtiError(e) && e.code === "dl_invalid_jwt");
  });

  it("passes the verifier's own LtiError through", async () => {
    const failing: VerifyJwt = async () => {
      throw new DeepLinkingError("dl_expired", "exp in the past");
    };
    await assert.rejects(
      verifyDeepLinkingResponse("x", {
        ...expect,
        clock,
        nonceStore: memoryNonceStore(clock),
        verifyJwt: failing,
      }),
      (e) => isLtiError(e) && e.code === "dl_expired",
    );
  });
});
