import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { labelled } from "../../../test/support/html-form.js";
import { findUserByUsername } from "./users.service.js";

const PROFILE = {
  email: "erin@school.example",
  firstname: "Erin",
  lastname: "Example",
  country: "fr",
  city: "Lyon",
  timezone: "Europe/Paris",
  lang: "fr",
  institution: "Lycée",
};

for (const engine of testEngines()) {
  describe(`users edit their own profile and tokens (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.user("erin");
      await t.user("frank");
    });
    after(() => t.close());

    it("asks anonymous visitors to log in", async () => {
      const c = await t.client();
      for (const url of ["/profile", "/profile/tokens"]) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 401, url);
        assert.match(res.body, /href="\/login\?next=/);
      }
    });

    it("saves the profile fields; the username stays", async () => {
      const c = await t.client("erin");
      const page = await c.get("/profile");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Username: <strong>erin<\/strong>/);
      const res = await c.post("/profile", { ...PROFILE, username: "someone-else" });
      assert.equal(res.statusCode, 303);
      const again = await c.get("/profile");
      assert.match(again.body, /Profile saved/);
      assert.match(again.body, /value="Lyon"/);
      const u = await findUserByUsername(t.ctx.db, "erin");
      assert.equal(u?.country, "FR");
      assert.equal(u?.institution, "Lycée");
      assert.equal(await findUserByUsername(t.ctx.db, "someone-else"), undefined);
    });

    it("changes the password only with the current one, and logs out the other sessions", async () => {
      const c = await t.client("erin");
      const other = await t.client("erin");
      const res = await c.post("/profile", {
        ...PROFILE,
        currentPassword: "password123",
        newPassword: "a-new-secret",
        confirmPassword: "a-new-secret",
      });
      assert.equal(res.statusCode, 303);
      assert.match((await c.get("/profile")).body, /Profile and password saved/);
      assert.equal((await other.get("/profile")).statusCode, 401, "the other session ended");
      await assert.rejects(t.client("erin", "password123"));
      await t.client("erin", "a-new-secret");
    });

    it("refuses bad profile submissions, showing why and writing nothing", async () => {
      const c = await t.client("frank");
      const before = await findUserByUsername(t.ctx.db, "frank");
      const cases: Array<{
        name: string;
        form: Record<string, string | string[]>;
        status: number;
        code: string;
        field?: RegExp;
      }> = [
        {
          name: "wrong current password",
          form: {
            ...PROFILE,
            currentPassword: "nope-nope",
            newPassword: "another-one",
            confirmPassword: "another-one",
          },
          status: 400,
          code: "validation",
          field: /Current password is incorrect/,
        },
        {
          name: "no current password",
          form: { ...PROFILE, newPassword: "another-one", confirmPassword: "another-one" },
          status: 400,
          code: "validation",
          field: /Current password is incorrect/,
        },
        {
          name: "confirmation differs",
          form: {
            ...PROFILE,
            currentPassword: "password123",
            newPassword: "another-one",
            confirmPassword: "another-two",
          },
          status: 400,
          code: "validation",
          field: /do not match/,
        },
        {
          name: "new password too short",
          form: {
            ...PROFILE,
            currentPassword: "password123",
            newPassword: "short",
            confirmPassword: "short",
          },
          status: 400,
          code: "validation",
          field: /at least 8/,
        },
        {
          name: "bad email",
          form: { ...PROFILE, email: "frank-at-example" },
          status: 400,
          code: "validation",
          field: /Email address is not valid/,
        },
        { name: "bad country", form: { ...PROFILE, country: "France" }, status: 400, code: "validation" },
        {
          name: "unknown timezone",
          form: { ...PROFILE, timezone: "Europe/Atlantis" },
          status: 400,
          code: "validation",
          field: /Timezone is not a known time zone/,
        },
        {
          name: "path-like timezone",
          form: { ...PROFILE, timezone: "../../etc/localtime" },
          status: 400,
          code: "validation",
          field: /Timezone is not a known time zone/,
        },
        {
          name: "oversized timezone",
          form: { ...PROFILE, timezone: "Z".repeat(5000) },
          status: 400,
          code: "validation",
        },
        {
          name: "oversized city",
          form: { ...PROFILE, city: "c".repeat(121) },
          status: 400,
          code: "validation",
        },
        { name: "field sent twice", form: { ...PROFILE, city: ["a", "b"] }, status: 400, code: "validation" },
        { name: "forged CSRF", form: { ...PROFILE, _csrf: "forged" }, status: 403, code: "csrf" },
      ];
      for (const k of cases) {
        const res = await c.post("/profile", k.form);
        assert.equal(res.statusCode, k.status, k.name);
        assert.equal(errorCodeOf(res), k.code, k.name);
        if (k.field) assert.match(res.body, k.field, k.name);
      }
      assert.deepEqual(await findUserByUsername(t.ctx.db, "frank"), before);
    });

    it("creates a token shown once, which then works on the API until revoked", async () => {
      const c = await t.client("frank");
      const res = await c.post("/profile/tokens", { name: "grade export" });
      assert.equal(res.statusCode, 200);
      const token = /id="new-token" class="token" value="([^"]+)"/.exec(res.body)?.[1];
      assert.ok(token);
      assert.ok(token.startsWith("pluto_"));
      assert.match(res.body, /not shown again/);
      const list = await c.get("/profile/tokens");
      assert.match(list.body, /<th scope="row">grade export<\/th>/);
      assert.ok(!list.body.includes(token), "the list never shows the token again");
      const me = await api(t.app, token, "GET", "/api/v1/me");
      assert.equal(me.status, 200);
      assert.equal((me.json as { username: string }).username, "frank");
      const row = await t.ctx.db
        .selectFrom("api_tokens")
        .select(["id", "last_used_at"])
        .where("name", "=", "grade export")
        .executeTakeFirstOrThrow();
      assert.ok(row.last_used_at, "last use is recorded");
      const revoke = await c.post(`/profile/tokens/${row.id}/revoke`);
      assert.equal(revoke.statusCode, 303);
      assert.match((await c.get("/profile/tokens")).body, /Token revoked/);
      assert.equal((await api(t.app, token, "GET", "/api/v1/me")).status, 401);
    });

    it("shows times in the time zone the user chose, else the site's, and says which", async () => {
      const realNow = t.clock.now();
      t.clock.set(new Date("2026-07-01T12:00:00Z"));
      try {
        await t.user("gina");
        const c = await t.client("gina");
        const page = await c.get("/profile");
        const zone = labelled(page.body, "Timezone");
        assert.equal(zone.value, "");
        assert.equal(zone.options.find((o) => o.selected)?.label, "Site default (UTC)");
        await c.post("/profile/tokens", { name: "before" });
        assert.match((await c.get("/profile/tokens")).body, /<td>2026-07-01 12:00 UTC<\/td>/);
        const saved = await c.post("/profile", {
          ...PROFILE,
          email: "gina@school.example",
          timezone: "America/New_York",
        });
        assert.equal(saved.statusCode, 303);
        assert.equal(labelled((await c.get("/profile")).body, "Timezone").value, "America/New_York");
        assert.match(
          (await c.get("/profile/tokens")).body,
          /<td>2026-07-01 08:00 America\/New_York<\/td>/,
          "EDT",
        );
      } finally {
        t.clock.set(realNow);
      }
    });

    it("refuses bad token requests, and another user's token stays", async () => {
      const frank = await findUserByUsername(t.ctx.db, "frank");
      const erin = await findUserByUsername(t.ctx.db, "erin");
      assert.ok(frank && erin);
      const erinsToken = await t.token(erin.id);
      const erinsId = (
        await t.ctx.db
          .selectFrom("api_tokens")
          .select("id")
          .where("user_id", "=", erin.id)
          .executeTakeFirstOrThrow()
      ).id;
      const c = await t.client("frank");
      const count = async () => (await t.ctx.db.selectFrom("api_tokens").select("id").execute()).length;
      const before = await count();
      const cases: Array<{
        name: string;
        url: string;
        form: Record<string, string | string[]>;
        status: number;
        code: string;
      }> = [
        { name: "missing name", url: "/profile/tokens", form: {}, status: 400, code: "validation" },
        {
          name: "blank name",
          url: "/profile/tokens",
          form: { name: "   " },
          status: 400,
          code: "validation",
        },
        {
          name: "oversized name",
          url: "/profile/tokens",
          form: { name: "n".repeat(101) },
          status: 400,
          code: "validation",
        },
        {
          name: "name sent twice",
          url: "/profile/tokens",
          form: { name: ["a", "b"] },
          status: 400,
          code: "validation",
        },
        {
          name: "forged CSRF",
          url: "/profile/tokens",
          form: { name: "x", _csrf: "forged" },
          status: 403,
          code: "csrf",
        },
        {
          name: "revoke another user's token",
          url: `/profile/tokens/${erinsId}/revoke`,
          form: {},
          status: 404,
          code: "not_found",
        },
        {
          name: "revoke unknown token",
          url: "/profile/tokens/999999/revoke",
          form: {},
          status: 404,
          code: "not_found",
        },
        {
          name: "revoke non-numeric id",
          url: "/profile/tokens/abc/revoke",
          form: {},
          status: 400,
          code: "validation",
        },
      ];
      for (const k of cases) {
        const res = await c.post(k.url, k.form);
        assert.equal(res.statusCode, k.status, k.name);
        assert.equal(errorCodeOf(res), k.code, k.name);
      }
      assert.equal(await count(), before);
      assert.equal((await api(t.app, erinsToken, "GET", "/api/v1/me")).status, 200);
    });
  });
}
