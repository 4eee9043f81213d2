// The tool's side of the Deep Linking response (Deep Linking 2.0 §3.1, §4.5; cases 143–146): the
// ltiResourceLink items, the accept_types / accept_multiple check, and the signed JWT checked by jose and read
// back by Pluto's own platform-side parser (the pair).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { DeepLinkingError } from "../errors.js";
import { parseDeepLinkingResponse } from "./response.js";
import {
  buildDeepLinkingResponseClaims,
  buildResourceLinkItem,
  requireAcceptedItems,
  signDeepLinkingResponse,
} from "./response-build.js";

const NOW = new Date("2026-12-04T01:00:00Z");
const clock = { now: () => NOW };
const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
const LTI = "https://purl.imsglobal.org/spec/lti/claim/";

describe("ltiResourceLink items a tool offers", () => {
  it("carry url, title, text, string custom parameters and a line item", () => {
    assert.deepEqual(
      buildResourceLinkItem({
        url: "https://pluto.example/lti/tool/launch",
        title: "Quiz 1",
        text: "Biology 101",
        custom: { id: "u-1", activity: "7" },
        lineItem: { scoreMaximum: 20, label: "Quiz 1", resourceId: "pluto:activity:7" },
      }),
      {
        type: "ltiResourceLink",
        url: "https://pluto.example/lti/tool/launch",
        title: "Quiz 1",
        text: "Biology 101",
        custom: { id: "u-1", activity: "7" },
        lineItem: { scoreMaximum: 20, label: "Quiz 1", resourceId: "pluto:activity:7" },
      },
    );
  });

  it("leave out what is not given (no empty text, custom or line item)", () => {
    assert.deepEqual(buildResourceLinkItem({ title: "Course", text: "", custom: {} }), {
      type: "ltiResourceLink",
      title: "Course",
    });
  });

  for (const scoreMaximum of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuse a line item whose scoreMaximum is ${scoreMaximum} (dl_invalid_item)`, () => {
      assert.throws(
        () => buildResourceLinkItem({ lineItem: { scoreMaximum } }),
        (e: unknown) => e instanceof DeepLinkingError && e.code === "dl_invalid_item",
      );
    });
  }
});

describe("the items fit the request's settings (case 145)", () => {
  const link = { type: "ltiResourceLink" };
  const cases: Array<[string, unknown[], { acceptTypes: string[]; acceptMultiple?: boolean }, string]> = [
    ["a type the platform does not accept", [link], { acceptTypes: ["link"] }, "dl_type_not_accepted"],
    [
      "two items without accept_multiple",
      [link, link],
      { acceptTypes: [link.type] },
      "dl_multiple_not_accepted",
    ],
    [
      "two items with accept_multiple false",
      [link, link],
      { acceptTypes: [link.type], acceptMultiple: false },
      "dl_multiple_not_accepted",
    ],
  ];
  for (const [what, items, allowance, code] of cases) {
    it(`refuses ${what} (${code})`, () => {
      assert.throws(
        () => requireAcceptedItems(items as { type?: unknown }[], allowance),
        (e: unknown) => e instanceof DeepLinkingError && e.code === code,
      );
    });
  }

  it("accepts several items with accept_multiple, one without, and none at all", () => {
    requireAcceptedItems([link, link], { acceptTypes: [link.type], acceptMultiple: true });
    requireAcceptedItems([link], { acceptTypes: [link.type] });
    requireAcceptedItems([], { acceptTypes: ["link"] });
  });
});

describe("the signed response", () => {
  it("verifies with the tool's public key and reads back as the platform parses it", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "site-1", alg: "RS256" };
    const items = [
      buildResourceLinkItem({ title: "Course", custom: { id: "u-1" } }),
      buildResourceLinkItem({
        title: "Quiz",
        custom: { id: "u-1", activity: "7" },
        lineItem: { scoreMaximum: 10 },
      }),
    ];
    const jwt = await signDeepLinkingResponse(
      buildDeepLinkingResponseClaims({
        clientId: "client-9",
        platformIssuer: "https://lms.example",
        deploymentId: "dep-1",
        data: "opaque&data=1",
        contentItems: items,
      }),
      { key: privateKey, kid: "site-1", clock },
    );
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet({ keys: [jwk] }), {
      issuer: "client-9",
      audience: "https://lms.example",
      algorithms: ["RS256"],
      currentDate: NOW,
    });
    assert.equal(protectedHeader.kid, "site-1");
    assert.equal(payload[`${LTI}message_type`], "LtiDeepLinkingResponse");
    assert.equal(payload[`${LTI}version`], "1.3.0");
    assert.equal(payload[`${LTI}deployment_id`], "dep-1");
    assert.equal(payload[`${DL}data`], "opaque&data=1", "data is echoed byte for byte");
    assert.equal(typeof payload.nonce, "string");
    assert.equal(payload.exp, Math.floor(NOW.getTime() / 1000) + 300);
    const read = parseDeepLinkingResponse(payload, {
      clientId: "client-9",
      platformIssuer: "https://lms.example",
      deploymentId: "dep-1",
      data: "opaque&data=1",
      acceptTypes: ["ltiResourceLink"],
      acceptMultiple: true,
      acceptLineItem: true,
      clock,
    });
    assert.equal(read.items.length, 2);
    assert.equal(read.cancelled, false);
  });
});
