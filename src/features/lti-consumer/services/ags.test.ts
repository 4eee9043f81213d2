// Assignment and Grade Services 2.0 against a running Pluto, with tools that sign their client assertions
// with jose: the launch's endpoint claim, every refusal with its JSON error and status, a full flow (line
// item created as a gradebook column, scores rescaled, above the maximum, cleared, stale, pending, the
// comment on the student's report, results paged with rel="next", the history row naming the tool), a token
// used in another course of the same tool, another tool's token refused, and course copy (§3.2.15).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { freePort, readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { type Lti13TestTool, startLti13Tool } from "../../../../test/support/lti13-tool.js";
import { AGS_SCOPE } from "../../../lti/vocab/claims.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";

const AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
const LINE_ITEM = "application/vnd.ims.lis.v2.lineitem+json";
const CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json";
const SCORE = "application/vnd.ims.lis.v1.score+json";
const RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json";
const ALL = Object.values(AGS_SCOPE);

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
/** The members the tests read of a line item, result or JSON error. */
interface Doc {
  [member: string]: unknown;
  id: string;
  label: string;
  resourceLinkId: string;
  error: string;
  error_description: string;
  field: string;
  userId: string;
  resultScore: number;
}
interface Res {
  status: number;
  /** A document or an array of them. */
  json: Doc & Doc[];
  headers: Headers;
}

