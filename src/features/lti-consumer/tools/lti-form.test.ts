// The "External tool" entry of the content picker and its form, by the guide's labels; site-wide tools as
// preconfigured tools and by domain; launch containers; who sees the shared secret; bad-input tables.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { findActivity, listCourseActivities } from "../../activities/activities.service.js";
import type { Course } from "../../courses/courses.service.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";
import { createToolType, deleteToolType } from "./tool-types.service.js";

const form = (extra: Record<string, string> = {}) => ({
  section: "1",
  name: "My tool",
  ltiForm: "1",
  toolTypeId: "",
  toolUrl: "http://127.0.0.1:9/own/launch",
  consumerKey: "own-key",
  sharedSecret: "own-secret",
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

for (const engine of testEngines()) {
  describe(`the External tool form (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let teacher: Client;
    let student: Client;
    let teacherToken: string;
    let siteToolId: number;
    let hiddenToolId: number;

    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacherToken = await t.token(tina.id);
      teacher = await t.client("tina");
      student = await t.client("sam");
      const deps = { allow: [] };
      siteToolId = (
        await createToolType(t.ctx.db, t.clock, deps, {
          name: "Site Quiz Engine",
          description: "Quizzes for every course",
          toolUrl: "http://127.0.0.1:9/quiz/launch",
          consumerKey: "site-key",
          sharedSecret: "site-secret",
          customParameters: "from=site",
          launchContainer: "window",
          shareEmail: false,
        })
      ).id;
      hiddenToolId = (
        await createToolType(t.ctx.db, t.clock, deps, {
          name: "Hidden Helper",
          toolUrl: "http://127.0.0.3:9/launch",
          consumerKey: "hidden-key",
          sharedSecret: "hidden-secret",
          showInPicker: false,
        })
      ).id;
    });
    after(() => t.close());

    it("offers External tool and the site tools shown in the picker", async () => {
      const picker = await teacher.get(`/course/${course.id}/add?section=1`);
      assert.equal(picker.statusCode, 200);
      assert.match(
        picker.body,
        new RegExp(`<a href="/course/${course.id}/add/lti\\?section=1"[^>]*>External tool</a>`),
      );
      assert.match(picker.body, />Site Quiz Engine</);
      assert.match(picker.body, new RegExp(`toolTypeId=${siteToolId}&amp;launchContainer=window`));
      assert.doesNotMatch(picker.body, /Hidden Helper/);
    });

    it("has the guide's labels, a Show more section and the defaults", async () => {
      const res = await teacher.get(`/course/${course.id}/add/lti?section=1`);
      assert.equal(res.statusCode, 200);
      const b = res.body;
      for (const label of [
        "Activity name",
        "Preconfigured tool",
        "Tool URL",
        "Consumer key",
        "Shared secret",
        "Custom parameters",
        "Icon URL",
        "Secure icon URL",
        "Launch container",
        "Maximum grade",
      ]) {
        assert.match(b, new RegExp(`<label for="f-[A-Za-z]+">${label}</label>`), label);
      }
      assert.match(b, /<option value(="")? selected>Automatic, based on tool URL<\/option>/);
      assert.match(b, new RegExp(`<option value="${siteToolId}">Site Quiz Engine</option>`));
      assert.match(
        b,
        new RegExp(`<option value="${hiddenToolId}">Hidden Helper</option>`),
        "every site tool under Preconfigured tool",
      );
      assert.match(b, /<details class="show-more"><summary>Show more<\/summary>/);
      assert.match(
        b,
        /<option value="embed" selected>Embed<\/option><option value="embed_no_blocks">Embed, without blocks<\/option><option value="window">New window<\/option>/,
      );
      for (const box of [
        "Share launcher's name with the tool",
        "Share launcher's email with the tool",
        "Accept grades from the tool",
      ]) {
        assert.match(b, new RegExp(`checked/><label for="f-[a-zA-Z]+">${box}</label>`), box);
      }
      assert.match(b, /name="maxGrade"[^>]*value="100"/);
      assert.match(b, /Save and return to course/);
      assert.match(b, /Save and display/);
    });

    it("presets the form from a picker entry of a site tool", async () => {
      const res = await teacher.get(
        `/course/${course.id}/add/lti?section=1&toolTypeId=${siteToolId}&launchContainer=window&shareEmail=0`,
      );
      assert.match(res.body, new RegExp(`<option value="${siteToolId}" selected>Site Quiz Engine</option>`));
      assert.match(res.body, /<option value="window" selected>New window<\/option>/);
      assert.match(res.body, /name="shareName" value="1" checked/);
      assert.doesNotMatch(res.body, /name="shareEmail" value="1" checked/);
    });

    it("saves with Save and display and shows the activity", async () => {
      await teacher.get(`/course/${course.id}/add/lti?section=1`);
      const res = await teacher.post(
        `/course/${course.id}/add/lti`,
        form({ name: "Own tool", save: "display" }),
      );
      assert.equal(res.statusCode, 303, res.body);
      const id = Number(/\/mod\/(\d+)$/.exec(String(res.headers.location))?.[1]);
      const a = await findActivity(t.ctx.db, id);
      assert.equal(a?.type, "lti");
      assert.equal(a?.settings.consumerKey, "own-key");
      const page = await teacher.get(`/mod/${id}`);
      assert.match(page.body, /<iframe class="lti-frame"/);
    });

    it("makes an empty consumer key or secret a form error when no site tool supplies them", async () => {
      await teacher.get(`/course/${course.id}/add/lti?section=1`);
      const before = (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length;
      const res = await teacher.post(
        `/course/${course.id}/add/lti`,
        form({ toolUrl: "http://127.0.0.5:9/x", consumerKey: "", sharedSecret: "" }),
      );
      assert.equal(res.statusCode, 400);
      assert.equal(errorCodeOf(res), "validation");
      assert.match(res.body, /Enter the consumer key: no site-wide tool supplies one for this tool URL/);
      assert.match(
        res.body,
        /<details class="show-more" open><summary>Show more<\/summary>/,
        "opened to show the errors",
      );
      assert.match(res.body, /id="f-consumerKey-error"/);
      assert.equal((await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length, before);
    });

    it("uses the key and secret of the site tool whose domain matches the tool URL", async () => {
      const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "By domain",
        settings: { toolUrl: "http://127.0.0.1:9/quiz/other-page" },
      });
      assert.equal(res.status, 201, res.body);
      const id = (res.json as { id: number }).id;
      const f = readLaunchForm((await student.get(`/mod/lti/${id}/launch`)).body);
      assert.equal(f.action, "http://127.0.0.1:9/quiz/other-page");
      assert.equal(f.fields.oauth_consumer_key, "site-key");
      assert.equal(f.fields.custom_from, "site");
    });

    it("launches a preconfigured tool at its own URL, with its defaults", async () => {
      const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "Preconfigured",
        settings: { toolTypeId: siteToolId },
      });
      assert.equal(res.status, 201, res.body);
      const a = res.json as { id: number; settings: Record<string, unknown> };
      assert.equal(a.settings.launchContainer, "window", "the tool's default container");
      assert.equal(a.settings.shareEmail, false, "the tool's privacy default");
      const page = await student.get(`/mod/${a.id}`);
      assert.match(page.body, new RegExp(`<a class="button" href="/mod/lti/${a.id}/launch" target="_blank"`));
      assert.doesNotMatch(page.body, /<iframe/);
      const f = readLaunchForm((await student.get(`/mod/lti/${a.id}/launch`)).body);
      assert.equal(f.action, "http://127.0.0.1:9/quiz/launch");
      assert.equal(f.fields.oauth_consumer_key, "site-key");
      assert.equal(f.fields.launch_presentation_document_target, "window");
      assert.equal(f.fields.lis_person_contact_email_primary, undefined);
    });

    it("shows Embed, without blocks without the course admin menu", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Wide tool",
        settings: {
          toolUrl: "http://127.0.0.1:9/wide",
          consumerKey: "k",
          sharedSecret: "s",
          launchContainer: "embed_no_blocks",
        },
      });
      const page = await teacher.get(`/mod/${a.id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<iframe class="lti-frame"/);
      assert.doesNotMatch(page.body, /Course admin/);
      assert.match(page.body, /Edit settings/);
      const normal = await teacher.get(`/course/${course.id}`);
      assert.match(normal.body, /Course admin/);
    });

    it("never shows the shared secret to students, and shows it to teachers editing", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Secret tool",
        settings: { toolUrl: "http://127.0.0.1:9/s", consumerKey: "k", sharedSecret: "very-secret-value" },
      });
      for (const url of [`/mod/${a.id}`, `/mod/lti/${a.id}/launch`, `/course/${course.id}`]) {
        const res = await student.get(url);
        assert.equal(res.statusCode, 200, url);
        assert.doesNotMatch(res.body, /very-secret-value/, url);
      }
      assert.equal((await student.get(`/mod/${a.id}/edit`)).statusCode, 403);
      const edit = await teacher.get(`/mod/${a.id}/edit`);
      assert.match(
        edit.body,
        /type="password" id="f-sharedSecret" name="sharedSecret" value="very-secret-value"/,
      );
      const course1 = await api(
        t.app,
        await t.token((await t.user("sid")).id),
        "GET",
        `/api/v1/courses/${course.id}`,
      );
      assert.doesNotMatch(course1.body, /very-secret-value/);
    });

    it("logs a launch that cannot be made once its site tool is gone, and says so", async () => {
      const tool = await createToolType(
        t.ctx.db,
        t.clock,
        { allow: [] },
        {
          name: "Short-lived",
          toolUrl: "http://127.0.0.4:9/launch",
          consumerKey: "sl",
          sharedSecret: "sl",
        },
      );
      const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "Orphan",
        settings: { toolTypeId: tool.id },
      });
      const id = (res.json as { id: number }).id;
      await deleteToolType(t.ctx.db, tool.id);
      const launch = await student.get(`/mod/lti/${id}/launch`);
      assert.equal(launch.statusCode, 409);
      assert.match(launch.body, /no launch URL/);
      const log = await listLaunchLog(t.ctx.db, { courseId: course.id, direction: "out", limit: 1 });
      assert.equal(log[0]?.result, "rejected");
      assert.equal(log[0]?.reason, "no_launch_url");
    });

    it("shows what the tool says on the return page, with a way back to the course", async () => {
      const a = await addActivity(t, course.id, {
        type: "lti",
        name: "Returning tool",
        settings: { toolUrl: "http://127.0.0.1:9/r", consumerKey: "k", sharedSecret: "s" },
      });
      const res = await student.get(
        `/mod/lti/${a.id}/return?lti_errormsg=${encodeURIComponent("<b>Quota</b> exceeded")}`,
      );
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /The tool reported a problem: &lt;b>Quota&lt;\/b> exceeded/);
      assert.match(res.body, new RegExp(`<a href="/course/${course.id}" target="_top">Return to course</a>`));
    });
  });
}
