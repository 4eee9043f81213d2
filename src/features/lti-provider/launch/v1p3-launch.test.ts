// LTI 1.3 launches into a published course, from a scratch platform written here with jose (not Pluto's
// platform code): registered through the platforms API, it starts the login initiation, follows Pluto's
// redirect to its authentication endpoint, signs the id_token (RS256, its JWKS served over http on
// loopback) and posts it with the state. Accepted launches provision, enrol and go on into the course;
// every refusal is a 4xx page with its reason in the launch log and writes no user or enrolment.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { sql } from "kysely";
import { api, continueLaunch, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { makeCourse } from "../../../../test/support/factories.js";
import { registerPlatform } from "../../../../test/support/lti13-scratch-platform.js";

const LTI = "https://purl.imsglobal.org/spec/lti/claim/";
const INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";
const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
const CLIENT_ID = "pluto-at-district";
const DEPLOYMENT = "dep-1";

interface Scratch {
  url: string;
  sign(claims: Record<string, unknown>, opts?: { kid?: string; other?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** The scratch platform: an RS256 key pair, its JWKS at /jwks, and a signer. */
async function startScratch(): Promise<Scratch> {
  const key = await generateKeyPair("RS256");
  const stranger = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid: "scratch-1", alg: "RS256", use: "sig" };
  const server: Server = createServer((req, res) => {
    if (req.url === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: opts.kid ?? "scratch-1", typ: "JWT" })
        .sign(opts.other ? stranger.privateKey : key.privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

for (const engine of testEngines()) {
  describe(`LTI 1.3 launches into a published course (${engine})`, () => {
    let t: TestApp;
    let lms: Scratch;
    let token: string;
    let courseId: number;
    let uuid: string;
    let legacyUuid: string;
    let launchUrl: string;

    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      lms = await startScratch();
      token = await t.token((await t.admin()).id);
      await registerPlatform(t, token, { origin: lms.url, clientId: CLIENT_ID, deploymentId: DEPLOYMENT });
      courseId = (await makeCourse(t)).id;
      const pub = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.3",
        name: "District",
      });
      assert.equal(pub.status, 201, pub.body);
      const p = pub.json as { customParameters: { id: string }; launchUrl: string };
      uuid = p.customParameters.id;
      launchUrl = p.launchUrl;
      const legacy = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Old consumer",
      });
      assert.equal(legacy.status, 201, legacy.body);
      legacyUuid = new URL((legacy.json as { launchUrl: string }).launchUrl).pathname.split("/").pop()!;
    });
    after(async () => {
      await lms.close();
      await t.close();
    });

    /** The login initiation; returns Pluto's auth request and its state cookie. */
    async function login(over: Record<string, string> = {}) {
      const q = new URLSearchParams({
        iss: lms.url,
        login_hint: "hint-1",
        target_link_uri: launchUrl,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
        ...over,
      });
      const res = await t.app.inject({ method: "GET", url: `/lti/tool/login?${q}` });
      return res;
    }

    async function redirectLogin(over: Record<string, string> = {}) {
      const res = await login(over);
      assert.equal(res.statusCode, 302, res.body);
      const auth = new URL(String(res.headers.location));
      assert.equal(`${auth.origin}${auth.pathname}`, `${lms.url}/auth`);
      const cookie = res.cookies.find((c) => c.name.startsWith("lti1p3_state_"));
      assert.ok(cookie, "the state cookie is set");
      return {
        state: auth.searchParams.get("state")!,
        nonce: auth.searchParams.get("nonce")!,
        redirectUri: auth.searchParams.get("redirect_uri")!,
        cookie,
        auth,
      };
    }

    function claims(nonce: string, over: Record<string, unknown> = {}, sub = "sub-student-1") {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      return {
        iss: lms.url,
        aud: CLIENT_ID,
        sub,
        iat: now,
        exp: now + 300,
        nonce,
        name: "Ana Lima",
        given_name: "Ana",
        family_name: "Lima",
        email: "ana.lima@district.example",
        [`${LTI}message_type`]: "LtiResourceLinkRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: launchUrl,
        [`${LTI}resource_link`]: { id: "rl-1", title: "Biology" },
        [`${LTI}roles`]: [LEARNER],
        [`${LTI}context`]: { id: "ctx-1", title: "Biology 101" },
        [`${LTI}custom`]: { id: uuid },
        [`${LTI}launch_presentation`]: { document_target: "iframe" },
        ...over,
      };
    }

    async function post(fields: Record<string, string>, cookie?: { name: string; value: string }) {
      return t.app.inject({
        method: "POST",
        url: "/lti/tool/launch",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        ...(cookie ? { cookies: { [cookie.name]: cookie.value } } : {}),
        payload: form(fields),
      });
    }

    const counts = async () => {
      const { rows } = await sql<{ users: number; enrolments: number }>`select
        (select count(*) from users) as users, (select count(*) from enrolments) as enrolments`.execute(
        t.ctx.db,
      );
      return { users: Number(rows[0]!.users), enrolments: Number(rows[0]!.enrolments) };
    };
    const lastLog = async () =>
      (
        await sql<{ result: string; reason: string }>`select result, reason from lti_launch_log
          order by id desc limit 1`.execute(t.ctx.db)
      ).rows[0];

    async function accepted(sub: string, roles: string[]) {
      const l = await redirectLogin();
      assert.equal(l.redirectUri, launchUrl, "the redirect URI is Pluto's launch URL");
      assert.ok(Buffer.from(l.state, "base64url").length >= 16, "the state carries 128+ bits");
      const idToken = await lms.sign(claims(l.nonce, { [`${LTI}roles`]: roles }, sub));
      const res = await post({ id_token: idToken, state: l.state }, l.cookie);
      assert.equal(res.statusCode, 303, res.body);
      const { session, cont } = await continueLaunch(t.app, res);
      assert.equal(cont.headers.location, `/course/${courseId}`, "into the published course");
      return { l, idToken, session };
    }

    const userOf = (sub: string) =>
      t.ctx.db
        .selectFrom("lti_user_links as l")
        .innerJoin("users as u", "u.id", "l.user_id")
        .select(["u.id", "u.firstname", "u.lastname", "u.email"])
        .where("l.remote_user_id", "=", sub)
        .execute();
    const rolesOf = async (userId: number) =>
      (
        await t.ctx.db
          .selectFrom("role_assignments")
          .select("role")
          .where("user_id", "=", userId)
          .where("course_id", "=", courseId)
          .execute()
      ).map((r) => r.role);

    it("provisions the user as sent, enrols them with the mapped role and goes on into the course; a second launch finds the same account", async () => {
      const before = await counts();
      await accepted("sub-student-1", [LEARNER]);
      const users = await userOf("sub-student-1");
      assert.equal(users.length, 1);
      const u = users[0]!;
      assert.deepEqual([u.firstname, u.lastname, u.email], ["Ana", "Lima", "ana.lima@district.example"]);
      assert.deepEqual(await rolesOf(u.id), ["student"]);
      assert.deepEqual(await lastLog(), { result: "ok", reason: "" });
      await accepted("sub-student-1", [LEARNER]);
      assert.deepEqual(
        (await userOf("sub-student-1")).map((x) => x.id),
        [u.id],
        "the same account",
      );
      const after = await counts();
      assert.deepEqual(after, { users: before.users + 1, enrolments: before.enrolments + 1 });
    });

    it("maps an instructor (and a content developer) to the publication's instructor role", async () => {
      await accepted("sub-teacher-1", [INSTRUCTOR]);
      const [u] = await userOf("sub-teacher-1");
      assert.deepEqual(await rolesOf(u!.id), ["editingteacher"]);
      await accepted("sub-dev-1", ["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"]);
      const [d] = await userOf("sub-dev-1");
      assert.deepEqual(await rolesOf(d!.id), ["editingteacher"]);
    });

    /** A refusal: a 4xx page, its reason last in the launch log, no user or enrolment written. */
    async function refused(reason: string, send: () => Promise<{ statusCode: number; body: string }>) {
      const before = await counts();
      const res = await send();
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${reason}: ${res.statusCode} ${res.body}`);
      assert.match(res.body, /<h1/);
      assert.deepEqual(await lastLog(), { result: "rejected", reason });
      assert.deepEqual(await counts(), before, `${reason} writes nothing`);
    }

    it("refuses a bad signature, an unknown kid, a wrong audience and a future iat", async () => {
      for (const [reason, make] of [
        ["jwt_invalid_signature", (n: string) => lms.sign(claims(n, {}, "sub-x"), { other: true })],
        ["jwt_unknown_kid", (n: string) => lms.sign(claims(n, {}, "sub-x"), { kid: "gone" })],
        ["jwt_wrong_audience", (n: string) => lms.sign(claims(n, { aud: "someone-else" }, "sub-x"))],
        [
          "jwt_issued_in_future",
          (n: string) =>
            lms.sign(claims(n, { iat: Math.floor(t.clock.now().getTime() / 1000) + 3600 }, "sub-x")),
        ],
      ] as const) {
        const l = await redirectLogin();
        const idToken = await make(l.nonce);
        await refused(reason, () => post({ id_token: idToken, state: l.state }, l.cookie));
      }
    });

    it("refuses a nonce that is not the login's, and a replayed launch", async () => {
      const l = await redirectLogin();
      const wrong = await lms.sign(claims("another-nonce", {}, "sub-x"));
      await refused("nonce_mismatch", () => post({ id_token: wrong, state: l.state }, l.cookie));

      const ok = await accepted("sub-replay", [LEARNER]);
      await refused("state_unknown", () => post({ id_token: ok.idToken, state: ok.l.state }, ok.l.cookie));
      // The same id_token with a fresh login: its nonce is not the new login's.
      const again = await redirectLogin();
      await refused("nonce_mismatch", () => post({ id_token: ok.idToken, state: again.state }, again.cookie));
    });

    it("refuses an unknown deployment, an unknown publication id and an LTI 1.1 publication", async () => {
      const l1 = await redirectLogin({ lti_deployment_id: "" });
      const t1 = await lms.sign(claims(l1.nonce, { [`${LTI}deployment_id`]: "dep-unknown" }, "sub-x"));
      await refused("deployment_unknown", () => post({ id_token: t1, state: l1.state }, l1.cookie));

      const l2 = await redirectLogin();
      const t2 = await lms.sign(claims(l2.nonce, { [`${LTI}custom`]: { id: randomUUID() } }, "sub-x"));
      await refused("unknown_tool", () => post({ id_token: t2, state: l2.state }, l2.cookie));

      const l3 = await redirectLogin();
      const t3 = await lms.sign(claims(l3.nonce, { [`${LTI}custom`]: { id: legacyUuid } }, "sub-x"));
      await refused("lti_version_mismatch", () => post({ id_token: t3, state: l3.state }, l3.cookie));
    });

    it("refuses a login from an unknown issuer, and a launch without the browser's state", async () => {
      await refused("platform_unknown", () => login({ iss: "https://elsewhere.example" }));
      const l = await redirectLogin();
      const idToken = await lms.sign(claims(l.nonce, {}, "sub-x"));
      await refused("state_mismatch", () => post({ id_token: idToken, state: l.state }));
    });

    it("answers a launch post that is not one with a 4xx page: no id_token, not a JWT, the platform's error", async () => {
      await refused("missing_parameter", () => post({}));
      await refused("jwt_malformed", () => post({ id_token: "not.a.jwt", state: "x".repeat(43) }));
      await refused("launch_platform_error", () =>
        post({ error: "login_required", error_description: "No session", state: "x".repeat(43) }),
      );
      await refused("missing_parameter", () =>
        t.app.inject({
          method: "POST",
          url: "/lti/tool/login",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: form({ iss: lms.url }),
        }),
      );
    });

    it("refuses a launch whose platform's key set cannot be read (jwt_keyset_unavailable), not a 500", async () => {
      const reg = await api(t.app, token, "POST", "/api/v1/lti/platforms", {
        name: "Broken keys",
        issuer: `${lms.url}/broken`,
        clientId: CLIENT_ID,
        authenticationRequestUrl: `${lms.url}/auth`,
        publicKeysetUrl: `${lms.url}/no-such-jwks`,
        deploymentIds: [DEPLOYMENT],
      });
      assert.equal(reg.status, 201, reg.body);
      const l = await redirectLogin({ iss: `${lms.url}/broken` });
      const idToken = await lms.sign(claims(l.nonce, { iss: `${lms.url}/broken` }, "sub-x"));
      await refused("jwt_keyset_unavailable", () => post({ id_token: idToken, state: l.state }, l.cookie));
    });

    it("holds the publication's max users under simultaneous first launches", async () => {
      const course = (await makeCourse(t)).id;
      const created = await api(t.app, token, "POST", `/api/v1/courses/${course}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.3",
        name: "Small group",
        maxEnrolled: 2,
      });
      assert.equal(created.status, 201, created.body);
      const small = (created.json as { customParameters: { id: string } }).customParameters.id;
      const posts = [];
      for (let i = 0; i < 5; i++) {
        const l = await redirectLogin();
        const idToken = await lms.sign(
          claims(l.nonce, { [`${LTI}custom`]: { id: small } }, `sub-crowd-${i}`),
        );
        posts.push(() => post({ id_token: idToken, state: l.state }, l.cookie));
      }
      const statuses = (await Promise.all(posts.map((p) => p()))).map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [303, 303, 409, 409, 409]);
      const { rows } = await sql<{ n: number }>`select count(*) as n from enrolments e
        join enrol_instances i on i.id = e.instance_id where i.course_id = ${course}`.execute(t.ctx.db);
      assert.equal(Number(rows[0]!.n), 2);
    });

    it("finds a copied link's publication by its resource link or context id history", async () => {
      await accepted("sub-original", [LEARNER]);
      const copied = async (custom: Record<string, string>, link: string) => {
        const l = await redirectLogin();
        const idToken = await lms.sign(
          claims(
            l.nonce,
            {
              [`${LTI}custom`]: custom,
              [`${LTI}resource_link`]: { id: link },
              [`${LTI}context`]: { id: "ctx-copy" },
            },
            "sub-copied",
          ),
        );
        return post({ id_token: idToken, state: l.state }, l.cookie);
      };
      const byLink = await copied({ resource_link_id_history: "rl-gone,rl-1" }, "rl-copy-1");
      assert.equal(byLink.statusCode, 303, byLink.body);
      const byContext = await copied({ context_id_history: "ctx-1" }, "rl-copy-2");
      assert.equal(byContext.statusCode, 303, byContext.body);
      const [u] = await userOf("sub-copied");
      assert.deepEqual(await rolesOf(u!.id), ["student"], "enrolled in the original's course");
      await refused("unknown_tool", () =>
        copied(
          { resource_link_id_history: "$ResourceLink.id.history", context_id_history: "ctx-other" },
          "rl-3",
        ),
      );
    });

    it("binds the state by Platform Storage when offered: no cookie is needed for the launch", async () => {
      const res = await login({ lti_storage_target: "_parent" });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(
        res.cookies.some((c) => c.name.startsWith("lti1p3_state_")),
        "the cookie is set too",
      );
      const link =
        /<a id="lti-tool-continue" href="([^"]+)"[^>]*data-target="_parent" data-origin="([^"]+)"/.exec(
          res.body,
        );
      assert.ok(link, res.body);
      assert.equal(link[2], lms.url, "put_data goes to the platform's origin");
      assert.match(res.body, /src="\/static\/lti-tool-storage\.js"/);
      const auth = new URL(link[1]!.replaceAll("&amp;", "&"));
      const state = auth.searchParams.get("state")!;
      const nonce = auth.searchParams.get("nonce")!;
      const items = /data-items="([^"]+)"/.exec(res.body)![1]!.replaceAll("&quot;", '"');
      assert.deepEqual(JSON.parse(items), [
        { key: `lti_state_${state}`, value: state },
        { key: `lti_nonce_${state}`, value: nonce },
      ]);

      const idToken = await lms.sign(claims(nonce, {}, "sub-storage"));
      // Without the cookie the launch page reads the storage and posts again.
      const page = await post({ id_token: idToken, state });
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, /data-lti-tool-storage="get"/);
      assert.match(page.body, new RegExp(`data-state-key="lti_state_${state}"`));
      // Storage values that are not the login's are refused; the login's are accepted.
      await refused("state_mismatch", () =>
        post({
          id_token: idToken,
          state,
          lti_storage_read: "1",
          lti_storage_state: state,
          lti_storage_nonce: "not-it",
        }),
      );
      const ok = await post({
        id_token: idToken,
        state,
        lti_storage_read: "1",
        lti_storage_state: state,
        lti_storage_nonce: nonce,
      });
      assert.equal(ok.statusCode, 303, ok.body);
      assert.equal((await userOf("sub-storage")).length, 1);
    });
  });
}
