// A site-wide tool's host, key, secret and privacy are the site admin's: an External tool activity using it
// may only launch on the tool's origin, with the tool's key and secret, and may only narrow its privacy —
// at save (API and form) and again at launch, for activities saved before and tools narrowed after.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import * as activitiesRepo from "../../activities/activities.repository.js";
import { findActivity, listCourseActivities } from "../../activities/activities.service.js";
import type { Course } from "../../courses/courses.service.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";
import { createToolType, updateToolType } from "./tool-types.service.js";

const QUIZ_URL = "http://127.0.0.1:9/quiz/launch";
const EVIL = "http://127.0.0.66:9/steal";

const form = (extra: Record<string, string> = {}) => ({
  section: "1",
  name: "Form tool",
  ltiForm: "1",
  toolTypeId: "",
  toolUrl: "",
  consumerKey: "",
  sharedSecret: "",
  customParameters: "",
  iconUrl: "",
  secureIconUrl: "",
  launchContainer: "embed",
  shareName: "1",
  shareEmail: "1",
  acceptGrades: "1",
  maxGrade: "100",
  completionRule: "none",
  visible: "1",
  save: "return",
  ...extra,
});

/** What each refusal says (another cause of a 400 on the same field would not say it). */
const SAYS: Record<string, RegExp> = {
  "settings.toolUrl":
    /^The Tool URL must be on http:\/\/127\.0\.0\.1:9, where the site-wide tool "Quiz Engine" launches/,
  "settings.shareEmail": /the site-wide tool "Quiz Engine" does not allow it/,
  "settings.consumerKey": /^Leave the consumer key empty: the preconfigured tool "Quiz Engine"/,
  "settings.sharedSecret": /^Leave the shared secret empty/,
};

type Fields = Array<{ field: string; message: string }>;
const fieldsOf = (res: { json: unknown }) => (res.json as { error: { fields: Fields } }).error.fields;

