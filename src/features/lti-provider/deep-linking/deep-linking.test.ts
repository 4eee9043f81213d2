// Deep Linking with Pluto as the tool, driven by a scratch platform signing with jose (not Pluto's platform
// code): its LtiDeepLinkingRequest goes through the login and the Deep Linking redirect URI, a teacher gets
// the picker of the published course and its activities, and the choice comes back as an
// LtiDeepLinkingResponse that jose verifies against Pluto's JWKS. A launch of a chosen item lands on its
// activity. Learners, replayed choices and platforms that take no LTI links are refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { sql } from "kysely";
import { api, continueLaunch, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, makeCourse, quizSettings } from "../../../../test/support/factories.js";
import {
  registerPlatform,
  type ScratchIssuer,
  startScratchIssuer,
} from "../../../../test/support/lti13-scratch-platform.js";
import { DEEP_LINK_TTL_SECONDS } from "./deep-linking.service.js";

const LTI = "https://purl.imsglobal.org/spec/lti/claim/";
const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
const INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";
const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
const CLIENT_ID = "pluto-at-district";
const DEPLOYMENT = "dep-1";
const RETURN_URL = "https://lms.district.example/deep_link_return?course=5";

const form = (fields: Record<string, string | string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) q.append(k, x);
  return q.toString();
};

/** The picker's choices in order, and its token. */
function readPicker(html: string) {
  const choices: Array<{ label: string; value: string; type: string }> = [];
  for (const m of html.matchAll(
    /<input type="(checkbox|radio)" id="dl-item-\d+" name="item" value="(\d+)"\s*\/?>\s*<label for="dl-item-\d+">([^<]*)<\/label>/g,
  ))
    choices.push({ label: m[3]!, value: m[2]!, type: m[1]! });
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  const value = (label: string) => choices.find((c) => c.label === label)!.value;
  return { choices, token, value };
}

/** The response page's form: where it posts, and its JWT. */
function readResponse(html: string) {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
  const jwt = /name="JWT" value="([^"]+)"/.exec(html)?.[1];
  return { action, jwt };
}

