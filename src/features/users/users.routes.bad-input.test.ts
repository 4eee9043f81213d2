import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
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
  describe(`site admin user forms refuse bad input (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.admin();
    });
    after(() => t.close());

    const userCount = async () => (await t.ctx.db.selectFrom("users").select("id").execute()).length;

    it("refuses bad user forms with the form again, a 4xx and the error code, writing nothing", async () => {
      const dave = await t.user("dave");
      const admin = await t.admin();
      const c = await t.client("admin");
      const student = await t.client("dave");
      const cases: Array<{
        name: string;
        url: string;
        form: Record<string, string | string[]>;
        status: number;
        code: string;
        field?: RegExp;
        as?: "student";
      }> = [
        {
          name: "missing username",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, username: "" },
          status: 400,
          code: "validation",
          field: /Username is required/,
        },
        {
          name: "username with spaces",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, username: "a b" },
          status: 400,
          code: "validation",
          field: /Username may contain only/,
        },
        {
          name: "oversized username",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, username: "x".repeat(101) },
          status: 400,
          code: "validation",
          field: /at most 100/,
        },
        {
          name: "short password",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, password: "short" },
          status: 400,
          code: "validation",
          field: /at least 8/,
        },
        {
          name: "missing password",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, password: "" },
          status: 400,
          code: "validation",
        },
        {
          name: "bad email",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, email: "not-an-email" },
          status: 400,
          code: "validation",
          field: /Email address is not valid/,
        },
        {
          name: "three-letter country",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, country: "GBR" },
          status: 400,
          code: "validation",
          field: /two-letter code/,
        },
        {
          name: "unknown timezone",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, timezone: "Mars/Olympus" },
          status: 400,
          code: "validation",
          field: /not a known time zone/,
        },
        {
          name: "bad language",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, lang: "English!" },
          status: 400,
          code: "validation",
        },
        {
          name: "unknown auth method",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, auth: "ldap" },
          status: 400,
          code: "validation",
        },
        {
          name: "oversized institution",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, institution: "i".repeat(256) },
          status: 400,
          code: "validation",
        },
        {
          name: "field sent twice",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, firstname: ["A", "B"] },
          status: 400,
          code: "validation",
        },
        {
          name: "taken username",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, username: "dave" },
          status: 409,
          code: "conflict",
          field: /already taken/,
        },
        {
          name: "forged CSRF",
          url: "/admin/users/new",
          form: { ...VALID_NEW_USER, _csrf: "nope" },
          status: 403,
          code: "csrf",
        },
        {
          name: "not a site admin",
          url: "/admin/users/new",
          form: VALID_NEW_USER,
          status: 403,
          code: "forbidden",
          as: "student",
        },
        {
          name: "edit: bad email",
          url: `/admin/users/${dave.id}`,
          form: { email: "@@" },
          status: 400,
          code: "validation",
        },
        {
          name: "edit: short new password",
          url: `/admin/users/${dave.id}`,
          form: { password: "1234" },
          status: 400,
          code: "validation",
        },
        {
          name: "edit: suspend yourself",
          url: `/admin/users/${admin.id}`,
          form: { suspended: "1" },
          status: 400,
          code: "validation",
          field: /cannot suspend your own account/,
        },
        {
          name: "edit: unknown user",
          url: "/admin/users/999999",
          form: { email: "a@b.org" },
          status: 404,
          code: "not_found",
        },
        {
          name: "edit: id not a number",
          url: "/admin/users/me",
          form: { email: "a@b.org" },
          status: 400,
          code: "validation",
        },
        {
          name: "edit: not a site admin",
          url: `/admin/users/${dave.id}`,
          form: { firstname: "Evil" },
          status: 403,
          code: "forbidden",
          as: "student",
        },
      ];
      const before = await userCount();
      const daveBefore = await findUserByUsername(t.ctx.db, "dave");
      for (const k of cases) {
        const res = await (k.as === "student" ? student : c).post(k.url, k.form);
        assert.equal(res.statusCode, k.status, k.name);
        assert.equal(errorCodeOf(res), k.code, k.name);
        if (k.field) assert.match(res.body, k.field, k.name);
        assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/, k.name);
      }
      assert.equal(await userCount(), before, "no user was created");
      assert.deepEqual(await findUserByUsername(t.ctx.db, "dave"), daveBefore, "dave is unchanged");
      const adminNow = await findUserByUsername(t.ctx.db, "admin");
      assert.equal(adminNow?.suspended, false);
    });

    it("shows what was typed again after a refused form, but never the password", async () => {
      const c = await t.client("admin");
      const res = await c.post("/admin/users/new", {
        ...VALID_NEW_USER,
        username: "kept-name",
        email: "bad",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /value="kept-name"/);
      assert.match(res.body, /value="Leeds College"/);
      assert.doesNotMatch(res.body, /a-good-password/);
    });
  });
}
