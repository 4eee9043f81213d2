// Privacy settings are honoured in launches and in the memberships service; the memberships service answers a
// correctly signed request with the course's participants and refuses everything else.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { readLaunchForm } from "../../../../test/support/fake-lti-tool.js";
import { buildMembershipsRequestParams, parseMembershipsResponse } from "../../../lti/v1p1/memberships.js";
import { signRequest } from "../../../lti/v1p1/oauth.js";
import { formEncode } from "../../../lti/v1p1/oauth-encoding.js";
import type { Course } from "../../courses/courses.service.js";
import { createToolType, updateToolType } from "../tools/tool-types.service.js";

const KEY = "members-key";
const SECRET = "members-secret";
const SITE_KEY = "site-members-key";
const SITE_SECRET = "site-members-secret";

for (const engine of testEngines()) {
  describe(`privacy and memberships (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let student: Client;
    let teacher: Client;
    let openId: number;
    let privateId: number;
    let siteToolId: number;
    let siteId: number;

    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { fullname: "Biology", shortname: "BIO" });
      const tom = await t.user("tom", { firstname: "Tom", lastname: "Teacher", email: "tom@example.org" });
      const sue = await t.user("sue", { firstname: "Sue", lastname: "Student", email: "sue@example.org" });
      const sid = await t.user("sid", { firstname: "Sid", lastname: "Second", email: "sid@example.org" });
      await t.user("nora", { firstname: "Nora", lastname: "Notenrolled" });
      await enrolAs(t, course.id, tom.id, "editingteacher");
      await enrolAs(t, course.id, sue.id, "student");
      await enrolAs(t, course.id, sid.id, "student");
      const settings = { toolUrl: "http://127.0.0.1:9/launch", consumerKey: KEY, sharedSecret: SECRET };
      const custom =
        "who=$Person.name.full\nlogin=$User.username\nmail=$Person.email.primary\ncourse=$Context.title";
      openId = (
        await addActivity(t, course.id, {
          type: "lti",
          name: "Open tool",
          settings: { ...settings, customParameters: custom },
        })
      ).id;
      privateId = (
        await addActivity(t, course.id, {
          type: "lti",
          name: "Private tool",
          settings: {
            ...settings,
            customParameters: custom,
            shareName: false,
            shareEmail: false,
            acceptGrades: false,
          },
        })
      ).id;
      siteToolId = (
        await createToolType(
          t.ctx.db,
          t.clock,
          { allow: [] },
          {
            name: "Members Site Tool",
            toolUrl: "http://127.0.0.7:9/launch",
            consumerKey: SITE_KEY,
            sharedSecret: SITE_SECRET,
          },
        )
      ).id;
      siteId = (
        await addActivity(t, course.id, {
          type: "lti",
          name: "Site tool",
          settings: { toolTypeId: siteToolId },
        })
      ).id;
      student = await t.client("sue");
      teacher = await t.client("tom");
    });
    after(() => t.close());

    const launchFields = async (c: Client, id: number) =>
      readLaunchForm((await c.get(`/mod/lti/${id}/launch`)).body).fields;

    it("sends names and email when shared, with substitution variables filled in", async () => {
      const f = await launchFields(student, openId);
      assert.equal(f.lis_person_name_full, "Sue Student");
      assert.equal(f.lis_person_contact_email_primary, "sue@example.org");
      assert.equal(f.custom_who, "Sue Student");
      assert.equal(f.custom_login, "sue");
      assert.equal(f.custom_mail, "sue@example.org");
      assert.equal(f.custom_course, "Biology");
    });

    it("sends no name, email or username when sharing is off, and no outcome service when grades are not accepted", async () => {
      const f = await launchFields(student, privateId);
      for (const k of [
        "lis_person_name_given",
        "lis_person_name_family",
        "lis_person_name_full",
        "lis_person_contact_email_primary",
        "lis_outcome_service_url",
        "lis_result_sourcedid",
      ]) {
        assert.equal(f[k], undefined, k);
      }
      assert.equal(f.custom_who, "$Person.name.full", "unsubstituted variables are sent literally");
      assert.equal(f.custom_login, "$User.username");
      assert.equal(f.custom_mail, "$Person.email.primary");
      assert.ok(f.user_id);
      assert.ok(f.ext_ims_lis_memberships_id);
    });

    async function members(
      fromLaunch: Record<string, string>,
      o: { key?: string; secret?: string; id?: string; type?: string } = {},
    ) {
      const url = fromLaunch.ext_ims_lis_memberships_url ?? "";
      const params = buildMembershipsRequestParams({
        id: o.id ?? fromLaunch.ext_ims_lis_memberships_id ?? "",
      });
      if (o.type) params.lti_message_type = o.type;
      const signed = signRequest(params, url, "POST", o.key ?? KEY, o.secret ?? SECRET, { clock: t.clock });
      return t.app.inject({
        method: "POST",
        url: new URL(url).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: formEncode(signed),
      });
    }

    it("lists the course's participants with roles, names, emails and learners' sourcedids", async () => {
      const f = await launchFields(teacher, openId);
      const res = await members(f);
      assert.equal(res.statusCode, 200, res.body);
      const r = parseMembershipsResponse(res.body);
      assert.equal(r.success, true);
      assert.equal(r.members.length, 3, "the enrolled users, not Nora");
      const tom = r.members.find((m) => m.fullName === "Tom Teacher");
      const sue = r.members.find((m) => m.fullName === "Sue Student");
      assert.ok(tom && sue);
      assert.deepEqual(tom.roles, ["Instructor", "urn:lti:role:ims/lis/Instructor"]);
      assert.deepEqual(sue.roles, ["Learner", "urn:lti:role:ims/lis/Learner"]);
      assert.equal(sue.email, "sue@example.org");
      assert.equal(sue.givenName, "Sue");
      assert.equal(tom.userId, f.user_id, "the same opaque user_id as in launches");
      const sueLaunch = await launchFields(student, openId);
      assert.equal(sue.userId, sueLaunch.user_id);
      assert.equal(sue.resultSourcedId, sueLaunch.lis_result_sourcedid);
      assert.equal(tom.resultSourcedId, undefined);
    });

    it("leaves names and emails out when the activity does not share them", async () => {
      const res = await members(await launchFields(teacher, privateId));
      const r = parseMembershipsResponse(res.body);
      assert.equal(r.members.length, 3);
      for (const m of r.members) {
        assert.equal(m.fullName, undefined);
        assert.equal(m.givenName, undefined);
        assert.equal(m.email, undefined);
        assert.equal(m.resultSourcedId, undefined);
        assert.ok(m.userId && m.roles.length > 0);
      }
    });

    it("refuses bad requests with a Failure response and the right status", async () => {
      const f = await launchFields(teacher, openId);
      const cases: Array<[string, () => Promise<{ statusCode: number; body: string }>, number]> = [
        ["a wrong secret", () => members(f, { secret: "nope" }), 401],
        ["a wrong key", () => members(f, { key: "nope" }), 401],
        [
          "a forged id",
          () =>
            members(f, { id: f.ext_ims_lis_memberships_id?.replace(/.$/, (c) => (c === "A" ? "B" : "A")) }),
          403,
        ],
        [
          "another activity's id with its mac",
          () => members(f, { id: `${privateId}:${f.ext_ims_lis_memberships_id?.split(":")[1]}` }),
          403,
        ],
        ["another message type", () => members(f, { type: "basic-lti-launch-request" }), 400],
        [
          "a JSON body",
          () =>
            t.app.inject({
              method: "POST",
              url: "/lti/memberships",
              headers: { "content-type": "application/json" },
              payload: "{}",
            }),
          415,
        ],
        [
          "a body over 64 KiB",
          () =>
            t.app.inject({
              method: "POST",
              url: "/lti/memberships",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              payload: `id=${"x".repeat(65 * 1024)}`,
            }),
          413,
        ],
      ];
      for (const [what, send, status] of cases) {
        const res = await send();
        assert.equal(res.statusCode, status, `${what}: ${res.body}`);
        const r = parseMembershipsResponse(res.body);
        assert.equal(r.success, false, what);
        assert.equal(r.members.length, 0, what);
      }
    });

    it("refuses a replayed request", async () => {
      const f = await launchFields(teacher, openId);
      const url = f.ext_ims_lis_memberships_url ?? "";
      const signed = signRequest(
        buildMembershipsRequestParams({ id: f.ext_ims_lis_memberships_id ?? "" }),
        url,
        "POST",
        KEY,
        SECRET,
        { clock: t.clock },
      );
      const send = () =>
        t.app.inject({
          method: "POST",
          url: "/lti/memberships",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: formEncode(signed),
        });
      assert.equal((await send()).statusCode, 200);
      assert.equal((await send()).statusCode, 401);
    });

    it("answers within the site tool's privacy settings as they are now, for an activity saved before", async () => {
      const f = await launchFields(teacher, siteId);
      const site = { key: SITE_KEY, secret: SITE_SECRET };
      const sueOf = async () => {
        const res = await members(f, site);
        assert.equal(res.statusCode, 200, res.body);
        return parseMembershipsResponse(res.body).members.find((m) => m.givenName === "Sue");
      };
      const open = await sueOf();
      assert.equal(open?.email, "sue@example.org");
      assert.ok(open?.resultSourcedId);
      await updateToolType(t.ctx.db, t.clock, { allow: [] }, siteToolId, {
        shareEmail: false,
        acceptGrades: false,
      });
      const narrowed = await sueOf();
      assert.ok(narrowed, "names are still shared");
      assert.equal(narrowed.email, undefined);
      assert.equal(narrowed.resultSourcedId, undefined);
    });
  });
}
