// Upgrading a site tool from LTI 1.1 to LTI 1.3, with a tool written here that speaks both: it verifies the
// 1.1 launch's OAuth signature with its 1.1 secret and remembers the ids it saw, sends a grade by Basic
// Outcomes; after the admin's upgrade (API, then the form for a second tool) it verifies the 1.3 id_token
// with jose against Pluto's JWKS, recomputes the lti1p1 sign with the 1.1 secret it holds and maps the 1.3
// launch to the 1.1 user and link it had seen. Activities keep their ids and their 1.1-era grades; the
// launch log stays on one deployment; a tool holding another secret finds the sign does not match.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { memoryNonceStore } from "../../../lti/ports.js";
import { verifyRequest } from "../../../lti/v1p1/oauth.js";
import { signBodyHashRequest } from "../../../lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest, parseOutcomeResponse } from "../../../lti/v1p1/outcomes.js";
import { findActivityItem, listHistory } from "../../grades/grades.service.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";
const LTI1P1 = `${CLAIM}lti1p1`;
const KEY = "upgrade-key-11";
const SECRET = "upgrade-secret-11";

type Payload = JWTPayload & Record<string, unknown>;

interface SeenLaunch11 {
  userId: string;
  resourceLinkId: string;
  contextId: string;
  sourcedId: string;
  outcomeUrl: string;
}

interface Seen13 {
  payload: Payload;
  /** The tool's check of oauth_consumer_key_sign with the 1.1 secret it holds. */
  signMatches: boolean;
  /** The 1.1 user and link the launch maps to (only when the sign matched). */
  mapped?: { userId: string; resourceLinkId: string; contextId: string };
}

/**
 * A tool that speaks LTI 1.1 and 1.3 on one origin: /launch takes a signed 1.1 form or a 1.3 id_token,
 * /login answers a 1.3 login initiation with the authentication request. `secret` is its 1.1 secret.
 */
