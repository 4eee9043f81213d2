import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCartridge, type CartridgeInput, cartridgeLaunchUrl, parseCartridge } from "./cartridge.js";

const input: CartridgeInput = {
  title: "Physics & Chemistry <101>",
  description: 'A "published" course',
  launchUrl: "http://pluto.test/lti/launch/7?a=1&b=2",
  secureLaunchUrl: "https://pluto.test/lti/launch/7?a=1&b=2",
  icon: "http://pluto.test/icon.png",
  secureIcon: "https://pluto.test/icon.png",
  vendor: {
    code: "pluto",
    name: "Pluto LMS",
    description: "Pluto learning management system",
    url: "https://pluto.test/",
    contactEmail: "admin@pluto.test",
  },
  custom: { "Complex!@#$^*(){}[]KEY": "x", course: "7" },
  extensions: [
    {
      platform: "canvas.instructure.com",
      properties: { privacy_level: "public", domain: "pluto.test" },
      options: { course_navigation: { enabled: "true", text: "Pluto" } },
    },
  ],
};

describe("buildCartridge", () => {
  const xml = buildCartridge(input);

  it("writes the IMS namespaces, escaped values, and the bundle and icon references", () => {
    assert.match(
      xml,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<cartridge_basiclti_link xmlns="http:\/\/www.imsglobal.org\/xsd\/imslticc_v1p0"/,
    );
    for (const ns of ["xmlns:blti=", "xmlns:lticm=", "xmlns:lticp=", "xsi:schemaLocation="])
      assert.ok(xml.includes(ns), ns);
    assert.ok(xml.includes("<blti:title>Physics &amp; Chemistry &lt;101&gt;</blti:title>"));
    assert.ok(xml.includes("<blti:launch_url>http://pluto.test/lti/launch/7?a=1&amp;b=2</blti:launch_url>"));
    assert.ok(xml.includes('<cartridge_bundle identifierref="BLTI001_Bundle"/>'));
    assert.ok(xml.includes('<cartridge_icon identifierref="BLTI001_Icon"/>'));
  });

  it("writes the elements in schema order", () => {
    const order = [
      "blti:title",
      "blti:description",
      "blti:custom",
      "blti:extensions",
      "blti:launch_url",
      "blti:secure_launch_url",
      "blti:icon",
      "blti:secure_icon",
      "blti:vendor",
      "cartridge_bundle",
      "cartridge_icon",
    ];
    const positions = order.map((tag) => xml.indexOf(`<${tag}`));
    assert.ok(positions.every((p) => p >= 0));
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
    );
  });

  it("round-trips through parseCartridge", () => {
    assert.deepEqual(parseCartridge(xml), input);
  });

  it("leaves out missing optional elements and still parses", () => {
    const minimal = buildCartridge({
      title: "T",
      secureLaunchUrl: "https://x.test/l",
      vendor: { code: "c", name: "n" },
    });
    assert.ok(!minimal.includes("blti:custom") && !minimal.includes("lticp:contact"));
    assert.deepEqual(parseCartridge(minimal), {
      title: "T",
      secureLaunchUrl: "https://x.test/l",
      vendor: { code: "c", name: "n" },
      custom: {},
      extensions: [],
    });
  });
});