for (const engine of testEngines()) {
  describe(`Deep Linking into Pluto as an LTI 1.3 tool (${engine})`, () => {
    let t: TestApp;
    let lms: ScratchIssuer;
    let courseId: number;
    let courseName: string;
    let uuid: string;
    let deepLinkingUrl: string;
    let launchUrl: string;
    let quizId: number;
    let pageId: number;
    /** The enabled publication of one activity (made by the test without a publication id). */
    let lab: { uuid: string; activityId: number } | undefined;

    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      lms = await startScratchIssuer();
      const token = await t.token((await t.admin()).id);
      await registerPlatform(t, token, { origin: lms.url, clientId: CLIENT_ID, deploymentId: DEPLOYMENT });
      const course = await makeCourse(t, { fullname: "Biology 101" });
      courseId = course.id;
      courseName = course.fullname;
      quizId = (
        await addActivity(t, courseId, { type: "quiz", name: "Cells quiz", settings: quizSettings(2, 20) })
      ).id;
      pageId = (
        await addActivity(t, courseId, { type: "page", name: "Reading", settings: { content: "Read." } })
      ).id;
      const pub = await api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.3",
        name: "District",
      });
      assert.equal(pub.status, 201, pub.body);
      const p = pub.json as { customParameters: { id: string }; launchUrl: string; deepLinkingUrl: string };
      uuid = p.customParameters.id;
      launchUrl = p.launchUrl;
      deepLinkingUrl = p.deepLinkingUrl;
    });
    after(async () => {
      await lms.close();
      await t.close();
    });

    /** The login initiation for `target`; Pluto's redirect to the platform, with state, nonce and cookie. */
    async function login(target: string) {
      const q = new URLSearchParams({
        iss: lms.url,
        login_hint: "hint-1",
        target_link_uri: target,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
      });
      const res = await t.app.inject({ method: "GET", url: `/lti/tool/login?${q}` });
      assert.equal(res.statusCode, 302, res.body);
      const auth = new URL(String(res.headers.location));
      const cookie = res.cookies.find((c) => c.name.startsWith("lti1p3_state_"));
      assert.ok(cookie);
      return {
        state: auth.searchParams.get("state")!,
        nonce: auth.searchParams.get("nonce")!,
        redirectUri: auth.searchParams.get("redirect_uri")!,
        cookie,
      };
    }

    function dlClaims(
      nonce: string,
      roles: string[],
      settings: Record<string, unknown> = {},
      custom: Record<string, string> = { id: uuid },
    ) {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      return {
        iss: lms.url,
        aud: CLIENT_ID,
        sub: roles.includes(LEARNER) ? "sub-student-9" : "sub-teacher-9",
        iat: now,
        exp: now + 300,
        nonce,
        name: "Rui Costa",
        [`${LTI}message_type`]: "LtiDeepLinkingRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: deepLinkingUrl,
        [`${LTI}roles`]: roles,
        [`${LTI}context`]: { id: "ctx-5", title: "Biology at the district" },
        [`${LTI}custom`]: custom,
        [`${DL}deep_linking_settings`]: {
          deep_link_return_url: RETURN_URL,
          accept_types: ["ltiResourceLink", "link"],
          accept_presentation_document_targets: ["iframe", "window"],
          accept_multiple: true,
          accept_lineitem: true,
          data: "csrf=abc&x=1",
          ...settings,
        },
      };
    }

    async function post(
      path: string,
      fields: Record<string, string | string[]>,
      cookie?: { name: string; value: string },
    ) {
      return t.app.inject({
        method: "POST",
        url: path,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        ...(cookie ? { cookies: { [cookie.name]: cookie.value } } : {}),
        payload: form(fields),
      });
    }

    /** A Deep Linking request through login and the redirect URI it was given; Pluto's answer. */
    async function request(
      roles: string[],
      settings: Record<string, unknown> = {},
      redirect?: string,
      custom?: Record<string, string>,
    ) {
      const l = await login(deepLinkingUrl);
      assert.equal(l.redirectUri, deepLinkingUrl, "the Deep Linking URL is the redirect URI");
      const idToken = await lms.sign(dlClaims(l.nonce, roles, settings, custom));
      return post(
        new URL(redirect ?? l.redirectUri).pathname,
        { id_token: idToken, state: l.state },
        l.cookie,
      );
    }

    const lastLog = async () =>
      (
        await sql<{ result: string; reason: string }>`select result, reason from lti_launch_log
          order by id desc limit 1`.execute(t.ctx.db)
      ).rows[0];

    async function verifiedResponse(html: string) {
      const { action, jwt } = readResponse(html);
      assert.equal(action, RETURN_URL, "the form posts to deep_link_return_url");
      assert.ok(jwt, "the form carries the JWT field");
      assert.match(html, /data-autosubmit/);
      assert.match(html, /<button type="submit">Continue to your course<\/button>/);
      const jwks = (await t.app.inject({ url: "/lti/jwks" })).json() as JSONWebKeySet;
      const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
        issuer: CLIENT_ID,
        audience: lms.url,
        algorithms: ["RS256"],
        currentDate: t.clock.now(),
        requiredClaims: ["iat", "exp", "nonce"],
      });
      assert.equal(protectedHeader.kid, jwks.keys[0]?.kid, "signed with the site key Pluto publishes");
      assert.equal(payload[`${LTI}message_type`], "LtiDeepLinkingResponse");
      assert.equal(payload[`${LTI}version`], "1.3.0");
      assert.equal(payload[`${LTI}deployment_id`], DEPLOYMENT);
      return payload;
    }

    it("shows a teacher the published course and its activities, and answers two choices with a signed response", async () => {
      const res = await request([INSTRUCTOR]);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<h1>Select content from Pluto<\/h1>/);
      assert.equal(res.body.match(/<h1[ >]/g)?.length, 1, "one page heading");
      assert.match(res.body, /<legend>Biology 101<\/legend>/);
      const picker = readPicker(res.body);
      assert.deepEqual(
        picker.choices.map((c) => c.label),
        ["The whole course", "Cells quiz (graded out of 20)", "Reading"],
      );
      assert.ok(
        picker.choices.every((c) => c.type === "checkbox"),
        "several at once",
      );
      assert.match(res.body, />Add selected<\/button>/);
      assert.match(res.body, />Cancel<\/button>/);
      assert.ok(picker.token);

      const chosen = await post("/lti/tool/deep-linking/choice", {
        token: picker.token,
        action: "add",
        item: [picker.value("Cells quiz (graded out of 20)"), picker.value("Reading")],
      });
      assert.equal(chosen.statusCode, 200, chosen.body);
      const payload = await verifiedResponse(chosen.body);
      assert.equal(payload[`${DL}data`], "csrf=abc&x=1", "data is echoed");
      assert.deepEqual(payload[`${DL}content_items`], [
        {
          type: "ltiResourceLink",
          url: launchUrl,
          title: "Cells quiz",
          text: courseName,
          custom: { id: uuid, activity: String(quizId) },
          lineItem: { scoreMaximum: 20, label: "Cells quiz", resourceId: `pluto:activity:${quizId}` },
        },
        {
          type: "ltiResourceLink",
          url: launchUrl,
          title: "Reading",
          text: courseName,
          custom: { id: uuid, activity: String(pageId) },
        },
      ]);
      assert.deepEqual(await lastLog(), { result: "ok", reason: "" });

      const replay = await post("/lti/tool/deep-linking/choice", {
        token: picker.token,
        action: "add",
        item: picker.value("Reading"),
      });
      assert.equal(replay.statusCode, 400, replay.body);
      assert.match(replay.body, /already sent or has expired/);
      assert.deepEqual(await lastLog(), { result: "rejected", reason: "deep_linking_choice_unknown" });
    });

    it("offers radio buttons when the platform takes one item, and Cancel answers with no items", async () => {
      const res = await request([INSTRUCTOR], {
        accept_multiple: false,
        accept_lineitem: false,
        data: undefined,
      });
      assert.equal(res.statusCode, 200, res.body);
      const picker = readPicker(res.body);
      assert.ok(picker.choices.every((c) => c.type === "radio"));
      const two = await post("/lti/tool/deep-linking/choice", {
        token: picker.token!,
        action: "add",
        item: ["0", "1"],
      });
      assert.equal(two.statusCode, 400, "two items where one is taken");
      assert.deepEqual(await lastLog(), { result: "rejected", reason: "dl_multiple_not_accepted" });
      const cancel = await post("/lti/tool/deep-linking/choice", { token: picker.token!, action: "cancel" });
      assert.equal(cancel.statusCode, 200, cancel.body);
      const payload = await verifiedResponse(cancel.body);
      assert.deepEqual(payload[`${DL}content_items`], []);
      assert.equal(payload[`${DL}data`], undefined, "no data when the request had none");
    });

    it("works without the state cookie through Platform Storage, posting back to the Deep Linking URL", async () => {
      const q = new URLSearchParams({
        iss: lms.url,
        login_hint: "hint-1",
        target_link_uri: deepLinkingUrl,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
        lti_storage_target: "_parent",
      });
      const res = await t.app.inject({ method: "GET", url: `/lti/tool/login?${q}` });
      assert.equal(res.statusCode, 200, res.body);
      const href = /<a id="lti-tool-continue" href="([^"]+)"/.exec(res.body)?.[1];
      assert.ok(href, res.body);
      const auth = new URL(href.replaceAll("&amp;", "&"));
      assert.equal(auth.searchParams.get("redirect_uri"), deepLinkingUrl);
      const state = auth.searchParams.get("state")!;
      const nonce = auth.searchParams.get("nonce")!;
      const idToken = await lms.sign(dlClaims(nonce, [INSTRUCTOR]));
      const read = await post("/lti/tool/deep-linking", { id_token: idToken, state });
      assert.equal(read.statusCode, 200, read.body);
      assert.match(
        read.body,
        /<form method="post" action="\/lti\/tool\/deep-linking" data-lti-tool-storage="get"/,
      );
      const picker = await post("/lti/tool/deep-linking", {
        id_token: idToken,
        state,
        lti_storage_read: "1",
        lti_storage_state: state,
        lti_storage_nonce: nonce,
      });
      assert.equal(picker.statusCode, 200, picker.body);
      assert.ok(readPicker(picker.body).token, "the picker");
    });

    it("refuses a choice made after the choice token expired", async () => {
      const res = await request([INSTRUCTOR]);
      const picker = readPicker(res.body);
      t.clock.advance(DEEP_LINK_TTL_SECONDS + 1);
      const late = await post("/lti/tool/deep-linking/choice", {
        token: picker.token!,
        action: "add",
        item: picker.value("Reading"),
      });
      assert.equal(late.statusCode, 400, late.body);
      assert.doesNotMatch(late.body, /name="JWT"/);
      assert.deepEqual(await lastLog(), { result: "rejected", reason: "deep_linking_choice_unknown" });
    });

    it("answers a platform that takes no LTI links with an error response, not a picker", async () => {
      const res = await request([INSTRUCTOR], { accept_types: ["link", "file"] });
      assert.equal(res.statusCode, 200, res.body);
      const payload = await verifiedResponse(res.body);
      assert.deepEqual(payload[`${DL}content_items`], []);
      assert.match(String(payload[`${DL}errormsg`]), /LTI resource links/);
      assert.deepEqual(await lastLog(), { result: "rejected", reason: "dl_type_not_accepted" });
    });

    it("refuses a learner with a 403 page and a launch log row, at either redirect URI", async () => {
      for (const redirect of [undefined, launchUrl]) {
        const res = await request([LEARNER], {}, redirect);
        assert.equal(res.statusCode, 403, res.body);
        assert.match(res.body, /Only teachers can choose content/);
        assert.doesNotMatch(res.body, /name="token"/);
        assert.deepEqual(await lastLog(), { result: "rejected", reason: "deep_linking_not_allowed" });
      }
    });

    it("without a publication id, offers every enabled LTI Advantage publication: a published activity alone", async () => {
      const token = await t.token((await t.admin()).id);
      const other = await makeCourse(t, { fullname: "Chemistry 201" });
      const safety = await addActivity(t, other.id, {
        type: "page",
        name: "Lab safety",
        settings: { content: "Safe." },
      });
      for (const [name, status] of [
        ["Lab only", "enabled"],
        ["Switched off", "disabled"],
      ] as const) {
        const res = await api(t.app, token, "POST", `/api/v1/courses/${other.id}/enrol-methods`, {
          method: "lti",
          ltiVersion: "1.3",
          name,
          publish: "activity",
          activityId: safety.id,
          status,
        });
        assert.equal(res.status, 201, res.body);
        if (status === "enabled")
          lab = {
            uuid: (res.json as { customParameters: { id: string } }).customParameters.id,
            activityId: safety.id,
          };
      }
      const res = await request([INSTRUCTOR], {}, undefined, {});
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<legend>Biology 101<\/legend>/);
      assert.match(res.body, /<legend>Chemistry 201<\/legend>/);
      // Chemistry 201 is published as one activity (the disabled publication of it is not offered).
      assert.deepEqual(
        readPicker(res.body).choices.map((c) => c.label),
        ["The whole course", "Cells quiz (graded out of 20)", "Reading", "Lab safety"],
      );
    });

    /** A resource link launch of a chosen item: its custom parameters as the platform keeps them. */
    async function launchItem(custom: Record<string, string>, sub: string) {
      const l = await login(launchUrl);
      assert.equal(l.redirectUri, launchUrl);
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const idToken = await lms.sign({
        iss: lms.url,
        aud: CLIENT_ID,
        sub,
        iat: now,
        exp: now + 300,
        nonce: l.nonce,
        name: "Ana Lima",
        [`${LTI}message_type`]: "LtiResourceLinkRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: launchUrl,
        [`${LTI}resource_link`]: { id: `rl-${sub}`, title: "Chosen item" },
        [`${LTI}roles`]: [LEARNER],
        [`${LTI}context`]: { id: "ctx-5" },
        [`${LTI}custom`]: custom,
      });
      return post("/lti/tool/launch", { id_token: idToken, state: l.state }, l.cookie);
    }

    it("refuses a launch naming an activity that is not the course's, and lands an activity publication on its own", async () => {
      const gone = await launchItem({ id: uuid, activity: "999999" }, "sub-student-11");
      assert.equal(gone.statusCode, 404, gone.body);
      assert.deepEqual(await lastLog(), { result: "rejected", reason: "tool_unavailable" });
      assert.ok(lab, "the activity publication of the test before");
      const own = await launchItem({ id: lab.uuid, activity: String(quizId) }, "sub-student-12");
      assert.equal(own.statusCode, 303, own.body);
      const session = own.cookies.find((c) => c.name === "pluto_session");
      const cont = await t.app.inject({
        url: String(own.headers.location),
        cookies: { pluto_session: session!.value },
      });
      assert.equal(cont.headers.location, `/mod/${lab.activityId}`, "the published activity, not another");
    });

    it("launches a chosen activity's link into the activity, enrolled in the published course", async () => {
      const res = await launchItem({ id: uuid, activity: String(quizId) }, "sub-student-10");
      assert.equal(res.statusCode, 303, res.body);
      const { session, cont } = await continueLaunch(t.app, res);
      assert.equal(cont.headers.location, `/mod/${quizId}`, "onto the chosen activity");
      const enrolled = await sql<{ n: number }>`select count(*) as n from enrolments e
        join enrol_instances i on i.id = e.instance_id
        join lti_user_links l on l.user_id = e.user_id
        where i.course_id = ${courseId} and l.remote_user_id = 'sub-student-10'`.execute(t.ctx.db);
      assert.equal(Number(enrolled.rows[0]!.n), 1, "enrolled in the published course");
      const page = await t.app.inject({ url: `/mod/${quizId}`, cookies: { pluto_session: session } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Cells quiz/);
    });
  });
}
