import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";

const NEW_USER = {
  username: "apiuser",
  password: "api-password-1",
  email: "apiuser@example.org",
  firstname: "Api",
  lastname: "User",
};

for (const engine of testEngines()) {
  describe(`users API refuses bad input (${engine})`, () => {
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

    const count = async () => (await t.ctx.db.selectFrom("users").select("id").execute()).length;

    it("refuses bad requests with the right status and error code, writing nothing", async () => {
      const before = await count();
      const aliceBefore = (await api(t.app, adminToken, "GET", `/api/v1/users/${aliceId}`)).json;
      type Case = {
        name: string;
        token?: string;
        method: "GET" | "POST" | "PATCH";
        url: string;
        body?: unknown;
        status: number;
        code: string;
      };
      const P = "/api/v1/users";
      const cases: Case[] = [
        { name: "no token", method: "POST", url: P, body: NEW_USER, status: 401, code: "unauthenticated" },
        {
          name: "unknown token",
          token: "pluto_nope",
          method: "POST",
          url: P,
          body: NEW_USER,
          status: 401,
          code: "unauthenticated",
        },
        {
          name: "not a site admin",
          token: aliceToken,
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "x1" },
          status: 403,
          code: "forbidden",
        },
        {
          name: "missing username",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: undefined },
          status: 400,
          code: "validation",
        },
        {
          name: "missing password",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "x2", password: undefined },
          status: 400,
          code: "validation",
        },
        {
          name: "username a number",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: 42 },
          status: 400,
          code: "validation",
        },
        {
          name: "oversized username",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "u".repeat(101) },
          status: 400,
          code: "validation",
        },
        {
          name: "bad email",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "x3", email: "nope" },
          status: 400,
          code: "validation",
        },
        {
          name: "bad country",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "x4", country: "Brazil" },
          status: 400,
          code: "validation",
        },
        {
          name: "unknown field",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "x5", siteAdmin: true },
          status: 400,
          code: "validation",
        },
        {
          name: "body is an array",
          method: "POST",
          url: P,
          body: [NEW_USER],
          status: 400,
          code: "validation",
        },
        {
          name: "body is not JSON",
          method: "POST",
          url: P,
          body: "{not json",
          status: 400,
          code: "bad_request",
        },
        {
          name: "taken username",
          method: "POST",
          url: P,
          body: { ...NEW_USER, username: "alice" },
          status: 409,
          code: "conflict",
        },
        { name: "list: not admin", token: aliceToken, method: "GET", url: P, status: 403, code: "forbidden" },
        {
          name: "find: not admin",
          token: aliceToken,
          method: "GET",
          url: `${P}?username=admin`,
          status: 403,
          code: "forbidden",
        },
        { name: "list: limit 0", method: "GET", url: `${P}?limit=0`, status: 400, code: "validation" },
        {
          name: "list: limit too big",
          method: "GET",
          url: `${P}?limit=100000`,
          status: 400,
          code: "validation",
        },
        {
          name: "list: offset negative",
          method: "GET",
          url: `${P}?offset=-1`,
          status: 400,
          code: "validation",
        },
        {
          name: "list: username twice",
          method: "GET",
          url: `${P}?username=a&username=b`,
          status: 400,
          code: "validation",
        },
        { name: "get: unknown id", method: "GET", url: `${P}/999999`, status: 404, code: "not_found" },
        { name: "get: id not a number", method: "GET", url: `${P}/alice`, status: 400, code: "validation" },
        {
          name: "get: another user",
          token: aliceToken,
          method: "GET",
          url: `${P}/${adminId}`,
          status: 403,
          code: "forbidden",
        },
        {
          name: "patch: another user",
          token: aliceToken,
          method: "PATCH",
          url: `${P}/${adminId}`,
          body: { city: "X" },
          status: 403,
          code: "forbidden",
        },
        {
          name: "patch: own password",
          token: aliceToken,
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { password: "new-password-1" },
          status: 403,
          code: "forbidden",
        },
        {
          name: "patch: suspend self (user)",
          token: aliceToken,
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { suspended: true },
          status: 403,
          code: "forbidden",
        },
        {
          name: "patch: own auth method",
          token: aliceToken,
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { auth: "lti" },
          status: 403,
          code: "forbidden",
        },
        {
          name: "patch: username",
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { username: "alicia" },
          status: 400,
          code: "validation",
        },
        {
          name: "patch: suspended a string",
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { suspended: "yes" },
          status: 400,
          code: "validation",
        },
        {
          name: "patch: bad timezone",
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { timezone: "Nowhere/Land" },
          status: 400,
          code: "validation",
        },
        {
          name: "patch: short password",
          method: "PATCH",
          url: `${P}/${aliceId}`,
          body: { password: "short" },
          status: 400,
          code: "validation",
        },
        {
          name: "patch: unknown user",
          method: "PATCH",
          url: `${P}/999999`,
          body: { city: "X" },
          status: 404,
          code: "not_found",
        },
        {
          name: "patch: admin suspends self",
          method: "PATCH",
          url: `${P}/${adminId}`,
          body: { suspended: true },
          status: 400,
          code: "validation",
        },
        { name: "me: no token", method: "GET", url: "/api/v1/me", status: 401, code: "unauthenticated" },
      ];
      for (const k of cases) {
        const token =
          k.name.startsWith("no token") || k.name === "me: no token" ? undefined : (k.token ?? adminToken);
        const res = await api(t.app, token, k.method, k.url, k.body);
        assert.equal(res.status, k.status, k.name);
        assert.equal((res.json as { error?: { code?: string } })?.error?.code, k.code, k.name);
        assert.doesNotMatch(res.body, /at .*\.ts:\d+/, k.name);
      }
      assert.equal(await count(), before);
      assert.deepEqual((await api(t.app, adminToken, "GET", `/api/v1/users/${aliceId}`)).json, aliceBefore);
    });
  });
}
