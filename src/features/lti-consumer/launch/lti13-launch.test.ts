// LTI 1.3 launches of an External tool activity whose preconfigured tool is an LTI 1.3 site tool, received
// by a test tool in a real HTTP server (test/support/lti13-tool.ts), checked here with jose: it gets the
// login initiation, sends the authentication request back to Pluto (listening on a real port, without
// Pluto's session cookie, as a cross-site frame would), gets the id_token and verifies it against Pluto's
// JWKS URL (/lti/jwks). Then the §J refusals at the authentication endpoint, each with its code in the
// launch log.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { type Lti13TestTool, startLti13Tool } from "../../../../test/support/lti13-tool.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";

/** A form page's action and fields, or undefined when the page has no auto-submitting form. */
function formOf(html: string) {
  try {
    return readLaunchForm(html);
  } catch {
    return undefined;
  }
}

for (const engine of testEngines()) {
  describe(`LTI 1.3 launches received by a jose tool (${engine})`, () => {
    let t: TestApp;
    let tool: Lti13TestTool;
    let pluto: string;
    let sam: Client;
    let tina: Client;
    let samId: number;
    let courseId: number;
    let activityId: number;
    let clientId: string;
    let adminToken: string;
    let toolTypeId: number;
    let teacherToken: string;

    before(async () => {
      tool = await startLti13Tool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      const admin = await t.admin();
      adminToken = await t.token(admin.id);
      const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "Jose Tool",
        toolUrl: `${tool.origin}/launch`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
        customParameters: "topic=$CourseSection.title\nfixed=yes",
        shareEmail: false,
      });
      assert.equal(reg.status, 201, reg.body);
      const toolType = reg.json as { id: number; clientId: string };
      clientId = toolType.clientId;
      toolTypeId = toolType.id;
      const course = await makeCourse(t, { fullname: "Biology", shortname: "BIO1" });
      courseId = course.id;
      const teacher = await t.user("tina", {
        firstname: "Tina",
        lastname: "Teach",
        email: "tina@example.org",
      });
      const student = await t.user("sam", {
        firstname: "Sam",
        lastname: "Student",
        email: "sam@example.org",
      });
      samId = student.id;
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, student.id, "student");
      teacherToken = await t.token(teacher.id);
      const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "Cell quiz",
        section: 1,
        settings: { toolTypeId: toolType.id },
      });
      assert.equal(a.status, 201, a.body);
      activityId = (a.json as { id: number }).id;
      sam = await t.client("sam");
      tina = await t.client("tina");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    /** The student's launch page, its login initiation posted to the tool: the tool's redirect back to Pluto. */
    async function startLogin(who: Client = sam, query = ""): Promise<URL> {
      const page = await who.get(`/mod/lti/${activityId}/launch${query}`);
      assert.equal(page.statusCode, 200, page.body);
      const form = readLaunchForm(page.body);
      const res = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
        redirect: "manual",
      });
      assert.equal(res.status, 302);
      return new URL(String(res.headers.get("location")));
    }

    /** Sends an authentication request to Pluto as the browser in the tool's frame would: no cookie. */
    async function authenticate(url: URL) {
      const res = await fetch(url, { redirect: "manual" });
      return { status: res.status, html: await res.text() };
    }

    async function lastIn() {
      return (await listLaunchLog(t.ctx.db, { direction: "in", limit: 1 }))[0];
    }

    it("sends the login initiation with every parameter to the tool's Initiate login URL", async () => {
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      const form = readLaunchForm(page.body);
      assert.equal(form.action, `${tool.origin}/login`);
      assert.deepEqual(Object.keys(form.fields).sort(), [
        "client_id",
        "iss",
        "login_hint",
        "lti_deployment_id",
        "lti_message_hint",
        "target_link_uri",
      ]);
      assert.equal(form.fields.iss, pluto);
      assert.equal(form.fields.client_id, clientId);
      assert.equal(form.fields.lti_deployment_id, "1");
      assert.equal(form.fields.target_link_uri, `${tool.origin}/launch`);
      assert.notEqual(form.fields.login_hint, "sam");
      assert.notEqual(form.fields.login_hint, String(samId));
      const out = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
      assert.equal(out?.result, "ok");
      assert.equal(out?.consumerKey, clientId);
      assert.equal(out?.activityId, activityId);
    });

    it("answers the authentication request with a verified id_token carrying the required claims", async () => {
      const authUrl = await startLogin();
      const state = authUrl.searchParams.get("state") ?? "";
      const answer = await authenticate(authUrl);
      assert.equal(answer.status, 200, answer.html);
      const form = formOf(answer.html);
      assert.ok(form, answer.html);
      assert.equal(form.action, `${tool.origin}/launch`);
      assert.equal(form.fields.state, state);
      const idToken = form.fields.id_token ?? "";
      assert.equal(decodeProtectedHeader(idToken).alg, "RS256");
      const jwks = createRemoteJWKSet(new URL(`${pluto}/lti/jwks`));
      const { payload } = await jwtVerify<JWTPayload & Record<string, unknown>>(idToken, jwks, {
        issuer: pluto,
        audience: clientId,
        algorithms: ["RS256"],
      });
      assert.equal(payload.nonce, tool.pending.get(state));
      assert.equal(payload.azp, clientId);
      assert.equal(payload[`${CLAIM}message_type`], "LtiResourceLinkRequest");
      assert.equal(payload[`${CLAIM}version`], "1.3.0");
      assert.equal(payload[`${CLAIM}deployment_id`], "1");
      assert.equal(payload[`${CLAIM}target_link_uri`], `${tool.origin}/launch`);
      assert.deepEqual(payload[`${CLAIM}resource_link`], { id: String(activityId), title: "Cell quiz" });
      assert.deepEqual(payload[`${CLAIM}roles`], [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
      ]);
      const context = payload[`${CLAIM}context`] as Record<string, unknown>;
      assert.equal(context.id, String(courseId));
      assert.equal(context.title, "Biology");
      assert.deepEqual(payload[`${CLAIM}custom`], { topic: "Biology", fixed: "yes" });
      const presentation = payload[`${CLAIM}launch_presentation`] as Record<string, unknown>;
      assert.equal(presentation.return_url, `${pluto}/mod/lti/${activityId}/return`);
      assert.equal(presentation.document_target, "iframe");
      assert.equal(
        (payload[`${CLAIM}tool_platform`] as Record<string, unknown>).product_family_code,
        "pluto",
      );
      assert.equal(typeof payload.sub, "string");
      assert.notEqual(payload.sub, String(samId));
      assert.equal(payload.name, "Sam Student");
      // The site tool does not share email.
      assert.equal("email" in payload, false);
      // NRPS (case 178): the tool may read this course's members (its allowed scopes include NRPS).
      assert.deepEqual(payload["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"], {
        context_memberships_url: `${pluto}/lti/nrps/${courseId}/memberships`,
        service_versions: ["2.0"],
      });
      assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) <= 300);
    });

    it("offers Platform Storage (_parent) in the login initiation and auth response of the framed launch only", async () => {
      const framed = readLaunchForm((await sam.get(`/mod/lti/${activityId}/launch?frame=1`)).body);
      assert.equal(framed.fields.lti_storage_target, "_parent");
      const inFrame = await sam.get(`/mod/lti/${activityId}/launch?frame=1`, { "sec-fetch-dest": "iframe" });
      assert.equal(readLaunchForm(inFrame.body).fields.lti_storage_target, "_parent");
      // The frame's URL opened in a tab: no page answers there, so no storage is offered.
      const inTab = await sam.get(`/mod/lti/${activityId}/launch?frame=1`, { "sec-fetch-dest": "document" });
      assert.equal(readLaunchForm(inTab.body).fields.lti_storage_target, undefined);

      const answer = formOf((await authenticate(await startLogin(sam, "?frame=1"))).html);
      assert.ok(answer?.fields.id_token, "an id_token");
      assert.equal(answer.fields.lti_storage_target, "_parent");
      const plain = formOf((await authenticate(await startLogin(sam))).html);
      assert.ok(plain?.fields.id_token, "an id_token");
      assert.equal(plain.fields.lti_storage_target, undefined);
    });

    it("keeps lti_storage_target on a refusal posted to the tool after the hint checked out", async () => {
      const url = await startLogin(sam, "?frame=1");
      const hide = await tina.post(`/mod/${activityId}/visibility`, { visible: "0" });
      assert.ok(hide.statusCode < 400, hide.body);
      try {
        const form = formOf((await authenticate(url)).html);
        assert.equal(form?.fields.error, "access_denied");
        assert.equal(form?.fields.lti_storage_target, "_parent");
        assert.equal((await lastIn())?.reason, "launch_access_denied");
      } finally {
        const show = await tina.post(`/mod/${activityId}/visibility`, { visible: "1" });
        assert.ok(show.statusCode < 400, show.body);
      }
    });

    it("frames the framed launch on the activity page, with the storage script; the new-window link stays plain", async () => {
      const page = await sam.get(`/mod/${activityId}`);
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, new RegExp(`<iframe[^>]*src="/mod/lti/${activityId}/launch\\?frame=1"`));
      // The early script, before the frame and not deferred, keeps the frame's first messages for the module.
      assert.match(
        page.body,
        /<script src="\/static\/lti-storage-early.js"><\/script><script type="module" src="\/static\/lti-storage.js"><\/script><iframe/,
      );
      assert.match(page.body, new RegExp(`href="/mod/lti/${activityId}/launch" target="_blank"`));
      const listener = await sam.get("/static/lti-storage.js");
      assert.equal(listener.statusCode, 200);
      assert.match(String(listener.headers["content-type"]), /javascript/);
    });

    it("sends a teacher as Instructor, with the same sub for every launch of one user", async () => {
      const first = formOf((await authenticate(await startLogin(tina))).html);
      const second = formOf((await authenticate(await startLogin(tina))).html);
      const jwks = createRemoteJWKSet(new URL(`${pluto}/lti/jwks`));
      const a = (await jwtVerify(first?.fields.id_token ?? "", jwks)).payload;
      const b = (await jwtVerify(second?.fields.id_token ?? "", jwks)).payload;
      assert.deepEqual(a[`${CLAIM}roles`], ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]);
      assert.equal(a.sub, b.sub);
    });

    it("refuses a redirect_uri the tool did not register on Pluto's own page, not by a redirect", async () => {
      const url = await startLogin();
      url.searchParams.set("redirect_uri", `${tool.origin}/launch/`);
      const res = await authenticate(url);
      assert.equal(res.status, 400);
      assert.equal(formOf(res.html), undefined);
      assert.match(res.html, /data-error-code="auth_invalid_redirect_uri"/);
      assert.equal((await lastIn())?.reason, "auth_invalid_redirect_uri");
    });

    const toTool: Array<[string, string, string, string, string]> = [
      ["scope", "openid profile", "invalid_scope", "auth_invalid_scope", "a scope other than openid"],
      [
        "response_type",
        "code",
        "unsupported_response_type",
        "auth_unsupported_response_type",
        "response_type code",
      ],
      ["response_mode", "query", "invalid_request", "auth_invalid_response_mode", "response_mode query"],
      ["prompt", "login", "invalid_request", "auth_invalid_prompt", "prompt login"],
      ["nonce", "", "invalid_request", "auth_missing_parameter", "no nonce"],
    ];
    for (const [name, value, error, code, why] of toTool) {
      it(`posts ${error} back to the tool with its state for ${why} (${code} in the launch log)`, async () => {
        const url = await startLogin();
        if (value === "") url.searchParams.delete(name);
        else url.searchParams.set(name, value);
        const res = await authenticate(url);
        assert.equal(res.status, 200);
        const form = formOf(res.html);
        assert.ok(form, res.html);
        assert.equal(form.action, `${tool.origin}/launch`);
        assert.equal(form.fields.error, error);
        assert.equal(form.fields.state, url.searchParams.get("state"));
        assert.equal(form.fields.id_token, undefined);
        const row = await lastIn();
        assert.equal(row?.reason, code);
        assert.equal(row?.result, "rejected");
      });
    }

    it("refuses a replayed message hint (message_hint_reused)", async () => {
      const url = await startLogin();
      const first = formOf((await authenticate(url)).html);
      assert.ok(first?.fields.id_token);
      const again = formOf((await authenticate(url)).html);
      assert.equal(again?.fields.error, "invalid_request");
      assert.equal(again?.fields.id_token, undefined);
      assert.equal((await lastIn())?.reason, "message_hint_reused");
    });

    it("without the session cookie, refuses an altered or expired hint as login_required, leaving it unspent", async () => {
      const url = await startLogin();
      const hint = url.searchParams.get("lti_message_hint") ?? "";
      const altered = new URL(url);
      altered.searchParams.set(
        "lti_message_hint",
        `${hint.slice(0, -2)}${hint.endsWith("AA") ? "BB" : "AA"}`,
      );
      assert.equal(formOf((await authenticate(altered)).html)?.fields.error, "login_required");
      assert.equal((await lastIn())?.reason, "auth_login_required");
      t.clock.advance(301);
      try {
        assert.equal(formOf((await authenticate(url)).html)?.fields.error, "login_required");
        assert.equal((await lastIn())?.reason, "auth_login_required");
      } finally {
        t.clock.advance(-301);
      }
      // Within its five minutes the same hint still launches once, and only once.
      assert.ok(formOf((await authenticate(url)).html)?.fields.id_token);
      assert.equal(formOf((await authenticate(url)).html)?.fields.error, "invalid_request");
      assert.equal((await lastIn())?.reason, "message_hint_reused");
    });

    it("refuses another user's hint with this user's login_hint (login_required)", async () => {
      const samUrl = await startLogin(sam);
      const tinaUrl = await startLogin(tina);
      samUrl.searchParams.set("lti_message_hint", tinaUrl.searchParams.get("lti_message_hint") ?? "");
      const res = formOf((await authenticate(samUrl)).html);
      assert.equal(res?.fields.error, "login_required");
      assert.equal((await lastIn())?.reason, "auth_login_required");
      // With Sam's session cookie present, Tina's hint is refused too, even with Tina's login_hint.
      const stolen = await startLogin(tina);
      const withSession = await sam.get(`${stolen.pathname}${stolen.search}`);
      assert.equal(formOf(withSession.body)?.fields.error, "login_required");
    });

    it("refuses an unknown client_id on Pluto's page (auth_unknown_client)", async () => {
      const url = await startLogin();
      url.searchParams.set("client_id", "nobody");
      const res = await authenticate(url);
      assert.equal(res.status, 400);
      assert.equal(formOf(res.html), undefined);
      assert.equal((await lastIn())?.reason, "auth_unknown_client");
    });

    it("does not launch a pending tool, and refuses its authentication requests (unauthorized_client)", async () => {
      const url = await startLogin();
      const setStatus = (status: string) =>
        api(t.app, adminToken, "PATCH", `/api/v1/lti/tool-types/${toolTypeId}`, { status });
      assert.equal((await setStatus("pending")).status, 200);
      try {
        const form = formOf((await authenticate(url)).html);
        assert.equal(form?.fields.error, "unauthorized_client");
        assert.equal((await lastIn())?.reason, "auth_client_not_enabled");
        const page = await sam.get(`/mod/lti/${activityId}/launch`);
        assert.equal(page.statusCode, 409);
        assert.equal(formOf(page.body), undefined);
        const out = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
        assert.equal(out?.reason, "tool_pending");
      } finally {
        await setStatus("active");
      }
    });

    const ceiling: Array<[string, Record<string, unknown>, string]> = [
      ["a tool URL on another host", { toolUrl: "http://127.0.0.9/launch" }, "settings.toolUrl"],
      ["a consumer key of its own", { consumerKey: "k", sharedSecret: "s" }, "settings.consumerKey"],
      ["email sharing the site tool turned off", { shareEmail: true }, "settings.shareEmail"],
    ];
    for (const [why, extra, field] of ceiling) {
      it(`refuses an activity using the LTI 1.3 tool with ${why} (400 on ${field})`, async () => {
        const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
          type: "lti",
          name: "Ceiling",
          section: 1,
          settings: { toolTypeId, ...extra },
        });
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, new RegExp(`"field":"${field.replace(".", "\\.")}"`));
      });
    }
  });
}
