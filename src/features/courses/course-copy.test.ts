// Course copy: the copy holds the source's sections, activities (a page, an assignment, LTI 1.1 and 1.3
// External tools) with their settings and grade items, and its enrolment methods without users; no grades
// or submissions; a published tool is not copied. Launches of the copy's tools name the source's ids in
// $Context.id.history and $ResourceLink.id.history (newest first; empty for the original). A taken short
// name or bad input writes nothing; a teacher without course:copy is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import {
  cartridgeXml,
  type FakeTool,
  freePort,
  readLaunchForm,
  startFakeTool,
} from "../../../test/support/fake-lti-tool.js";
import { type Lti13TestTool, startLti13Tool } from "../../../test/support/lti13-tool.js";
import { ConflictError } from "../../shared/errors.js";
import { findEnrolMethod, registerEnrolMethod } from "../enrolments/enrol-methods.js";
import { setGrade } from "../grades/grades.service.js";

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";
const HISTORY = "ctx_hist=$Context.id.history\nrl_hist=$ResourceLink.id.history";

interface CopyJson {
  id: number;
  fullname: string;
  shortname: string;
  startDate: string | null;
  originalCourseId: number | null;
  notCopied: Array<{ id: number; name: string; method: string; reason: string }>;
}

for (const engine of testEngines()) {
  describe(`Course copy (${engine})`, () => {
    let t: TestApp;
    let tool11: FakeTool;
    let tool13: Lti13TestTool;
    let pluto: string;
    let managerToken: string;
    let teacherToken: string;
    let managerId: number;
    let studentId: number;
    let sourceId: number;
    const acts: Record<"page" | "assign" | "lti11" | "lti13", number> = {
      page: 0,
      assign: 0,
      lti11: 0,
      lti13: 0,
    };

    before(async () => {
      tool11 = await startFakeTool({ host: "127.0.0.1", key: "key11", secret: "secret11" });
      tool11.docs.set("/cartridge.xml", {
        type: "application/xml",
        body: cartridgeXml({ title: "Old tool", launchUrl: tool11.launchUrl }),
      });
      tool13 = await startLti13Tool();
      const port = await freePort();
      pluto = `http://127.0.0.1:${port}`;
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: pluto, outboundAllow: ["127.0.0.1"] },
      });
      const adminToken = await t.token((await t.admin()).id);
      const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
        ltiVersion: "1.3",
        name: "Jose Tool",
        toolUrl: `${tool13.origin}/launch`,
        initiateLoginUrl: `${tool13.origin}/login`,
        redirectUris: [`${tool13.origin}/launch`],
        publicKeysetUrl: `${tool13.origin}/jwks`,
        customParameters: HISTORY,
      });
      assert.equal(reg.status, 201, reg.body);
      const toolTypeId = (reg.json as { id: number }).id;

      const course = await makeCourse(t, { fullname: "Biology", shortname: "BIO1" });
      sourceId = course.id;
      const manager = await t.user("mona");
      const teacher = await t.user("tina");
      const student = await t.user("sam");
      managerId = manager.id;
      studentId = student.id;
      await enrolAs(t, sourceId, manager.id, "manager");
      await enrolAs(t, sourceId, teacher.id, "editingteacher");
      await enrolAs(t, sourceId, student.id, "student");
      managerToken = await t.token(manager.id);
      teacherToken = await t.token(teacher.id);

      const add = async (key: keyof typeof acts, body: Record<string, unknown>) => {
        const res = await api(t.app, teacherToken, "POST", `/api/v1/courses/${sourceId}/activities`, body);
        assert.equal(res.status, 201, res.body);
        acts[key] = (res.json as { id: number }).id;
      };
      await add("page", { type: "page", name: "Welcome", section: 0, settings: { content: "<p>Hi</p>" } });
      await add("assign", {
        type: "assign",
        name: "Essay",
        section: 1,
        settings: { instructions: "Write", maxGrade: 40 },
        completionRule: "passing",
        completionPassGrade: 20,
      });
      await add("lti11", {
        type: "lti",
        name: "Lab",
        section: 2,
        settings: {
          toolUrl: `${tool11.origin}/cartridge.xml`,
          consumerKey: "key11",
          sharedSecret: "secret11",
          maxGrade: 20,
          customParameters: HISTORY,
        },
      });
      await add("lti13", { type: "lti", name: "Cell quiz", section: 2, settings: { toolTypeId } });
      const sections = await t.ctx.db
        .selectFrom("sections")
        .select("id")
        .where("course_id", "=", sourceId)
        .where("position", "=", 1)
        .executeTakeFirstOrThrow();
      await t.ctx.db
        .updateTable("sections")
        .set({ name: "Cells", summary: "All about cells" })
        .where("id", "=", sections.id)
        .execute();

      const pub = await api(t.app, managerToken, "POST", `/api/v1/courses/${sourceId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Consumer A",
      });
      assert.equal(pub.status, 201, pub.body);
      const now = new Date().toISOString();
      await t.ctx.db
        .insertInto("assign_submissions")
        .values({
          activity_id: acts.assign,
          user_id: studentId,
          text: "Cells divide",
          submitted_at: now,
          updated_at: now,
        })
        .execute();
      await t.ctx.db.transaction().execute((trx) =>
        setGrade(trx, t.ctx, {
          activityId: acts.assign,
          userId: studentId,
          grade: 30,
          source: "teacher",
          actorId: null,
        }),
      );
    });
    after(async () => {
      await t.close();
      await tool11.close();
      await tool13.close();
    });

    const copy = (from: number, body: unknown, token = managerToken) =>
      api(t.app, token, "POST", `/api/v1/courses/${from}/copy`, body);

    async function counts() {
      const n = async (
        table: "courses" | "sections" | "activities" | "grade_items" | "enrol_instances" | "enrolments",
      ) =>
        Number(
          (
            await t.ctx.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        courses: await n("courses"),
        sections: await n("sections"),
        activities: await n("activities"),
        gradeItems: await n("grade_items"),
        instances: await n("enrol_instances"),
        enrolments: await n("enrolments"),
      };
    }

    let copyId: number;

    it("copies sections, activities with their settings, grade items and methods, without users or grades", async () => {
      const res = await copy(sourceId, {
        fullname: "Biology 2027",
        shortname: "BIO2027",
        startDate: "2027-09-01",
      });
      assert.equal(res.status, 201, res.body);
      const c = res.json as CopyJson;
      copyId = c.id;
      assert.notEqual(c.id, sourceId);
      assert.equal(c.fullname, "Biology 2027");
      assert.equal(c.startDate, "2027-09-01");
      assert.equal(c.originalCourseId, sourceId);
      assert.deepEqual(
        c.notCopied.map((m) => [m.name, m.method]),
        [["Consumer A", "lti"]],
      );
      assert.match(c.notCopied[0]?.reason ?? "", /consumer key and secret/);

      const sections = (id: number) =>
        t.ctx.db
          .selectFrom("sections")
          .select(["position", "name", "summary"])
          .where("course_id", "=", id)
          .orderBy("position")
          .execute();
      assert.deepEqual(await sections(copyId), await sections(sourceId));

      const activities = (id: number) =>
        t.ctx.db
          .selectFrom("activities as a")
          .innerJoin("sections as s", "s.id", "a.section_id")
          .select([
            "a.id",
            "a.type",
            "a.name",
            "a.settings",
            "a.visible",
            "a.completion_rule",
            "a.completion_pass_grade",
            "s.position as section",
            "a.original_activity_id",
          ])
          .where("a.course_id", "=", id)
          .orderBy("a.id")
          .execute();
      const src = await activities(sourceId);
      const dst = await activities(copyId);
      assert.equal(dst.length, 4);
      for (const [i, a] of dst.entries()) {
        const s = src[i];
        assert.ok(s);
        assert.notEqual(a.id, s.id);
        assert.equal(a.original_activity_id, s.id);
        assert.deepEqual(
          { ...a, id: 0, original_activity_id: 0, settings: JSON.parse(a.settings) },
          { ...s, id: 0, original_activity_id: 0, settings: JSON.parse(s.settings) },
        );
      }

      const items = await t.ctx.db
        .selectFrom("grade_items")
        .selectAll()
        .where("course_id", "=", copyId)
        .orderBy("id")
        .execute();
      const byActivity = new Map(items.map((i) => [i.activity_id, i]));
      const newId = (old: number) => dst.find((a) => a.original_activity_id === old)?.id ?? -1;
      assert.equal(byActivity.get(newId(acts.assign))?.max_grade, 40);
      assert.equal(byActivity.get(newId(acts.assign))?.pass_grade, 20);
      assert.equal(byActivity.get(newId(acts.lti11))?.max_grade, 20);
      assert.equal(byActivity.get(newId(acts.lti11))?.name, "Lab");
      assert.ok(byActivity.get(newId(acts.lti13)), "the LTI 1.3 activity's grade item is copied and linked");
      assert.equal(byActivity.has(newId(acts.page)), false);
      const sourceTotal = await t.ctx.db
        .selectFrom("grade_items")
        .select(["name", "max_grade"])
        .where("course_id", "=", sourceId)
        .where("activity_id", "is", null)
        .executeTakeFirstOrThrow();
      assert.equal(byActivity.get(null)?.max_grade, sourceTotal.max_grade);
      assert.ok(sourceTotal.max_grade >= 60);

      const grades = await t.ctx.db
        .selectFrom("grades")
        .select("grades.id")
        .where(
          "item_id",
          "in",
          items.map((i) => i.id),
        )
        .execute();
      assert.equal(grades.length, 0);
      const submissions = await t.ctx.db
        .selectFrom("assign_submissions")
        .select("activity_id")
        .where(
          "activity_id",
          "in",
          dst.map((a) => a.id),
        )
        .execute();
      assert.equal(submissions.length, 0);

      const methods = await t.ctx.db
        .selectFrom("enrol_instances")
        .selectAll()
        .where("course_id", "=", copyId)
        .execute();
      assert.deepEqual(
        methods.map((m) => [m.method, m.name, m.role, m.status]),
        [["manual", "Manual enrolments", "student", "enabled"]],
      );
      const enrolled = await t.ctx.db
        .selectFrom("enrolments")
        .select("user_id")
        .where("course_id", "=", copyId)
        .execute();
      assert.deepEqual(
        enrolled.map((e) => e.user_id),
        [managerId],
        "only the copier, as manager",
      );
      const roles = await t.ctx.db
        .selectFrom("role_assignments")
        .select(["user_id", "role"])
        .where("course_id", "=", copyId)
        .execute();
      assert.deepEqual(
        roles.map((r) => [r.user_id, r.role]),
        [[managerId, "manager"]],
      );
    });

    async function launch11(activityId: number, courseId: number) {
      await enrolAs(t, courseId, studentId, "student");
      const sam = await t.client("sam");
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      // An empty value renders as a bare `value` attribute (the browser posts it empty), which
      // readLaunchForm does not read: those fields are read here.
      const fields = readLaunchForm(page.body).fields;
      for (const m of page.body.matchAll(/<input type="hidden" name="([^"]*)" value\s*\/?>/g))
        fields[m[1] ?? ""] = "";
      return fields;
    }

    async function launch13(activityId: number, sam: Client) {
      const page = await sam.get(`/mod/lti/${activityId}/launch`);
      assert.equal(page.statusCode, 200, page.body);
      const form = readLaunchForm(page.body);
      const login = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form.fields).toString(),
        redirect: "manual",
      });
      assert.equal(login.status, 302);
      const answer = await fetch(String(login.headers.get("location")), { redirect: "manual" });
      const html = await answer.text();
      assert.equal(answer.status, 200, html);
      const idToken = readLaunchForm(html).fields.id_token ?? "";
      const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${pluto}/lti/jwks`)));
      return payload;
    }

    const copiedOf = async (courseId: number, original: number) =>
      (
        await t.ctx.db
          .selectFrom("activities")
          .select("id")
          .where("course_id", "=", courseId)
          .where("original_activity_id", "=", original)
          .executeTakeFirstOrThrow()
      ).id;

    it("launches the original's tools with empty histories", async () => {
      const f = await launch11(acts.lti11, sourceId);
      assert.equal(f.resource_link_id, String(acts.lti11));
      assert.equal(f.custom_ctx_hist, "");
      assert.equal(f.custom_rl_hist, "");
      const p = await launch13(acts.lti13, await t.client("sam"));
      assert.deepEqual(p[`${CLAIM}custom`], { ctx_hist: "", rl_hist: "" });
    });

    it("launches the copy's LTI 1.1 and 1.3 tools with new ids and the original's in the histories", async () => {
      const lti11 = await copiedOf(copyId, acts.lti11);
      const f = await launch11(lti11, copyId);
      assert.equal(f.resource_link_id, String(lti11));
      assert.equal(f.context_id, String(copyId));
      assert.equal(f.custom_ctx_hist, String(sourceId));
      assert.equal(f.custom_rl_hist, String(acts.lti11));
      const lti13 = await copiedOf(copyId, acts.lti13);
      const p = await launch13(lti13, await t.client("sam"));
      assert.deepEqual(p[`${CLAIM}resource_link`], { id: String(lti13), title: "Cell quiz" });
      assert.equal((p[`${CLAIM}context`] as { id: string }).id, String(copyId));
      assert.deepEqual(p[`${CLAIM}custom`], { ctx_hist: String(sourceId), rl_hist: String(acts.lti13) });
    });

    it("lists two ids, newest first, for a copy of a copy", async () => {
      const res = await copy(copyId, { fullname: "Biology 2028", shortname: "BIO2028" });
      assert.equal(res.status, 201, res.body);
      const second = res.json as CopyJson;
      assert.equal(second.startDate, "2027-09-01", "the source's start date when none is given");
      const mid = await copiedOf(copyId, acts.lti13);
      const lti13 = await copiedOf(second.id, mid);
      const p = await launch13(
        lti13,
        await (async () => {
          await enrolAs(t, second.id, studentId, "student");
          return t.client("sam");
        })(),
      );
      assert.deepEqual(p[`${CLAIM}custom`], {
        ctx_hist: `${copyId},${sourceId}`,
        rl_hist: `${mid},${acts.lti13}`,
      });
    });

    it("refuses a taken short name with 409 and writes nothing", async () => {
      const before = await counts();
      const res = await copy(sourceId, { fullname: "Again", shortname: "BIO2027" });
      assert.equal(res.status, 409, res.body);
      assert.equal((res.json as { error: { code: string } }).error.code, "conflict");
      assert.deepEqual(await counts(), before);
    });

    for (const [label, body] of [
      ["no full name", { shortname: "X1" }],
      ["an empty short name", { fullname: "X", shortname: "  " }],
      ["a malformed start date", { fullname: "X", shortname: "X2", startDate: "01/09/2027" }],
      ["an impossible start date", { fullname: "X", shortname: "X3", startDate: "2027-02-30" }],
    ] as const) {
      it(`refuses ${label} with 400 and writes nothing`, async () => {
        const before = await counts();
        const res = await copy(sourceId, body);
        assert.equal(res.status, 400, res.body);
        assert.deepEqual(await counts(), before);
      });
    }

    it("refuses a teacher without course:copy (403), on the API and the page", async () => {
      const before = await counts();
      const res = await copy(sourceId, { fullname: "Mine", shortname: "MINE" }, teacherToken);
      assert.equal(res.status, 403, res.body);
      const tina = await t.client("tina");
      assert.equal((await tina.get(`/course/${sourceId}/copy`)).statusCode, 403);
      const course = await tina.get(`/course/${sourceId}`);
      assert.doesNotMatch(course.body, /Copy course/);
      assert.deepEqual(await counts(), before);
    });

    it("copies from the Course admin page and opens the new course with a notice", async () => {
      const mona = await t.client("mona");
      const home = await mona.get(`/course/${sourceId}`);
      assert.match(home.body, new RegExp(`href="/course/${sourceId}/copy"[^>]*>Copy course<`));
      const form = await mona.get(`/course/${sourceId}/copy`);
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<label[^>]*for="f-fullname"[^>]*>\s*Course full name/);
      assert.match(form.body, /<label[^>]*for="f-shortname"[^>]*>\s*Course short name/);
      assert.match(form.body, /<label[^>]*for="f-startDate"[^>]*>\s*Course start date/);
      const taken = await mona.post(`/course/${sourceId}/copy`, {
        fullname: "X",
        shortname: "BIO1",
        startDate: "",
      });
      assert.equal(taken.statusCode, 409);
      assert.match(taken.body, /already used by another course/);
      const res = await mona.post(`/course/${sourceId}/copy`, {
        fullname: "Biology form",
        shortname: "BIOF",
        startDate: "",
      });
      assert.equal(res.statusCode, 303, res.body);
      const where = String(res.headers.location);
      assert.match(where, /^\/course\/\d+$/);
      const page = await mona.get(where);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /copied from “Biology”, without its users/);
      assert.match(page.body, /Not copied: the enrolment method “Consumer A”/);
    });

    it("leaves nothing behind when a step fails after the course was written", async () => {
      // A method whose set-up refuses, as the last step of the copy (after course, sections, activities
      // and grade items were inserted).
      if (!findEnrolMethod("refuses-copy"))
        registerEnrolMethod({
          key: "refuses-copy",
          label: "Refuses copy",
          multiple: true,
          parseForm: () => ({}),
          parseApi: () => ({}),
          onCreate: () => {
            throw new ConflictError("This method cannot be set up now");
          },
        });
      const now = new Date().toISOString();
      const row = await t.ctx.db
        .insertInto("enrol_instances")
        .values({
          course_id: sourceId,
          method: "refuses-copy",
          name: "Refuses",
          status: "enabled",
          enrol_period: null,
          enrol_start: null,
          enrol_end: null,
          max_enrolled: 0,
          role: "student",
          settings: "{}",
          created_at: now,
          updated_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const before = await counts();
      const res = await copy(sourceId, { fullname: "Half", shortname: "HALF" });
      assert.equal(res.status, 409, res.body);
      assert.deepEqual(await counts(), before);
      const half = await t.ctx.db
        .selectFrom("courses")
        .select("id")
        .where("shortname", "=", "HALF")
        .execute();
      assert.deepEqual(half, []);
      await t.ctx.db.deleteFrom("enrol_instances").where("id", "=", row.id).execute();
    });

    it("sets and clears the start date through the course settings form and the API", async () => {
      const mona = await t.client("mona");
      await mona.get(`/course/${copyId}/edit`);
      const saved = await mona.post(`/course/${copyId}/edit`, {
        fullname: "Biology 2027",
        shortname: "BIO2027",
        summary: "",
        visible: "1",
        startDate: "2027-10-04",
      });
      assert.equal(saved.statusCode, 303, saved.body);
      const one = await api(t.app, managerToken, "GET", `/api/v1/courses/${copyId}`);
      assert.equal((one.json as CopyJson).startDate, "2027-10-04");
      const form = await mona.get(`/course/${copyId}/edit`);
      assert.match(form.body, /name="startDate" value="2027-10-04"/);
      const bad = await mona.post(`/course/${copyId}/edit`, {
        fullname: "Biology 2027",
        shortname: "BIO2027",
        summary: "",
        startDate: "2027-13-01",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /Course start date must be a real date/);
      await mona.post(`/course/${copyId}/edit`, {
        fullname: "Biology 2027",
        shortname: "BIO2027",
        summary: "",
        startDate: "",
      });
      const cleared = await api(t.app, managerToken, "GET", `/api/v1/courses/${copyId}`);
      assert.equal((cleared.json as CopyJson).startDate, null);
    });

    it("is described in the OpenAPI document with its body and answers", async () => {
      const res = await api(t.app, undefined, "GET", "/api/v1/openapi.json");
      const doc = res.json as {
        paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      };
      const op = doc.paths["/courses/{id}/copy"]?.post;
      assert.ok(op);
      assert.deepEqual(Object.keys(op.responses ?? {}).sort(), ["201", "400", "403", "409", "4XX"]);
      assert.match(JSON.stringify(op), /startDate/);
    });
  });
}
