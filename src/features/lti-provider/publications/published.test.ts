// What a consumer is given: "Course admin" → "Published as LTI tools" (Cartridge URL, Launch URL,
// Secret), its API, the cartridge XML itself; and the launch log pages (course and site).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs } from "../../../../test/support/factories.js";
import { labelled } from "../../../../test/support/html-form.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";
import { parseCartridge } from "../../../lti/v1p1/cartridge.js";

interface Published {
  id: number;
  name: string;
  version: string;
  cartridgeUrl: string;
  launchUrl: string;
  secret?: string;
}

const pathOf = (url: string) => new URL(url).pathname;

for (const engine of testEngines()) {
  describe(`Published as LTI tools, the cartridge and the launch log (${engine})`, () => {
    let t: TestApp;
    let courseId: number;
    let admin: string;
    let teacher: Client;
    let pubs: Published[];
    let tokens: Record<"tina" | "nora" | "sam", string>;
    before(async () => {
      t = await startTestApp(engine);
      admin = await t.token((await t.admin()).id);
      const course = await api(t.app, admin, "POST", "/api/v1/courses", {
        fullname: "Night Sky",
        shortname: "SKY",
        summary: "<p>Learn the <b>night sky</b> &amp; its stars&nbsp;&#8212; &lt;3\u0001</p>",
      });
      assert.equal(course.status, 201, course.body);
      courseId = (course.json as { id: number }).id;
      const tk: Record<string, string> = {};
      for (const [username, role] of [
        ["tina", "editingteacher"],
        ["nora", "teacher"],
        ["sam", "student"],
      ] as const) {
        const u = await t.user(username);
        await enrolAs(t, courseId, u.id, role);
        tk[username] = await t.token(u.id);
      }
      tokens = tk as typeof tokens;
      pubs = [];
      for (const name of ["Consumer North", "Consumer South"]) {
        const res = await api(t.app, admin, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
          method: "lti",
          ltiVersion: "1.1",
          name,
        });
        assert.equal(res.status, 201, res.body);
        pubs.push(res.json as Published);
      }
      teacher = await t.client("tina");
    });
    after(() => t.close());

    it('"Course admin" → "Published as LTI tools" lists each instance with Cartridge URL, Launch URL and Secret to copy', async () => {
      const course = await teacher.get(`/course/${courseId}`);
      const link = new RegExp(
        `<h2 id="course-admin-heading">Course admin</h2>[\\s\\S]*<a href="(/course/${courseId}/lti-publications)"[^>]*>Published as LTI tools</a>`,
      ).exec(course.body);
      assert.ok(link, "the Course admin menu links to Published as LTI tools");
      const page = await teacher.get(link[1] ?? "");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Published as LTI tools<\/h1>/);
      for (const p of pubs) {
        const card = new RegExp(
          `<section class="card" aria-labelledby="pub-${p.id}">([\\s\\S]*?)</section>`,
        ).exec(page.body)?.[1];
        assert.ok(card, `a card for ${p.name}`);
        assert.match(card, new RegExp(`<h2 id="pub-${p.id}">${p.name} `));
        assert.equal(labelled(card, "Cartridge URL").value, p.cartridgeUrl);
        assert.equal(labelled(card, "Launch URL").value, p.launchUrl);
        assert.equal(labelled(card, "Secret").value, p.secret);
        for (const id of [`cartridge-${p.id}`, `launch-${p.id}`, `secret-${p.id}`])
          assert.match(
            card,
            new RegExp(`<button type="button" class="secondary" data-copy="#${id}"[^>]*>Copy</button>`),
          );
      }
    });

    it("a non-editing teacher sees the page and the API without the secret", async () => {
      const nora = await t.client("nora");
      const page = await nora.get(`/course/${courseId}/lti-publications`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<label for="launch-\d+">Launch URL<\/label>/);
      assert.match(page.body, /<label for="cartridge-\d+">Cartridge URL<\/label>/);
      assert.doesNotMatch(page.body, />Secret</);
      for (const p of pubs) assert.ok(!page.body.includes(p.secret ?? "?"), "no secret in the page");
      const res = await api(t.app, tokens.nora, "GET", `/api/v1/courses/${courseId}/lti-publications`);
      assert.equal(res.status, 200);
      const items = res.json as Published[];
      assert.deepEqual(
        items.map((i) => [i.name, i.launchUrl, i.cartridgeUrl, "secret" in i]),
        pubs.map((p) => [p.name, p.launchUrl, p.cartridgeUrl, false]),
      );
    });

    it("the API gives an enrolment manager the same details with the secret", async () => {
      const res = await api(t.app, tokens.tina, "GET", `/api/v1/courses/${courseId}/lti-publications`);
      assert.equal(res.status, 200);
      const items = res.json as Published[];
      assert.deepEqual(
        items.map((i) => [i.id, i.name, i.version, i.cartridgeUrl, i.launchUrl, i.secret]),
        pubs.map((p) => [p.id, p.name, "LTI 1.1", p.cartridgeUrl, p.launchUrl, p.secret]),
      );
    });

    const refusals: Array<[string, () => Promise<{ status: number; code?: string }>, number, string]> = [
      [
        "a student's page",
        async () => page(await t.client("sam"), `/course/${courseId}/lti-publications`),
        403,
        "forbidden",
      ],
      [
        "a student's API call",
        () => apiCall(tokens.sam, `/api/v1/courses/${courseId}/lti-publications`),
        403,
        "forbidden",
      ],
      [
        "an API call without a token",
        () => apiCall("", `/api/v1/courses/${courseId}/lti-publications`),
        401,
        "unauthenticated",
      ],
      [
        "an unknown course",
        () => apiCall(admin, "/api/v1/courses/999999/lti-publications"),
        404,
        "not_found",
      ],
      [
        "a course id that is not a number",
        () => apiCall(admin, "/api/v1/courses/abc/lti-publications"),
        400,
        "validation",
      ],
    ];
    async function page(c: Client, url: string) {
      const res = await c.get(url);
      assert.doesNotMatch(res.body, /Secret|Launch URL/);
      return { status: res.statusCode };
    }
    async function apiCall(token: string, url: string) {
      const res = await api(t.app, token, "GET", url);
      assert.doesNotMatch(res.body, /secret/i);
      return { status: res.status, code: (res.json as { error?: { code: string } }).error?.code };
    }
    for (const [what, call, status, code] of refusals) {
      it(`refuses ${what} with ${status}`, async () => {
        const res = await call();
        assert.equal(res.status, status);
        if (res.code !== undefined) assert.equal(res.code, code);
      });
    }

    it("serves at the Cartridge URL a basic LTI link that parseCartridge and fast-xml-parser both read", async () => {
      const p = pubs[0];
      assert.ok(p);
      const res = await t.app.inject({ url: pathOf(p.cartridgeUrl) });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^application\/xml/);
      assert.ok(!res.body.includes(p.secret ?? "?"), "the secret is never in the cartridge");
      const ours = parseCartridge(res.body);
      assert.equal(ours.title, "Consumer North");
      assert.equal(ours.description, "Learn the night sky & its stars — <3");
      assert.equal(ours.launchUrl, p.launchUrl);
      assert.equal(ours.secureLaunchUrl, undefined, "no secure launch URL on an http site");
      assert.equal(ours.icon, `${t.ctx.config.publicUrl}/static/icon.svg`);
      assert.deepEqual(
        [ours.vendor?.code, ours.vendor?.name, ours.vendor?.url],
        ["pluto", "Pluto LMS", t.ctx.config.publicUrl],
      );
      assert.equal(ours.extensions[0]?.properties.icon_url, ours.icon);

      // An independent reading: fast-xml-parser on its own, namespaces as written.
      const doc = new XMLParser({ ignoreAttributes: false, processEntities: true }).parse(res.body) as {
        cartridge_basiclti_link: Record<string, unknown> & {
          "blti:extensions": {
            "@_platform": string;
            "lticm:property": { "@_name": string; "#text": string };
          };
          "blti:vendor": Record<string, string>;
        };
      };
      const root = doc.cartridge_basiclti_link;
      assert.ok(root, "the root is cartridge_basiclti_link");
      assert.equal(root["@_xmlns"], "http://www.imsglobal.org/xsd/imslticc_v1p0");
      assert.equal(root["@_xmlns:blti"], "http://www.imsglobal.org/xsd/imsbasiclti_v1p0");
      assert.equal(root["blti:title"], "Consumer North");
      assert.equal(root["blti:description"], "Learn the night sky & its stars — <3");
      assert.equal(root["blti:launch_url"], p.launchUrl);
      assert.equal(root["blti:icon"], `${t.ctx.config.publicUrl}/static/icon.svg`);
      assert.equal(root["blti:vendor"]["lticp:code"], "pluto");
      assert.equal(root["blti:vendor"]["lticp:name"], "Pluto LMS");
      assert.equal(root["blti:extensions"]["@_platform"], "pluto");
      assert.equal(root["blti:extensions"]["lticm:property"]["@_name"], "icon_url");
      const icon = await t.app.inject({ url: pathOf(String(root["blti:icon"])) });
      assert.equal(icon.statusCode, 200, "the icon is served");
    });

    it("adds secure launch URL and secure icon when Pluto's public URL is https", async () => {
      const https = await startTestApp(engine, { config: { publicUrl: "https://lms.example.org/pluto" } });
      try {
        const token = await https.token((await https.admin()).id);
        const course = await api(https.app, token, "POST", "/api/v1/courses", {
          fullname: "S",
          shortname: "S1",
        });
        const res = await api(
          https.app,
          token,
          "POST",
          `/api/v1/courses/${(course.json as { id: number }).id}/enrol-methods`,
          {
            method: "lti",
            ltiVersion: "1.1",
          },
        );
        const p = res.json as Published;
        assert.match(p.launchUrl, /^https:\/\/lms\.example\.org\/pluto\/enrol\/lti\/launch\//);
        const xml = await https.app.inject({ url: pathOf(p.cartridgeUrl).replace(/^\/pluto/, "") });
        assert.equal(xml.statusCode, 200);
        const c = parseCartridge(xml.body);
        assert.equal(c.secureLaunchUrl, p.launchUrl);
        assert.equal(c.secureIcon, "https://lms.example.org/pluto/static/icon.svg");
        assert.equal(c.title, "Publish as LTI tool", "an unnamed instance is titled by its default name");
      } finally {
        await https.close();
      }
    });

    it("answers 404 for the cartridge of a disabled, a deleted or an unknown instance", async () => {
      const res = await api(t.app, admin, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Short-lived",
      });
      const p = res.json as Published;
      const url = pathOf(p.cartridgeUrl);
      assert.equal((await t.app.inject({ url })).statusCode, 200);
      await api(t.app, admin, "PATCH", `/api/v1/enrol-methods/${p.id}`, { status: "disabled" });
      const disabled = await t.app.inject({ url });
      assert.equal(disabled.statusCode, 404);
      assert.doesNotMatch(disabled.body, /cartridge_basiclti_link/);
      await api(t.app, admin, "PATCH", `/api/v1/enrol-methods/${p.id}`, { status: "enabled" });
      assert.equal((await t.app.inject({ url })).statusCode, 200);
      assert.equal((await api(t.app, admin, "DELETE", `/api/v1/enrol-methods/${p.id}`)).status, 204);
      assert.equal((await t.app.inject({ url })).statusCode, 404);
      for (const [bad, status] of [
        ["/enrol/lti/cartridge/00000000-0000-4000-8000-000000000000/cartridge.xml", 404],
        ["/enrol/lti/cartridge/not-a-uuid/cartridge.xml", 404],
        [`/enrol/lti/cartridge/${"a".repeat(500)}/cartridge.xml`, 414],
      ] as const)
        assert.equal((await t.app.inject({ url: bad })).statusCode, status, bad);
    });

    describe("the launch log", () => {
      before(async () => {
        const p = pubs[0];
        assert.ok(p?.secret);
        const now = Math.floor(t.clock.now().getTime() / 1000);
        const post = (form: Record<string, string>) =>
          t.app.inject({
            method: "POST",
            url: pathOf(p.launchUrl),
            headers: { "content-type": "application/x-www-form-urlencoded" },
            payload: new URLSearchParams(form).toString(),
          });
        const ok = await post(
          signLaunch(p.launchUrl, "moodle-north", p.secret, baseLaunch({ user_id: "remote-ok" }), {
            timestamp: now,
          }),
        );
        assert.equal(ok.statusCode, 303);
        const bad = await post(
          signLaunch(p.launchUrl, "moodle-north", "x".repeat(40), baseLaunch({ user_id: "remote-bad" }), {
            timestamp: now,
          }),
        );
        assert.equal(bad.statusCode, 401);
        const stale = await post(
          signLaunch(p.launchUrl, "moodle-north", p.secret, baseLaunch({ user_id: "remote-late" }), {
            timestamp: now - 3600,
          }),
        );
        assert.equal(stale.statusCode, 401);
      });

      const rowOf = (html: string, remote: string) =>
        new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*<td>${remote}</td>[\\s\\S]*?</tr>`).exec(html)?.[0];

      it('"Course admin" → "LTI launch log" shows accepted and rejected launches with their reasons', async () => {
        const course = await teacher.get(`/course/${courseId}/lti-publications`);
        assert.match(
          course.body,
          new RegExp(`href="/course/${courseId}/lti-launches"[^>]*>LTI launch log</a>`),
        );
        const page = await teacher.get(`/course/${courseId}/lti-launches`);
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /<h1>LTI launch log<\/h1>/);
        const ok = rowOf(page.body, "remote-ok");
        assert.ok(ok);
        assert.match(ok, /moodle-north/);
        assert.match(ok, /Accepted/);
        assert.match(ok, /lti_[0-9a-f]{32}/, "the local user");
        const bad = rowOf(page.body, "remote-bad");
        assert.ok(bad);
        assert.match(bad, /Rejected/);
        assert.match(bad, /<code>bad_signature<\/code>/);
        assert.match(bad, /signature is not valid/);
        const late = rowOf(page.body, "remote-late");
        assert.match(late ?? "", /<code>stale_timestamp<\/code>/);
        assert.ok(page.body.indexOf("remote-late") < page.body.indexOf("remote-ok"), "newest first");
      });

      it("Site admin → Integrations → LTI launch log shows every course's launches", async () => {
        const c = await t.client("admin");
        const home = await c.get("/admin");
        assert.match(
          home.body,
          /Integrations<\/h2>[\s\S]*<a href="\/admin\/lti\/launches">LTI launch log<\/a>/,
        );
        const page = await c.get("/admin/lti/launches");
        assert.equal(page.statusCode, 200);
        const bad = rowOf(page.body, "remote-bad");
        assert.ok(bad);
        assert.match(bad, /Night Sky/);
        assert.match(bad, /<code>bad_signature<\/code>/);
        assert.match(rowOf(page.body, "remote-ok") ?? "", /Accepted/);
      });

      it("gives the launch times in the viewer's time zone, named in the heading", async () => {
        const c = await t.client("admin");
        const at = (
          await t.ctx.db
            .selectFrom("lti_launch_log")
            .select("created_at")
            .where("remote_user_id", "=", "remote-ok")
            .executeTakeFirstOrThrow()
        ).created_at;
        const tokyo = new Date(Date.parse(at) + 9 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
        const utc = await c.get("/admin/lti/launches");
        assert.match(utc.body, /<th scope="col">When \(UTC\)<\/th>/);
        assert.match(
          rowOf(utc.body, "remote-ok") ?? "",
          new RegExp(`<td>${at.slice(0, 19).replace("T", " ")}</td>`),
        );
        await t.ctx.db
          .updateTable("users")
          .set({ timezone: "Asia/Tokyo" })
          .where("username", "=", "admin")
          .execute();
        try {
          const page = await c.get("/admin/lti/launches");
          assert.match(page.body, /<th scope="col">When \(Asia\/Tokyo\)<\/th>/);
          assert.match(rowOf(page.body, "remote-ok") ?? "", new RegExp(`<td>${tokyo}</td>`), "UTC+9");
        } finally {
          await t.ctx.db.updateTable("users").set({ timezone: "" }).where("username", "=", "admin").execute();
        }
      });

      for (const [who, username, url] of [
        ["a student", "sam", "/course/{id}/lti-launches"],
        ["a non-editing teacher", "nora", "/course/{id}/lti-launches"],
        ["a student", "sam", "/admin/lti/launches"],
        ["a teacher", "tina", "/admin/lti/launches"],
      ] as const) {
        it(`${who} cannot see ${url}`, async () => {
          const c = await t.client(username);
          const res = await c.get(url.replace("{id}", String(courseId)));
          assert.equal(res.statusCode, 403);
          assert.doesNotMatch(res.body, /remote-ok|remote-bad/);
        });
      }

      it("an anonymous visitor is asked to log in", async () => {
        const res = await t.app.inject({ url: `/course/${courseId}/lti-launches` });
        assert.equal(res.statusCode, 401);
      });
    });
  });
}
