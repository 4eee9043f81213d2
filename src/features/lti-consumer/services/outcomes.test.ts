// The Basic Outcomes service refuses every bad request with a failure envelope, the right status, and nothing
// written (no grade, no grade history, no nonce).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { signBodyHashRequest } from "../../../lti/v1p1/oauth-body-hash.js";
import {
  buildDeleteResultRequest,
  buildReadResultRequest,
  buildReplaceResultRequest,
  parseOutcomeResponse,
} from "../../../lti/v1p1/outcomes.js";
import { isActivityComplete } from "../../completion/completion.service.js";
import type { Course } from "../../courses/courses.service.js";
import { findActivityItem, listHistory } from "../../grades/grades.service.js";
import { buildSourcedId, siteSecret } from "../tokens.service.js";

const KEY = "outcome-key";
const SECRET = "outcome-secret";

for (const engine of testEngines()) {
  describe(`Basic Outcomes service (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let activityId: number;
    let itemId: number;
    let studentId: number;
    let outsiderId: number;
    let sourcedId: string;
    let url: string;

    before(async () => {
      t = await startTestApp(engine);
      url = `${t.ctx.config.publicUrl}/lti/outcomes`;
      course = await makeCourse(t);
      const student = await t.user("olga");
      const outsider = await t.user("oscar");
      studentId = student.id;
      outsiderId = outsider.id;
      await enrolAs(t, course.id, studentId, "student");
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Graded tool",
        settings: {
          toolUrl: "http://127.0.0.1:9/launch",
          consumerKey: KEY,
          sharedSecret: SECRET,
          maxGrade: 50,
        },
      });
      activityId = a.id;
      itemId = (await findActivityItem(t.ctx.db, a.id))?.id ?? 0;
      sourcedId = buildSourcedId(await siteSecret(t.ctx.db, t.ctx.clock), activityId, studentId);
    });
    after(() => t.close());

    const nonces = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom("lti_nonces")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );

    function post(body: string | Buffer, headers: Record<string, string>) {
      return t.app.inject({ method: "POST", url: "/lti/outcomes", headers, payload: body });
    }

    function signed(body: string, o: { key?: string; secret?: string; signedBody?: string } = {}) {
      const { authorization } = signBodyHashRequest(
        { url, body: o.signedBody ?? body, consumerKey: o.key ?? KEY, secret: o.secret ?? SECRET },
        { clock: t.clock },
      );
      return post(body, { "content-type": "application/xml", authorization });
    }

    const replace = (score: number | string, sid = sourcedId) =>
      buildReplaceResultRequest({ sourcedId: sid, score: 0, messageIdentifier: "msg-1" }).replace(
        "<textString>0</textString>",
        `<textString>${score}</textString>`,
      );

    beforeEach(async () => {
      await t.ctx.db.deleteFrom("grades").execute();
      await t.ctx.db.deleteFrom("grade_history").execute();
    });

    it("accepts a correctly signed replaceResult and answers success", async () => {
      const res = await signed(replace(0.5));
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers["content-type"]), /^application\/xml/);
      const r = parseOutcomeResponse(res.body);
      assert.equal(r.codeMajor, "success");
      assert.equal(r.messageRefIdentifier, "msg-1");
      assert.equal(r.operationRefIdentifier, "replaceResult");
      const h = await listHistory(t.ctx.db, itemId, studentId);
      assert.deepEqual(
        h.map((x) => x.grade),
        [25],
      );
    });

    it("answers readResult with an empty score before any grade, and deleteResult with success", async () => {
      const read = await signed(buildReadResultRequest({ sourcedId, messageIdentifier: "r1" }));
      assert.equal(read.statusCode, 200);
      const r = parseOutcomeResponse(read.body);
      assert.equal(r.codeMajor, "success");
      assert.equal(r.score, undefined);
      const del = await signed(buildDeleteResultRequest({ sourcedId }));
      assert.equal(parseOutcomeResponse(del.body).codeMajor, "success");
    });

    const huge = replace(0.5).replace(
      "<language>en</language>",
      `<language>${"x".repeat(70_000)}</language>`,
    );
    const entities = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY big "${"A".repeat(50)}">]>${replace(0.5).replace("msg-1", "&big;")}`;
    const cases: Array<{
      name: string;
      send: () => Promise<{ statusCode: number; body: string }>;
      status: number;
      code?: string;
      description?: RegExp;
    }> = [
      {
        name: "a bad signature (wrong secret)",
        send: () => signed(replace(0.5), { secret: "not-the-secret" }),
        status: 401,
      },
      {
        name: "an unknown consumer key",
        send: () => signed(replace(0.5), { key: "someone-else" }),
        status: 401,
      },
      {
        name: "a body hash of another body",
        send: () => signed(replace(0.9), { signedBody: replace(0.5) }),
        status: 401,
      },
      {
        name: "no Authorization header",
        send: () => post(replace(0.5), { "content-type": "application/xml" }),
        status: 401,
      },
      {
        name: "a forged sourcedid (another user, same mac)",
        send: () => signed(replace(0.5, sourcedId.replace(`:${studentId}:`, `:${outsiderId}:`))),
        status: 403,
      },
      { name: "a made-up sourcedid", send: () => signed(replace(0.5, "12:34:not-a-mac")), status: 403 },
      {
        name: "a genuine sourcedid of someone not enrolled",
        send: async () =>
          signed(
            replace(0.5, buildSourcedId(await siteSecret(t.ctx.db, t.ctx.clock), activityId, outsiderId)),
          ),
        status: 403,
      },
      { name: "a score above 1", send: () => signed(replace(1.5)), status: 400 },
      { name: "a negative score", send: () => signed(replace(-0.1)), status: 400 },
      { name: "a score that is not a number", send: () => signed(replace("lots")), status: 400 },
      { name: "malformed XML", send: () => signed("<imsx_POXEnvelopeRequest><unclosed>"), status: 400 },
      { name: "XML declaring entities", send: () => signed(entities), status: 400 },
      { name: "a body over 64 KiB", send: () => signed(huge), status: 413 },
      {
        name: "a form-encoded body",
        send: () =>
          post("a=b", { "content-type": "application/x-www-form-urlencoded", authorization: "OAuth x" }),
        status: 415,
      },
      {
        name: "two operations in one message",
        send: () => {
          const op = (score: number) =>
            /<replaceResultRequest>[\s\S]*<\/replaceResultRequest>/.exec(replace(score))?.[0] ?? "";
          return signed(replace(0.5).replace(op(0.5), `${op(0.5)}${op(0.9)}`));
        },
        status: 400,
        description: /exactly one operation/,
      },
      {
        name: "two resultRecords in one operation",
        send: () => {
          const rec = /<resultRecord>[\s\S]*<\/resultRecord>/.exec(replace(0.5))?.[0] ?? "";
          return signed(replace(0.5).replace(rec, `${rec}${rec}`));
        },
        status: 400,
        description: /exactly one operation/,
      },
      {
        name: "an operation that does not exist",
        send: () => signed(replace(0.5).replaceAll("replaceResultRequest", "replaceEverythingRequest")),
        status: 400,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} with a failure envelope (${c.status}) and writes nothing`, async () => {
        const before = await nonces();
        const res = await c.send();
        assert.equal(res.statusCode, c.status, res.body);
        const r = parseOutcomeResponse(res.body);
        assert.notEqual(r.codeMajor, "success");
        assert.ok(r.description && r.description.length > 5, `a description: ${res.body}`);
        if (c.description) assert.match(r.description, c.description);
        assert.equal((await listHistory(t.ctx.db, itemId, studentId)).length, 0);
        assert.equal((await listHistory(t.ctx.db, itemId, outsiderId)).length, 0);
        assert.equal(await nonces(), before, "no nonce recorded");
      });
    }

    it("refuses a replayed request (same nonce) and keeps the first grade only", async () => {
      const body = replace(0.3);
      const { authorization } = signBodyHashRequest(
        { url, body, consumerKey: KEY, secret: SECRET },
        { clock: t.clock },
      );
      const headers = { "content-type": "application/xml", authorization };
      assert.equal((await post(body, headers)).statusCode, 200);
      const again = await post(body, headers);
      assert.equal(again.statusCode, 401);
      assert.equal(parseOutcomeResponse(again.body).codeMajor, "failure");
      assert.deepEqual(
        (await listHistory(t.ctx.db, itemId, studentId)).map((h) => h.grade),
        [15],
      );
    });

    it("refuses a request whose timestamp is 10 minutes old", async () => {
      const body = replace(0.3);
      const { authorization } = signBodyHashRequest(
        { url, body, consumerKey: KEY, secret: SECRET },
        { clock: t.clock },
      );
      t.clock.advance(600);
      try {
        const res = await post(body, { "content-type": "application/xml", authorization });
        assert.equal(res.statusCode, 401);
        assert.equal((await listHistory(t.ctx.db, itemId, studentId)).length, 0);
      } finally {
        t.clock.advance(-600);
      }
    });

    it("completes an activity whose completion needs a passing grade once the tool's score passes", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Pass to complete",
        completionRule: "passing",
        completionPassGrade: 60,
        settings: { toolUrl: "http://127.0.0.1:9/launch", consumerKey: KEY, sharedSecret: SECRET },
      });
      const sid = buildSourcedId(await siteSecret(t.ctx.db, t.ctx.clock), a.id, studentId);
      assert.equal((await signed(replace(0.5, sid))).statusCode, 200);
      assert.equal(await isActivityComplete(t.ctx.db, a.id, studentId), false, "50 of 100 does not pass");
      assert.equal((await signed(replace(0.75, sid))).statusCode, 200);
      assert.equal(await isActivityComplete(t.ctx.db, a.id, studentId), true, "75 of 100 passes");
    });

    it("refuses grades for an activity that does not accept them", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Ungraded tool",
        settings: {
          toolUrl: "http://127.0.0.1:9/launch",
          consumerKey: KEY,
          sharedSecret: SECRET,
          acceptGrades: false,
        },
      });
      const sid = buildSourcedId(await siteSecret(t.ctx.db, t.ctx.clock), a.id, studentId);
      const res = await signed(replace(0.5, sid));
      assert.equal(res.statusCode, 403);
      assert.match(parseOutcomeResponse(res.body).description ?? "", /does not accept grades/);
    });
  });
}
