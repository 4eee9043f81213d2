// "Publish as LTI tool" through the API: POST /api/v1/courses/{id}/enrol-methods with method "lti"
// and PATCH /api/v1/enrol-methods/{id}, whose responses carry the published details.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { labelled } from "../../../../test/support/html-form.js";
import type { Course } from "../../courses/courses.service.js";

const SECRET = /^[A-Za-z0-9]{32,128}$/;

interface Presented {
  id: number;
  method: string;
  name: string;
  status: string;
  role: string;
  version: string;
  cartridgeUrl: string;
  launchUrl: string;
  secret: string;
  publish: string;
  activityId: number | null;
  roleInstructor: string;
  roleLearner: string;
  gradeSync: boolean;
  gradeSyncCompletion: boolean;
  memberSync: boolean;
  memberSyncMode: string;
  defaults: Record<string, string>;
  enrolPeriod: number | null;
  enrolStart: string | null;
  enrolEnd: string | null;
  maxEnrolled: number;
}

for (const engine of testEngines()) {
  describe(`"Publish as LTI tool" through the API (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let admin: string;
    let teacher: string;
    let student: string;
    let nonEditing: string;
    let activityId: number;
    let foreignActivityId: number;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t);
      const other = await makeCourse(t);
      activityId = (
        await addActivity(t, course.id, {
          type: "page",
          name: "Lab notes",
          settings: { content: "<p>x</p>" },
        })
      ).id;
      foreignActivityId = (
        await addActivity(t, other.id, { type: "page", name: "Not here", settings: { content: "<p>y</p>" } })
      ).id;
      admin = await t.token((await t.admin()).id);
      const tokens: Record<string, string> = {};
      for (const [username, role] of [
        ["tina", "editingteacher"],
        ["sam", "student"],
        ["nora", "teacher"],
      ] as const) {
        const u = await t.user(username);
        await enrolAs(t, course.id, u.id, role);
        tokens[username] = await t.token(u.id);
      }
      teacher = tokens.tina ?? "";
      student = tokens.sam ?? "";
      nonEditing = tokens.nora ?? "";
    });
    after(() => t.close());

    const create = (body: Record<string, unknown>, token = teacher, courseId = course.id) =>
      api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        ...body,
      });
    const snapshot = async () => ({
      instances: await t.ctx.db.selectFrom("enrol_instances").selectAll().orderBy("id").execute(),
      publications: await t.ctx.db.selectFrom("lti_publications").selectAll().orderBy("id").execute(),
    });

    it("creates an instance with the defaults the issue names and answers with the published details", async () => {
      const res = await create({ name: "Consumer A" });
      assert.equal(res.status, 201, res.body);
      const p = res.json as Presented;
      assert.equal(p.method, "lti");
      assert.equal(p.name, "Consumer A");
      assert.equal(p.status, "enabled");
      assert.equal(p.version, "LTI 1.1");
      assert.match(p.secret, SECRET);
      const uuid = /\/enrol\/lti\/launch\/([0-9a-f-]{36})$/.exec(p.launchUrl)?.[1];
      assert.ok(uuid, p.launchUrl);
      assert.equal(p.launchUrl, `${t.ctx.config.publicUrl}/enrol/lti/launch/${uuid}`);
      assert.equal(p.cartridgeUrl, `${t.ctx.config.publicUrl}/enrol/lti/cartridge/${uuid}/cartridge.xml`);
      assert.deepEqual(
        {
          publish: p.publish,
          activityId: p.activityId,
          maxEnrolled: p.maxEnrolled,
          roleInstructor: p.roleInstructor,
          roleLearner: p.roleLearner,
          gradeSync: p.gradeSync,
          gradeSyncCompletion: p.gradeSyncCompletion,
          memberSync: p.memberSync,
          memberSyncMode: p.memberSyncMode,
          defaults: p.defaults,
        },
        {
          publish: "course",
          activityId: null,
          maxEnrolled: 0,
          roleInstructor: "editingteacher",
          roleLearner: "student",
          gradeSync: true,
          gradeSyncCompletion: false,
          memberSync: false,
          memberSyncMode: "enrol_and_unenrol",
          defaults: { country: "", city: "", timezone: "", lang: "", institution: "" },
        },
      );
      const pub = await t.ctx.db
        .selectFrom("lti_publications")
        .selectAll()
        .where("instance_id", "=", p.id)
        .executeTakeFirstOrThrow();
      assert.equal(pub.secret, p.secret);
      assert.equal(pub.uuid, uuid);
    });

    it("creates an instance publishing an activity with every setting, and lists it", async () => {
      const body = {
        name: "Consumer B",
        publish: "activity",
        activityId,
        enrolPeriod: 7 * 86400,
        enrolStart: "2030-01-01T00:00:00Z",
        enrolEnd: "2030-12-31T00:00:00Z",
        maxEnrolled: 25,
        roleInstructor: "teacher",
        roleLearner: "guest",
        gradeSync: true,
        gradeSyncCompletion: true,
        memberSync: true,
        memberSyncMode: "unenrol_missing",
        defaults: { country: "fr", city: "Lyon", timezone: "Europe/Paris", lang: "fr", institution: "INSA" },
        secret: "S".repeat(40),
        status: "disabled",
      };
      const res = await create(body);
      assert.equal(res.status, 201, res.body);
      const p = res.json as Presented;
      assert.equal(p.publish, "activity");
      assert.equal(p.activityId, activityId);
      assert.equal(p.secret, "S".repeat(40));
      assert.equal(p.status, "disabled");
      assert.equal(p.enrolPeriod, 7 * 86400);
      assert.equal(p.enrolStart, "2030-01-01T00:00:00.000Z");
      assert.equal(p.memberSyncMode, "unenrol_missing");
      assert.equal(p.defaults.country, "FR");
      assert.equal(p.roleLearner, "guest");
      assert.equal(p.role, "guest", "the learner role is the instance's default role");
      const list = await api(t.app, teacher, "GET", `/api/v1/courses/${course.id}/enrol-methods`);
      assert.equal(list.status, 200);
      const listed = (list.json as Presented[]).find((i) => i.id === p.id);
      assert.equal(listed?.cartridgeUrl, p.cartridgeUrl);
      assert.equal(listed?.secret, p.secret);
    });

    it("an instance made through the API shows its learner role in the form, and survives a form save unchanged", async () => {
      const made = (await create({ name: "Consumer C", roleLearner: "teacher" })).json as Presented;
      assert.equal(made.role, "teacher");
      const page = await (await t.client("tina")).get(`/course/${course.id}/enrol-methods/${made.id}/edit`);
      assert.equal(labelled(page.body, "Role for learner").value, "teacher");
      assert.equal(labelled(page.body, "Secret").value, made.secret);
    });

    it("changes settings with PATCH, keeping the secret unless a new one is asked for", async () => {
      const made = (await create({ name: "Consumer D" })).json as Presented;
      const url = `/api/v1/enrol-methods/${made.id}`;
      let res = await api(t.app, teacher, "PATCH", url, {
        name: "Consumer D2",
        memberSync: true,
        defaults: { city: "Oslo" },
        maxEnrolled: 3,
      });
      assert.equal(res.status, 200, res.body);
      let p = res.json as Presented;
      assert.equal(p.name, "Consumer D2");
      assert.equal(p.memberSync, true);
      assert.equal(p.maxEnrolled, 3);
      assert.equal(p.defaults.city, "Oslo");
      assert.equal(p.secret, made.secret, "kept");
      assert.equal(p.launchUrl, made.launchUrl, "the launch URL never changes");
      res = await api(t.app, teacher, "PATCH", url, { regenerateSecret: true });
      p = res.json as Presented;
      assert.match(p.secret, SECRET);
      assert.notEqual(p.secret, made.secret);
      res = await api(t.app, teacher, "PATCH", url, { secret: "k".repeat(64), role: "teacher" });
      p = res.json as Presented;
      assert.equal(p.secret, "k".repeat(64));
      assert.equal(p.roleLearner, "teacher", "role and roleLearner are one setting");
      res = await api(t.app, teacher, "PATCH", url, { publish: "activity", activityId });
      assert.equal((res.json as Presented).activityId, activityId);
      res = await api(t.app, teacher, "PATCH", url, { status: "disabled" });
      assert.equal((res.json as Presented).status, "disabled");
      const del = await api(t.app, teacher, "DELETE", url);
      assert.equal(del.status, 204);
      const gone = await t.ctx.db
        .selectFrom("lti_publications")
        .select("id")
        .where("instance_id", "=", made.id)
        .execute();
      assert.equal(gone.length, 0);
    });

    describe("refuses bad input with the error code and writes nothing", () => {
      const bad: Array<[string, () => Record<string, unknown>, number, string, string?]> = [
        ["a short secret", () => ({ secret: "abc" }), 400, "validation", "secret"],
        ["a secret with symbols", () => ({ secret: `${"a".repeat(40)}-` }), 400, "validation", "secret"],
        ["an oversized secret", () => ({ secret: "a".repeat(129) }), 400, "validation", "secret"],
        ["a secret that is not text", () => ({ secret: 12345 }), 400, "validation", "secret"],
        ["publish activity without one", () => ({ publish: "activity" }), 400, "validation", "activityId"],
        [
          "an unknown activity",
          () => ({ publish: "activity", activityId: 999999 }),
          400,
          "validation",
          "activityId",
        ],
        [
          "an activity of another course",
          () => ({ publish: "activity", activityId: foreignActivityId }),
          400,
          "validation",
          "activityId",
        ],
        ["an unknown publish value", () => ({ publish: "everything" }), 400, "validation", "publish"],
        [
          "an unknown country",
          () => ({ defaults: { country: "GBR" } }),
          400,
          "validation",
          "defaults.country",
        ],
        [
          "an unknown time zone",
          () => ({ defaults: { timezone: "Mars/Base" } }),
          400,
          "validation",
          "defaults.timezone",
        ],
        [
          "a malformed language",
          () => ({ defaults: { lang: "English!" } }),
          400,
          "validation",
          "defaults.lang",
        ],
        ["an unknown default field", () => ({ defaults: { shoeSize: "42" } }), 400, "validation"],
        ["defaults that are not an object", () => ({ defaults: "NZ" }), 400, "validation", "defaults"],
        [
          "an oversized city",
          () => ({ defaults: { city: "c".repeat(121) } }),
          400,
          "validation",
          "defaults.city",
        ],
        [
          "an unknown instructor role",
          () => ({ roleInstructor: "overlord" }),
          400,
          "validation",
          "roleInstructor",
        ],
        ["an unknown learner role", () => ({ roleLearner: "overlord" }), 400, "validation", "roleLearner"],
        [
          "an unknown sync mode",
          () => ({ memberSyncMode: "sometimes" }),
          400,
          "validation",
          "memberSyncMode",
        ],
        ["gradeSync as text", () => ({ gradeSync: "yes" }), 400, "validation", "gradeSync"],
        [
          "an end before the start",
          () => ({ enrolStart: "2030-05-01T00:00:00Z", enrolEnd: "2030-04-01T00:00:00Z" }),
          400,
          "validation",
        ],
        [
          "a start that is not a date",
          () => ({ enrolStart: "next monday" }),
          400,
          "validation",
          "enrolStart",
        ],
        ["an oversized name", () => ({ name: "n".repeat(255) }), 400, "validation", "name"],
        ["a negative maximum", () => ({ maxEnrolled: -1 }), 400, "validation", "maxEnrolled"],
        ["an unknown status", () => ({ status: "maybe" }), 400, "validation", "status"],
      ];
      for (const [what, body, status, code, field] of bad) {
        it(`POST with ${what} → ${status} ${code}`, async () => {
          const before = await snapshot();
          const res = await create({ name: "Bad", ...body() });
          assert.equal(res.status, status, res.body);
          const err = (res.json as { error: { code: string; fields?: Array<{ field: string }> } }).error;
          assert.equal(err.code, code);
          if (field)
            assert.ok(
              err.fields?.some((f) => f.field === field),
              JSON.stringify(err),
            );
          assert.deepEqual(await snapshot(), before);
        });
        it(`PATCH with ${what} → ${status} ${code}, instance unchanged`, async () => {
          const made = (await create({ name: "Target" })).json as Presented;
          const before = await snapshot();
          const res = await api(t.app, teacher, "PATCH", `/api/v1/enrol-methods/${made.id}`, body());
          assert.equal(res.status, status, res.body);
          assert.equal((res.json as { error: { code: string } }).error.code, code);
          assert.deepEqual(await snapshot(), before);
        });
      }

      const refusals: Array<[string, () => Promise<{ status: number; json: unknown }>, number, string]> = [
        ["without a token", () => create({}, ""), 401, "unauthenticated"],
        ["a student", () => create({}, student), 403, "forbidden"],
        ["a non-editing teacher", () => create({}, nonEditing), 403, "forbidden"],
        ["an unknown course", () => create({}, admin, 999999), 404, "not_found"],
        [
          "a body that is not JSON",
          () => api(t.app, teacher, "POST", `/api/v1/courses/${course.id}/enrol-methods`, "{not json"),
          400,
          "bad_request",
        ],
        ["a student's PATCH", () => patchFirst(student, { name: "Mine" }), 403, "forbidden"],
        [
          "a non-editing teacher's PATCH",
          () => patchFirst(nonEditing, { regenerateSecret: true }),
          403,
          "forbidden",
        ],
        ["a PATCH changing the method", () => patchFirst(teacher, { method: "manual" }), 400, "validation"],
        [
          "a PATCH of an unknown instance",
          () => api(t.app, teacher, "PATCH", "/api/v1/enrol-methods/999999", { name: "x" }),
          404,
          "not_found",
        ],
      ];
      async function patchFirst(token: string, body: Record<string, unknown>) {
        const first = await t.ctx.db
          .selectFrom("enrol_instances")
          .select("id")
          .where("course_id", "=", course.id)
          .where("method", "=", "lti")
          .orderBy("id")
          .executeTakeFirstOrThrow();
        return api(t.app, token, "PATCH", `/api/v1/enrol-methods/${first.id}`, body);
      }
      for (const [what, call, status, code] of refusals) {
        it(`${what} → ${status} ${code}, nothing written`, async () => {
          const before = await snapshot();
          const res = await call();
          assert.equal(res.status, status, JSON.stringify(res.json));
          assert.equal((res.json as { error: { code: string } }).error.code, code);
          assert.deepEqual(await snapshot(), before);
        });
      }

      it("a student sees neither the instances nor their secrets", async () => {
        const res = await api(t.app, student, "GET", `/api/v1/courses/${course.id}/enrol-methods`);
        assert.equal(res.status, 403);
        assert.doesNotMatch(res.body, /secret/i);
      });
    });
  });
}

for (const engine of testEngines()) {
  describe(`Publish as LTI tool: roles an editing teacher may not give (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    it("refuses the Manager role for instructors or learners from an editing teacher, and writes nothing", async () => {
      const course = await makeCourse(t);
      const teacher = await t.user("rolesteacher");
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      const token = await t.token(teacher.id);
      for (const body of [{ roleInstructor: "manager" }, { roleLearner: "manager" }]) {
        const res = await api(t.app, token, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
          method: "lti",
          ltiVersion: "1.1",
          ...body,
        });
        assert.equal(res.status, 403, res.body);
      }
      const ok = await api(t.app, token, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
      });
      assert.equal(ok.status, 201, ok.body);
      const id = (ok.json as { id: number }).id;
      const patch = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${id}`, {
        roleInstructor: "manager",
      });
      assert.equal(patch.status, 403, patch.body);
      const instances = await t.ctx.db
        .selectFrom("lti_publications")
        .select("role_instructor")
        .where("course_id", "=", course.id)
        .execute();
      assert.deepEqual(
        instances.map((i) => i.role_instructor),
        ["editingteacher"],
      );
    });

    it("a manager's Manager instructor role is kept through an editing teacher's PATCH, but lends them nothing for the learner role", async () => {
      const course = await makeCourse(t);
      const [teacher, manager] = [await t.user("rolesteacher2"), await t.user("rolesmanager")];
      await enrolAs(t, course.id, teacher.id, "editingteacher");
      await enrolAs(t, course.id, manager.id, "manager");
      const made = await api(
        t.app,
        await t.token(manager.id),
        "POST",
        `/api/v1/courses/${course.id}/enrol-methods`,
        {
          method: "lti",
          ltiVersion: "1.1",
          roleInstructor: "manager",
        },
      );
      assert.equal(made.status, 201, made.body);
      const url = `/api/v1/enrol-methods/${(made.json as { id: number }).id}`;
      const token = await t.token(teacher.id);
      const roles = async () =>
        t.ctx.db
          .selectFrom("lti_publications")
          .select(["role_instructor", "role_learner"])
          .where("course_id", "=", course.id)
          .executeTakeFirstOrThrow();

      const untouched = await api(t.app, token, "PATCH", url, {
        gradeSync: false,
        roleInstructor: "manager",
      });
      assert.equal(untouched.status, 200, untouched.body);
      for (const body of [{ roleLearner: "manager" }, { role: "manager" }]) {
        const res = await api(t.app, token, "PATCH", url, body);
        assert.equal(res.status, 403, `${JSON.stringify(body)}: ${res.body}`);
      }
      assert.deepEqual(await roles(), { role_instructor: "manager", role_learner: "student" });
    });
  });
}