for (const engine of testEngines()) {
  describe(`LTI Assignment and Grade Services (${engine})`, () => {
    let t: TestApp;
    let tool: Lti13TestTool;
    let pluto: string;
    let keyA: KeyPair;
    let keyB: KeyPair;
    let toolA: { id: number; clientId: string };
    let toolB: { id: number; clientId: string };
    let course1: number;
    let course2: number;
    let course3: number;
    let activity1: number;
    let activity2: number;
    let activityB: number;
    let sam: Client;
    let samId: number;
    let sueId: number;
    let tinaId: number;
    let samSub: string;
    let sueSub: string;
    let tinaSub: string;
    let adminToken: string;
    let jti = 0;
    let clock = Date.parse("2026-05-01T10:00:00.000Z");
    const stamp = () => {
      clock += 1000;
      return new Date(clock).toISOString();
    };

    before(async () => {
      tool = await startLti13Tool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      adminToken = await t.token((await t.admin()).id);
      keyA = await generateKeyPair("RS256", { extractable: true });
      keyB = await generateKeyPair("RS256", { extractable: true });
      const register = async (name: string, key: KeyPair) => {
        const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
          ltiVersion: "1.3",
          name,
          toolUrl: `${tool.origin}/launch`,
          initiateLoginUrl: `${tool.origin}/login`,
          redirectUris: [`${tool.origin}/launch`],
          publicKey: await exportSPKI(key.publicKey),
        });
        assert.equal(res.status, 201, res.body);
        return res.json as { id: number; clientId: string };
      };
      toolA = await register("Grader", keyA);
      toolB = await register("Other", keyB);
      course1 = (await makeCourse(t, { fullname: "Biology", shortname: "BIO1" })).id;
      course2 = (await makeCourse(t, { fullname: "Biology 2", shortname: "BIO2" })).id;
      course3 = (await makeCourse(t, { fullname: "History", shortname: "HIS1" })).id;
      const tina = await t.user("tina", { firstname: "Tina", lastname: "Teach" });
      const samU = await t.user("sam", { firstname: "Sam", lastname: "Student" });
      const sue = await t.user("sue", { firstname: "Sue", lastname: "Student" });
      tinaId = tina.id;
      samId = samU.id;
      sueId = sue.id;
      for (const c of [course1, course2]) {
        await enrolAs(t, c, tina.id, "editingteacher");
        await enrolAs(t, c, samU.id, "student");
        await enrolAs(t, c, sue.id, "student");
      }
      const teacherToken = await t.token(tina.id);
      const addLti = async (courseId: number, name: string, toolTypeId: number) => {
        const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${courseId}/activities`, {
          type: "lti",
          name,
          section: 1,
          settings: { toolTypeId },
        });
        assert.equal(a.status, 201, a.body);
        return (a.json as { id: number }).id;
      };
      activity1 = await addLti(course1, "Cell quiz", toolA.id);
      activity2 = await addLti(course2, "Cell quiz 2", toolA.id);
      activityB = await addLti(course1, "Other quiz", toolB.id);
      const secret = await siteSecret(t.ctx.db, t.ctx.clock);
      samSub = opaqueUserId(secret, samId);
      sueSub = opaqueUserId(secret, sueId);
      tinaSub = opaqueUserId(secret, tinaId);
      sam = await t.client("sam");
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    async function tokenFor(
      who: { clientId: string },
      key: KeyPair,
      scopes: readonly string[],
    ): Promise<string> {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const assertion = await new SignJWT({
        iss: who.clientId,
        sub: who.clientId,
        aud: `${pluto}/lti/token`,
        iat: now,
        exp: now + 60,
        jti: `ags-${engine}-${++jti}`,
      })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(key.privateKey);
      const res = await fetch(`${pluto}/lti/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
          scope: scopes.join(" "),
        }),
      });
      const json = (await res.json()) as { access_token: string; scope: string };
      assert.equal(res.status, 200, JSON.stringify(json));
      assert.equal(json.scope, scopes.join(" "));
      return json.access_token;
    }

    async function call(
      method: string,
      url: string,
      token: string | undefined,
      opts: { body?: unknown; type?: string; accept?: string; raw?: string } = {},
    ): Promise<Res> {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (opts.accept !== undefined) headers.accept = opts.accept;
      if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] = opts.type ?? LINE_ITEM;
      const res = await fetch(url, {
        method,
        headers,
        ...(opts.raw !== undefined
          ? { body: opts.raw }
          : opts.body !== undefined
            ? { body: JSON.stringify(opts.body) }
            : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text === "" ? undefined : JSON.parse(text), headers: res.headers };
    }

    const lineItems = (courseId: number) => `${pluto}/lti/ags/${courseId}/lineitems`;
    const score = (userId: string, over: Record<string, unknown> = {}) => ({
      userId,
      timestamp: stamp(),
      activityProgress: "Completed",
      gradingProgress: "FullyGraded",
      ...over,
    });
    const gradeOf = async (itemUrl: string, userId: number) => {
      const row = await t.ctx.db
        .selectFrom("lti_line_items as l")
        .innerJoin("grades as g", "g.item_id", "l.grade_item_id")
        .select(["g.grade", "g.progress", "g.feedback", "g.score_timestamp", "g.tool_type_id"])
        .where("l.id", "=", Number(itemUrl.split("/").at(-1)))
        .where("g.user_id", "=", userId)
        .executeTakeFirst();
      return row;
    };
    const courseTotal = async (courseId: number, userId: number) =>
      (
        await t.ctx.db
          .selectFrom("grades as g")
          .innerJoin("grade_items as i", "i.id", "g.item_id")
          .select("g.grade")
          .where("i.course_id", "=", courseId)
          .where("i.kind", "=", "total")
          .where("g.user_id", "=", userId)
          .executeTakeFirst()
      )?.grade ?? null;

    let ownItem: string;

    /** The claims of the id_token a student's launch of `activityId` sends the tool. */
    async function launchClaims(activityId: number): Promise<Record<string, unknown>> {
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      const form = readLaunchForm(page.body);
      const login = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
        redirect: "manual",
      });
      const auth = await fetch(String(login.headers.get("location")), { redirect: "manual" });
      const answer = readLaunchForm(await auth.text());
      return decodeJwt(answer.fields.id_token ?? "") as Record<string, unknown>;
    }

    it("sends no endpoint claim when the tool may not send grades or the activity takes none", async () => {
      const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "No grades",
        toolUrl: `${tool.origin}/launch`,
        initiateLoginUrl: `${tool.origin}/login`,
        redirectUris: [`${tool.origin}/launch`],
        publicKey: await exportSPKI(keyB.publicKey),
        acceptGrades: false,
      });
      assert.equal(res.status, 201, res.body);
      const teacherToken = await t.token(tinaId);
      const add = async (name: string, settings: Record<string, unknown>) => {
        const a = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course1}/activities`, {
          type: "lti",
          name,
          section: 1,
          settings,
        });
        assert.equal(a.status, 201, a.body);
        return (a.json as { id: number }).id;
      };
      const ungradedTool = await add("Survey", { toolTypeId: (res.json as { id: number }).id });
      const ungradedActivity = await add("Practice", { toolTypeId: toolA.id, acceptGrades: false });
      for (const id of [ungradedTool, ungradedActivity]) {
        const claims = await launchClaims(id);
        assert.equal(
          claims["https://purl.imsglobal.org/spec/lti/claim/message_type"],
          "LtiResourceLinkRequest",
        );
        assert.equal(claims[AGS_CLAIM], undefined);
      }
    });

    it("puts the endpoint claim in the launch: scopes, lineitems and the link's one line item", async () => {
      const claims = await launchClaims(activity1);
      const ags = claims[AGS_CLAIM] as { scope: string[]; lineitems: string; lineitem: string };
      assert.deepEqual([...ags.scope].sort(), [...ALL].sort());
      assert.equal(ags.lineitems, lineItems(course1));
      assert.match(ags.lineitem, new RegExp(`^${lineItems(course1)}/\\d+$`));
      ownItem = ags.lineitem;
      const token = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItemReadOnly]);
      const res = await call("GET", ownItem, token, { accept: LINE_ITEM });
      assert.equal(res.status, 200);
      assert.match(
        String(res.headers.get("content-type")),
        /^application\/vnd\.ims\.lis\.v2\.lineitem\+json/,
      );
      assert.deepEqual(res.json, {
        id: ownItem,
        label: "Cell quiz",
        scoreMaximum: 100,
        resourceLinkId: String(activity1),
      });
    });

    it("refuses each bad request with its status and a JSON error naming the reason", async () => {
      const readOnly = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItemReadOnly]);
      const writer = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItem]);
      const scorer = await tokenFor(toolA, keyA, [AGS_SCOPE.score]);
      const none = await call("GET", lineItems(course1), undefined);
      assert.equal(none.status, 401);
      assert.equal(none.json.error, "bearer_invalid_token");
      assert.match(String(none.headers.get("www-authenticate")), /^Bearer error="invalid_token"/);
      assert.equal((await call("GET", lineItems(course1), "not-a-token")).status, 401);
      const cases: Array<[Promise<Res>, number, string, string?]> = [
        [
          call("POST", lineItems(course1), readOnly, { body: { label: "X", scoreMaximum: 1 } }),
          403,
          "bearer_insufficient_scope",
        ],
        [call("GET", lineItems(course1), scorer), 403, "bearer_insufficient_scope"],
        [
          call("POST", `${ownItem}/scores`, writer, { body: score(samSub), type: SCORE }),
          403,
          "bearer_insufficient_scope",
        ],
        [call("GET", `${ownItem}/results`, writer), 403, "bearer_insufficient_scope"],
        [
          call("POST", lineItems(course1), writer, {
            body: { label: "X", scoreMaximum: 1 },
            type: "text/plain",
          }),
          415,
          "ags_unsupported_media_type",
          "Content-Type",
        ],
        [
          call("GET", lineItems(course1), writer, { accept: "text/html" }),
          406,
          "ags_not_acceptable",
          "Accept",
        ],
        [call("POST", lineItems(course1), writer, { raw: "{not json" }), 400, "invalid_json", "body"],
        [
          call("POST", lineItems(course1), writer, { body: { label: " ", scoreMaximum: 1 } }),
          400,
          "ags_invalid_line_item",
          "label",
        ],
        [
          call("POST", lineItems(course1), writer, { body: { label: "X", scoreMaximum: 0 } }),
          400,
          "ags_invalid_line_item",
          "scoreMaximum",
        ],
        [
          call("POST", lineItems(course1), writer, {
            body: { label: "X", scoreMaximum: 5, resourceLinkId: String(activityB) },
          }),
          404,
          "resource_link_not_found",
          "resourceLinkId",
        ],
        [call("GET", `${lineItems(course1)}/999999`, writer), 404, "line_item_not_found"],
        [call("GET", `${pluto}/lti/ags/abc/lineitems`, writer), 404, "context_not_found"],
        [call("GET", lineItems(course3), writer), 404, "context_not_found"],
        [call("GET", `${lineItems(course1)}?limit=0`, writer), 400, "ags_invalid_query", "limit"],
        [
          call("POST", `${ownItem}/scores`, scorer, {
            body: score(tinaSub, { scoreGiven: 1, scoreMaximum: 1 }),
            type: SCORE,
          }),
          422,
          "user_not_gradable",
          "userId",
        ],
        [
          call("POST", `${ownItem}/scores`, scorer, {
            body: score("nobody", { scoreGiven: 1, scoreMaximum: 1 }),
            type: SCORE,
          }),
          422,
          "user_not_gradable",
          "userId",
        ],
        [
          call("POST", `${ownItem}/scores`, scorer, {
            body: score(samSub, { timestamp: "/Date(1493480000000)/" }),
            type: SCORE,
          }),
          400,
          "ags_invalid_score",
          "timestamp",
        ],
        [
          call("POST", `${ownItem}/scores`, scorer, { body: score(samSub, { scoreGiven: 3 }), type: SCORE }),
          400,
          "ags_invalid_score",
          "scoreMaximum",
        ],
        [
          call("POST", `${ownItem}/scores`, scorer, {
            body: score(samSub, { activityProgress: "Done" }),
            type: SCORE,
          }),
          400,
          "ags_invalid_score",
          "activityProgress",
        ],
        [
          call("POST", `${ownItem}/scores`, scorer, { body: score(samSub), type: LINE_ITEM }),
          415,
          "ags_unsupported_media_type",
        ],
        [call("DELETE", ownItem, writer), 403, "line_item_not_deletable"],
      ];
      for (const [pending, status, error, field] of cases) {
        const res = await pending;
        assert.equal(res.status, status, JSON.stringify(res.json));
        assert.equal(res.json.error, error);
        assert.equal(typeof res.json.error_description, "string");
        if (field !== undefined) assert.equal(res.json.field, field);
      }
      assert.equal(await gradeOf(ownItem, samId), undefined, "no refusal wrote a grade");
    });

    let essay: string;

    it("creates a line item as a gradebook column; scores rescale, exceed, go stale, stay pending, clear", async () => {
      const writer = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItem]);
      const created = await call("POST", lineItems(course1), writer, {
        body: {
          label: "Essay",
          scoreMaximum: 30,
          resourceLinkId: String(activity1),
          tag: "essay",
          resourceId: "e-1",
          extension: { x: 1 },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      essay = created.json.id;
      assert.deepEqual(created.json, {
        id: essay,
        label: "Essay",
        scoreMaximum: 30,
        resourceId: "e-1",
        tag: "essay",
        resourceLinkId: String(activity1),
      });
      const item = await t.ctx.db
        .selectFrom("grade_items")
        .selectAll()
        .where("name", "=", "Essay")
        .executeTakeFirstOrThrow();
      assert.equal(item.kind, "tool");
      assert.equal(item.activity_id, null);
      // Two line items on the link now: the claim has no single lineitem.
      const byLink = await call("GET", `${lineItems(course1)}?resource_link_id=${activity1}`, writer, {
        accept: CONTAINER,
      });
      assert.equal(byLink.status, 200);
      assert.deepEqual(
        byLink.json.map((l: { label: string }) => l.label),
        ["Cell quiz", "Essay"],
      );
      const byTag = await call("GET", `${lineItems(course1)}?tag=essay&resource_id=e-1`, writer);
      assert.deepEqual(
        byTag.json.map((l: { id: string }) => l.id),
        [essay],
      );
      assert.deepEqual((await call("GET", `${lineItems(course1)}?tag=none`, writer)).json, []);

      const scorer = await tokenFor(toolA, keyA, [AGS_SCOPE.score]);
      const post = (body: unknown, url = essay) =>
        call("POST", `${url}/scores`, scorer, { body, type: SCORE });
      // Rescaled: 15/30 on a 30 column is 15; 10/20 the same.
      assert.equal(
        (await post(score(samSub, { scoreGiven: 10, scoreMaximum: 20, comment: "Good structure" }))).status,
        204,
      );
      assert.equal((await gradeOf(essay, samId))?.grade, 15);
      assert.equal(await courseTotal(course1, samId), 15);
      // Above the maximum: kept as extra credit.
      const over = score(samSub, { scoreGiven: 45, scoreMaximum: 30, comment: "Extra credit" });
      assert.equal((await post(over)).status, 204);
      assert.equal((await gradeOf(essay, samId))?.grade, 45);
      // Stale: an older timestamp, and the same one again, change nothing.
      const stale = await post({
        ...score(samSub, { scoreGiven: 1, scoreMaximum: 30 }),
        timestamp: "2026-01-01T00:00:00.000Z",
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.json.error, "stale_timestamp");
      assert.equal((await post({ ...over, scoreGiven: 2 })).status, 409);
      assert.equal((await gradeOf(essay, samId))?.grade, 45);
      // Pending: kept, shown as such, not counted.
      const manual = score(samSub, {
        scoreGiven: 20,
        scoreMaximum: 30,
        gradingProgress: "PendingManual",
        comment: "Awaiting review",
      });
      assert.equal((await post(manual)).status, 204);
      const pending = await gradeOf(essay, samId);
      assert.equal(pending?.grade, 20);
      assert.equal(pending?.progress, "needs_grading");
      assert.equal(await courseTotal(course1, samId), null);
      const report = await sam.get(`/course/${course1}/grades`);
      assert.equal(report.statusCode, 200);
      assert.match(report.body, /Essay/);
      assert.match(report.body, /Needs grading/);
      assert.match(report.body, /Awaiting review/);
      // Final again, with the comment the student sees.
      assert.equal(
        (await post(score(samSub, { scoreGiven: 24, scoreMaximum: 30, comment: "Well argued" }))).status,
        204,
      );
      assert.equal(await courseTotal(course1, samId), 24);
      const mine = await sam.get(`/course/${course1}/grades`);
      assert.match(mine.body, /Well argued/);
      assert.doesNotMatch(mine.body, /Needs grading/);
      // The history names the tool for every change it made.
      const history = await t.ctx.db
        .selectFrom("grade_history as h")
        .innerJoin("grade_items as i", "i.id", "h.item_id")
        .select(["h.grade", "h.source", "h.tool_type_id", "h.progress"])
        .where("i.name", "=", "Essay")
        .where("h.user_id", "=", samId)
        .orderBy("h.id")
        .execute();
      assert.deepEqual(
        history.map((h) => [h.grade, h.source, h.tool_type_id, h.progress]),
        [
          [15, "external", toolA.id, "final"],
          [45, "external", toolA.id, "final"],
          [20, "external", toolA.id, "needs_grading"],
          [24, "external", toolA.id, "final"],
        ],
      );
      // Cleared: no scoreGiven.
      assert.equal((await post(score(sueSub, { scoreGiven: 6, scoreMaximum: 30 }))).status, 204);
      assert.equal((await post(score(sueSub))).status, 204);
      assert.equal((await gradeOf(essay, sueId))?.grade, null);
      // The activity's own item takes scores too, and completion hears of Completed.
      assert.equal((await post(score(sueSub, { scoreGiven: 8, scoreMaximum: 10 }), ownItem)).status, 204);
      assert.equal((await gradeOf(ownItem, sueId))?.grade, 80);
      const done = await t.ctx.db
        .selectFrom("activity_completions")
        .select("viewed")
        .where("activity_id", "=", activity1)
        .where("user_id", "=", sueId)
        .executeTakeFirst();
      assert.equal(done?.viewed, 1, "a Completed score counts as the activity done");
      const started = score(samSub, { activityProgress: "Started" });
      await t.ctx.db.deleteFrom("activity_completions").where("user_id", "=", samId).execute();
      assert.equal((await post(started, ownItem)).status, 204);
      const notYet = await t.ctx.db
        .selectFrom("activity_completions")
        .select("viewed")
        .where("activity_id", "=", activity1)
        .where("user_id", "=", samId)
        .executeTakeFirst();
      assert.notEqual(notYet?.viewed, 1, "Started is not done");
    });

    it("pages results with rel=next carrying the filters, and filters by user_id", async () => {
      const scorer = await tokenFor(toolA, keyA, [AGS_SCOPE.score]);
      await call("POST", `${essay}/scores`, scorer, {
        body: score(sueSub, { scoreGiven: 3, scoreMaximum: 30 }),
        type: SCORE,
      });
      const reader = await tokenFor(toolA, keyA, [AGS_SCOPE.resultReadOnly]);
      const first = await call("GET", `${essay}/results?limit=1`, reader, { accept: RESULTS });
      assert.equal(first.status, 200);
      assert.match(String(first.headers.get("content-type")), /resultcontainer\+json/);
      assert.equal(first.json.length, 1);
      const link = String(first.headers.get("link"));
      const next = /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      assert.ok(next, link);
      assert.match(next, /\/results\?limit=1&page=2$/);
      const second = await call("GET", next, reader);
      assert.equal(second.json.length, 1);
      assert.equal(second.headers.get("link"), null);
      const all = [...first.json, ...second.json];
      assert.deepEqual(all.map((r: { userId: string }) => r.userId).sort(), [samSub, sueSub].sort());
      const samResult = all.find((r: { userId: string }) => r.userId === samSub);
      assert.deepEqual(samResult, {
        id: `${essay}/results?user_id=${samSub}`,
        scoreOf: essay,
        userId: samSub,
        resultScore: 24,
        resultMaximum: 30,
        comment: "Well argued",
      });
      const one = await call("GET", `${essay}/results?user_id=${encodeURIComponent(sueSub)}`, reader);
      assert.deepEqual(
        one.json.map((r: { resultScore: number }) => r.resultScore),
        [3],
      );
      // Line items page too, the filter kept in the next link.
      const items = await call(
        "GET",
        `${lineItems(course1)}?resource_link_id=${activity1}&limit=1`,
        await tokenFor(toolA, keyA, [AGS_SCOPE.lineItemReadOnly]),
      );
      assert.match(
        String(items.headers.get("link")),
        new RegExp(`resource_link_id=${activity1}&limit=1&page=2>; rel="next"`),
      );
    });

    it("honours a token in another course of the same tool, and never on another tool's line items", async () => {
      const scorer = await tokenFor(toolA, keyA, [AGS_SCOPE.score, AGS_SCOPE.lineItem]);
      const other = await call("GET", lineItems(course2), scorer);
      assert.equal(other.status, 200);
      assert.deepEqual(
        other.json.map((l: { resourceLinkId: string }) => l.resourceLinkId),
        [String(activity2)],
      );
      const item2 = String(other.json[0]?.id);
      assert.equal(
        (
          await call("POST", `${item2}/scores`, scorer, {
            body: score(samSub, { scoreGiven: 5, scoreMaximum: 10 }),
            type: SCORE,
          })
        ).status,
        204,
      );
      assert.equal((await gradeOf(item2, samId))?.grade, 50);
      // The same token posts to course 1's line item after course 2's.
      assert.equal(
        (
          await call("POST", `${essay}/scores`, scorer, {
            body: score(sueSub, { scoreGiven: 4, scoreMaximum: 30 }),
            type: SCORE,
          })
        ).status,
        204,
      );

      const foreign = await tokenFor(toolB, keyB, [...ALL]);
      for (const res of [
        await call("GET", essay, foreign),
        await call("PUT", essay, foreign, { body: { label: "Mine", scoreMaximum: 1 } }),
        await call("DELETE", essay, foreign),
        await call("POST", `${essay}/scores`, foreign, {
          body: score(samSub, { scoreGiven: 0, scoreMaximum: 1 }),
          type: SCORE,
        }),
        await call("GET", `${essay}/results`, foreign),
      ]) {
        assert.equal(res.status, 404);
        assert.equal(res.json.error, "line_item_not_found");
      }
      const theirs = await call("GET", lineItems(course1), foreign);
      assert.deepEqual(
        theirs.json.map((l: { resourceLinkId: string }) => l.resourceLinkId),
        [String(activityB)],
      );
      assert.equal((await call("GET", lineItems(course2), foreign)).json.error, "context_not_found");
      assert.equal((await gradeOf(essay, samId))?.grade, 24);
    });

    it("replaces a line item (a new maximum rescales its grades) and deletes the tool's own", async () => {
      const writer = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItem]);
      const put = await call("PUT", essay, writer, {
        body: {
          label: "Essay (final)",
          scoreMaximum: 60,
          tag: "essay",
          resourceId: "e-1",
          resourceLinkId: "1",
          endDateTime: "2026-06-01T00:00:00Z",
        },
      });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.deepEqual(put.json, {
        id: essay,
        label: "Essay (final)",
        scoreMaximum: 60,
        resourceId: "e-1",
        tag: "essay",
        resourceLinkId: String(activity1),
        endDateTime: "2026-06-01T00:00:00Z",
      });
      assert.equal((await gradeOf(essay, samId))?.grade, 48);
      const own = await call("PUT", ownItem, writer, {
        body: { label: "Renamed", scoreMaximum: 5, tag: "main" },
      });
      assert.deepEqual([own.json.label, own.json.scoreMaximum, own.json.tag], ["Cell quiz", 100, "main"]);

      const temp = await call("POST", lineItems(course1), writer, {
        body: { label: "Scratch", scoreMaximum: 10 },
      });
      assert.equal(temp.status, 201);
      assert.equal(temp.json.resourceLinkId, undefined);
      const scorer = await tokenFor(toolA, keyA, [AGS_SCOPE.score]);
      await call("POST", `${temp.json.id}/scores`, scorer, {
        body: score(samSub, { scoreGiven: 10, scoreMaximum: 10 }),
        type: SCORE,
      });
      assert.equal(await courseTotal(course1, samId), 48 + 10);
      const del = await call("DELETE", temp.json.id, writer);
      assert.equal(del.status, 204);
      assert.equal((await call("GET", temp.json.id, writer)).status, 404);
      assert.equal(await courseTotal(course1, samId), 48);
    });

    it("hides a tool's column from students with the activity it is attached to", async () => {
      const column = await t.ctx.db
        .selectFrom("grade_items")
        .select(["id", "attached_activity_id"])
        .where("name", "=", "Essay (final)")
        .executeTakeFirstOrThrow();
      assert.equal(column.attached_activity_id, activity1);
      const seen = async (userId: number) => {
        const res = await api(t.app, await t.token(userId), "GET", `/api/v1/courses/${course1}/grades`);
        assert.equal(res.status, 200, res.body);
        return res.json as Array<{ itemId: number; grade: number | null; hidden: boolean }>;
      };
      const samsEssay = (rows: Awaited<ReturnType<typeof seen>>) =>
        rows.find((r) => r.itemId === column.id && r.grade !== null);
      assert.equal(samsEssay(await seen(samId))?.grade, 48, "shown while the activity is");
      const teacher = await t.client("tina");
      await teacher.get(`/course/${course1}`);
      const visibility = (visible: "0" | "1") =>
        teacher.post(`/mod/${activity1}/visibility`, { visible }).then((r) => r.statusCode);
      assert.equal(await visibility("0"), 303);
      try {
        const rows = await seen(samId);
        assert.equal(samsEssay(rows), undefined, "no grade of the column for the student");
        assert.ok(rows.every((r) => r.itemId !== column.id));
        const total = await t.ctx.db
          .selectFrom("grade_items")
          .select("id")
          .where("course_id", "=", course1)
          .where("kind", "=", "total")
          .executeTakeFirstOrThrow();
        assert.equal(await courseTotal(course1, samId), 48, "the stored total still counts it");
        assert.notEqual(
          rows.find((r) => r.itemId === total.id)?.grade ?? null,
          48,
          "the total the student is shown leaves it out",
        );
        const report = await sam.get(`/course/${course1}/grades/user/${samId}`);
        assert.equal(report.statusCode, 200);
        assert.doesNotMatch(report.body, /Essay \(final\)/);
        assert.equal(
          (await sam.get(`/course/${course1}/grades/${column.id}/${samId}`)).statusCode,
          (await sam.get(`/course/${course1}/grades/999999/${samId}`)).statusCode,
          "the column's page answers as one that does not exist",
        );
        // The teacher still sees it, marked hidden.
        const teachers = (await seen(tinaId)).find((r) => r.itemId === column.id && r.grade !== null);
        assert.deepEqual([teachers?.grade, teachers?.hidden], [48, true]);
      } finally {
        assert.equal(await visibility("1"), 303);
      }
      assert.equal(samsEssay(await seen(samId))?.grade, 48);
    });

    it("names every AGS operation in the OpenAPI document, at the site's root", async () => {
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<string, Record<string, { servers?: Array<{ url: string }>; summary?: string }>>;
      };
      const base = "/lti/ags/{contextId}/lineitems";
      const ops = [
        [base, "get"],
        [base, "post"],
        [`${base}/{lineItemId}`, "get"],
        [`${base}/{lineItemId}`, "put"],
        [`${base}/{lineItemId}`, "delete"],
        [`${base}/{lineItemId}/scores`, "post"],
        [`${base}/{lineItemId}/results`, "get"],
      ] as const;
      for (const [path, method] of ops) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        assert.deepEqual(op.servers, [{ url: pluto }]);
      }
      assert.match(String(doc.paths[`${base}/{lineItemId}/scores`]?.post?.summary), /409 stale_timestamp/);
    });

    it("copies the line items of copied links with their attributes; the tool finds them and makes no duplicates", async () => {
      const copy = await api(t.app, adminToken, "POST", `/api/v1/courses/${course1}/copy`, {
        fullname: "Biology (copy)",
        shortname: `BIO1-COPY-${engine}`,
      });
      assert.equal(copy.status, 201, copy.body);
      const copyId = (copy.json as { id: number }).id;
      const copied = await t.ctx.db
        .selectFrom("activities")
        .select(["id", "name"])
        .where("course_id", "=", copyId)
        .where("name", "=", "Cell quiz")
        .executeTakeFirstOrThrow();
      const reader = await tokenFor(toolA, keyA, [AGS_SCOPE.lineItemReadOnly]);
      const found = await call("GET", `${lineItems(copyId)}?resource_link_id=${copied.id}`, reader);
      assert.equal(found.status, 200, JSON.stringify(found.json));
      assert.deepEqual(
        found.json.map((l: Record<string, unknown>) => [
          l.label,
          l.scoreMaximum,
          l.tag,
          l.resourceId,
          l.resourceLinkId,
        ]),
        [
          ["Cell quiz", 100, "main", undefined, String(copied.id)],
          ["Essay (final)", 60, "essay", "e-1", String(copied.id)],
        ],
      );
      const byTag = await call("GET", `${lineItems(copyId)}?tag=essay`, reader);
      assert.equal(byTag.json.length, 1);
      assert.notEqual(byTag.json[0]?.id, essay);
      const again = await call("GET", `${lineItems(copyId)}?resource_link_id=${copied.id}`, reader);
      assert.equal(again.json.length, 2, "listing twice makes no duplicate");
      const grades = await t.ctx.db
        .selectFrom("grades as g")
        .innerJoin("grade_items as i", "i.id", "g.item_id")
        .select("g.id")
        .where("i.course_id", "=", copyId)
        .execute();
      assert.deepEqual(grades, [], "no grades are copied");
      const column = await t.ctx.db
        .selectFrom("grade_items")
        .select("attached_activity_id")
        .where("course_id", "=", copyId)
        .where("kind", "=", "tool")
        .executeTakeFirstOrThrow();
      assert.equal(
        column.attached_activity_id,
        copied.id,
        "the copied column is hidden with the copied link",
      );
    });
  });
}