for (const engine of testEngines()) {
  describe(`a site-wide tool's host, key and privacy bound the activities using it (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let teacher: Client;
    let student: Client;
    let teacherToken: string;
    let quizId: number;
    let openId: number;

    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      const tina = await t.user("tina");
      const sam = await t.user("sam", { firstname: "Sam", lastname: "Student", email: "sam@example.org" });
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacherToken = await t.token(tina.id);
      teacher = await t.client("tina");
      student = await t.client("sam");
      const deps = { allow: [] };
      quizId = (
        await createToolType(t.ctx.db, t.clock, deps, {
          name: "Quiz Engine",
          toolUrl: QUIZ_URL,
          consumerKey: "site-key",
          sharedSecret: "site-secret",
          shareEmail: false,
        })
      ).id;
      openId = (
        await createToolType(t.ctx.db, t.clock, deps, {
          name: "Open Engine",
          toolUrl: "http://127.0.0.2:9/open/launch",
          consumerKey: "open-key",
          sharedSecret: "open-secret",
        })
      ).id;
    });
    after(() => t.close());

    const add = (name: string, settings: Record<string, unknown>) =>
      api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name,
        settings,
      });
    const count = async () =>
      (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length;
    const launch = async (id: number) => readLaunchForm((await student.get(`/mod/lti/${id}/launch`)).body);

    it("refuses the attack: the site tool's id with a tool URL elsewhere and its email sharing turned on", async () => {
      const before = await count();
      const res = await add("Steal", { toolTypeId: quizId, toolUrl: EVIL, shareEmail: true });
      assert.equal(res.status, 400, res.body);
      assert.equal(errorCodeOf(res), "validation");
      const fields = fieldsOf(res);
      const url = fields.find((f) => f.field === "settings.toolUrl");
      assert.match(
        url?.message ?? "",
        /The Tool URL must be on http:\/\/127\.0\.0\.1:9, where the site-wide tool "Quiz Engine" launches/,
      );
      assert.equal(await count(), before, "nothing added");
    });

    const otherHosts: Array<[string, Record<string, unknown>, string]> = [
      ["another host", { toolTypeId: "quiz", toolUrl: EVIL }, "settings.toolUrl"],
      [
        "another port",
        { toolTypeId: "quiz", toolUrl: "http://127.0.0.1:10/quiz/launch" },
        "settings.toolUrl",
      ],
      [
        "another scheme",
        { toolTypeId: "quiz", toolUrl: "https://127.0.0.1:9/quiz/launch" },
        "settings.toolUrl",
      ],
      [
        "a cartridge on another host",
        { toolTypeId: "quiz", toolUrl: `${EVIL}/tool.xml` },
        "settings.toolUrl",
      ],
      [
        "a URL matched by domain on another port, without a key of its own",
        { toolUrl: "http://127.0.0.1:10/quiz/launch" },
        "settings.toolUrl",
      ],
      [
        "sharing the email the tool does not share",
        { toolTypeId: "quiz", shareEmail: true },
        "settings.shareEmail",
      ],
      [
        "sharing the email, the tool matched by URL",
        { toolUrl: "http://127.0.0.1:9/quiz/other", shareEmail: true },
        "settings.shareEmail",
      ],
      [
        "a consumer key of its own with the site tool",
        { toolTypeId: "quiz", consumerKey: "mine" },
        "settings.consumerKey",
      ],
      [
        "a shared secret of its own with the site tool",
        { toolTypeId: "quiz", consumerKey: "mine", sharedSecret: "mine" },
        "settings.sharedSecret",
      ],
    ];
    for (const [what, settings, field] of otherHosts) {
      it(`answers 400 naming ${field} to ${what}, adding nothing`, async () => {
        const before = await count();
        const s = { ...settings, ...(settings.toolTypeId === "quiz" ? { toolTypeId: quizId } : {}) };
        const res = await add("Refused", s);
        assert.equal(res.status, 400, res.body);
        assert.equal(errorCodeOf(res), "validation");
        const problem = fieldsOf(res).find((f) => f.field === field);
        assert.match(problem?.message ?? "", SAYS[field] ?? /./, `${field}: ${res.body}`);
        assert.equal(await count(), before);
      });
    }

    it("launches on the tool's host with any path there, with its key, and without the email it does not share", async () => {
      const res = await add("Deep link", {
        toolTypeId: quizId,
        toolUrl: "http://127.0.0.1:9/other/page?item=3",
      });
      assert.equal(res.status, 201, res.body);
      const a = res.json as { id: number; settings: Record<string, unknown> };
      assert.equal(a.settings.shareEmail, false, "the tool's setting is the default");
      const f = await launch(a.id);
      assert.equal(f.action, "http://127.0.0.1:9/other/page?item=3");
      assert.equal(f.fields.oauth_consumer_key, "site-key");
      assert.equal(f.fields.lis_person_contact_email_primary, undefined);
      assert.equal(f.fields.lis_person_name_full, "Sam Student");
    });

    it("lets an activity narrow what its site tool shares", async () => {
      const shared = await add("Shares", { toolTypeId: openId });
      const narrow = await add("Narrow", {
        toolTypeId: openId,
        shareEmail: false,
        shareName: false,
        acceptGrades: false,
      });
      assert.equal(shared.status, 201, shared.body);
      assert.equal(narrow.status, 201, narrow.body);
      const s = await launch((shared.json as { id: number }).id);
      assert.equal(s.fields.lis_person_contact_email_primary, "sam@example.org");
      assert.ok(s.fields.lis_result_sourcedid);
      const n = await launch((narrow.json as { id: number }).id);
      assert.equal(n.fields.oauth_consumer_key, "open-key");
      for (const k of ["lis_person_contact_email_primary", "lis_person_name_full", "lis_result_sourcedid"]) {
        assert.equal(n.fields[k], undefined, k);
      }
    });

    it("lets an activity bring its own key and secret to a site tool that has none, on that tool's host", async () => {
      const keyless = await createToolType(
        t.ctx.db,
        t.clock,
        { allow: [] },
        { name: "Keyless", toolUrl: "http://127.0.0.4:9/launch", shareEmail: false },
      );
      const elsewhere = await add("Keyless elsewhere", {
        toolTypeId: keyless.id,
        toolUrl: EVIL,
        consumerKey: "mine",
        sharedSecret: "mine-secret",
      });
      assert.equal(elsewhere.status, 400, elsewhere.body);
      const res = await add("Keyless", {
        toolTypeId: keyless.id,
        consumerKey: "mine",
        sharedSecret: "mine-secret",
      });
      assert.equal(res.status, 201, res.body);
      const f = await launch((res.json as { id: number }).id);
      assert.equal(f.action, "http://127.0.0.4:9/launch");
      assert.equal(f.fields.oauth_consumer_key, "mine");
      assert.equal(f.fields.lis_person_contact_email_primary, undefined, "still within the tool's privacy");
    });

    it("leaves a teacher's own tool (own key and secret, no preconfigured tool) free on any host", async () => {
      const res = await add("Own", {
        toolUrl: "http://127.0.0.1:10/quiz/launch",
        consumerKey: "mine",
        sharedSecret: "mine-secret",
        shareEmail: true,
      });
      assert.equal(res.status, 201, res.body);
      const f = await launch((res.json as { id: number }).id);
      assert.equal(f.action, "http://127.0.0.1:10/quiz/launch");
      assert.equal(f.fields.oauth_consumer_key, "mine");
      assert.equal(f.fields.lis_person_contact_email_primary, "sam@example.org");
    });

    it("refuses to launch a stored activity whose URL left its site tool's host, with a page and a log reason", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Old",
        settings: { toolTypeId: quizId },
      });
      // As saved before the host rule: the site tool's id, a launch URL elsewhere, email shared.
      const settings = { ...a.settings, toolUrl: EVIL, launchUrl: EVIL, shareEmail: true };
      await activitiesRepo.updateActivity(t.ctx.db, a.id, { settings, now: new Date().toISOString() });
      const res = await student.get(`/mod/lti/${a.id}/launch`);
      assert.equal(res.statusCode, 409);
      assert.match(
        res.body,
        /is not on http:\/\/127\.0\.0\.1:9, where its site-wide tool &quot;Quiz Engine&quot; launches/,
      );
      for (const leak of ["site-key", "oauth_signature", "127.0.0.66", "sam@example.org"]) {
        assert.doesNotMatch(res.body, new RegExp(leak.replace(/\./g, "\\.")), leak);
      }
      const log = await listLaunchLog(t.ctx.db, { courseId: course.id, direction: "out", limit: 1 });
      assert.equal(log[0]?.result, "rejected");
      assert.equal(log[0]?.reason, "tool_url_mismatch");
      assert.equal(log[0]?.consumerKey, "");
    });

    it("launches a stored activity within its site tool's current settings, ignoring a key of its own", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Older",
        settings: { toolTypeId: quizId },
      });
      const settings = { ...a.settings, consumerKey: "own", sharedSecret: "own-secret", shareEmail: true };
      await activitiesRepo.updateActivity(t.ctx.db, a.id, { settings, now: new Date().toISOString() });
      const f = await launch(a.id);
      assert.equal(f.action, QUIZ_URL);
      assert.equal(f.fields.oauth_consumer_key, "site-key");
      assert.equal(f.fields.lis_person_contact_email_primary, undefined);
    });

    it("applies a site admin's later narrowing to existing activities", async () => {
      const tool = await createToolType(
        t.ctx.db,
        t.clock,
        { allow: [] },
        {
          name: "Narrowed later",
          toolUrl: "http://127.0.0.3:9/launch",
          consumerKey: "later-key",
          sharedSecret: "later-secret",
        },
      );
      const res = await add("Before narrowing", { toolTypeId: tool.id });
      const id = (res.json as { id: number }).id;
      assert.equal((await launch(id)).fields.lis_person_contact_email_primary, "sam@example.org");
      await updateToolType(t.ctx.db, t.clock, { allow: [] }, tool.id, {
        shareEmail: false,
        acceptGrades: false,
      });
      const f = await launch(id);
      assert.equal(f.fields.lis_person_contact_email_primary, undefined);
      assert.equal(f.fields.lis_result_sourcedid, undefined);
      assert.equal(f.fields.lis_outcome_service_url, undefined);
      assert.equal(
        (await findActivity(t.ctx.db, id))?.settings.shareEmail,
        true,
        "the activity's own setting is kept",
      );
    });

    it("shows a box the site tool does not allow as off and disabled on the form, saying why", async () => {
      const res = await add("Edit me", { toolTypeId: quizId });
      const id = (res.json as { id: number }).id;
      const edit = await teacher.get(`/mod/${id}/edit`);
      assert.equal(edit.statusCode, 200);
      assert.match(edit.body, /name="shareEmail" value="1" disabled/);
      assert.match(
        edit.body,
        /Share launcher's email with the tool: the site-wide tool &quot;Quiz Engine&quot; does not allow it/,
      );
      assert.match(edit.body, /name="shareName" value="1" checked/, "what the tool allows stays free");
      const picker = await teacher.get(`/course/${course.id}/add/lti?section=1&toolTypeId=${quizId}`);
      assert.match(picker.body, /name="shareEmail" value="1" disabled/);
    });

    it("refuses the form with the problem at the Tool URL and at the email box, keeping what was typed", async () => {
      await teacher.get(`/course/${course.id}/add/lti?section=1`);
      const before = await count();
      const res = await teacher.post(
        `/course/${course.id}/add/lti`,
        form({ toolTypeId: String(quizId), toolUrl: EVIL }),
      );
      assert.equal(res.statusCode, 400);
      assert.equal(errorCodeOf(res), "validation");
      assert.match(res.body, /id="f-toolUrl-error"[^>]*>The Tool URL must be on http:\/\/127\.0\.0\.1:9/);
      assert.match(res.body, new RegExp(`value="${EVIL.replace(/\./g, "\\.")}"`));
      assert.equal(await count(), before);
      const widen = await teacher.post(`/course/${course.id}/add/lti`, form({ toolTypeId: String(quizId) }));
      assert.equal(widen.statusCode, 400);
      assert.match(widen.body, /id="f-shareEmail-error"/);
      assert.match(widen.body, /<details class="show-more" open>/);
      assert.equal(await count(), before);
      const ok = await teacher.post(
        `/course/${course.id}/add/lti`,
        form({ toolTypeId: String(quizId), shareEmail: "0" }),
      );
      assert.equal(ok.statusCode, 303, ok.body);
    });
  });
}
