// Bad input to the External tool activity through the API and the form: a 400 (or 403) with its code, nothing added.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { listCourseActivities } from "../../activities/activities.service.js";
import type { Course } from "../../courses/courses.service.js";

const form = () => ({
  section: "1",
  name: "My tool",
  ltiForm: "1",
  toolUrl: "http://127.0.0.1:9/own/launch",
  consumerKey: "own-key",
  sharedSecret: "own-secret",
  launchContainer: "embed",
  maxGrade: "100",
  completionRule: "none",
});

for (const engine of testEngines()) {
  describe(`bad input to External tool activities (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let student: Client;
    let teacherToken: string;

    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      teacherToken = await t.token(tina.id);
      student = await t.client("sam");
    });
    after(() => t.close());

    const bad: Array<[string, Record<string, unknown>, string]> = [
      ["no tool URL and no preconfigured tool", { toolUrl: "" }, "settings.toolUrl"],
      ["a tool URL that is not http(s)", { toolUrl: "javascript:alert(1)" }, "settings.toolUrl"],
      ["an unknown preconfigured tool", { toolTypeId: 999999 }, "settings.toolTypeId"],
      ["a preconfigured tool id that is text", { toolTypeId: "abc" }, "settings.toolTypeId"],
      ["an unknown launch container", { launchContainer: "popup" }, "settings.launchContainer"],
      ["a privacy flag that is not a boolean", { shareName: "yes" }, "settings.shareName"],
      ["a maximum grade of 0", { maxGrade: 0 }, "settings.maxGrade"],
      ["a maximum grade that is text", { maxGrade: "ten" }, "settings.maxGrade"],
      ["custom parameters without =", { customParameters: "oops" }, "settings.customParameters"],
      ["a key without a secret", { sharedSecret: "" }, "settings.sharedSecret"],
      ["an icon URL that is not a URL", { iconUrl: "not a url" }, "settings.iconUrl"],
    ];
    for (const [what, settings, field] of bad) {
      it(`answers 400 through the API to ${what}, adding nothing`, async () => {
        const before = (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length;
        const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
          type: "lti",
          name: "Bad",
          settings: { toolUrl: "http://127.0.0.1:9/x", consumerKey: "k", sharedSecret: "s", ...settings },
        });
        assert.equal(res.status, 400, res.body);
        assert.equal(errorCodeOf(res), "validation");
        const fields = (res.json as { error: { fields: Array<{ field: string }> } }).error.fields.map(
          (f) => f.field,
        );
        assert.ok(fields.includes(field), `${field} in ${fields.join(", ")}`);
        assert.equal(
          (await listCourseActivities(t.ctx.db, course.id, { includeHidden: true })).length,
          before,
        );
      });
    }

    it("refuses a student adding an external tool", async () => {
      const res = await api(
        t.app,
        await t.token((await t.user("stu2")).id),
        "POST",
        `/api/v1/courses/${course.id}/activities`,
        {
          type: "lti",
          name: "X",
          settings: { toolUrl: "http://127.0.0.1:9/x", consumerKey: "k", sharedSecret: "s" },
        },
      );
      assert.equal(res.status, 403);
      const formRes = await student.post(`/course/${course.id}/add/lti`, form());
      assert.equal(formRes.statusCode, 403);
    });
  });
}