async function startDualTool(clock: TestApp["clock"]) {
  const state = {
    secret: SECRET,
    launches11: [] as SeenLaunch11[],
    launches13: [] as Seen13[],
    pending: new Map<string, string>(),
    plutoIssuer: "",
    clientId: "",
  };
  const nonces = memoryNonceStore(clock);
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const p = new URLSearchParams(req.method === "POST" ? body : url.search);
      try {
        if (url.pathname === "/login") {
          const st = `state-${state.pending.size + 1}`;
          const nonce = `nonce-${Math.random().toString(36).slice(2)}`;
          state.pending.set(st, nonce);
          const auth = new URL(`${p.get("iss")}/lti/auth`);
          for (const [k, v] of Object.entries({
            scope: "openid",
            response_type: "id_token",
            response_mode: "form_post",
            prompt: "none",
            client_id: p.get("client_id") ?? "",
            redirect_uri: `${origin}/launch`,
            login_hint: p.get("login_hint") ?? "",
            lti_message_hint: p.get("lti_message_hint") ?? "",
            state: st,
            nonce,
          }))
            auth.searchParams.set(k, v);
          res.writeHead(302, { location: auth.toString() }).end();
          return;
        }
        if (url.pathname === "/launch" && p.has("id_token")) {
          const jwks = createRemoteJWKSet(new URL(`${state.plutoIssuer}/lti/jwks`));
          const { payload } = await jwtVerify<Payload>(p.get("id_token") ?? "", jwks, {
            issuer: state.plutoIssuer,
            audience: state.clientId,
            algorithms: ["RS256"],
          });
          assert.equal(payload.nonce, state.pending.get(p.get("state") ?? ""));
          const m = payload[LTI1P1] as Record<string, string> | undefined;
          // The migration guide's sign, recomputed here without Pluto's code.
          const base = [
            m?.oauth_consumer_key,
            payload[`${CLAIM}deployment_id`],
            payload.iss,
            payload.aud,
            payload.exp,
            payload.nonce,
          ].join("&");
          const expected = createHmac("sha256", state.secret).update(base).digest("base64");
          const signMatches =
            m !== undefined && m.oauth_consumer_key === KEY && m.oauth_consumer_key_sign === expected;
          const link = payload[`${CLAIM}resource_link`] as { id: string };
          const context = payload[`${CLAIM}context`] as { id: string };
          state.launches13.push({
            payload,
            signMatches,
            ...(signMatches
              ? {
                  mapped: {
                    userId: m.user_id ?? String(payload.sub),
                    resourceLinkId: m.resource_link_id ?? link.id,
                    contextId: m.context_id ?? context.id,
                  },
                }
              : {}),
          });
          res.writeHead(200, { "content-type": "text/plain" }).end("1.3 launch received");
          return;
        }
        if (url.pathname === "/launch") {
          const params = Object.fromEntries(p);
          await verifyRequest(
            { method: "POST", url: `${origin}${req.url ?? "/launch"}`, params },
            { secret: state.secret, clock, nonceStore: nonces },
          );
          state.launches11.push({
            userId: params.user_id ?? "",
            resourceLinkId: params.resource_link_id ?? "",
            contextId: params.context_id ?? "",
            sourcedId: params.lis_result_sourcedid ?? "",
            outcomeUrl: params.lis_outcome_service_url ?? "",
          });
          res.writeHead(200, { "content-type": "text/plain" }).end("1.1 launch received");
          return;
        }
        res.writeHead(404).end();
      } catch (e) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

for (const engine of testEngines()) {
  describe(`Upgrading a site tool from LTI 1.1 to LTI 1.3 (${engine})`, () => {
    let t: TestApp;
    let tool: Awaited<ReturnType<typeof startDualTool>>;
    let pluto: string;
    let adminToken: string;
    let admin: Client;
    let sam: Client;
    let samId: number;
    let courseId: number;
    let toolTypeId: number;
    let chosen: number;
    let matched: number;

    before(async () => {
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      tool = await startDualTool(t.clock);
      tool.plutoIssuer = pluto;
      adminToken = await t.token((await t.admin()).id);
      admin = await t.client("admin");
      const created = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        name: "Dual Tool",
        toolUrl: `${tool.origin}/launch`,
        consumerKey: KEY,
        sharedSecret: SECRET,
      });
      assert.equal(created.status, 201, created.body);
      toolTypeId = (created.json as { id: number }).id;
      const course = await makeCourse(t, { fullname: "Chemistry", shortname: "CHE1" });
      courseId = course.id;
      const teacher = await t.user("tia");
      const student = await t.user("sam", { firstname: "Sam", lastname: "Student" });
      samId = student.id;
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, student.id, "student");
      const teacherToken = await t.token(teacher.id);
      const add = async (name: string, settings: Record<string, unknown>) => {
        const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
          type: "lti",
          name,
          section: 1,
          settings,
        });
        assert.equal(a.status, 201, a.body);
        return (a.json as { id: number }).id;
      };
      // One activity chose the site tool; one only matched it by its tool URL (no key of its own).
      chosen = await add("Titration lab", { toolTypeId, maxGrade: 10 });
      matched = await add("Balancing", { toolUrl: `${tool.origin}/launch?item=2` });
      sam = await t.client("sam");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    /** The student's launch: the form Pluto serves, posted to where it points. */
    async function launch(activityId: number) {
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      const form = readLaunchForm(page.body);
      return fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
        redirect: "manual",
      });
    }

    /** A 1.3 launch through to the tool: login initiation, authentication request (no cookie), id_token. */
    async function launch13(activityId: number): Promise<Seen13> {
      const login = await launch(activityId);
      assert.equal(login.status, 302, await login.text());
      const auth = await fetch(String(login.headers.get("location")), { redirect: "manual" });
      const html = await auth.text();
      assert.equal(auth.status, 200, html);
      const form = readLaunchForm(html);
      assert.equal(form.action, `${tool.origin}/launch`);
      const res = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
      });
      assert.equal(res.status, 200, await res.text());
      const seen = tool.launches13.at(-1);
      assert.ok(seen);
      return seen;
    }

    const gradesOf = async (activityId: number) => {
      const item = await findActivityItem(t.ctx.db, activityId);
      assert.ok(item, "the activity keeps its grade item");
      return (await listHistory(t.ctx.db, item.id, samId)).map((h) => h.grade);
    };

    it("keeps the activities, their ids and 1.1-era grades, and the deployment; the 1.3 launch maps to the 1.1 user and link", async () => {
      // Before: LTI 1.1 launches, verified by the tool with its secret, and a grade by Basic Outcomes.
      assert.equal((await launch(chosen)).status, 200);
      assert.equal((await launch(matched)).status, 200);
      const [seen11, seenMatched11] = tool.launches11;
      assert.ok(seen11 && seenMatched11);
      assert.equal(seen11.resourceLinkId, String(chosen));
      const body = buildReplaceResultRequest({ sourcedId: seen11.sourcedId, score: 0.7 });
      const { authorization } = signBodyHashRequest(
        { url: seen11.outcomeUrl, body, consumerKey: KEY, secret: SECRET },
        { clock: t.clock },
      );
      const graded = await fetch(seen11.outcomeUrl, {
        method: "POST",
        headers: { "content-type": "application/xml", authorization },
        body,
      });
      assert.equal(parseOutcomeResponse(await graded.text()).codeMajor, "success");
      assert.deepEqual(await gradesOf(chosen), [7]);
      const before = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
      assert.ok(before?.deploymentId);

      // The upgrade: the same tool, now LTI 1.3, its key and secret kept.
      const up = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${toolTypeId}`, {
        ltiVersion: "1.3",
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
      });
      assert.equal(up.status, 200, up.body);
      const upgraded = up.json as Record<string, unknown>;
      assert.equal(upgraded.id, toolTypeId);
      assert.equal(upgraded.ltiVersion, "1.3");
      assert.equal(upgraded.consumerKey, KEY);
      assert.equal(upgraded.sharedSecret, SECRET);
      assert.equal(upgraded.launchUrl, `${tool.origin}/launch`);
      assert.equal(upgraded.deploymentId, "1");
      assert.equal(upgraded.status, "active");
      tool.clientId = String(upgraded.clientId);
      assert.ok(tool.clientId.length >= 16);

      // After: 1.3 launches. The 1.1-era grade is still there.
      const seen = await launch13(chosen);
      assert.equal(seen.signMatches, true, JSON.stringify(seen.payload[LTI1P1]));
      assert.deepEqual(seen.mapped, {
        userId: seen11.userId,
        resourceLinkId: seen11.resourceLinkId,
        contextId: seen11.contextId,
      });
      assert.equal((seen.payload[LTI1P1] as Record<string, string>).oauth_consumer_key, KEY);
      assert.equal((seen.payload[`${CLAIM}resource_link`] as { id: string }).id, String(chosen));
      assert.equal((seen.payload[`${CLAIM}context`] as { id: string }).id, String(courseId));
      assert.deepEqual(await gradesOf(chosen), [7]);
      const after13 = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
      assert.equal(after13?.deploymentId, before.deploymentId, "one deployment before and after");
      assert.equal(after13?.consumerKey, tool.clientId);

      // The activity that matched the tool by URL launches by 1.3 too, with its own link id.
      const seenMatched = await launch13(matched);
      assert.equal(seenMatched.signMatches, true);
      assert.equal(seenMatched.mapped?.resourceLinkId, seenMatched11.resourceLinkId);
      assert.equal(seenMatched.mapped?.userId, seenMatched11.userId);
      assert.equal(seenMatched.payload[`${CLAIM}target_link_uri`], `${tool.origin}/launch?item=2`);
      assert.equal(tool.launches11.length, 2, "no 1.1 launch after the upgrade");
    });

    it("a tool holding another 1.1 secret finds the sign does not match", async () => {
      tool.secret = "not-the-secret";
      try {
        const seen = await launch13(chosen);
        assert.equal(seen.signMatches, false);
        assert.equal(seen.mapped, undefined);
      } finally {
        tool.secret = SECRET;
      }
    });

    it("keeps the key through later edits, shows it read-only, and cannot go back to 1.1", async () => {
      const renamed = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${toolTypeId}`, {
        name: "Dual Tool 1.3",
      });
      assert.equal(renamed.status, 200, renamed.body);
      assert.equal((renamed.json as { consumerKey: string }).consumerKey, KEY);
      const edit = await admin.get(`/admin/lti/tools/${toolTypeId}/edit`);
      assert.match(
        edit.body,
        /<label for="kept-consumer-key">LTI 1\.1 consumer key \(kept for migration\)<\/label>/,
      );
      assert.match(edit.body, new RegExp(`id="kept-consumer-key"[^>]*readonly[^>]*value="${KEY}"`, "i"));
      assert.doesNotMatch(edit.body, /name="consumerKey"/);
      assert.doesNotMatch(edit.body, /Upgrade to LTI 1\.3/);
      const back = await api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${toolTypeId}`, {
        ltiVersion: "1.1",
      });
      assert.equal(back.status, 400);
      assert.match(back.body, /cannot go back to LTI 1\.1/);
      assert.equal(
        ((await launch13(chosen)).payload[LTI1P1] as { oauth_consumer_key: string }).oauth_consumer_key,
        KEY,
      );
    });

    it("upgrades through the form: the edit page's Upgrade to LTI 1.3, refusals on the form, then the details", async () => {
      const made = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        name: "Form Upgrade",
        toolUrl: "https://vendor.example.com/lti",
        consumerKey: "form-key",
        sharedSecret: "form-secret",
        shareEmail: false,
      });
      const id = (made.json as { id: number }).id;
      const edit = await admin.get(`/admin/lti/tools/${id}/edit`);
      assert.match(edit.body, new RegExp(`href="/admin/lti/tools/${id}/upgrade"[^>]*>Upgrade to LTI 1\\.3<`));
      const page = await admin.get(`/admin/lti/tools/${id}/upgrade`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1[^>]*>Upgrade Form Upgrade to LTI 1\.3<\/h1>/);
      assert.match(page.body, /name="ltiVersion" value="1\.3"/);
      assert.match(page.body, /id="kept-consumer-key"[^>]*value="form-key"/);
      assert.match(page.body, /name="initiateLoginUrl"/);
      assert.match(page.body, /name="toolUrl"[^>]*value="https:\/\/vendor\.example\.com\/lti"/);
      assert.doesNotMatch(page.body, /name="sharedSecret"/);
      const form = {
        ltiVersion: "1.3",
        name: "Form Upgrade",
        toolUrl: "https://vendor.example.com/lti",
        initiateLoginUrl: "",
        redirectUris: "https://vendor.example.com/lti",
        publicKeyType: "keyset",
        publicKeysetUrl: "https://vendor.example.com/jwks",
        launchContainer: "embed",
        shareName: "1",
        acceptGrades: "1",
        serviceAgs: "1",
      };
      const refused = await admin.post(`/admin/lti/tools/${id}/edit`, form);
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /Initiate login URL is required/);
      assert.match(refused.body, /Upgrade Form Upgrade to LTI 1\.3/);
      const still = (await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${id}`)).json as {
        ltiVersion: string;
      };
      assert.equal(still.ltiVersion, "1.1");
      const saved = await admin.post(`/admin/lti/tools/${id}/edit`, {
        ...form,
        initiateLoginUrl: "https://vendor.example.com/login",
      });
      assert.equal(saved.statusCode, 303, saved.body);
      assert.equal(saved.headers.location, `/admin/lti/tools/${id}`);
      const got = (await api(t.app, adminToken, "GET", `/api/v1/lti/tool-types/${id}`)).json as Record<
        string,
        unknown
      >;
      assert.equal(got.ltiVersion, "1.3");
      assert.equal(got.consumerKey, "form-key");
      assert.equal(got.sharedSecret, "form-secret");
      assert.equal(got.shareEmail, false);
      assert.deepEqual(got.services, { ags: true, nrps: false });
      assert.equal(typeof got.clientId, "string");
      // The upgrade page of a 1.3 tool leads to its edit page.
      const again = await admin.get(`/admin/lti/tools/${id}/upgrade`);
      assert.equal(again.statusCode, 303);
    });
  });
}
