// The LTI Advantage platforms API (Pluto as an LTI 1.3 tool), on both engines: the 201 answer with the
// Tool details, Pending until complete then Active, deployments kept as lti_deployments rows of the
// platform's lti_registrations row, bad fields answered 400 naming the field, a duplicate (issuer,
// client_id) 409, a platform that launched kept, a teacher refused, the OpenAPI document.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { insertUserLink } from "../accounts/accounts.repository.js";

const BASE = "/api/v1/lti/platforms";
const PLUTO = "https://lms.school.example";
const COMPLETE = {
  name: "District LMS",
  issuer: "https://lms.district.example",
  clientId: "pluto-tool-1",
  authenticationRequestUrl: "https://lms.district.example/oidc/auth",
  accessTokenUrl: "https://lms.district.example/oauth2/token",
  publicKeysetUrl: "https://lms.district.example/.well-known/jwks.json",
  deploymentIds: ["1", "deployment-2"],
};
const TOOL = {
  toolUrl: `${PLUTO}/lti/tool/launch`,
  initiateLoginUrl: `${PLUTO}/lti/tool/login`,
  redirectUris: [`${PLUTO}/lti/tool/launch`, `${PLUTO}/lti/tool/deep-linking`],
  publicKeysetUrl: `${PLUTO}/lti/jwks`,
  deepLinkingUrl: `${PLUTO}/lti/tool/deep-linking`,
};

type Body = Record<string, unknown> & { id: number; status: string; deploymentIds: string[] };

