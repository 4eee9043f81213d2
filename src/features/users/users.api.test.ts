import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";

interface UserJson {
  id: number;
  username: string;
  email: string;
  firstname: string;
  country: string;
  suspended: boolean;
  siteAdmin: boolean;
  [k: string]: unknown;
}

const NEW_USER = {
  username: "apiuser",
  password: "api-password-1",
  email: "apiuser@example.org",
  firstname: "Api",
  lastname: "User",
  country: "BR",
  city: "Recife",
  timezone: "America/Recife",
  lang: "pt_br",
  institution: "UFPE",
};

for (const engine of testEngines()) {
  describe(`users API (${engine})`, () => {
    let t: TestApp;
    let adminToken: string;
    let aliceToken: string;
    let aliceId: number;
    let adminId: number;
    before(async () => {
      t = await startTestApp(engine);
      adminId = (await t.admin()).id;
      adminToken = await t.token(adminId);
      const alice = await t.user("alice");
      aliceId = alice.id;
      aliceToken = await t.token(alice.id);
    });
    after(() => t.close());

    it("creates a user (201) and never returns a password hash", async () => {
      const res = await api(t.app, adminToken, "POST", "/api/v1/users", NEW_USER);
      assert.equal(res.status, 201);
      const u = res.json as UserJson;
      assert.equal(u.username, "apiuser");
      assert.equal(u.country, "BR");
      assert.equal(u.suspended, false);
      assert.equal(typeof u.id, "number");
      assert.doesNotMatch(res.body, /scrypt|password/i);
      await t.client("apiuser", "api-password-1");
    });

    it("finds a user by username, and lists users with paging", async () => {
      const found = await api(t.app, adminToken, "GET", "/api/v1/users?username=ApiUser");
      assert.equal(found.status, 200);
      assert.deepEqual(
        (found.json as UserJson[]).map((u) => u.username),
        ["apiuser"],
      );
      assert.doesNotMatch(found.body, /scrypt|password/i);
      const none = await api(t.app, adminToken, "GET", "/api/v1/users?username=nobody");
      assert.deepEqual(none.json, []);
      const all = await api(t.app, adminToken, "GET", "/api/v1/users");
      const names = (all.json as UserJson[]).map((u) => u.username);
      assert.deepEqual(names, ["admin", "alice", "apiuser"]);
      const page = await t.app.inject({
        url: "/api/v1/users?limit=1&offset=1",
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.deepEqual(
        (page.json() as UserJson[]).map((u) => u.username),
        ["alice"],
      );
      assert.equal(page.headers["x-total-count"], "3");
    });

    it("reads one user: admins anyone, users only themselves; /me is the token's user", async () => {
      assert.equal((await api(t.app, adminToken, "GET", `/api/v1/users/${aliceId}`)).status, 200);
      const self = await api(t.app, aliceToken, "GET", `/api/v1/users/${aliceId}`);
      assert.equal((self.json as UserJson).username, "alice");
      const me = await api(t.app, aliceToken, "GET", "/api/v1/me");
      assert.equal((me.json as UserJson).id, aliceId);
      assert.equal((me.json as UserJson).siteAdmin, false);
    });

    it("patches only the fields sent; users may change their own profile", async () => {
      const res = await api(t.app, aliceToken, "PATCH", `/api/v1/users/${aliceId}`, { city: "Porto" });
      assert.equal(res.status, 200);
      const u = res.json as UserJson;
      assert.equal(u.city, "Porto");
      assert.equal(u.firstname, "Alice", "fields not sent stay as they were");
      assert.equal(u.email, "alice@example.org");
    });

    it("suspends a user through the API: their token and logins stop working", async () => {
      const bob = await t.user("bob");
      const bobToken = await t.token(bob.id);
      const res = await api(t.app, adminToken, "PATCH", `/api/v1/users/${bob.id}`, { suspended: true });
      assert.equal(res.status, 200);
      assert.equal((res.json as UserJson).suspended, true);
      const me = await api(t.app, bobToken, "GET", "/api/v1/me");
      assert.equal(me.status, 401);
      assert.equal((me.json as { error: { code: string } }).error.code, "unauthenticated");
      await assert.rejects(t.client("bob"));
    });

    it("authenticates only with a bearer token, never a session cookie", async () => {
      const browser = await t.client("admin");
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await t.app.inject({ url: "/api/v1/me", headers: { cookie } });
      assert.equal(res.statusCode, 401);
      const post = await t.app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: { cookie, "content-type": "application/json" },
        payload: JSON.stringify({ ...NEW_USER, username: "viacookie" }),
      });
      assert.equal(post.statusCode, 401);
    });

    it("publishes the OpenAPI document without a token, listing the user and task operations", async () => {
      const res = await api(t.app, undefined, "GET", "/api/v1/openapi.json");
      assert.equal(res.status, 200);
      const doc = res.json as {
        openapi: string;
        servers: { url: string }[];
        paths: Record<string, Record<string, unknown>>;
      };
      assert.equal(doc.openapi, "3.1.0");
      assert.equal(doc.servers[0]?.url, `${t.ctx.config.publicUrl}/api/v1`);
      for (const [path, method] of [
        ["/users", "post"],
        ["/users", "get"],
        ["/users/{id}", "get"],
        ["/users/{id}", "patch"],
        ["/me", "get"],
        ["/tasks", "get"],
        ["/tasks/{name}/run", "post"],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
      }
      const post = doc.paths["/users"]?.post as {
        requestBody: { content: { "application/json": { schema: { required: string[] } } } };
      };
      assert.deepEqual(post.requestBody.content["application/json"].schema.required.sort(), [
        "password",
        "username",
      ]);
    });
  });
}
