// LTI Deep Linking with Pluto as the platform, against the test tool (test/support/lti13-tool.ts) and jose:
// "Select content" sends the login initiation, the tool sends the authentication request back (no session
// cookie, as from a cross-site frame), verifies the id_token is an LtiDeepLinkingRequest with Pluto's
// deep_linking_settings, then posts a signed response to the return endpoint (no cookie either). Then the
// refusals, each with its code and nothing written.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { runInNewContext } from "node:vm";
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { type Lti13TestTool, startLti13Tool } from "../../../../test/support/lti13-tool.js";
import {
  buildDeepLinkingResponseClaims,
  signDeepLinkingResponse,
} from "../../../lti/deep-linking/response-build.js";
import { listCourseActivities } from "../../activities/activities.repository.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";
import { readLtiSettings } from "../tools/lti-settings.js";

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";
const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
const KID = "dl-tool-1";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

for (const engine of testEngines()) {
  describe(`LTI Deep Linking with a jose tool (${engine})`, () => {
    let t: TestApp;
    let tool: Lti13TestTool;
    let key: KeyPair;
    let otherKey: KeyPair;
    let pluto: string;
    let tina: Client;
    let olga: Client;
    let courseId: number;
    let otherCourseId: number;
    let clientId: string;
    let toolTypeId: number;
    let plainToolTypeId: number;
    let teacherToken: string;

    before(async () => {
      key = await generateKeyPair("RS256", { extractable: true });
      otherKey = await generateKeyPair("RS256", { extractable: true });
      tool = await startLti13Tool({
        jwks: [{ ...(await exportJWK(key.publicKey)), kid: KID, alg: "RS256", use: "sig" }],
      });
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      const admin = await t.admin();
      const adminToken = await t.token(admin.id);
      const fields = {
        ltiVersion: "1.3",
        toolUrl: `${tool.origin}/launch`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKeysetUrl: `${tool.origin}/jwks`,
      };
      const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ...fields,
        name: "Picker Tool",
        deepLinking: true,
        deepLinkingUrl: `${tool.origin}/select`,
      });
      assert.equal(reg.status, 201, reg.body);
      ({ id: toolTypeId, clientId } = reg.json as { id: number; clientId: string });
      const plain = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ...fields,
        name: "Plain Tool",
      });
      plainToolTypeId = (plain.json as { id: number }).id;
      courseId = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      otherCourseId = (await makeCourse(t, { fullname: "Chemistry", shortname: "CHE1" })).id;
      const teacher = await t.user("tina");
      const other = await t.user("olga");
      await enrolAs(t, courseId, teacher.id, "editingteacher");
      await enrolAs(t, otherCourseId, other.id, "editingteacher");
      teacherToken = await t.token(teacher.id);
      tina = await t.client("tina");
      olga = await t.client("olga");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    async function activities() {
      return listCourseActivities(t.ctx.db, courseId, { includeHidden: true });
    }

    /**
     * "Select content" from the add form of section 1 (or the edit form of `activityId`), the login at the
     * tool, the authentication request without cookie: the verified id_token's payload.
     */
    async function deepLinkingRequest(activityId?: number): Promise<JWTPayload & Record<string, unknown>> {
      const addForm = await tina.get(`/course/${courseId}/add/lti?toolTypeId=${toolTypeId}`);
      assert.equal(addForm.statusCode, 200);
      const page =
        activityId === undefined
          ? await tina.post(`/course/${courseId}/add/select-content`, {
              toolTypeId: String(toolTypeId),
              section: "1",
            })
          : await tina.post(`/mod/${activityId}/select-content`, { toolTypeId: String(toolTypeId) });
      assert.equal(page.statusCode, 200, page.body);
      const login = readLaunchForm(page.body);
      assert.equal(login.action, `${tool.origin}/login`);
      assert.equal(login.fields.target_link_uri, `${tool.origin}/select`);
      const toTool = await fetch(login.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(login.fields).toString(),
        redirect: "manual",
      });
      assert.equal(toTool.status, 302);
      const auth = await fetch(String(toTool.headers.get("location")), { redirect: "manual" });
      const form = readLaunchForm(await auth.text());
      assert.equal(form.action, `${tool.origin}/launch`);
      assert.ok(form.fields.id_token, JSON.stringify(form.fields));
      const { payload } = await jwtVerify(
        form.fields.id_token,
        createRemoteJWKSet(new URL(`${pluto}/lti/jwks`)),
        {
          issuer: pluto,
          audience: clientId,
        },
      );
      return payload as JWTPayload & Record<string, unknown>;
    }

    function dataOf(idToken: Record<string, unknown>): string {
      return (idToken[`${DL}deep_linking_settings`] as { data: string }).data;
    }

    async function respond(
      data: string | undefined,
      contentItems: unknown[],
      o: { aud?: string; signWith?: KeyPair; kid?: string; errormsg?: string } = {},
    ) {
      const jwt = await signDeepLinkingResponse(
        buildDeepLinkingResponseClaims({
          clientId,
          platformIssuer: o.aud ?? pluto,
          deploymentId: "1",
          data,
          contentItems,
          errormsg: o.errormsg,
        }),
        { key: (o.signWith ?? key).privateKey, kid: o.kid ?? KID, clock: t.ctx.clock },
      );
      return postJwt(jwt);
    }

    async function postJwt(jwt: string) {
      const res = await fetch(`${pluto}/lti/deep-linking/return`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ JWT: jwt }).toString(),
      });
      return { status: res.status, html: await res.text(), jwt };
    }

    const codeOf = (html: string) => /data-error-code="([^"]+)"/.exec(html)?.[1];

    it("shows Select content only for a tool with Deep Linking (hidden for another tool)", async () => {
      const dl = await tina.get(`/course/${courseId}/add/lti?toolTypeId=${toolTypeId}`);
      assert.ok(
        dl.body.includes(
          `<p data-lti-deep-linking-tools="${toolTypeId}"><button type="submit" class="secondary" formaction="select-content" formtarget="_blank" formnovalidate data-lti-select-content>Select content</button>`,
        ),
        dl.body,
      );
      assert.match(dl.body, /<script src="\/static\/lti-deep-linking.js" defer><\/script>/);
      // Another tool: the button is there for the script, hidden until that tool is chosen.
      const plain = await tina.get(`/course/${courseId}/add/lti?toolTypeId=${plainToolTypeId}`);
      assert.equal(plain.statusCode, 200);
      assert.ok(plain.body.includes(`<p data-lti-deep-linking-tools="${toolTypeId}" hidden>`), plain.body);
    });

    it("sends an LtiDeepLinkingRequest and adds one activity per item, in order, in the section", async () => {
      const idToken = await deepLinkingRequest();
      assert.equal(idToken[`${CLAIM}message_type`], "LtiDeepLinkingRequest");
      assert.equal(idToken[`${CLAIM}target_link_uri`], `${tool.origin}/select`);
      assert.equal(idToken[`${CLAIM}resource_link`], undefined);
      const settings = idToken[`${DL}deep_linking_settings`] as Record<string, unknown>;
      assert.equal(settings.deep_link_return_url, `${pluto}/lti/deep-linking/return`);
      assert.deepEqual(settings.accept_types, ["ltiResourceLink", "link", "html", "file", "image"]);
      assert.deepEqual(settings.accept_presentation_document_targets, ["iframe", "window"]);
      assert.equal(settings.accept_multiple, true);
      assert.equal(settings.accept_lineitem, true);
      assert.match(String(settings.data), /^[A-Za-z0-9_-]{43}$/);
      const out = (await listLaunchLog(t.ctx.db, { direction: "out", limit: 1 }))[0];
      assert.equal(out?.reason, "LtiDeepLinkingRequest");

      const before = (await activities()).length;
      const res = await respond(String(settings.data), [
        {
          type: "ltiResourceLink",
          title: "Cell quiz",
          text: "Ten questions",
          url: `${tool.origin}/launch?quiz=cells`,
          custom: { quiz: "cells" },
          lineItem: { scoreMaximum: 25, resourceId: "quiz-cells", tag: "quiz" },
          window: { targetName: "quiz" },
        },
        { type: "link", title: "Cell atlas", url: "https://atlas.example.org/cells" },
        { type: "html", title: "Notes", html: "<p>Read this</p><script>alert(1)</script>" },
      ]);
      assert.equal(res.status, 200, res.html);
      assert.match(res.html, /3 items added/);
      // What the return page tells the dialog's page: the section of the course page to open.
      assert.ok(
        res.html.includes(
          `data-lti-deep-linking-done="3" data-kind="added" data-href="/course/${courseId}#section-1"`,
        ),
      );
      assert.ok(
        res.html.includes(`<a href="/course/${courseId}#section-1" target="_top">Return to course</a>`),
      );
      const added = (await activities()).slice(before);
      assert.deepEqual(
        added.map((a) => [a.type, a.name]),
        [
          ["lti", "Cell quiz"],
          ["page", "Cell atlas"],
          ["page", "Notes"],
        ],
      );
      const s = readLtiSettings(added[0]?.settings);
      assert.equal(s.toolTypeId, toolTypeId);
      assert.equal(s.maxGrade, 25);
      assert.equal(s.toolUrl, `${tool.origin}/launch?quiz=cells`);
      assert.equal(s.customParameters, "quiz=cells");
      assert.equal(s.launchContainer, "window");
      assert.equal(s.description, "Ten questions");
      // The line item a tool finds through AGS carries the lineItem's resourceId and tag.
      const lineItem = await t.ctx.db
        .selectFrom("lti_line_items")
        .selectAll()
        .where("activity_id", "=", added[0]?.id ?? 0)
        .executeTakeFirst();
      assert.deepEqual([lineItem?.resource_id, lineItem?.tag], ["quiz-cells", "quiz"]);
      const edit = await tina.get(`/mod/${added[0]?.id}/edit`);
      const saved = await tina.post(`/mod/${added[0]?.id}/edit`, {
        ...Object.fromEntries(
          [...edit.body.matchAll(/<input type="hidden" name="(ltiForm|description)" value="([^"]*)"/g)].map(
            (m) => [m[1] ?? "", m[2] ?? ""],
          ),
        ),
        name: "Cell quiz",
        toolTypeId: String(toolTypeId),
        toolUrl: `${tool.origin}/launch?quiz=cells`,
        customParameters: "quiz=cells",
        launchContainer: "window",
        maxGrade: "25",
        acceptGrades: "1",
        completionRule: "none",
      });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 2000));
      const kept = (await activities()).find((a) => a.id === added[0]?.id);
      assert.equal(readLtiSettings(kept?.settings).description, "Ten questions");
      assert.match(String(added[1]?.settings.content), /href="https:\/\/atlas\.example\.org\/cells"/);
      assert.equal(added[2]?.settings.content, "<p>Read this</p>");
      const logged = (await listLaunchLog(t.ctx.db, { direction: "in", limit: 1 }))[0];
      assert.equal(logged?.result, "ok");

      // The same response again: the request was spent.
      const again = await postJwt(res.jwt);
      assert.equal(again.status, 400);
      assert.equal(codeOf(again.html), "dl_data_mismatch");
      assert.equal((await activities()).length, before + 3);
      assert.equal((await listLaunchLog(t.ctx.db, { direction: "in", limit: 1 }))[0]?.result, "rejected");
    });

    it("keys items by position: two items with one URL are two activities", async () => {
      const data = dataOf(await deepLinkingRequest());
      const before = (await activities()).length;
      const url = "https://atlas.example.org/same";
      const res = await respond(data, [
        { type: "link", title: "One", url },
        { type: "link", title: "Two", url },
      ]);
      assert.match(res.html, /2 items added/);
      assert.deepEqual(
        (await activities()).slice(before).map((a) => a.name),
        ["One", "Two"],
      );
    });

    it("grades a tool link with a lineItem only: one without is an activity with no gradebook column", async () => {
      const data = dataOf(await deepLinkingRequest());
      const before = (await activities()).length;
      const res = await respond(data, [
        {
          type: "ltiResourceLink",
          title: "Graded",
          url: `${tool.origin}/launch`,
          lineItem: { scoreMaximum: 10 },
        },
        { type: "ltiResourceLink", title: "Reading", url: `${tool.origin}/launch` },
      ]);
      assert.match(res.html, /2 items added/);
      const [graded, reading] = (await activities()).slice(before);
      const items = await t.ctx.db
        .selectFrom("grade_items")
        .select(["activity_id", "max_grade"])
        .where("activity_id", "in", [graded?.id ?? 0, reading?.id ?? 0])
        .execute();
      assert.deepEqual(
        items.map((i) => [i.activity_id, Number(i.max_grade)]),
        [[graded?.id, 10]],
      );
      assert.equal(readLtiSettings(reading?.settings).acceptGrades, false);
    });

    const refusals: Array<{
      why: string;
      send: (data: string) => Promise<{ status: number; html: string }>;
      code: string;
      status: number;
    }> = [
      {
        why: "a wrong data",
        send: () => respond("not-a-request", [{ type: "link", url: "https://x.example.org/" }]),
        code: "dl_data_mismatch",
        status: 400,
      },
      {
        why: "no data at all",
        send: () => respond(undefined, [{ type: "link", url: "https://x.example.org/" }]),
        code: "dl_data_mismatch",
        status: 400,
      },
      {
        why: "an expired request",
        send: async (data) => {
          t.clock.advance(11 * 60);
          return respond(data, [{ type: "link", url: "https://x.example.org/" }]);
        },
        code: "dl_expired",
        status: 401,
      },
      {
        why: "a wrong aud",
        send: (data) =>
          respond(data, [{ type: "link", url: "https://x.example.org/" }], { aud: "https://other.example" }),
        code: "jwt_wrong_audience",
        status: 401,
      },
      {
        why: "a wrong signature",
        send: (data) =>
          respond(data, [{ type: "link", url: "https://x.example.org/" }], { signWith: otherKey }),
        code: "jwt_invalid_signature",
        status: 401,
      },
      {
        why: "an unknown kid",
        send: (data) => respond(data, [{ type: "link", url: "https://x.example.org/" }], { kid: "nope" }),
        code: "jwt_unknown_kid",
        status: 401,
      },
      {
        why: "a tool link off the tool's host",
        send: (data) =>
          respond(data, [
            { type: "link", title: "Fine", url: "https://x.example.org/" },
            { type: "ltiResourceLink", title: "Elsewhere", url: "https://elsewhere.example.org/launch" },
          ]),
        code: "dl_invalid_item",
        status: 400,
      },
      {
        why: "a JWT that is not one",
        send: () => postJwt("not.a.jwt"),
        code: "dl_invalid_jwt",
        status: 401,
      },
    ];
    for (const c of refusals) {
      it(`refuses ${c.why} (${c.code}), nothing added`, async () => {
        const data = dataOf(await deepLinkingRequest());
        const before = (await activities()).length;
        const res = await c.send(data);
        assert.equal(codeOf(res.html), c.code, res.html.slice(0, 500));
        assert.equal(res.status, c.status);
        assert.equal((await activities()).length, before);
        const logged = (await listLaunchLog(t.ctx.db, { direction: "in", limit: 1 }))[0];
        assert.equal(logged?.result, "rejected");
        assert.equal(logged?.reason, c.code);
      });
    }

    it("shows the tool's message when the teacher cancelled (no items)", async () => {
      const data = dataOf(await deepLinkingRequest());
      const before = (await activities()).length;
      const res = await respond(data, [], { errormsg: "Nothing was chosen in Picker" });
      assert.equal(res.status, 200);
      assert.match(res.html, /Nothing was added: Nothing was chosen in Picker/);
      assert.match(res.html, /data-kind="cancelled"/);
      assert.equal((await activities()).length, before);
    });

    it("re-links an existing activity: its link is replaced, no activity added", async () => {
      const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
        type: "lti",
        name: "Old link",
        section: 1,
        settings: { toolTypeId },
      });
      assert.equal(a.status, 201, a.body);
      const id = (a.json as { id: number }).id;
      const edit = await tina.get(`/mod/${id}/edit`);
      assert.match(edit.body, /Select content/);
      const idToken = await deepLinkingRequest(id);
      const settings = idToken[`${DL}deep_linking_settings`] as Record<string, unknown>;
      assert.deepEqual(settings.accept_types, ["ltiResourceLink"]);
      assert.equal(settings.accept_multiple, false);
      const before = (await activities()).length;
      const res = await respond(String(settings.data), [
        { type: "ltiResourceLink", url: `${tool.origin}/launch?unit=2`, custom: { unit: "2" } },
      ]);
      assert.equal(res.status, 200, res.html);
      assert.equal((await activities()).length, before);
      const after = (await activities()).find((x) => x.id === id);
      assert.equal(after?.name, "Old link");
      const s = readLtiSettings(after?.settings);
      assert.equal(s.toolUrl, `${tool.origin}/launch?unit=2`);
      assert.equal(s.customParameters, "unit=2");
    });

    it("refuses a teacher of another course (the request is bound to user and course)", async () => {
      const page = await olga.post(`/course/${courseId}/add/select-content`, {
        toolTypeId: String(toolTypeId),
        section: "1",
      });
      assert.equal(page.statusCode, 403);
      // Tina's request, its authentication request opened in Olga's session: refused, no id_token.
      const tinas = await tina.post(`/course/${courseId}/add/select-content`, {
        toolTypeId: String(toolTypeId),
        section: "1",
      });
      const login = readLaunchForm(tinas.body);
      const toTool = await fetch(login.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(login.fields).toString(),
        redirect: "manual",
      });
      const auth = new URL(String(toTool.headers.get("location")));
      const res = await olga.get(`${auth.pathname}${auth.search}`);
      assert.doesNotMatch(res.body, /name="id_token"/);
      assert.equal((await listLaunchLog(t.ctx.db, { direction: "in", limit: 1 }))[0]?.result, "rejected");
      // Her own course works.
      const own = await olga.post(`/course/${otherCourseId}/add/select-content`, {
        toolTypeId: String(toolTypeId),
        section: "0",
      });
      assert.equal(own.statusCode, 200, own.body);
    });
  });
}

