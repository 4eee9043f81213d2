// Site-wide external tools: the admin pages under Site admin → Integrations → External Sources / LTI and the
// /api/v1/lti/tool-types API, with their bad-input tables.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { cartridgeXml, type FakeTool, startFakeTool } from "../../../../test/support/fake-lti-tool.js";

interface ToolJson {
  id: number;
  name: string;
  toolUrl: string;
  cartridgeUrl: string | null;
  launchUrl: string;
  consumerKey: string;
  sharedSecret: string;
  launchContainer: string;
  shareName: boolean;
  showInPicker: boolean;
  customParameters: string;
  vendor: { code: string; name: string } | null;
}

for (const engine of testEngines()) {
  describe(`site-wide external tools (${engine})`, () => {
    let t: TestApp;
    let tool: FakeTool;
    let adminToken: string;
    let userToken: string;
    let admin: Client;
    let user: Client;

    before(async () => {
      tool = await startFakeTool({ host: "127.0.0.1", key: "k", secret: "s" });
      tool.docs.set("/tool.xml", {
        type: "application/xml",
        body: cartridgeXml({
          title: "Cartridge Tool",
          launchUrl: `${tool.origin}/launch`,
          custom: { level: "2" },
        }),
      });
      tool.docs.set("/rss.xml", { type: "application/xml", body: "<rss/>" });
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      const a = await t.admin();
      const u = await t.user("ursula");
      adminToken = await t.token(a.id);
      userToken = await t.token(u.id);
      admin = await t.client("admin");
      user = await t.client("ursula");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    const BASE = "/api/v1/lti/tool-types";

    it("creates a tool from a cartridge URL, lists, reads, changes and deletes it", async () => {
      const created = await api(t.app, adminToken, "POST", BASE, {
        toolUrl: `${tool.origin}/tool.xml`,
        consumerKey: "site-key",
        sharedSecret: "site-secret",
        launchContainer: "window",
        shareEmail: false,
      });
      assert.equal(created.status, 201, created.body);
      const c = created.json as ToolJson;
      assert.equal(c.name, "Cartridge Tool");
      assert.equal(c.cartridgeUrl, `${tool.origin}/tool.xml`);
      assert.equal(c.launchUrl, `${tool.origin}/launch`);
      assert.equal(c.customParameters, "level=2");
      assert.deepEqual(c.vendor, { code: "fake", name: "Fake Tools Inc." });
      assert.equal(c.launchContainer, "window");
      assert.equal(c.shareName, true);

      const list = await api(t.app, adminToken, "GET", BASE);
      assert.equal(list.status, 200);
      assert.ok((list.json as ToolJson[]).some((x) => x.id === c.id));
      const one = await api(t.app, adminToken, "GET", `${BASE}/${c.id}`);
      assert.equal((one.json as ToolJson).sharedSecret, "site-secret");

      const patched = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, {
        name: "Renamed",
        showInPicker: false,
      });
      assert.equal(patched.status, 200, patched.body);
      const p = patched.json as ToolJson;
      assert.equal(p.name, "Renamed");
      assert.equal(p.showInPicker, false);
      assert.equal(p.consumerKey, "site-key", "fields left out keep their values");
      assert.equal(p.launchContainer, "window");

      assert.equal((await api(t.app, adminToken, "DELETE", `${BASE}/${c.id}`)).status, 204);
      assert.equal((await api(t.app, adminToken, "GET", `${BASE}/${c.id}`)).status, 404);
    });

    it("is documented in the OpenAPI document", async () => {
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      assert.ok(doc.paths["/lti/tool-types"]?.post && doc.paths["/lti/tool-types"]?.get);
      assert.ok(doc.paths["/lti/tool-types/{id}"]?.patch && doc.paths["/lti/tool-types/{id}"]?.delete);
    });

    const plain = {
      name: "Plain",
      toolUrl: "http://127.0.0.1:9/launch",
      consumerKey: "k",
      sharedSecret: "s",
    };
    const bad: Array<
      [string, string | undefined, "POST" | "GET" | "PATCH" | "DELETE", string, unknown, number, string]
    > = [
      ["no token", undefined, "POST", BASE, plain, 401, "unauthenticated"],
      ["a user who is not a site admin", "user", "POST", BASE, plain, 403, "forbidden"],
      ["a user who is not a site admin listing", "user", "GET", BASE, undefined, 403, "forbidden"],
      ["no tool URL", "admin", "POST", BASE, { name: "X" }, 400, "validation"],
      [
        "an ftp tool URL",
        "admin",
        "POST",
        BASE,
        { ...plain, toolUrl: "ftp://tool.example/x" },
        400,
        "validation",
      ],
      [
        "a javascript: tool URL",
        "admin",
        "POST",
        BASE,
        { ...plain, toolUrl: "javascript:alert(1)" },
        400,
        "validation",
      ],
      [
        "an unknown launch container",
        "admin",
        "POST",
        BASE,
        { ...plain, launchContainer: "popup" },
        400,
        "validation",
      ],
      [
        "a privacy flag that is not a boolean",
        "admin",
        "POST",
        BASE,
        { ...plain, shareName: "yes" },
        400,
        "validation",
      ],
      ["a key without a secret", "admin", "POST", BASE, { ...plain, sharedSecret: "" }, 400, "validation"],
      [
        "custom parameters without =",
        "admin",
        "POST",
        BASE,
        { ...plain, customParameters: "a=b\nnovalue" },
        400,
        "validation",
      ],
      [
        "a name over 254 characters",
        "admin",
        "POST",
        BASE,
        { ...plain, name: "x".repeat(255) },
        400,
        "validation",
      ],
      ["no name and no cartridge", "admin", "POST", BASE, { ...plain, name: "" }, 400, "validation"],
      [
        "a URL that is not a cartridge",
        "admin",
        "POST",
        BASE,
        { ...plain, toolUrl: `TOOL/rss.xml` },
        400,
        "validation",
      ],
      ["a body that is an array", "admin", "POST", BASE, [plain], 400, "validation"],
      ["an unknown id", "admin", "GET", `${BASE}/999999`, undefined, 404, "not_found"],
      ["an id that is not a number", "admin", "GET", `${BASE}/abc`, undefined, 400, "validation"],
      ["changing an unknown id", "admin", "PATCH", `${BASE}/999999`, { name: "x" }, 404, "not_found"],
      ["deleting an unknown id", "admin", "DELETE", `${BASE}/999999`, undefined, 404, "not_found"],
    ];
    for (const [what, who, method, url, body, status, code] of bad) {
      it(`answers ${status} ${code} to ${what}`, async () => {
        const token = who === "admin" ? adminToken : who === "user" ? userToken : undefined;
        const payload = JSON.parse(JSON.stringify(body ?? null)?.replace("TOOL", tool.origin) ?? "null");
        const res = await api(t.app, token, method, url, payload ?? undefined);
        assert.equal(res.status, status, res.body);
        assert.equal(errorCodeOf(res), code);
      });
    }

    it("refuses a bad PATCH and keeps the tool unchanged", async () => {
      const c = (await api(t.app, adminToken, "POST", BASE, plain)).json as ToolJson;
      for (const body of [{ launchContainer: "popup" }, { toolUrl: "" }, { sharedSecret: "" }]) {
        const res = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      const now = (await api(t.app, adminToken, "GET", `${BASE}/${c.id}`)).json as ToolJson;
      assert.equal(now.launchContainer, "embed");
      assert.equal(now.sharedSecret, "s");
    });

    it("offers the admin pages under Site admin → Integrations, to site admins only", async () => {
      const home = await admin.get("/admin");
      assert.match(home.body, /Integrations/);
      assert.match(home.body, /<a href="\/admin\/lti\/tools"[^>]*>External Sources \/ LTI<\/a>/);
      assert.equal((await user.get("/admin/lti/tools")).statusCode, 403);
      assert.equal((await user.get("/admin/lti/tools/new")).statusCode, 403);
      const page = await admin.get("/admin/lti/tools");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>External Sources \/ LTI<\/h1>/);
    });

    it("adds, edits and deletes a tool through the admin forms", async () => {
      await admin.get("/admin/lti/tools/new");
      const add = await admin.post("/admin/lti/tools/new", {
        name: "",
        toolUrl: `${tool.origin}/tool.xml`,
        consumerKey: "form-key",
        sharedSecret: "form-secret",
        launchContainer: "embed_no_blocks",
        shareName: "1",
        acceptGrades: "1",
        showInPicker: "1",
      });
      assert.equal(add.statusCode, 303, add.body);
      const list = await admin.get("/admin/lti/tools");
      assert.match(list.body, /Cartridge Tool/);
      const all = (await api(t.app, adminToken, "GET", BASE)).json as ToolJson[];
      const made = all.find((x) => x.consumerKey === "form-key");
      assert.ok(made);
      assert.equal(made.launchContainer, "embed_no_blocks");
      assert.equal(made.shareName, true);
      assert.equal((made as unknown as { shareEmail: boolean }).shareEmail, false, "unticked box");

      const edit = await admin.get(`/admin/lti/tools/${made.id}/edit`);
      assert.match(edit.body, /value="form-key"/);
      const saved = await admin.post(`/admin/lti/tools/${made.id}/edit`, {
        name: "Edited tool",
        toolUrl: `${tool.origin}/tool.xml`,
        consumerKey: "form-key",
        sharedSecret: "form-secret",
        launchContainer: "embed",
      });
      assert.equal(saved.statusCode, 303);
      assert.match((await admin.get("/admin/lti/tools")).body, /<th scope="row">Edited tool<\/th>/);

      await admin.get(`/admin/lti/tools/${made.id}/delete`);
      const del = await admin.post(`/admin/lti/tools/${made.id}/delete`);
      assert.equal(del.statusCode, 303);
      assert.doesNotMatch((await admin.get("/admin/lti/tools")).body, /<th scope="row">Edited tool<\/th>/);
    });

    const badForms: Array<[string, Record<string, string>, RegExp]> = [
      ["no tool URL", { name: "X", toolUrl: "" }, /Tool URL is required/],
      ["an unusable cartridge", { name: "X", toolUrl: `TOOL/rss.xml` }, /not a cartridge/],
      [
        "a secret without a key",
        { name: "X", toolUrl: "http://127.0.0.1:9/", sharedSecret: "s" },
        /consumer key/,
      ],
      [
        "a bad launch container",
        { name: "X", toolUrl: "http://127.0.0.1:9/", launchContainer: "popup" },
        /Launch container/,
      ],
    ];
    for (const [what, form, message] of badForms) {
      it(`shows the admin form again for ${what}, keeping what was typed`, async () => {
        await admin.get("/admin/lti/tools/new");
        const values = Object.fromEntries(
          Object.entries(form).map(([k, v]) => [k, v.replace("TOOL", tool.origin)]),
        );
        const res = await admin.post("/admin/lti/tools/new", { launchContainer: "embed", ...values });
        assert.equal(res.statusCode, 400);
        assert.equal(errorCodeOf(res), "validation");
        assert.match(res.body, message);
        assert.match(res.body, /value="X"/);
      });
    }

    it("refuses a forged admin form (no CSRF token)", async () => {
      const res = await admin.post("/admin/lti/tools/new", { _csrf: "forged", ...plain });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCodeOf(res), "csrf");
    });
  });
}