for (const engine of testEngines()) {
  describe(`LTI Advantage platforms API (${engine})`, () => {
    let t: TestApp;
    let admin: string;
    let teacher: string;
    let n = 0;
    /** A body with an issuer and client id no other test uses. */
    const fresh = (over: Record<string, unknown> = {}) => {
      n++;
      return { ...COMPLETE, issuer: `https://lms${n}.district.example`, clientId: `client-${n}`, ...over };
    };
    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: PLUTO } });
      admin = await t.token((await t.admin()).id);
      const u = await t.user("teacher");
      await enrolAs(t, (await makeCourse(t)).id, u.id, "editingteacher");
      teacher = await t.token(u.id);
    });
    after(() => t.close());

    it("registers a complete platform: 201 with its fields, status active and the Tool details", async () => {
      const r = await api(t.app, admin, "POST", BASE, COMPLETE);
      assert.equal(r.status, 201, r.body);
      const b = r.json as Body;
      assert.equal(typeof b.id, "number");
      assert.equal(b.name, "District LMS");
      assert.equal(b.issuer, COMPLETE.issuer);
      assert.equal(b.clientId, COMPLETE.clientId);
      assert.equal(b.authenticationRequestUrl, COMPLETE.authenticationRequestUrl);
      assert.equal(b.accessTokenUrl, COMPLETE.accessTokenUrl);
      assert.equal(b.publicKeysetUrl, COMPLETE.publicKeysetUrl);
      assert.equal(b.authorizationServer, null);
      assert.deepEqual(b.deploymentIds, ["1", "deployment-2"]);
      assert.equal(b.status, "active");
      assert.deepEqual(b.missing, []);
      assert.deepEqual(b.tool, TOOL);
      const got = await api(t.app, admin, "GET", `${BASE}/${b.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, b);
      const list = (await api(t.app, admin, "GET", BASE)).json as Body[];
      assert.ok(list.some((p) => p.id === b.id));
    });

    it("keeps the deployments as lti_deployments rows of the platform's provider-side registration", async () => {
      const b = (await api(t.app, admin, "POST", BASE, fresh({ deploymentIds: ["a", "b"] }))).json as Body;
      const reg = await sql<{
        side: string;
        issuer: string;
        client_id: string;
        publication_id: number | null;
      }>`
        select side, issuer, client_id, publication_id from lti_registrations where id = ${b.id}`.execute(
        t.ctx.db,
      );
      assert.deepEqual(reg.rows, [
        { side: "provider", issuer: b.issuer, client_id: b.clientId, publication_id: null },
      ]);
      const deps = await sql<{ side: string; deployment_id: string; consumer_key: string | null }>`
        select side, deployment_id, consumer_key from lti_deployments where registration_id = ${b.id}
        order by id`.execute(t.ctx.db);
      assert.deepEqual(deps.rows, [
        { side: "provider", deployment_id: "a", consumer_key: null },
        { side: "provider", deployment_id: "b", consumer_key: null },
      ]);
    });

    it("is Pending until issuer, client id, authentication URL, keyset URL and a deployment are set, then Active", async () => {
      const created = await api(t.app, admin, "POST", BASE, { name: "Half known" });
      assert.equal(created.status, 201, created.body);
      const b = created.json as Body;
      assert.equal(b.status, "pending");
      assert.deepEqual(b.missing, [
        "issuer",
        "clientId",
        "authenticationRequestUrl",
        "publicKeysetUrl",
        "deploymentIds",
      ]);
      n++;
      const steps: Array<[Record<string, unknown>, string]> = [
        [{ issuer: `https://half${n}.example` }, "pending"],
        [{ clientId: "half" }, "pending"],
        [
          {
            authenticationRequestUrl: "https://half.example/auth",
            publicKeysetUrl: "https://half.example/jwks",
          },
          "pending",
        ],
        [{ deploymentIds: ["only"] }, "active"],
        [{ deploymentIds: [] }, "pending"],
      ];
      for (const [patch, status] of steps) {
        const r = await api(t.app, admin, "PATCH", `${BASE}/${b.id}`, patch);
        assert.equal(r.status, 200, r.body);
        assert.equal((r.json as Body).status, status, JSON.stringify(patch));
      }
      const reg = await sql<{
        status: string;
      }>`select status from lti_registrations where id = ${b.id}`.execute(t.ctx.db);
      assert.equal(reg.rows[0]?.status, "pending", "the registration's status follows the platform's");
    });

    it("answers a bad field with a 400 naming it, and stores nothing", async () => {
      const before = ((await api(t.app, admin, "GET", BASE)).json as Body[]).length;
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...fresh(), name: "" }, "name"],
        [{ ...fresh(), name: "x".repeat(256) }, "name"],
        [{ ...fresh(), issuer: "not a url" }, "issuer"],
        [{ ...fresh(), issuer: "http://lms.district.example" }, "issuer"],
        [{ ...fresh(), issuer: "https://lms.district.example/?tenant=1" }, "issuer"],
        [{ ...fresh(), clientId: "c".repeat(256) }, "clientId"],
        [{ ...fresh(), clientId: 42 }, "clientId"],
        [{ ...fresh(), authenticationRequestUrl: "ftp://x.example/auth" }, "authenticationRequestUrl"],
        [{ ...fresh(), accessTokenUrl: "http://x.example/token" }, "accessTokenUrl"],
        [{ ...fresh(), publicKeysetUrl: "javascript:alert(1)" }, "publicKeysetUrl"],
        [{ ...fresh(), authorizationServer: "nope" }, "authorizationServer"],
        [{ ...fresh(), deploymentIds: [""] }, "deploymentIds"],
        [{ ...fresh(), deploymentIds: ["d".repeat(256)] }, "deploymentIds"],
        [{ ...fresh(), deploymentIds: [7] }, "deploymentIds"],
        [{ ...fresh(), deploymentIds: ["1", "1"] }, "deploymentIds"],
        [{ ...fresh(), deploymentIds: "1" }, "deploymentIds"],
      ];
      for (const [body, field] of cases) {
        const r = await api(t.app, admin, "POST", BASE, body);
        assert.equal(r.status, 400, `${field}: ${r.body}`);
        assert.equal(errorCodeOf(r), "validation");
        const fields = ((r.json as { error: { fields?: Array<{ field: string }> } }).error.fields ?? []).map(
          (f) => f.field.split(".")[0],
        );
        assert.ok(fields.includes(field), `${field} named in ${r.body}`);
      }
      for (const bad of [[], "text", { ...fresh(), clientID: "typo" }]) {
        const r = await api(t.app, admin, "POST", BASE, bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
      }
      assert.equal(((await api(t.app, admin, "GET", BASE)).json as Body[]).length, before);
    });

    it("refuses a second platform with the same issuer and client id (409), on create and on change", async () => {
      const body = fresh();
      assert.equal((await api(t.app, admin, "POST", BASE, body)).status, 201);
      const again = await api(t.app, admin, "POST", BASE, { ...body, name: "Copy" });
      assert.equal(again.status, 409, again.body);
      assert.equal(errorCodeOf(again), "conflict");
      assert.match(again.body, /Platform ID/);
      const other = (await api(t.app, admin, "POST", BASE, { ...body, clientId: "other-client" }))
        .json as Body;
      assert.equal(other.status, "active", "the same issuer with another client id is another registration");
      const clash = await api(t.app, admin, "PATCH", `${BASE}/${other.id}`, { clientId: body.clientId });
      assert.equal(clash.status, 409, clash.body);
    });

    it("refuses a teacher and an anonymous caller every operation", async () => {
      const p = (await api(t.app, admin, "POST", BASE, fresh())).json as Body;
      for (const [method, url, body] of [
        ["GET", BASE, undefined],
        ["POST", BASE, fresh()],
        ["GET", `${BASE}/${p.id}`, undefined],
        ["PATCH", `${BASE}/${p.id}`, { name: "Mine" }],
        ["DELETE", `${BASE}/${p.id}`, undefined],
      ] as const) {
        const r = await api(t.app, teacher, method, url, body);
        assert.equal(r.status, 403, `${method} ${url}`);
        assert.equal(errorCodeOf(r), "forbidden");
        assert.equal(
          (await api(t.app, undefined, method, url, body)).status,
          401,
          `${method} ${url} anonymous`,
        );
      }
      assert.equal(((await api(t.app, admin, "GET", `${BASE}/${p.id}`)).json as Body).name, COMPLETE.name);
    });

    it("deletes a platform that never launched, and keeps one whose deployment launched (409)", async () => {
      const unused = (await api(t.app, admin, "POST", BASE, fresh())).json as Body;
      assert.equal((await api(t.app, admin, "DELETE", `${BASE}/${unused.id}`)).status, 204);
      assert.equal((await api(t.app, admin, "GET", `${BASE}/${unused.id}`)).status, 404);
      const gone = await sql`select id from lti_deployments where registration_id = ${unused.id}`.execute(
        t.ctx.db,
      );
      assert.equal(gone.rows.length, 0);

      const used = (await api(t.app, admin, "POST", BASE, fresh({ deploymentIds: ["launched", "idle"] })))
        .json as Body;
      const row = await sql<{ id: number }>`select id from lti_deployments
        where registration_id = ${used.id} and deployment_id = 'launched'`.execute(t.ctx.db);
      const deploymentRow = row.rows[0]?.id ?? 0;
      await writeLaunchLog(t.ctx.db, new Date(), {
        direction: "in",
        courseId: null,
        deploymentId: deploymentRow,
        consumerKey: "",
        remoteUserId: "u1",
        userId: null,
        result: "ok",
        reason: "",
        message: "",
      });
      const refused = await api(t.app, admin, "DELETE", `${BASE}/${used.id}`);
      assert.equal(refused.status, 409, refused.body);
      assert.match(refused.body, /history/);
      const dropLaunched = await api(t.app, admin, "PATCH", `${BASE}/${used.id}`, {
        deploymentIds: ["idle"],
      });
      assert.equal(dropLaunched.status, 400, dropLaunched.body);
      assert.match(dropLaunched.body, /launched/);
      const dropIdle = await api(t.app, admin, "PATCH", `${BASE}/${used.id}`, {
        deploymentIds: ["launched"],
      });
      assert.equal(dropIdle.status, 200, dropIdle.body);
      const b = dropIdle.json as Body & { deployments: Array<{ deploymentId: string; inUse: boolean }> };
      assert.deepEqual(
        b.deployments.map((d) => [d.deploymentId, d.inUse]),
        [["launched", true]],
      );
      const log = await sql`select id from lti_launch_log where deployment_id = ${deploymentRow}`.execute(
        t.ctx.db,
      );
      assert.equal(log.rows.length, 1, "the launch log keeps its deployment");
    });

    it("keeps a deployment through which a remote user's account was linked", async () => {
      const p = (await api(t.app, admin, "POST", BASE, fresh({ deploymentIds: ["linked"] }))).json as Body;
      const row = await sql<{ id: number }>`select id from lti_deployments
        where registration_id = ${p.id}`.execute(t.ctx.db);
      const user = await t.user(`remote${p.id}`);
      await insertUserLink(t.ctx.db, {
        deploymentId: row.rows[0]?.id ?? 0,
        remoteUserId: "sub-1",
        userId: user.id,
        now: new Date().toISOString(),
      });
      assert.equal((await api(t.app, admin, "DELETE", `${BASE}/${p.id}`)).status, 409);
      assert.equal((await api(t.app, admin, "PATCH", `${BASE}/${p.id}`, { deploymentIds: [] })).status, 400);
      const links = await sql`select id from lti_user_links where user_id = ${user.id}`.execute(t.ctx.db);
      assert.equal(links.rows.length, 1, "the account's link is still there");
    });

    it("names the operations in the OpenAPI document", async () => {
      const doc = (await api(t.app, admin, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      };
      const paths = doc.paths;
      assert.deepEqual(Object.keys(paths["/lti/platforms"] ?? {}).sort(), ["get", "post"]);
      assert.deepEqual(Object.keys(paths["/lti/platforms/{id}"] ?? {}).sort(), ["delete", "get", "patch"]);
      assert.match(JSON.stringify(paths["/lti/platforms"]?.post?.requestBody), /deploymentIds/);
    });
  });
}