describe("the Deep Linking dialog's result message", () => {
  const script = readFileSync(new URL("../../../../public/lti-deep-linking.js", import.meta.url), "utf8");
  const sandbox: Record<string, unknown> = {};
  runInNewContext(`${script}\nthis.deepLinkingResult = deepLinkingResult;`, sandbox);
  const result = sandbox.deepLinkingResult as (data: unknown, origin: string, own: string) => unknown;
  const OWN = "https://pluto.example";
  const done = { subject: "pluto.lti.deep-linking.done", kind: "added", href: "/course/3#section-1" };
  it("takes a return page's message from Pluto's own origin", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(result({ ...done, message: "3 items added" }, OWN, OWN))), {
      kind: "added",
      href: "/course/3#section-1",
      message: "3 items added",
    });
  });
  const refused: Array<[string, unknown, string, string]> = [
    ["from the tool's origin", done, "https://tool.example", OWN],
    ["from the same host on http", done, "http://pluto.example", OWN],
    ["from an opaque origin", done, "null", "null"],
    ["with another subject", { ...done, subject: "org.imsglobal.lti.close" }, OWN, OWN],
    ["with an unknown kind", { ...done, kind: "deleted" }, OWN, OWN],
    ["sending the page to another site", { ...done, href: "//evil.example/" }, OWN, OWN],
    ["sending the page to a full URL", { ...done, href: "https://evil.example/" }, OWN, OWN],
    ["sending the page to a script", { ...done, href: "javascript:alert(1)" }, OWN, OWN],
    ["as a string", "pluto.lti.deep-linking.done", OWN, OWN],
    ["as null", null, OWN, OWN],
  ];
  for (const [why, data, origin, own] of refused)
    it(`ignores a message ${why}`, () => {
      assert.equal(result(data, origin, own), null);
    });
});
