import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeXml, parseXml, renderXml, textAt } from "./xml.js";

describe("parseXml", () => {
  it("decodes the predefined and numeric references in text and attributes, but not inside CDATA", () => {
    const root = parseXml(
      '<r a="x&amp;y&#x41;"><t>&lt;b&gt; &quot;&apos; &#233;&#x1F600;<![CDATA[&amp; <raw>]]></t></r>',
    );
    assert.equal(root.attributes.a, "x&yA");
    assert.equal(textAt(root, "t"), "<b> \"' é😀&amp; <raw>");
  });

  it("matches elements by local name whatever their prefix", () => {
    const root = parseXml('<p:r xmlns:p="urn:x"><q:a xmlns:q="urn:y" q:n="1">v</q:a></p:r>');
    assert.equal(root.name, "r");
    assert.equal(root.children[0]?.name, "a");
    assert.equal(root.children[0]?.attributes.n, "1");
  });

  it("reads bytes as UTF-8 and skips a byte-order mark", () => {
    assert.equal(textAt(parseXml(Buffer.from("<r><t>é</t></r>")), "t"), "é");
    assert.equal(parseXml("\uFEFF<?xml version='1.0'?><r/>").name, "r");
  });

  const refused: Array<[string, string | Uint8Array, string]> = [
    ["a DOCTYPE", "<!DOCTYPE r><r/>", "xml_entities"],
    ["a lower-case doctype", "<!doctype r><r/>", "xml_entities"],
    ["an entity reference", "<r>&ext;</r>", "xml_entities"],
    ["a reference to NUL", "<r>&#0;</r>", "invalid_xml"],
    ["a raw NUL in text", "<r>a\u0000b</r>", "invalid_xml"],
    ["a raw NUL in an attribute", '<r a="\u0000"/>', "invalid_xml"],
    ["a raw control character", "<r>\u0001</r>", "invalid_xml"],
    ["a reference to a surrogate", "<r>&#xD800;</r>", "invalid_xml"],
    ["a bare ampersand", "<r>a & b</r>", "invalid_xml"],
    ["two roots", "<r/><s/>", "invalid_xml"],
    ["mismatched tags", "<r><a></b></r>", "invalid_xml"],
    ["no element at all", "hello", "invalid_xml"],
    ["invalid UTF-8", Buffer.from([0x3c, 0x72, 0x3e, 0xff, 0x3c, 0x2f, 0x72, 0x3e]), "invalid_xml"],
  ];
  for (const [what, xml, code] of refused) {
    it(`refuses ${what} with ${code}`, () => assert.throws(() => parseXml(xml), { code }));
  }
});

describe("renderXml", () => {
  it("escapes text and attribute values and round-trips through parseXml", () => {
    const weird = `a&b<c>"d"'e' & &amp;`;
    const xml = renderXml({
      name: "r",
      attributes: { v: weird, skip: undefined },
      children: [{ name: "t", text: weird }, false],
    });
    assert.ok(!xml.includes("skip"));
    const root = parseXml(xml);
    assert.equal(root.attributes.v, weird);
    assert.equal(textAt(root, "t"), weird);
    assert.equal(escapeXml("<&>"), "&lt;&amp;&gt;");
  });
});
