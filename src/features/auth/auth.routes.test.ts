import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { MAX_FAILURES } from "./login-throttle.js";

for (const engine of testEngines()) {
  describe(`logging in and out (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.user("alice");
    });
    after(() => t.close());

    it("logs a user in with the right password and keeps the session in the database", async () => {
      const c = await t.client();
      await c.get("/login");
      const res = await c.post("/login", { username: "alice", password: "password123", next: "/my" });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, "/my");
      const cookie = res.cookies.find((k) => k.name === "pluto_session");
      assert.ok(cookie?.httpOnly);
      assert.equal(cookie?.sameSite, "Lax");
      const rows = await t.ctx.db.selectFrom("sessions").selectAll().execute();
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]?.id, cookie?.value, "the table keeps a hash, not the cookie value");
      const alice = await t.ctx.db
        .selectFrom("users")
        .select("last_login_at")
        .where("username", "=", "alice")
        .executeTakeFirst();
      assert.equal(alice?.last_login_at, t.clock.now().toISOString(), "the login is recorded on the account");
    });

    it("refuses a wrong password with 401 and the login form again", async () => {
      const c = await t.client();
      await c.get("/login");
      const res = await c.post("/login", { username: "alice", password: "wrong-password" });
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /Invalid username or password/);
    });

    it("refuses a login form without the CSRF token", async () => {
      const c = await t.client();
      await c.get("/login");
      const res = await c.post("/login", { _csrf: "forged", username: "alice", password: "password123" });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /form has expired/);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
    });

    it("never redirects off-site after login", async () => {
      const c = await t.client();
      await c.get("/login");
      const res = await c.post("/login", {
        username: "alice",
        password: "password123",
        next: "//evil.example/x",
      });
      assert.equal(res.headers.location, "/my");
    });

    it("logs out and forgets the session", async () => {
      const c = await t.client("alice");
      const before = await t.ctx.db.selectFrom("sessions").select("id").execute();
      const res = await c.post("/logout");
      assert.equal(res.statusCode, 303);
      const afterRows = await t.ctx.db.selectFrom("sessions").select("id").execute();
      assert.equal(afterRows.length, before.length - 1);
    });

    it("throttles a username after repeated failures, across requests", async () => {
      await t.user("bob");
      const c = await t.client();
      await c.get("/login");
      for (let i = 0; i < MAX_FAILURES; i++)
        await c.post("/login", { username: "bob", password: "nope-nope" });
      const res = await c.post("/login", { username: "bob", password: "password123" });
      assert.equal(res.statusCode, 429);
    });

    it("answers /healthz once the database is reachable", async () => {
      const res = await t.app.inject({ url: "/healthz" });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: "ok" });
    });
  });
}
