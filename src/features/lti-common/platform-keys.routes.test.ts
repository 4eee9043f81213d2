// The platform keys over HTTP: the public JWKS URL (what a tool's verifier fetches), the site admin page
// with its rotation period form and "Rotate now", and the JSON API; teachers are refused; private key
// members never leave the server.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { api, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import { signPlatformJwt } from "../../lti/v1p3/keys.js";
import { JWKS_CACHE_PERIOD_SECONDS, signingKey } from "./platform-keys.service.js";

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi"];
const PAGE = "/admin/lti/platform-keys";

for (const engine of testEngines()) {
  describe(`LTI platform keys over HTTP (${engine})`, () => {
    let t: TestApp;
    let base: string;
    let adminToken: string;
    let teacherToken: string;
    before(async () => {
      t = await startTestApp(engine, { listen: { host: "127.0.0.1", port: 0 } });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      adminToken = await t.token((await t.admin()).id);
      const teacher = await t.user("teacher");
      await enrolAs(t, (await makeCourse(t)).id, teacher.id, "editingteacher");
      teacherToken = await t.token(teacher.id);
    });
    after(() => t.close());

    for (const path of ["/lti/jwks", "/.well-known/jwks.json"]) {
      it(`serves the public key set at ${path}, cacheable, without private members`, async () => {
        const res = await fetch(`${base}${path}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        assert.equal(res.headers.get("cache-control"), `public, max-age=${JWKS_CACHE_PERIOD_SECONDS}`);
        const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
        assert.ok(body.keys.length >= 1);
        for (const k of body.keys) {
          assert.equal(k.kty, "RSA");
          assert.equal(k.alg, "RS256");
          assert.equal(typeof k.kid, "string");
          for (const m of PRIVATE_MEMBERS) assert.equal(k[m], undefined, m);
        }
      });
    }

    it("a JWT signed with the signing key verifies against the served JWKS with jose's remote key set", async () => {
      const token = await signPlatformJwt(
        { iss: base, aud: "tool", sub: "1", exp: Math.floor(Date.now() / 1000) + 300 },
        await signingKey(t.ctx),
      );
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/lti/jwks`)), {
        issuer: base,
        audience: "tool",
      });
      assert.equal(payload.sub, "1");
    });

    it("shows the keys to a site admin and refuses a teacher the page and the API", async () => {
      const admin = await t.client("admin");
      const page = await admin.get(PAGE);
      assert.equal(page.statusCode, 200);
      const kid = (await signingKey(t.ctx)).kid;
      assert.ok(page.body.includes(kid));
      assert.match(page.body, /Signing/);
      assert.match(
        page.body,
        /data-confirm="Rotate the LTI platform keys now\? [^"]*\(those built on jose\) refuse launches for up to 30 seconds/,
      );
      assert.ok(!page.body.includes("PRIVATE KEY"));

      const teacher = await t.client("teacher");
      assert.equal((await teacher.get(PAGE)).statusCode, 403);
      assert.equal((await teacher.post(`${PAGE}/rotate`)).statusCode, 403);
      assert.equal((await teacher.post(`${PAGE}/settings`, { rotationPeriodDays: "5" })).statusCode, 403);
      for (const [method, url] of [
        ["GET", "/api/v1/lti/platform-keys"],
        ["POST", "/api/v1/lti/platform-keys/rotate"],
        ["PUT", "/api/v1/lti/platform-keys/settings"],
      ] as const) {
        const r = await api(
          t.app,
          teacherToken,
          method,
          url,
          method === "PUT" ? { rotationPeriodDays: 5 } : undefined,
        );
        assert.equal(r.status, 403, url);
        assert.equal(errorCodeOf(r), "forbidden");
      }
      assert.equal((await signingKey(t.ctx)).kid, kid, "the refused rotation changed nothing");
    });

    it("sets the rotation period from the form and refuses bad input with a 400", async () => {
      const admin = await t.client("admin");
      await admin.get(PAGE);
      const ok = await admin.post(`${PAGE}/settings`, { rotationPeriodDays: "30" });
      assert.equal(ok.statusCode, 303);
      assert.match((await admin.get(PAGE)).body, /name="rotationPeriodDays" value="30"/);
      for (const bad of ["0", "abc", "1.5", "", "99999"]) {
        const res = await admin.post(`${PAGE}/settings`, { rotationPeriodDays: bad });
        assert.equal(res.statusCode, 400, bad);
        assert.equal(errorCodeOf(res), "validation");
        assert.match(res.body, /whole number of days/);
      }
      const res = await admin.post(`${PAGE}/settings`, { rotationPeriodDays: "7", _csrf: "wrong" });
      assert.equal(res.statusCode, 403);
      assert.match((await admin.get(PAGE)).body, /name="rotationPeriodDays" value="30"/);
    });

    it("sets the rotation period through the API and answers bad input with a 400 naming the field", async () => {
      const ok = await api(t.app, adminToken, "PUT", "/api/v1/lti/platform-keys/settings", {
        rotationPeriodDays: 14,
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { rotationPeriodDays: 14 });
      for (const bad of [
        { rotationPeriodDays: 0 },
        { rotationPeriodDays: "x" },
        { rotationPeriodDays: 1.5 },
        {},
        [],
      ]) {
        const r = await api(t.app, adminToken, "PUT", "/api/v1/lti/platform-keys/settings", bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(errorCodeOf(r), "validation");
        assert.match(r.body, /rotationPeriodDays/);
      }
      const listed = (await api(t.app, adminToken, "GET", "/api/v1/lti/platform-keys")).json as {
        rotationPeriodDays: number;
      };
      assert.equal(listed.rotationPeriodDays, 14);
    });

    it("Rotate now from the page and the API: the old kid leaves the JWKS at once, the new one signs", async () => {
      const admin = await t.client("admin");
      await admin.get(PAGE);
      const before = (await signingKey(t.ctx)).kid;
      const res = await admin.post(`${PAGE}/rotate`);
      assert.equal(res.statusCode, 303);
      const after = (await signingKey(t.ctx)).kid;
      assert.notEqual(after, before);
      const jwks = (await (await fetch(`${base}/lti/jwks`)).json()) as { keys: Array<{ kid: string }> };
      assert.deepEqual(
        jwks.keys.map((k) => k.kid),
        [after],
      );

      const r = await api(t.app, adminToken, "POST", "/api/v1/lti/platform-keys/rotate");
      assert.equal(r.status, 200);
      const body = r.json as { revoked: string[]; signingKid: string; keys: Array<Record<string, unknown>> };
      assert.deepEqual(body.revoked, [after]);
      assert.equal((await signingKey(t.ctx)).kid, body.signingKid);
      const listed = (await api(t.app, adminToken, "GET", "/api/v1/lti/platform-keys")).json as {
        keys: Array<{ kid: string; state: string; publicJwk: Record<string, unknown> }>;
      };
      assert.deepEqual(
        listed.keys.map((k) => [k.kid, k.state]),
        [
          [before, "revoked"],
          [after, "revoked"],
          [body.signingKid, "signing"],
        ],
      );
      assert.ok(!r.body.includes("PRIVATE KEY") && !JSON.stringify(listed).includes("PRIVATE KEY"));
      for (const k of listed.keys) for (const m of PRIVATE_MEMBERS) assert.equal(k.publicJwk[m], undefined);
    });

    it("is documented in the OpenAPI document", async () => {
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      assert.ok(doc.paths["/lti/platform-keys"]?.get);
      assert.ok(doc.paths["/lti/platform-keys/rotate"]?.post);
      assert.ok(doc.paths["/lti/platform-keys/settings"]?.put);
    });
  });
}
