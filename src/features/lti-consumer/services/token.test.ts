// The service token endpoint, POST /lti/token, with tools signing their client assertions with jose: a
// token for a correct assertion (kept as a hash only), the granted scopes = requested ∩ what the tool may
// have, each refusal with its RFC 6749 error and its log reason, and the token honoured by a second node
// on the same database until it expires.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { type Lti13TestTool, startLti13Tool } from "../../../../test/support/lti13-tool.js";
import type { AppContext } from "../../../app/context.js";
import { buildApp } from "../../../http/app.js";
import { BearerTokenError } from "../../../lti/errors.js";
import { AGS_SCOPE, NRPS_SCOPE_MEMBERSHIP_READONLY as NRPS } from "../../../lti/vocab/claims.js";
import { sha256Hex } from "../../../shared/secrets.js";
import { ACCESS_TOKEN_CLEANUP_TASK, ltiConsumerTasks } from "../lti-consumer.tasks.js";
import type { ToolRegistration } from "../tools/tool-registrations.service.js";
import { allowedScopes, verifyAccessToken } from "./token.service.js";

const PLUTO = "http://pluto.test";
const TOKEN_URL = `${PLUTO}/lti/token`;
const FORM = "application/x-www-form-urlencoded";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

for (const engine of testEngines()) {
  describe(`LTI 1.3 token endpoint (${engine})`, () => {
    let dir: string;
    let t: TestApp;
    let node2: { ctx: AppContext; close(): Promise<void> };
    let jwksTool: Lti13TestTool;
    const logs: Array<Record<string, unknown>> = [];
    let gradedKey: KeyPair;
    let plainKey: KeyPair;
    let graded: { id: number; clientId: string };
    let plain: { id: number; clientId: string };
    let pending: { id: number; clientId: string };
    let jti = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "pluto-token-"));
      gradedKey = await generateKeyPair("RS256", { extractable: true });
      plainKey = await generateKeyPair("RS256", { extractable: true });
      jwksTool = await startLti13Tool({
        jwks: [{ ...(await exportJWK(gradedKey.publicKey)), kid: "graded-1", alg: "RS256", use: "sig" }],
      });
      t = await startTestApp(engine, {
        config: { publicUrl: PLUTO, outboundAllow: ["127.0.0.1"] },
        sqliteFile: join(dir, "pluto.db"),
        logLines: logs,
      });
      node2 = await t.anotherNode();
      const adminToken = await t.token((await t.admin()).id);
      const register = async (name: string, fields: Record<string, unknown>) => {
        const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
          ltiVersion: "1.3",
          name,
          toolUrl: `${jwksTool.origin}/launch`,
          initiateLoginUrl: `${jwksTool.origin}/login`,
          redirectUris: [`${jwksTool.origin}/launch`],
          ...fields,
        });
        assert.equal(res.status, 201, res.body);
        return res.json as { id: number; clientId: string };
      };
      // A tool that may send grades, by its keyset URL; one that may not, by a pasted PEM; a pending one.
      graded = await register("Graded", { publicKeysetUrl: `${jwksTool.origin}/jwks` });
      plain = await register("Plain", {
        publicKey: await exportSPKI(plainKey.publicKey),
        acceptGrades: false,
      });
      pending = await register("Waiting", { publicKeysetUrl: `${jwksTool.origin}/jwks`, status: "pending" });
    });
    after(async () => {
      await node2.close();
      await t.close();
      await jwksTool.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function assertion(
      clientId: string,
      claims: JWTPayload = {},
      opts: { key?: KeyPair; kid?: string | null } = {},
    ): Promise<string> {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const kid = opts.kid === undefined ? "graded-1" : opts.kid;
      return new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: TOKEN_URL,
        iat: now,
        exp: now + 60,
        jti: `jti-${++jti}-${engine}`,
        ...claims,
      })
        .setProtectedHeader(kid === null ? { alg: "RS256" } : { alg: "RS256", kid })
        .sign((opts.key ?? gradedKey).privateKey);
    }

    async function requestToken(
      fields: Record<string, string>,
      contentType = FORM,
    ): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
      const form = { grant_type: "client_credentials", client_assertion_type: ASSERTION_TYPE, ...fields };
      const res = await t.app.inject({
        method: "POST",
        url: "/lti/token",
        headers: { "content-type": contentType },
        payload: contentType === FORM ? new URLSearchParams(form).toString() : JSON.stringify(form),
      });
      return { status: res.statusCode, json: res.json(), headers: res.headers };
    }

    const lastRefusal = () =>
      logs.filter((l) => l.event === "lti_access_token_refused").at(-1) as {
        reason?: string;
        error?: string;
        clientId?: string;
      };

    it("issues a Bearer token for a correctly signed assertion; only its hash is stored", async () => {
      const signed = await assertion(graded.clientId);
      const res = await requestToken({
        client_assertion: signed,
        scope: `${AGS_SCOPE.score} ${AGS_SCOPE.lineItem}`,
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.headers["cache-control"], "no-store");
      assert.equal(res.json.token_type, "Bearer");
      assert.equal(res.json.expires_in, 3600);
      assert.equal(res.json.scope, `${AGS_SCOPE.score} ${AGS_SCOPE.lineItem}`);
      const token = String(res.json.access_token);
      assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
      const rows = await t.ctx.db.selectFrom("lti_access_tokens").selectAll().execute();
      const row = rows.find((r) => r.token_hash === sha256Hex(token));
      assert.ok(row, "the token's hash is stored");
      assert.equal(row.tool_type_id, graded.id);
      assert.equal(row.client_id, graded.clientId);
      assert.ok(!JSON.stringify(rows).includes(token), "the token itself is not stored");
      // The log names the tool and scopes, never the token or the assertion.
      const issued = logs.find(
        (l) => l.event === "lti_access_token_issued" && l.clientId === graded.clientId,
      );
      assert.ok(issued);
      const all = JSON.stringify(logs);
      assert.ok(!all.includes(token) && !all.includes(signed), "no token or assertion in the log");
    });

    it("is honoured by another node on the same database, per scope, and refused once expired", async () => {
      const res = await requestToken({
        client_assertion: await assertion(graded.clientId),
        scope: AGS_SCOPE.score,
      });
      assert.equal(res.status, 200);
      const bearer = `Bearer ${String(res.json.access_token)}`;
      const v = await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score);
      assert.equal(v.tool.id, graded.id);
      assert.equal(v.registration.clientId, graded.clientId);
      assert.deepEqual(v.scopes, [AGS_SCOPE.score]);
      // Single-scope tokens: a score token does not read results or members.
      const narrow = await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.resultReadOnly).catch(
        (e: unknown) => e,
      );
      assert.ok(narrow instanceof BearerTokenError);
      assert.equal(narrow.code, "bearer_insufficient_scope");
      assert.match(narrow.challenge, /^Bearer error="insufficient_scope"/);
      // Any one of several scopes will do (a line item read takes lineitem or lineitem.readonly).
      await verifyAccessToken(t.ctx, bearer, [AGS_SCOPE.lineItemReadOnly, AGS_SCOPE.score]);
      for (const [header, reason] of [
        [undefined, "missing_token"],
        ["Basic abc", "malformed_token"],
        ["Bearer not-issued", "unknown_token"],
      ] as const) {
        const e = await verifyAccessToken(node2.ctx, header, AGS_SCOPE.score).catch((x: unknown) => x);
        assert.ok(e instanceof BearerTokenError);
        assert.equal(e.code, "bearer_invalid_token");
        assert.equal(e.reason, reason);
      }
      t.clock.advance(3601);
      try {
        const e = await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score).catch((x: unknown) => x);
        assert.ok(e instanceof BearerTokenError);
        assert.equal(e.reason, "expired_token");
        assert.match(e.challenge, /^Bearer error="invalid_token"/);
        // The cleanup task deletes it.
        const task = ltiConsumerTasks.find((x) => x.name === ACCESS_TOKEN_CLEANUP_TASK);
        assert.ok(task);
        await task.handler(t.ctx, {}, { signal: new AbortController().signal } as never);
        const left = await t.ctx.db
          .selectFrom("lti_access_tokens")
          .select("token_hash")
          .where("token_hash", "=", sha256Hex(String(res.json.access_token)))
          .execute();
        assert.equal(left.length, 0);
      } finally {
        t.clock.advance(-3601);
      }
    });

    it("takes a pasted PEM key, whatever kid the tool gives it", async () => {
      const res = await requestToken({
        client_assertion: await assertion(plain.clientId, {}, { key: plainKey, kid: "any-kid" }),
        scope: NRPS,
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const v = await verifyAccessToken(node2.ctx, `Bearer ${String(res.json.access_token)}`, NRPS);
      assert.equal(v.tool.id, plain.id);
    });

    it("stops honouring a token's grade scopes once the admin turns grades off", async () => {
      const adminToken = await t.token((await t.admin()).id);
      const res = await requestToken({
        client_assertion: await assertion(graded.clientId),
        scope: AGS_SCOPE.score,
      });
      const bearer = `Bearer ${String(res.json.access_token)}`;
      await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score);
      const off = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${graded.id}`, {
        acceptGrades: false,
      });
      assert.equal(off.status, 200, off.body);
      try {
        const e = await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score).catch((x: unknown) => x);
        assert.ok(e instanceof BearerTokenError);
        assert.equal(e.code, "bearer_insufficient_scope");
      } finally {
        await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${graded.id}`, { acceptGrades: true });
      }
      await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score);
    });

    it("grants what the service switches allow, at once for tokens already issued", async () => {
      const adminToken = await t.token((await t.admin()).id);
      const patch = (services: Record<string, boolean>) =>
        api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${graded.id}`, { services });
      const res = await requestToken({
        client_assertion: await assertion(graded.clientId),
        scope: `${AGS_SCOPE.score} ${NRPS}`,
      });
      assert.equal(res.json.scope, `${AGS_SCOPE.score} ${NRPS}`);
      const bearer = `Bearer ${String(res.json.access_token)}`;
      try {
        const off = await patch({ nrps: false });
        assert.equal(off.status, 200, off.body);
        // The other switch keeps its value.
        assert.deepEqual((off.json as { services: unknown }).services, { ags: true, nrps: false });
        const e = await verifyAccessToken(node2.ctx, bearer, NRPS).catch((x: unknown) => x);
        assert.ok(e instanceof BearerTokenError);
        assert.equal(e.code, "bearer_insufficient_scope");
        await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score);
        const again = await requestToken({
          client_assertion: await assertion(graded.clientId),
          scope: `${AGS_SCOPE.score} ${NRPS}`,
        });
        assert.equal(again.json.scope, AGS_SCOPE.score);
        await patch({ ags: false, nrps: true });
        const membersOnly = await requestToken({
          client_assertion: await assertion(graded.clientId),
          scope: `${AGS_SCOPE.score} ${NRPS}`,
        });
        assert.equal(membersOnly.json.scope, NRPS);
        const grades = await verifyAccessToken(node2.ctx, bearer, AGS_SCOPE.score).catch((x: unknown) => x);
        assert.ok(grades instanceof BearerTokenError);
        const bad = await patch({ ags: "yes" } as unknown as Record<string, boolean>);
        assert.equal(bad.status, 400, bad.body);
      } finally {
        await patch({ ags: true, nrps: true });
      }
      await verifyAccessToken(node2.ctx, bearer, NRPS);
    });

    it("grants requested ∩ allowed: a tool that may not send grades gets only the members scope", async () => {
      const both = await requestToken({
        client_assertion: await assertion(plain.clientId, {}, { key: plainKey, kid: "p1" }),
        scope: `${AGS_SCOPE.score} ${NRPS}`,
      });
      assert.equal(both.status, 200, JSON.stringify(both.json));
      assert.equal(both.json.scope, NRPS);
      const scoreOnly = await requestToken({
        client_assertion: await assertion(plain.clientId, {}, { key: plainKey, kid: "p1" }),
        scope: AGS_SCOPE.score,
      });
      assert.equal(scoreOnly.status, 400);
      assert.equal(scoreOnly.json.error, "invalid_scope");
      assert.equal(lastRefusal().reason, "no_permitted_scope");
    });

    it("refuses a replayed assertion (its jti): invalid_client", async () => {
      const signed = await assertion(graded.clientId);
      assert.equal((await requestToken({ client_assertion: signed, scope: AGS_SCOPE.score })).status, 200);
      const again = await requestToken({ client_assertion: signed, scope: AGS_SCOPE.score });
      assert.equal(again.status, 400);
      assert.equal(again.json.error, "invalid_client");
      assert.equal(lastRefusal().reason, "jti_reused");
      assert.equal(lastRefusal().clientId, graded.clientId);
    });

    const refusals: Array<{
      why: string;
      fields: () => Promise<Record<string, string>>;
      contentType?: string;
      error: string;
      reason: string;
    }> = [
      {
        why: "aud another URL",
        fields: async () => ({
          client_assertion: await assertion(graded.clientId, { aud: `${PLUTO}/lti/auth` }),
          scope: AGS_SCOPE.score,
        }),
        error: "invalid_client",
        reason: "jwt_wrong_audience",
      },
      {
        why: "sub another client",
        fields: async () => ({
          client_assertion: await assertion(graded.clientId, { sub: plain.clientId }),
          scope: AGS_SCOPE.score,
        }),
        error: "invalid_client",
        reason: "jwt_wrong_subject",
      },
      {
        why: "expired",
        fields: async () => {
          const now = Math.floor(t.clock.now().getTime() / 1000);
          return {
            client_assertion: await assertion(graded.clientId, { iat: now - 400, exp: now - 120 }),
            scope: AGS_SCOPE.score,
          };
        },
        error: "invalid_client",
        reason: "jwt_expired",
      },
      {
        why: "no kid",
        fields: async () => ({
          client_assertion: await assertion(graded.clientId, {}, { kid: null }),
          scope: AGS_SCOPE.score,
        }),
        error: "invalid_client",
        reason: "jwt_missing_kid",
      },
      {
        why: "another key's signature",
        fields: async () => ({
          client_assertion: await assertion(graded.clientId, {}, { key: plainKey }),
          scope: AGS_SCOPE.score,
        }),
        error: "invalid_client",
        reason: "jwt_invalid_signature",
      },
      {
        why: "an unknown client",
        fields: async () => ({ client_assertion: await assertion("nobody"), scope: AGS_SCOPE.score }),
        error: "invalid_client",
        reason: "unknown_client",
      },
      {
        why: "a pending tool",
        fields: async () => ({ client_assertion: await assertion(pending.clientId), scope: AGS_SCOPE.score }),
        error: "invalid_client",
        reason: "client_not_active",
      },
      {
        why: "a JSON body",
        fields: async () => ({ client_assertion: await assertion(graded.clientId), scope: AGS_SCOPE.score }),
        contentType: "application/json",
        error: "invalid_request",
        reason: "content_type",
      },
      {
        why: "grant_type password",
        fields: async () => ({
          grant_type: "password",
          client_assertion: await assertion(graded.clientId),
          scope: AGS_SCOPE.score,
        }),
        error: "unsupported_grant_type",
        reason: "grant_type",
      },
      {
        why: "no assertion",
        fields: async () => ({ scope: AGS_SCOPE.score }),
        error: "invalid_request",
        reason: "missing_client_assertion",
      },
    ];
    for (const c of refusals) {
      it(`refuses ${c.why}: 400 ${c.error} (${c.reason}), nothing issued`, async () => {
        const before = (await t.ctx.db.selectFrom("lti_access_tokens").select("token_hash").execute()).length;
        const res = await requestToken(await c.fields(), c.contentType);
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.equal(res.json.error, c.error);
        assert.equal(typeof res.json.error_description, "string");
        assert.equal(res.headers["cache-control"], "no-store");
        assert.equal(lastRefusal().reason, c.reason);
        assert.equal(lastRefusal().error, c.error);
        const after = (await t.ctx.db.selectFrom("lti_access_tokens").select("token_hash").execute()).length;
        assert.equal(after, before);
      });
    }

    it("a service that lets verifyAccessToken's refusal through answers 401/403 with the Bearer challenge", async () => {
      // A stand-in service endpoint on another node, as AGS and NRPS will call it.
      const service = await buildApp(node2.ctx, [
        (app, ctx) => {
          app.get("/probe/score", async (request) => {
            const v = await verifyAccessToken(ctx, request.headers.authorization, AGS_SCOPE.score);
            return { tool: v.tool.id };
          });
        },
      ]);
      try {
        const res = await requestToken({
          client_assertion: await assertion(graded.clientId),
          scope: AGS_SCOPE.score,
        });
        const ok = await service.inject({
          url: "/probe/score",
          headers: { authorization: `Bearer ${String(res.json.access_token)}` },
        });
        assert.equal(ok.statusCode, 200, ok.body);
        assert.deepEqual(ok.json(), { tool: graded.id });
        const none = await service.inject({ url: "/probe/score" });
        assert.equal(none.statusCode, 401);
        assert.match(String(none.headers["www-authenticate"]), /^Bearer error="invalid_token"/);
        const members = await requestToken({
          client_assertion: await assertion(plain.clientId, {}, { key: plainKey, kid: "p1" }),
          scope: NRPS,
        });
        const narrow = await service.inject({
          url: "/probe/score",
          headers: { authorization: `Bearer ${String(members.json.access_token)}` },
        });
        assert.equal(narrow.statusCode, 403);
        assert.match(
          String(narrow.headers["www-authenticate"]),
          /error="insufficient_scope".*scope="[^"]+lti-ags\/scope\/score"/,
        );
      } finally {
        await service.close();
      }
    });

    it("answers an unreadable body with invalid_request, not a 500", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/lti/token",
        headers: { "content-type": FORM },
        payload: "x".repeat(200 * 1024),
      });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().error, "invalid_request");
    });

    it("shows the Access token URL and the OpenID configuration URL in the API's platform object", async () => {
      const adminToken = await t.token((await t.admin()).id);
      const got = await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${graded.id}`);
      const platform = (got.json as { platform: Record<string, string> }).platform;
      assert.equal(platform.accessTokenUrl, TOKEN_URL);
      assert.equal(platform.openidConfigurationUrl, `${PLUTO}/lti/openid-configuration`);
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<
          string,
          { post?: { servers?: Array<{ url: string }>; requestBody?: { content: object } } }
        >;
      };
      const op = doc.paths["/lti/token"]?.post;
      assert.ok(op, "the token endpoint is in the OpenAPI document");
      assert.deepEqual(op.servers, [{ url: PLUTO }]);
      assert.ok(op.requestBody && FORM in op.requestBody.content);
    });
  });
}

describe("allowedScopes: the tool's service switches and its Accept grades", () => {
  const reg = (ags: boolean, nrps: boolean) => ({ services: { ags, nrps } }) as ToolRegistration;
  const ags = Object.values(AGS_SCOPE);
  it("AGS only with both the AGS switch and Accept grades on", () => {
    assert.deepEqual(allowedScopes({ acceptGrades: true }, reg(true, true)), [...ags, NRPS]);
    assert.deepEqual(allowedScopes({ acceptGrades: false }, reg(true, true)), [NRPS]);
    assert.deepEqual(allowedScopes({ acceptGrades: true }, reg(false, true)), [NRPS]);
  });
  it("NRPS only with its switch on", () => {
    assert.deepEqual(allowedScopes({ acceptGrades: true }, reg(true, false)), ags);
    assert.deepEqual(allowedScopes({ acceptGrades: true }, reg(false, false)), []);
  });
});