describe("parseCartridge on real-world shapes", () => {
  it("reads the IMS test shape with prefixes, custom properties and platform extensions", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0"
    xmlns:blti = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
    xmlns:lticm ="http://www.imsglobal.org/xsd/imslticm_v1p0"
    xmlns:lticp ="http://www.imsglobal.org/xsd/imslticp_v1p0"
    xmlns:xsi = "http://www.w3.org/2001/XMLSchema-instance">
  <blti:title>Grade Book</blti:title>
  <blti:description>Grade Book with many column types</blti:description>
  <blti:custom>
    <lticm:property name="keyname">value</lticm:property>
    <lticm:property name="Complex!@#$^*(){}[]KEY">Complex!@#$^*;(){}[]½Value</lticm:property>
  </blti:custom>
  <blti:extensions platform="my.lms.com">
    <lticm:property name="keyname">value</lticm:property>
  </blti:extensions>
  <blti:launch_url>http://www.imsglobal.org/developers/BLTI/tool.php</blti:launch_url>
  <blti:icon>http://www.imsglobal.org/developers/BLTI/tool.gif</blti:icon>
  <blti:vendor>
    <lticp:code>imsglobal.org</lticp:code>
    <lticp:name>IMS Global Learning Consortium</lticp:name>
    <lticp:description>IMS is the GLC.</lticp:description>
    <lticp:url>http://www.imsglobal.org/</lticp:url>
    <lticp:contact>
      <lticp:email>support@imsglobal.org</lticp:email>
    </lticp:contact>
  </blti:vendor>
  <cartridge_bundle identifierref="BLTI001_Bundle"/>
  <cartridge_icon identifierref="BLTI001_Icon"/>
</cartridge_basiclti_link>`;
    const c = parseCartridge(xml);
    assert.equal(c.title, "Grade Book");
    assert.equal(c.launchUrl, "http://www.imsglobal.org/developers/BLTI/tool.php");
    assert.equal(c.secureLaunchUrl, undefined);
    assert.deepEqual(c.custom, { keyname: "value", "Complex!@#$^*(){}[]KEY": "Complex!@#$^*;(){}[]½Value" });
    assert.deepEqual(c.extensions, [
      { platform: "my.lms.com", properties: { keyname: "value" }, options: {} },
    ]);
    assert.equal(c.vendor?.contactEmail, "support@imsglobal.org");
  });

  it("reads an unprefixed document whose only URL is secure_launch_url", () => {
    const xml = `<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0">
      <title>Secure only</title><secure_launch_url>https://tool.test/launch</secure_launch_url>
    </cartridge_basiclti_link>`;
    const c = parseCartridge(xml);
    assert.equal(c.secureLaunchUrl, "https://tool.test/launch");
    assert.equal(cartridgeLaunchUrl(c, false), "https://tool.test/launch");
    assert.equal(c.vendor, undefined);
  });

  it("reads other prefixes, CDATA and nested Canvas options, and a domain-only link", () => {
    const xml = `<?xml version="1.0"?>
<cc:cartridge_basiclti_link xmlns:cc="http://www.imsglobal.org/xsd/imslticc_v1p0" xmlns:b="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" xmlns:m="http://www.imsglobal.org/xsd/imslticm_v1p0">
  <b:title><![CDATA[Tool <with> & markup]]></b:title>
  <b:extensions platform="canvas.instructure.com">
    <m:property name="domain">tool.test</m:property>
    <m:options name="editor_button"><m:property name="url">https://tool.test/pick</m:property></m:options>
  </b:extensions>
</cc:cartridge_basiclti_link>`;
    const c = parseCartridge(xml);
    assert.equal(c.title, "Tool <with> & markup");
    assert.equal(c.launchUrl, undefined);
    assert.deepEqual(c.extensions[0]?.options, { editor_button: { url: "https://tool.test/pick" } });
  });

  it("prefers the secure launch URL on https pages and never downgrades", () => {
    const c = parseCartridge(buildCartridge(input));
    assert.equal(cartridgeLaunchUrl(c, true), input.secureLaunchUrl);
    assert.equal(cartridgeLaunchUrl(c, false), input.launchUrl);
  });

  it("drops launch and icon URLs that are not http(s)", () => {
    const xml = `<cartridge_basiclti_link><title>x</title><launch_url>javascript:alert(1)</launch_url>
      <secure_launch_url>https://ok.test/l</secure_launch_url><icon>data:image/png;base64,AAA</icon></cartridge_basiclti_link>`;
    const c = parseCartridge(xml);
    assert.equal(c.launchUrl, undefined);
    assert.equal(c.icon, undefined);
    assert.equal(c.secureLaunchUrl, "https://ok.test/l");
  });
});

describe("parseCartridge refusals", () => {
  const cases: Array<[string, string, string]> = [
    ["an HTML page", "<html><body>Hello</body></html>", "not_a_cartridge"],
    ["an RSS feed", '<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "not_a_cartridge"],
    [
      "a link with no launch URL",
      "<cartridge_basiclti_link><title>x</title></cartridge_basiclti_link>",
      "not_a_cartridge",
    ],
    ["JSON", '{"title": "x"}', "invalid_xml"],
    ["truncated XML", "<cartridge_basiclti_link><title>x</title>", "invalid_xml"],
    [
      "an internal entity (billion laughs)",
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><cartridge_basiclti_link><title>&lol2;</title></cartridge_basiclti_link>',
      "xml_entities",
    ],
    [
      "an external entity (XXE)",
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><cartridge_basiclti_link><title>&xxe;</title><launch_url>https://x.test</launch_url></cartridge_basiclti_link>',
      "xml_entities",
    ],
    [
      "an undeclared entity reference",
      "<cartridge_basiclti_link><title>&nbsp;</title></cartridge_basiclti_link>",
      "xml_entities",
    ],
  ];
  for (const [what, xml, code] of cases) {
    it(`refuses ${what} with ${code}`, () => assert.throws(() => parseCartridge(xml), { code }));
  }
});
