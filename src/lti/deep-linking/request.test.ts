// The Deep Linking request claims Pluto merges into an id_token (Deep Linking 2.0 §4.4; cases 140–142).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLtiError } from "../errors.js";
import { buildDeepLinkingRequestClaims, type DeepLinkingSettings, newDeepLinkingData } from "./request.js";

const SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings";
const TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type";

const base: DeepLinkingSettings = {
  deepLinkReturnUrl: "https://pluto.example/lti/deep-linking/return",
  acceptTypes: ["ltiResourceLink", "link", "html", "file", "image"],
  acceptPresentationDocumentTargets: ["iframe", "window"],
  data: "d-1",
};

describe("the Deep Linking request claims", () => {
  it("are the message type and the settings with the required fields, accept_multiple true by default", () => {
    const claims = buildDeepLinkingRequestClaims(base);
    assert.deepEqual(claims, {
      [TYPE]: "LtiDeepLinkingRequest",
      [SETTINGS]: {
        deep_link_return_url: "https://pluto.example/lti/deep-linking/return",
        accept_types: ["ltiResourceLink", "link", "html", "file", "image"],
        accept_presentation_document_targets: ["iframe", "window"],
        accept_multiple: true,
        data: "d-1",
      },
    });
  });

  it("carry the optional settings, media types as one comma-separated string", () => {
    const claims = buildDeepLinkingRequestClaims({
      ...base,
      acceptTypes: ["file"],
      acceptMediaTypes: ["image/*", "application/pdf"],
      acceptMultiple: false,
      acceptLineItem: true,
      autoCreate: false,
      title: "Week 1",
      text: "Readings",
    });
    assert.deepEqual(claims[SETTINGS], {
      deep_link_return_url: base.deepLinkReturnUrl,
      accept_types: ["file"],
      accept_presentation_document_targets: ["iframe", "window"],
      accept_media_types: "image/*,application/pdf",
      accept_multiple: false,
      accept_lineitem: true,
      auto_create: false,
      title: "Week 1",
      text: "Readings",
      data: "d-1",
    });
  });

  const refused: Array<[string, Partial<DeepLinkingSettings>, string]> = [
    ["a relative return URL", { deepLinkReturnUrl: "/return" }, "invalid_parameter"],
    ["a javascript: return URL", { deepLinkReturnUrl: "javascript:alert(1)" }, "invalid_parameter"],
    ["no accepted type", { acceptTypes: [] }, "missing_parameter"],
    ["an unknown type", { acceptTypes: ["video" as "link"] }, "invalid_parameter"],
    ["no document target", { acceptPresentationDocumentTargets: [] }, "missing_parameter"],
    [
      "an unknown document target",
      { acceptPresentationDocumentTargets: ["popup" as "window"] },
      "invalid_parameter",
    ],
    ["an empty data value", { data: "" }, "missing_parameter"],
    ["a bad media type", { acceptMediaTypes: ["pdf"] }, "invalid_parameter"],
  ];
  for (const [what, change, code] of refused) {
    it(`refuse ${what} with ${code}`, () => {
      assert.throws(
        () => buildDeepLinkingRequestClaims({ ...base, ...change }),
        (e) => isLtiError(e) && e.code === code,
      );
    });
  }

  it("refuse base claims that carry a resource_link claim (case 141: a Deep Linking request has none)", () => {
    const withLink = { "https://purl.imsglobal.org/spec/lti/claim/resource_link": { id: "r" } };
    assert.throws(
      () => buildDeepLinkingRequestClaims(base, withLink),
      (e) => isLtiError(e) && e.code === "invalid_parameter",
    );
    assert.ok(buildDeepLinkingRequestClaims(base, { sub: "u" })[SETTINGS]);
  });

  it("use a fresh 256-bit data value each time", () => {
    const a = newDeepLinkingData();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newDeepLinkingData());
  });
});
