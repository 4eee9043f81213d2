// Property tests of the XML readers (Basic Outcomes POX requests and responses, cartridges): for any text, a
// mutated message or one with entity declarations, they return a value or refuse with an LtiError of a stable
// code; what the builders write reads back the same.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  fuzzParams,
  hostileText,
  mutatedText,
  returnsOrLtiError,
  unicodeText,
} from "../../../test/support/fuzz.js";
import { buildCartridge, parseCartridge } from "./cartridge.js";
import {
  buildDeleteResultRequest,
  buildOutcomeResponse,
  buildReadResultRequest,
  buildReplaceResultRequest,
  parseOutcomeRequest,
  parseOutcomeResponse,
} from "./outcomes.js";

/** Text XML 1.0 can carry (no NUL, C0 controls or lone surrogates), trimmed and non-empty as the readers give it. */
const xmlText = unicodeText(30)
  .map((s) => s.replace(/[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "").trim())
  .filter((s) => s !== "");
const score = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000);
const replace = buildReplaceResultRequest({ sourcedId: "sid-1", score: 0.5, messageIdentifier: "m-1" });
const read = buildReadResultRequest({ sourcedId: "sid-1", messageIdentifier: "m-2" });
const cartridge = buildCartridge({
  title: "Tool",
  launchUrl: "https://tool.example/launch",
  vendor: { code: "v", name: "Vendor" },
  custom: { a: "1" },
  extensions: [{ platform: "p", properties: { domain: "tool.example" }, options: {} }],
});
const response = buildOutcomeResponse({ codeMajor: "success", messageRefIdentifier: "m-1", score: 0.5 });

/** Arbitrary text, mutations of a real message, and that message with an entity declaration or reference. */
function hostileXml(valid: string): fc.Arbitrary<string> {
  const afterDecl = valid.indexOf("\n") + 1;
  return fc.oneof(
    hostileText(200),
    mutatedText(valid),
    mutatedText(valid).chain((m) => mutatedText(m)),
    fc
      .constantFrom("!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]", '!ENTITY e "x"', "!doctype x")
      .map((decl) => `${valid.slice(0, afterDecl)}<${decl}>${valid.slice(afterDecl)}`),
    fc
      .constantFrom("&e;", "&#0;", "&#x110000;", "&#xD800;", "&amp", "&lt;", "&#65;", "]]>", "<![CDATA[x]]>")
      .chain((ref) => fc.nat(valid.length).map((i) => valid.slice(0, i) + ref + valid.slice(i))),
  );
}

describe("the XML readers under arbitrary input", () => {
  it("parseOutcomeRequest returns a request or throws an LtiError, and what it accepts is one of the three operations with a score from 0 to 1", () => {
    fc.assert(
      fc.property(fc.oneof(hostileXml(replace), hostileXml(read)), (xml) => {
        const r = returnsOrLtiError(() => parseOutcomeRequest(xml));
        if (r === undefined) return;
        assert.ok(["replaceResult", "readResult", "deleteResult"].includes(r.operation));
        assert.ok(r.sourcedId.trim() !== "");
        if (r.operation === "replaceResult") assert.ok(r.score !== undefined && r.score >= 0 && r.score <= 1);
        assert.doesNotMatch(xml, /<!DOCTYPE|<!ENTITY/i, "entity declarations are never accepted");
      }),
      fuzzParams(1500),
    );
  });

  it("parseCartridge returns a cartridge with a launch URL or domain, or throws an LtiError", () => {
    fc.assert(
      fc.property(hostileXml(cartridge), (xml) => {
        const c = returnsOrLtiError(() => parseCartridge(xml));
        if (c === undefined) return;
        for (const u of [c.launchUrl, c.secureLaunchUrl, c.icon, c.secureIcon])
          if (u !== undefined) assert.match(new URL(u).protocol, /^https?:$/);
        assert.doesNotMatch(xml, /<!DOCTYPE|<!ENTITY/i);
      }),
      fuzzParams(800),
    );
  });

  it("parseOutcomeResponse returns a response or throws an LtiError", () => {
    fc.assert(
      fc.property(hostileXml(response), (xml) => {
        returnsOrLtiError(() => parseOutcomeResponse(xml));
      }),
      fuzzParams(800),
    );
  });

  it("the readers refuse bytes that are not UTF-8 with invalid_xml", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const parse of [parseOutcomeRequest, parseCartridge, parseOutcomeResponse])
          returnsOrLtiError(() => parse(bytes));
      }),
      fuzzParams(500),
    );
  });

  it("reads back the POX requests and responses it builds", () => {
    fc.assert(
      fc.property(xmlText, xmlText, score, xmlText, (sourcedId, messageIdentifier, s, text) => {
        const r = parseOutcomeRequest(
          buildReplaceResultRequest({ sourcedId, messageIdentifier, score: s, resultData: { text } }),
        );
        assert.deepEqual(r, {
          operation: "replaceResult",
          messageIdentifier,
          sourcedId,
          score: s,
          language: "en",
          resultData: { text },
        });
        for (const [build, operation] of [
          [buildReadResultRequest, "readResult"],
          [buildDeleteResultRequest, "deleteResult"],
        ] as const)
          assert.deepEqual(parseOutcomeRequest(build({ sourcedId, messageIdentifier })), {
            operation,
            messageIdentifier,
            sourcedId,
          });
        const res = parseOutcomeResponse(
          buildOutcomeResponse({
            codeMajor: "success",
            description: text,
            messageRefIdentifier: messageIdentifier,
            operationRefIdentifier: "readResult",
            score: s,
          }),
        );
        assert.equal(res.success, true);
        assert.equal(res.description, text);
        assert.equal(res.messageRefIdentifier, messageIdentifier);
        assert.equal(res.score, s);
      }),
      fuzzParams(500),
    );
  });

  it("reads back the cartridges it builds", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    const url = fc
      .tuple(fc.constantFrom("http", "https"), fc.stringMatching(/^[a-z]{1,10}$/), xmlText)
      .map(([s, h, p]) => `${s}://${h}.example/${encodeURIComponent(p)}`);
    fc.assert(
      fc.property(
        fc.record({
          title: xmlText,
          description: xmlText,
          launchUrl: url,
          secureLaunchUrl: url,
          vendor: fc.record({ code: xmlText, name: xmlText, url, contactEmail: xmlText }),
          custom: fc.dictionary(name, xmlText, { maxKeys: 4, noNullPrototype: true }),
          extensions: fc.array(
            fc.record({
              platform: xmlText,
              properties: fc.dictionary(name, xmlText, { maxKeys: 3, noNullPrototype: true }),
              options: fc.dictionary(
                name,
                fc.dictionary(name, xmlText, { maxKeys: 2, noNullPrototype: true }),
                { maxKeys: 2, noNullPrototype: true },
              ),
            }),
            { maxLength: 2 },
          ),
        }),
        (input) => {
          // Compared as plain data: fast-check builds its records without a prototype.
          assert.deepEqual(parseCartridge(buildCartridge(input)), JSON.parse(JSON.stringify(input)));
        },
      ),
      fuzzParams(300),
    );
  });
});
