// Launches produced by Pluto, received by an independent LTI 1.1 tool (ims-lti in a real HTTP server), which
// validates them and sends grades back with its own outcome client to Pluto listening on a real port.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import {
  call,
  cartridgeXml,
  type FakeTool,
  freePort,
  postLaunch,
  readLaunchForm,
  startFakeTool,
} from "../../../../test/support/fake-lti-tool.js";
import type { Course } from "../../courses/courses.service.js";
import { findActivityItem, findGrade, listHistory } from "../../grades/grades.service.js";
import { listLaunchLog } from "../../lti-common/launch-log.service.js";

const KEY = "pluto-course-key";
const SECRET = "tool-shared-secret";

for (const engine of testEngines()) {
  describe(`External tool launches received by an ims-lti tool (${engine})`, () => {
    let t: TestApp;
    let tool: FakeTool;
    let course: Course;
    let teacherToken: string;
    let sam: Client;
    let tina: Client;
    let samId: number;
    let activityId: number;

    before(async () => {
      tool = await startFakeTool({ host: "127.0.0.1", key: KEY, secret: SECRET });
      const port = await freePort();
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: {
          publicUrl: `http://127.0.0.1:${port}`,
          outboundAllow: ["127.0.0.1"],
          timezone: "Europe/Paris",
        },
      });
      course = await makeCourse(t, { fullname: "Chemistry & Physics", shortname: "CHEM1" });
      const teacher = await t.user("tina", {
        firstname: "Tina",
        lastname: "Teach",
        email: "tina@example.org",
        timezone: "America/New_York",
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
      sam = await t.client("sam");
      tina = await t.client("tina");
      tool.docs.set("/cartridge.xml", {
        type: "application/xml",
        body: cartridgeXml({
          title: "Fake Quiz Tool",
          description: "Quizzes from elsewhere",
          launchUrl: tool.launchUrl,
          custom: { Topic: "$CourseSection.title", "Who!Am?I": "$User.id", Zone: "$Person.address.timezone" },
        }),
      });
    });
    after(async () => {
      await t.close();
      await tool.close();
    });

    it("configures the activity from a cartridge URL given as the tool URL (name from its title)", async () => {
      const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${course.id}/activities`, {
        type: "lti",
        name: "",
        section: 1,
        settings: {
          toolUrl: `${tool.origin}/cartridge.xml`,
          consumerKey: KEY,
          sharedSecret: SECRET,
          maxGrade: 20,
        },
      });
      assert.equal(res.status, 201, res.body);
      const a = res.json as { id: number; name: string; settings: Record<string, unknown> };
      activityId = a.id;
      assert.equal(a.name, "Fake Quiz Tool");
      assert.equal(a.settings.launchUrl, tool.launchUrl);
      assert.equal(a.settings.cartridgeUrl, `${tool.origin}/cartridge.xml`);
      assert.match(String(a.settings.customParameters), /^Topic=\$CourseSection\.title$/m);
      assert.equal(a.settings.launchContainer, "embed");
      assert.equal((await findActivityItem(t.ctx.db, a.id))?.maxGrade, 20);
    });

    it("shows the tool embedded in the activity page through Pluto's launch URL", async () => {
      const page = await sam.get(`/mod/${activityId}`);
      assert.equal(page.statusCode, 200);
      assert.match(
        page.body,
        new RegExp(
          `<iframe class="lti-frame" src="/mod/lti/${activityId}/launch\\?frame=1" data-lti-storage title="Fake Quiz Tool"`,
        ),
      );
      assert.doesNotMatch(page.body, new RegExp(SECRET), "the shared secret never reaches a student");
    });

    it("sends a learner's signed launch that ims-lti accepts, with every parameter the issue lists", async () => {
      const launch = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(launch.statusCode, 200);
      assert.match(launch.body, /data-autosubmit/);
      assert.match(launch.body, /<button type="submit">Continue to the tool<\/button>/);
      assert.doesNotMatch(launch.body, new RegExp(SECRET));
      const form = readLaunchForm(launch.body);
      assert.equal(form.action, tool.launchUrl);
      const res = await postLaunch(form);
      assert.equal(res.status, 200, res.html);
      const got = tool.launches.at(-1);
      assert.ok(got?.valid, got?.error);
      const p = got.params;
      const base = t.ctx.config.publicUrl;
      assert.equal(p.lti_message_type, "basic-lti-launch-request");
      assert.equal(p.lti_version, "LTI-1p0");
      assert.equal(p.resource_link_id, String(activityId));
      assert.equal(p.resource_link_title, "Fake Quiz Tool");
      assert.match(p.user_id ?? "", /^[A-Za-z0-9_-]{32}$/);
      assert.notEqual(p.user_id, String(samId));
      assert.equal(p.roles, "Learner,urn:lti:role:ims/lis/Learner");
      assert.ok(got.provider.student);
      assert.equal(p.context_id, String(course.id));
      assert.equal(p.context_title, "Chemistry & Physics");
      assert.equal(p.context_label, "CHEM1");
      assert.equal(p.lis_person_name_given, "Sam");
      assert.equal(p.lis_person_name_family, "Student");
      assert.equal(p.lis_person_name_full, "Sam Student");
      assert.equal(p.lis_person_contact_email_primary, "sam@example.org");
      assert.equal(p.lis_outcome_service_url, `${base}/lti/outcomes`);
      assert.match(p.lis_result_sourcedid ?? "", new RegExp(`^${activityId}:${samId}:[A-Za-z0-9_-]{43}$`));
      assert.equal(p.ext_ims_lis_memberships_url, `${base}/lti/memberships`);
      assert.match(p.ext_ims_lis_memberships_id ?? "", new RegExp(`^${activityId}:`));
      assert.equal(p.launch_presentation_locale, "en");
      assert.equal(p.launch_presentation_document_target, "iframe");
      assert.equal(p.launch_presentation_return_url, `${base}/mod/lti/${activityId}/return`);
      assert.equal(p.tool_consumer_instance_guid, new URL(base).host);
      assert.equal(p.tool_consumer_instance_name, "Pluto LMS");
      assert.equal(p.tool_consumer_info_product_family_code, "pluto");
      assert.ok(p.tool_consumer_info_version);
      assert.equal(p.custom_topic, "Chemistry & Physics", "$CourseSection.title substituted");
      assert.equal(p.custom_who_am_i, p.user_id, "$User.id substituted, name normalised");
      assert.equal(p.custom_zone, "Europe/Paris", "a user without a zone of their own has the site's");
      assert.equal(p.oauth_consumer_key, KEY);
      assert.equal(p.oauth_signature_method, "HMAC-SHA1");

      const log = await listLaunchLog(t.ctx.db, { courseId: course.id, direction: "out", limit: 5 });
      assert.equal(log[0]?.result, "ok");
      assert.equal(log[0]?.activityId, activityId);
      assert.equal(log[0]?.userId, samId);
      assert.equal(log[0]?.remoteUserId, p.user_id);
      assert.equal(log[0]?.consumerKey, KEY);
    });

    it("keeps user_id stable between launches, with a fresh nonce each time", async () => {
      const a = readLaunchForm((await sam.get(`/mod/lti/${activityId}/launch`)).body).fields;
      const b = readLaunchForm((await sam.get(`/mod/lti/${activityId}/launch`)).body).fields;
      assert.equal(a.user_id, b.user_id);
      assert.equal(a.resource_link_id, b.resource_link_id);
      assert.notEqual(a.oauth_nonce, b.oauth_nonce);
    });

    it("sends Instructor for a teacher, without a result sourcedid", async () => {
      const form = readLaunchForm((await tina.get(`/mod/lti/${activityId}/launch`)).body);
      assert.equal((await postLaunch(form)).status, 200);
      const got = tool.launches.at(-1);
      assert.ok(got?.valid, got?.error);
      assert.equal(got.params.roles, "Instructor,urn:lti:role:ims/lis/Instructor");
      assert.ok(got.provider.instructor);
      assert.equal(got.params.lis_result_sourcedid, undefined);
      assert.equal(got.params.custom_zone, "America/New_York", "the teacher's own zone");
    });

    it("takes replaceResult, readResult and deleteResult from ims-lti's outcome client into the gradebook", async () => {
      const form = readLaunchForm((await sam.get(`/mod/lti/${activityId}/launch`)).body);
      await postLaunch(form);
      const got = tool.launches.at(-1);
      assert.ok(got?.valid && got.provider.outcome_service, "the tool got an outcome service");
      const outcomes = got.provider.outcome_service;
      assert.equal(await call<boolean>((cb) => outcomes.send_replace_result(0.85, cb)), true);
      const item = await findActivityItem(t.ctx.db, activityId);
      assert.ok(item);
      const g = await findGrade(t.ctx.db, item.id, samId);
      assert.equal(g?.grade, 17, "0.85 × maximum grade 20");
      assert.equal(g?.source, "external");
      const grades = await api(t.app, teacherToken, "GET", `/api/v1/courses/${course.id}/grades`);
      assert.match(grades.body, /17/);

      assert.equal(await call<number>((cb) => outcomes.send_read_result(cb)), 0.85);
      assert.equal(await call<boolean>((cb) => outcomes.send_delete_result(cb)), true);
      assert.equal((await findGrade(t.ctx.db, item.id, samId))?.grade ?? null, null);
      const history = await listHistory(t.ctx.db, item.id, samId);
      assert.deepEqual(
        history.map((h) => [h.grade, h.source]),
        [
          [null, "external"],
          [17, "external"],
        ],
        "newest first: the delete, then the replace",
      );
    });
  });
}
