import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { findUserByUsername } from "./users.service.js";

const VALID_NEW_USER = {
  username: "newbie",
  password: "a-good-password",
  email: "newbie@example.org",
  firstname: "New",
  lastname: "Person",
  country: "gb",
  city: "Leeds",
  timezone: "Europe/London",
  lang: "en",
  institution: "Leeds College",
  auth: "manual",
};

for (const engine of testEngines()) {
  describe(`site admin manages users (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.admin();
    });
    after(() => t.close());

    it("creates a user with the form, who can then log in", async () => {
      const c = await t.client("admin");
      const form = await c.get("/admin/users/new");
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<label for="f-username">Username<\/label>/);
      const res = await c.post("/admin/users/new", VALID_NEW_USER);
      assert.equal(res.statusCode, 303);
      const list = await c.get("/admin/users");
      assert.match(list.body, /User newbie created/);
      assert.match(list.body, /<a href="\/admin\/users\/\d+">newbie<\/a>/);
      const u = await findUserByUsername(t.ctx.db, "newbie");
      assert.equal(u?.country, "GB");
      assert.equal(u?.timezone, "Europe/London");
      assert.equal(u?.institution, "Leeds College");
      assert.notEqual(u?.passwordHash, VALID_NEW_USER.password);
      await t.client("newbie", "a-good-password");
    });

    it("lists users with search and paging", async () => {
      for (let i = 0; i < 32; i++) await t.user(`pager${String(i).padStart(2, "0")}`);
      const c = await t.client("admin");
      const page1 = await c.get("/admin/users?q=pager");
      assert.match(page1.body, /32 users matching/);
      assert.match(page1.body, /Page 1 of 2/);
      assert.match(page1.body, /pager00/);
      assert.doesNotMatch(page1.body, /pager31/);
      const page2 = await c.get("/admin/users?q=pager&page=2");
      assert.match(page2.body, /pager31/);
      assert.doesNotMatch(page2.body, />pager00</);
      const none = await c.get("/admin/users?q=%25");
      assert.match(none.body, /0 users matching/, "a % typed in the search matches literally");
    });

    it("edits a user: username read-only, profile fields, auth method and a new password", async () => {
      const bob = await t.user("bob");
      const c = await t.client("admin");
      const page = await c.get(`/admin/users/${bob.id}`);
      assert.match(page.body, /id="f-username" value="bob" readonly/);
      const res = await c.post(`/admin/users/${bob.id}`, {
        username: "hijack",
        email: "bob@uni.example",
        firstname: "Robert",
        lastname: "Builder",
        country: "DE",
        city: "Berlin",
        timezone: "Europe/Berlin",
        lang: "de",
        institution: "TU",
        auth: "lti",
        password: "brand-new-pass",
      });
      assert.equal(res.statusCode, 303);
      const u = await findUserByUsername(t.ctx.db, "bob");
      assert.equal(u?.firstname, "Robert");
      assert.equal(u?.auth, "lti");
      assert.equal(u?.city, "Berlin");
      assert.equal(await findUserByUsername(t.ctx.db, "hijack"), undefined, "the username cannot be changed");
      await t.client("bob", "brand-new-pass");
    });

    it("suspending a user logs them out everywhere and stops their token and their logins", async () => {
      const carol = await t.user("carol");
      const carolBrowser = await t.client("carol");
      const token = await t.token(carol.id);
      assert.equal((await api(t.app, token, "GET", "/api/v1/me")).status, 200);
      const c = await t.client("admin");
      const res = await c.post(`/admin/users/${carol.id}`, {
        email: carol.email,
        firstname: carol.firstname,
        lastname: carol.lastname,
        suspended: "1",
      });
      assert.equal(res.statusCode, 303);
      const sessions = await t.ctx.db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", carol.id)
        .execute();
      assert.equal(sessions.length, 0);
      assert.equal((await carolBrowser.get("/profile")).statusCode, 401);
      const me = await api(t.app, token, "GET", "/api/v1/me");
      assert.equal(me.status, 401);
      await assert.rejects(t.client("carol"), /login as carol failed: 401/);
      const edit = await c.get(`/admin/users/${carol.id}`);
      assert.match(edit.body, /name="suspended" value="1" checked/);
      // Unsuspending lets them in again.
      await c.post(`/admin/users/${carol.id}`, { email: carol.email, firstname: "Carol" });
      await t.client("carol");
    });

    it("rejects bad list queries", async () => {
      const c = await t.client("admin");
      for (const url of [
        "/admin/users?page=-1",
        "/admin/users?page=1.5",
        "/admin/users?q=a&q=b",
        "/admin/users/0",
      ]) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 400, url);
        assert.equal(errorCodeOf(res), "validation", url);
      }
    });
  });
}
