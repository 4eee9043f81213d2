// Cartridge URLs in the "Tool URL" field: real-world shapes served by a local HTTP server configure the
// activity; unusable ones (unreachable, not XML, not a cartridge, blocked address, too big) are a 400 naming why.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import {
  cartridgeXml,
  type FakeTool,
  readLaunchForm,
  startFakeTool,
} from "../../../../test/support/fake-lti-tool.js";
import type { Course } from "../../courses/courses.service.js";

const NS = `xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0" xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0" xmlns:lticp="http://www.imsglobal.org/xsd/imslticp_v1p0"`;

for (const engine of testEngines()) {
  describe(`cartridge URLs configure External tools (${engine})`, () => {
    let t: TestApp;
    let tool: FakeTool;
    let course: Course;
    let token: string;
    let teacher: Client;

    before(async () => {
      tool = await startFakeTool({ host: "127.0.0.1", key: "k", secret: "s" });
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      course = await makeCourse(t);
      const u = await t.user("carla");
      await enrolAs(t, course.id, u.id, "editingteacher");
      token = await t.token(u.id);
      teacher = await t.client("carla");
      const o = tool.origin;
      const docs: Array<[string, string, string?]> = [
        // Moodle's published-course cartridge: prefixed elements, extensions with icon properties, vendor.
        [
          "/moodle/cartridge.xml",
          `<?xml version="1.0" encoding="UTF-8"?><cartridge_basiclti_link ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><blti:title>Moodle course</blti:title><blti:description>A published course</blti:description><blti:extensions platform="org.moodle.lms"><lticm:property name="icon_url">${o}/favicon.png</lticm:property></blti:extensions><blti:launch_url>${o}/launch</blti:launch_url><blti:vendor><lticp:code>moodle</lticp:code><lticp:name>Moodle LMS</lticp:name><lticp:description>x</lticp:description><lticp:url>https://moodle.org</lticp:url></blti:vendor></cartridge_basiclti_link>`,
        ],
        // IMS test link: secure launch URL, icons, a custom parameter with a complex name.
        [
          "/ims/basiclti.xml",
          `<?xml version="1.0"?><cartridge_basiclti_link ${NS}><blti:title>IMS test tool</blti:title><blti:custom><lticm:property name="Complex!@#$^*(){}[]KEY">Complex!@#$^*;(){}[]½Value</lticm:property></blti:custom><blti:launch_url>${o}/launch</blti:launch_url><blti:secure_launch_url>https://tool.example/launch</blti:secure_launch_url><blti:icon>${o}/icon.png</blti:icon><blti:secure_icon>https://tool.example/icon.png</blti:secure_icon><blti:vendor><lticp:code>ims</lticp:code><lticp:name>IMS</lticp:name></blti:vendor></cartridge_basiclti_link>`,
        ],
        // Other prefixes, no vendor, no description, served as text/xml.
        [
          "/other-prefix.xml",
          `<cc:cartridge_basiclti_link xmlns:cc="http://www.imsglobal.org/xsd/imslticc_v1p0" xmlns:b="http://www.imsglobal.org/xsd/imsbasiclti_v1p0"><b:title>Prefixed</b:title><b:launch_url>${o}/launch</b:launch_url></cc:cartridge_basiclti_link>`,
          "text/xml",
        ],
        // Only a secure launch URL.
        [
          "/secure-only.xml",
          `<cartridge_basiclti_link ${NS}><blti:title>Secure only</blti:title><blti:secure_launch_url>https://secure.example/launch</blti:secure_launch_url></cartridge_basiclti_link>`,
        ],
        ["/no-prefix.xml", cartridgeXml({ title: "No prefix", launchUrl: `${o}/launch`, prefix: false })],
        [
          "/not-a-cartridge.xml",
          `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>`,
        ],
        [
          "/no-launch.xml",
          `<cartridge_basiclti_link ${NS}><blti:title>Nothing to launch</blti:title></cartridge_basiclti_link>`,
        ],
        ["/html.xml", "<!doctype html><html><body>Sign in</body></html>", "text/html"],
        ["/garbage.xml", "this is not xml at all", "text/plain"],
        [
          "/entities.xml",
          `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><cartridge_basiclti_link ${NS}><blti:title>&e;</blti:title><blti:launch_url>${o}/launch</blti:launch_url></cartridge_basiclti_link>`,
        ],
        [
          "/huge.xml",
          `<cartridge_basiclti_link ${NS}><blti:title>${"x".repeat(300_000)}</blti:title></cartridge_basiclti_link>`,
        ],
        ["/config", cartridgeXml({ title: "Probed config", launchUrl: `${o}/probed-launch` })],
        ["/plain-launch", "<!doctype html><p>a tool page</p>", "text/html"],
      ];
      for (const [path, body, type] of docs) tool.docs.set(path, { body, type: type ?? "application/xml" });
      tool.docs.set("/moved.xml", {
        body: "",
        type: "text/plain",
        status: 302,
        headers: { location: "/moodle/cartridge.xml" },
      });
      tool.docs.set("/to-private.xml", {
        body: "",
        type: "text/plain",
        status: 302,
        headers: { location: "http://192.168.0.10/cartridge.xml" },
      });
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    const create = (toolUrl: string, extra: Record<string, unknown> = {}) =>
      api(t.app, token, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "",
        section: 0,
        settings: { toolUrl, consumerKey: "k", sharedSecret: "s", ...extra },
      });
    type Created = { name: string; settings: Record<string, string | null> };

    const shapes: Array<[string, string, Partial<Record<string, string | null>>]> = [
      [
        "Moodle's cartridge (extension icon, vendor)",
        "/moodle/cartridge.xml",
        {
          name: "Moodle course",
          launchUrl: "/launch",
          iconUrl: "/favicon.png",
          vendorName: "Moodle LMS",
          description: "A published course",
        },
      ],
      [
        "the IMS test link (secure URLs, custom)",
        "/ims/basiclti.xml",
        {
          name: "IMS test tool",
          launchUrl: "/launch",
          secureLaunchUrl: "https://tool.example/launch",
          iconUrl: "/icon.png",
          secureIconUrl: "https://tool.example/icon.png",
        },
      ],
      [
        "other namespace prefixes, served as text/xml",
        "/other-prefix.xml",
        { name: "Prefixed", launchUrl: "/launch", vendorName: "" },
      ],
      [
        "a link with only a secure launch URL",
        "/secure-only.xml",
        { name: "Secure only", launchUrl: "", secureLaunchUrl: "https://secure.example/launch" },
      ],
      ["a link without prefixes", "/no-prefix.xml", { name: "No prefix", launchUrl: "/launch" }],
      [
        "a cartridge reached through a redirect",
        "/moved.xml",
        { name: "Moodle course", launchUrl: "/launch" },
      ],
      [
        "a tool URL without .xml that serves a cartridge (probed)",
        "/config",
        { name: "Probed config", launchUrl: "/probed-launch" },
      ],
    ];
    for (const [what, path, want] of shapes) {
      it(`reads ${what}`, async () => {
        const res = await create(`${tool.origin}${path}`);
        assert.equal(res.status, 201, res.body);
        const a = res.json as Created;
        const expand = (v: string | null | undefined) =>
          typeof v === "string" && v.startsWith("/") ? `${tool.origin}${v}` : v;
        for (const [k, v] of Object.entries(want)) {
          if (k === "name") assert.equal(a.name, v);
          else assert.equal(a.settings[k], expand(v), k);
        }
      });
    }

    it("keeps a custom parameter name as written and normalises it only at launch", async () => {
      const res = await create(`${tool.origin}/ims/basiclti.xml`, { name: "IMS" });
      const a = res.json as Created & { id: number };
      assert.match(
        String(a.settings.customParameters),
        /^Complex!@#\$\^\*\(\)\{\}\[\]KEY=Complex!@#\$\^\*;\(\)\{\}\[\]½Value$/m,
      );
      const form = readLaunchForm((await teacher.get(`/mod/lti/${a.id}/launch`)).body);
      assert.equal(form.fields.custom_complex____________key, "Complex!@#$^*;(){}[]½Value");
    });

    it("uses a tool URL that serves no cartridge as the launch URL itself", async () => {
      const res = await create(`${tool.origin}/plain-launch`);
      assert.equal(res.status, 400, "no name and no cartridge title: the name is required");
      const named = await create(`${tool.origin}/plain-launch`, {});
      assert.equal(named.status, 400);
      const ok = await api(t.app, token, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "Plain",
        settings: { toolUrl: `${tool.origin}/plain-launch`, consumerKey: "k", sharedSecret: "s" },
      });
      assert.equal(ok.status, 201);
      assert.equal((ok.json as Created).settings.launchUrl, `${tool.origin}/plain-launch`);
      assert.equal((ok.json as Created).settings.cartridgeUrl, null);
    });

    const refusals: Array<[string, string, RegExp]> = [
      ["an unreachable URL", "http://127.0.0.1:9/cartridge.xml", /unreachable/],
      ["a URL answering 404", "/missing.xml", /unreachable \(HTTP status 404\)/],
      ["an HTML page", "/html.xml", /did not answer with XML/],
      ["something that is not XML", "/garbage.xml", /did not answer with XML/],
      ["XML that is not a cartridge", "/not-a-cartridge.xml", /not a cartridge/],
      ["a cartridge without a launch URL", "/no-launch.xml", /not a cartridge/],
      ["XML declaring entities", "/entities.xml", /entities/],
      ["a document over the size cap", "/huge.xml", /too big/],
      ["a private address", "http://10.1.2.3/cartridge.xml", /blocked address/],
      ["the cloud metadata address", "http://169.254.169.254/latest/cartridge.xml", /blocked address/],
      ["a loopback address not allow-listed", "http://127.0.0.2:8080/cartridge.xml", /blocked address/],
      ["an IPv6 loopback", "http://[::1]:8080/cartridge.xml", /blocked address/],
      ["an IPv4-mapped IPv6 private address", "http://[::ffff:10.0.0.1]/cartridge.xml", /blocked address/],
      ["a redirect to a private address", "/to-private.xml", /blocked address/],
    ];
    for (const [what, url, reason] of refusals) {
      it(`refuses ${what} with a 400 that names the reason`, async () => {
        const res = await create(url.startsWith("/") ? `${tool.origin}${url}` : url, { name: "X" });
        assert.equal(res.status, 400, res.body);
        assert.equal(errorCodeOf(res), "validation");
        const err = (
          res.json as { error: { message: string; fields: Array<{ field: string; message: string }> } }
        ).error;
        assert.match(err.message, reason);
        assert.equal(err.fields[0]?.field, "settings.toolUrl");
      });
    }

    it("shows the reason on the form, with what was typed kept", async () => {
      await teacher.get(`/course/${course.id}/add/lti?section=0`);
      const res = await teacher.post(`/course/${course.id}/add/lti`, {
        section: "0",
        name: "",
        ltiForm: "1",
        toolTypeId: "",
        toolUrl: `${tool.origin}/not-a-cartridge.xml`,
        consumerKey: "k",
        sharedSecret: "s",
        launchContainer: "embed",
        shareName: "1",
        maxGrade: "100",
        completionRule: "none",
        save: "display",
      });
      assert.equal(res.statusCode, 400);
      assert.equal(errorCodeOf(res), "validation");
      assert.match(res.body, /The cartridge URL cannot be used: it is not a cartridge/);
      assert.match(res.body, new RegExp(`value="${tool.origin}/not-a-cartridge.xml"`));
      assert.match(res.body, /id="f-shareName" name="shareName" value="1" checked/);
      assert.doesNotMatch(
        res.body,
        /id="f-shareEmail" name="shareEmail" value="1" checked/,
        "an unticked box stays unticked",
      );
    });
  });
}
