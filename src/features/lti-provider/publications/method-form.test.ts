// "Publish as LTI tool" through its real HTML form (Enrollment methods → Add method) and through
// the API (POST /api/v1/courses/{id}/enrol-methods, PATCH /api/v1/enrol-methods/{id}).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { addActivity, enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { labelled, readForm, section } from "../../../../test/support/html-form.js";
import type { Course } from "../../courses/courses.service.js";
import { listInstances } from "../../enrolments/enrolments.service.js";

const SECRET = /^[A-Za-z0-9]{32,128}$/;

for (const engine of testEngines()) {
  describe(`"Publish as LTI tool" through the Enrollment methods form (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let other: Course;
    let teacher: Client;
    let activityId: number;
    let foreignActivityId: number;
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { fullname: "Astronomy", shortname: "ASTRO" });
      other = await makeCourse(t, { shortname: "OTHER" });
      activityId = (
        await addActivity(t, course.id, {
          type: "page",
          name: "Star charts",
          settings: { content: "<p>x</p>" },
        })
      ).id;
      foreignActivityId = (
        await addActivity(t, other.id, { type: "page", name: "Elsewhere", settings: { content: "<p>y</p>" } })
      ).id;
      for (const [username, role] of [
        ["tina", "editingteacher"],
        ["sam", "student"],
        ["nora", "teacher"],
      ] as const) {
        const u = await t.user(username);
        await enrolAs(t, course.id, u.id, role);
      }
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const ltiInstances = async () =>
      (await listInstances(t.ctx.db, course.id)).filter((i) => i.method === "lti");
    const publicationOf = (instanceId: number) =>
      t.ctx.db
        .selectFrom("lti_publications")
        .selectAll()
        .where("instance_id", "=", instanceId)
        .executeTakeFirst();
    const addForm = async (c: Client = teacher) => {
      const page = await c.get(`/course/${course.id}/enrol-methods/add?method=lti`);
      assert.equal(page.statusCode, 200, page.body);
      // This site has no LTI Advantage platform: a new instance is a Legacy LTI (1.1) one, the guide's
      // key and secret, without choosing it (lti-advantage.test.ts has the site with a platform).
      const form = readForm(page.body, /\/enrol-methods\/add$/);
      assert.equal(form.fields.ltiVersion, "1.1", "Legacy LTI (1.1) without an LTI Advantage platform");
      return { page, form };
    };
    const counts = async () => ({
      instances: (await t.ctx.db.selectFrom("enrol_instances").select("id").execute()).length,
      publications: (await t.ctx.db.selectFrom("lti_publications").select("id").execute()).length,
    });

    it('offers "Publish as LTI tool" in the Add method drop-down of Enrollment methods', async () => {
      const page = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.equal(page.statusCode, 200);
      const add = labelled(page.body, "Add method");
      assert.ok(add.options.some((o) => o.value === "lti" && o.label === "Publish as LTI tool"));
      const form = readForm(page.body, /\/enrol-methods\/add$/);
      assert.equal(form.action, `/course/${course.id}/enrol-methods/add`);
    });

    it("shows the three sections with every field the guide names, with their defaults", async () => {
      const { page } = await addForm();
      const html = page.body;
      assert.match(html, /<h1>Publish as LTI tool<\/h1>/);
      const publish = section(html, "Publish as LTI tool", "Remote system");
      const remote = section(html, "Remote system", "User default values");
      const defaults = section(html, "User default values");

      assert.equal(labelled(publish, "Custom instance name").name, "name");
      const version = labelled(publish, "LTI version");
      assert.equal(version.value, "1.1");
      assert.equal(version.options.find((o) => o.selected)?.label, "Legacy LTI (1.1)");
      assert.match(
        html,
        /<fieldset data-lti-version="1\.1">\s*<legend>Legacy LTI \(1\.1\)<\/legend>/,
        "the secret fields are shown",
      );
      const tool = labelled(publish, "Tool to be published");
      assert.deepEqual(
        tool.options.map((o) => o.label),
        ["Course", "Star charts"],
        "the course or one of its activities, not another course's",
      );
      assert.equal(tool.value, "course");
      for (const [box, field] of [
        ["Enable enrolment period", "Duration"],
        ["Enable enrolment start", "Enrolment start: date and time (UTC)"],
        ["Enable enrolment end", "Enrolment end: date and time (UTC)"],
      ] as const) {
        const enable = labelled(publish, box);
        assert.equal(enable.type, "checkbox");
        assert.equal(enable.checked, false, `${box} is off by default`);
        assert.ok(labelled(publish, field));
      }
      assert.equal(labelled(publish, "Enrolment start: date and time (UTC)").type, "datetime-local");
      const max = labelled(publish, "Maximum enrolled users");
      assert.equal(max.value, "0");
      assert.match(publish, /0 means unlimited/);
      assert.equal(labelled(publish, "Role for instructor").value, "editingteacher");
      assert.equal(
        labelled(publish, "Role for instructor").options.find((o) => o.selected)?.label,
        "Teacher",
      );
      assert.equal(labelled(publish, "Role for learner").value, "student");

      const secret = labelled(remote, "Secret");
      assert.match(secret.value, SECRET, "a generated secret is shown at once");
      assert.ok(secret.value.length >= 32);
      assert.equal(labelled(remote, "Send grades back").value, "1");
      assert.deepEqual(
        labelled(remote, "Send grades back").options.map((o) => o.label),
        ["Yes", "No"],
      );
      assert.equal(labelled(remote, "Grade synchronisation completion required").value, "0");
      const sync = labelled(remote, "User synchronisation");
      assert.equal(sync.value, "0");
      assert.match(
        remote,
        /a scheduled task synchronises the consumer&#39;s members|a scheduled task synchronises the consumer's members/,
      );
      assert.deepEqual(
        labelled(remote, "User synchronisation mode").options.map((o) => o.label),
        ["Enrol new and unenrol missing users", "Enrol new users", "Unenrol missing users"],
      );

      for (const label of ["Country", "City/town", "Timezone", "Preferred language", "Institution"])
        assert.equal(labelled(defaults, label).value, "", label);
      assert.match(html, /<button type="submit" class="button">Add method<\/button>/);

      // Two visits give two different secrets: they are random.
      const again = labelled((await addForm()).page.body, "Secret").value;
      assert.notEqual(again, secret.value);
    });

    it('adds the instance with "Add method": it shows on Enrollment methods and keeps the shown secret', async () => {
      const { page, form } = await addForm();
      const shownSecret = labelled(page.body, "Secret").value;
      const res = await teacher.post(form.action, {
        ...form.fields,
        name: "Consumer North",
        enrolPeriodEnabled: "1",
        enrolPeriod: "4",
        enrolPeriodUnit: "weeks",
        enrolStartEnabled: "1",
        enrolStart: "2030-01-10T08:00",
        enrolEndEnabled: "1",
        enrolEnd: "2030-06-30T18:00",
        maxEnrolled: "40",
        roleInstructor: "teacher",
        role: "student",
        gradeSync: "1",
        gradeSyncCompletion: "1",
        memberSync: "1",
        memberSyncMode: "enrol_new",
        defaults_country: "nz",
        defaults_city: "Dunedin",
        defaults_timezone: "Pacific/Auckland",
        defaults_lang: "en",
        defaults_institution: "Otago Night School",
      });
      assert.equal(res.statusCode, 303, res.body);
      const list = await teacher.get(String(res.headers.location));
      assert.match(list.body, /Added the enrolment method &quot;Consumer North&quot;/);
      assert.match(list.body, /<th scope="row">Consumer North<\/th>\s*<td>Publish as LTI tool<\/td>/);
      assert.match(list.body, /Enrolment period: 4 weeks/);
      assert.match(list.body, /At most 40 users/);

      const [inst] = await ltiInstances();
      assert.ok(inst);
      assert.equal(inst.enrolPeriod, 28 * 86400);
      assert.equal(inst.enrolStart, "2030-01-10T08:00:00.000Z");
      assert.equal(inst.enrolEnd, "2030-06-30T18:00:00.000Z");
      assert.equal(inst.maxEnrolled, 40);
      const pub = await publicationOf(inst.id);
      assert.ok(pub);
      assert.equal(pub.secret, shownSecret, "the secret shown in the form is the one stored");
      assert.equal(pub.activity_id, null);
      assert.deepEqual(
        [pub.role_instructor, pub.role_learner, pub.grade_sync, pub.grade_sync_completion, pub.member_sync],
        ["teacher", "student", 1, 1, 1],
      );
      assert.equal(pub.member_sync_mode, "enrol_new");
      assert.deepEqual(JSON.parse(pub.defaults), {
        country: "NZ",
        city: "Dunedin",
        timezone: "Pacific/Auckland",
        lang: "en",
        institution: "Otago Night School",
      });
    });

    it("a course may have several instances: a second one publishes an activity", async () => {
      const methods = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.ok(
        labelled(methods.body, "Add method").options.some((o) => o.value === "lti"),
        "still offered once one exists",
      );
      const { form } = await addForm();
      const res = await teacher.post(form.action, {
        ...form.fields,
        name: "Consumer South",
        tool: String(activityId),
      });
      assert.equal(res.statusCode, 303, res.body);
      const south = (await ltiInstances()).find((i) => i.name === "Consumer South");
      assert.ok(south);
      assert.equal((await publicationOf(south.id))?.activity_id, activityId);
      assert.equal((await ltiInstances()).length, 2);
    });

    it("edits an instance: the stored values are shown, the secret is kept, then regenerated on request", async () => {
      const inst = (await ltiInstances()).find((i) => i.name === "Consumer North");
      assert.ok(inst);
      const stored = (await publicationOf(inst.id))?.secret;
      const page = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`);
      assert.equal(page.statusCode, 200);
      assert.equal(labelled(page.body, "Secret").value, stored);
      assert.equal(labelled(page.body, "Custom instance name").value, "Consumer North");
      assert.equal(labelled(page.body, "Role for instructor").value, "teacher");
      assert.equal(labelled(page.body, "User synchronisation mode").value, "enrol_new");
      assert.equal(labelled(page.body, "Country").value, "NZ");
      assert.equal(labelled(page.body, "Enable enrolment period").checked, true);
      assert.equal(labelled(page.body, "Generate a new secret").checked, false);
      assert.match(page.body, />Save changes<\/button>/);

      const form = readForm(page.body, /\/edit$/);
      const saved = await teacher.post(form.action, {
        ...form.fields,
        name: "Consumer North (2026)",
        defaults_city: "Nelson",
      });
      assert.equal(saved.statusCode, 303, saved.body);
      let pub = await publicationOf(inst.id);
      assert.equal(pub?.secret, stored, "saving the form unchanged keeps the secret");
      assert.equal((JSON.parse(pub?.defaults ?? "{}") as { city: string }).city, "Nelson");
      assert.equal((await ltiInstances()).find((i) => i.id === inst.id)?.name, "Consumer North (2026)");

      const again = readForm(
        (await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`)).body,
        /\/edit$/,
      );
      const regen = await teacher.post(again.action, { ...again.fields, regenerateSecret: "1" });
      assert.equal(regen.statusCode, 303, regen.body);
      pub = await publicationOf(inst.id);
      assert.ok(pub);
      assert.notEqual(pub.secret, stored);
      assert.match(pub.secret, SECRET);
      const shown = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`);
      assert.equal(labelled(shown.body, "Secret").value, pub.secret);
    });

    it("disables and enables an instance from Enrollment methods", async () => {
      const inst = (await ltiInstances()).find((i) => i.name === "Consumer South");
      assert.ok(inst);
      const list = await teacher.get(`/course/${course.id}/enrol-methods`);
      const disable = readForm(list.body, new RegExp(`/enrol-methods/${inst.id}/disable$`));
      assert.equal((await teacher.post(disable.action, disable.fields)).statusCode, 303);
      assert.equal((await ltiInstances()).find((i) => i.id === inst.id)?.status, "disabled");
      const after = await teacher.get(`/course/${course.id}/enrol-methods`);
      assert.match(after.body, /Disabled &quot;Consumer South&quot;/);
      const enable = readForm(after.body, new RegExp(`/enrol-methods/${inst.id}/enable$`));
      assert.equal((await teacher.post(enable.action, enable.fields)).statusCode, 303);
      assert.equal((await ltiInstances()).find((i) => i.id === inst.id)?.status, "enabled");
    });

    it("deletes an instance after confirmation, with its publication", async () => {
      const inst = (await ltiInstances()).find((i) => i.name === "Consumer South");
      assert.ok(inst);
      const confirm = await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/delete`);
      assert.equal(confirm.statusCode, 200);
      assert.ok(await publicationOf(inst.id), "nothing deleted by the GET");
      const form = readForm(confirm.body, /\/delete$/);
      const res = await teacher.post(form.action, form.fields);
      assert.equal(res.statusCode, 303);
      assert.ok(!(await ltiInstances()).some((i) => i.id === inst.id));
      assert.equal(await publicationOf(inst.id), undefined);
      const list = await teacher.get(String(res.headers.location));
      assert.doesNotMatch(list.body, /<th scope="row">Consumer South<\/th>/);
    });

    describe("refuses bad input with a clear error and writes nothing", () => {
      const cases: Array<[string, Record<string, string>, string, RegExp]> = [
        ["a secret too short", { secret: "abc123" }, "secret", /32 to 128 letters and digits/],
        ["a secret with symbols", { secret: `${"a".repeat(31)}!` }, "secret", /32 to 128 letters and digits/],
        ["an oversized secret", { secret: "a".repeat(129) }, "secret", /32 to 128 letters and digits/],
        ["a far oversized secret", { secret: "a".repeat(5000) }, "secret", /./],
        ["an unknown activity", { tool: "999999" }, "tool", /must belong to this course/],
        [
          "a tool that is neither course nor activity",
          { tool: "everything" },
          "tool",
          /Choose the tool to publish/,
        ],
        ["an unknown country", { defaults_country: "GBR" }, "defaults_country", /two-letter code/],
        [
          "an unknown time zone",
          { defaults_timezone: "Mars/Olympus_Mons" },
          "defaults_timezone",
          /not a known time zone/,
        ],
        ["a malformed language", { defaults_lang: "English!" }, "defaults_lang", /code such as en/],
        ["an unknown instructor role", { roleInstructor: "overlord" }, "roleInstructor", /./],
        ["an unknown learner role", { role: "overlord" }, "role", /Choose a role from the list/],
        ["an unknown sync mode", { memberSyncMode: "sometimes" }, "memberSyncMode", /./],
        ["grade sync neither yes nor no", { gradeSync: "maybe" }, "gradeSync", /Choose Yes or No/],
        [
          "an end before the start",
          {
            enrolStartEnabled: "1",
            enrolStart: "2030-05-01T00:00",
            enrolEndEnabled: "1",
            enrolEnd: "2030-04-01T00:00",
          },
          "enrolEnd",
          /end date must be after the start date/,
        ],
        ["an oversized name", { name: "n".repeat(255) }, "name", /at most 254 characters/],
        ["an oversized city", { defaults_city: "c".repeat(121) }, "defaults_city", /at most 120 characters/],
        [
          "an oversized institution",
          { defaults_institution: "i".repeat(256) },
          "defaults_institution",
          /at most 255 characters/,
        ],
        ["a negative maximum", { maxEnrolled: "-1" }, "maxEnrolled", /whole number/],
      ];
      for (const [what, patch, field, message] of cases) {
        it(`${what} → 400 with the error beside ${field}`, async () => {
          const before = await counts();
          const { form } = await addForm();
          const res = await teacher.post(form.action, { ...form.fields, name: "Bad", ...patch });
          assert.equal(res.statusCode, 400, res.body.slice(0, 300));
          assert.match(res.body, /Please correct the following/);
          assert.match(res.body, new RegExp(`id="f-${field}-error"`));
          assert.match(res.body, message);
          assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
          assert.match(res.body, /<legend>Remote system<\/legend>/, "the form is shown again");
          assert.deepEqual(await counts(), before);
        });
      }

      it("an activity of another course → 400, nothing written", async () => {
        const before = await counts();
        const { form } = await addForm();
        const res = await teacher.post(form.action, { ...form.fields, tool: String(foreignActivityId) });
        assert.equal(res.statusCode, 400);
        assert.match(res.body, /id="f-tool-error"[^>]*>The activity to publish must belong to this course/);
        assert.deepEqual(await counts(), before);
      });

      it("the same checks on the edit form leave the instance and its publication unchanged", async () => {
        const [inst] = await ltiInstances();
        assert.ok(inst);
        const pubBefore = await publicationOf(inst.id);
        const form = readForm(
          (await teacher.get(`/course/${course.id}/enrol-methods/${inst.id}/edit`)).body,
          /\/edit$/,
        );
        const patches: Array<Record<string, string>> = [
          { secret: "short" },
          { defaults_timezone: "Nowhere/Land" },
          { tool: String(foreignActivityId) },
        ];
        for (const patch of patches) {
          const res = await teacher.post(form.action, { ...form.fields, ...patch });
          assert.equal(res.statusCode, 400, JSON.stringify(patch));
        }
        assert.deepEqual(await publicationOf(inst.id), pubBefore);
        assert.deepEqual(
          (await ltiInstances()).find((i) => i.id === inst.id),
          inst,
        );
      });

      it("a forged CSRF token → 403, nothing written", async () => {
        const before = await counts();
        const { form } = await addForm();
        const res = await teacher.post(form.action, { ...form.fields, _csrf: "forged" });
        assert.equal(res.statusCode, 403);
        assert.match(res.body, /Form expired/);
        assert.deepEqual(await counts(), before);
      });

      for (const [who, username] of [
        ["a student", "sam"],
        ["a non-editing teacher", "nora"],
      ] as const) {
        it(`${who} may neither open nor post the form → 403, nothing written`, async () => {
          const before = await counts();
          const { form } = await addForm();
          const c = await t.client(username);
          assert.equal((await c.get(`/course/${course.id}/enrol-methods/add?method=lti`)).statusCode, 403);
          const res = await c.post(form.action, { ...form.fields, _csrf: c.csrf, name: "Sneaky" });
          assert.equal(res.statusCode, 403);
          assert.match(res.body, /Access denied/);
          const [inst] = await ltiInstances();
          assert.ok(inst);
          const edit = await c.post(`/course/${course.id}/enrol-methods/${inst.id}/edit`, {
            ...form.fields,
            _csrf: c.csrf,
            regenerateSecret: "1",
          });
          assert.equal(edit.statusCode, 403);
          assert.deepEqual(await counts(), before);
        });
      }
    });
  });
}

for (const engine of testEngines()) {
  describe(`"Publish as LTI tool" form: the role drop-downs offer the roles the editor may give (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let teacher: Client;
    let manager: Client;
    const ALL = ["manager", "editingteacher", "teacher", "student", "guest"];
    const BUT_MANAGER = ["editingteacher", "teacher", "student", "guest"];
    before(async () => {
      t = await startTestApp(engine);
      course = await makeCourse(t, { shortname: "ROLES" });
      for (const [username, role] of [
        ["tina", "editingteacher"],
        ["mona", "manager"],
      ] as const) {
        const u = await t.user(username);
        await enrolAs(t, course.id, u.id, role);
      }
      teacher = await t.client("tina");
      manager = await t.client("mona");
    });
    after(() => t.close());

    const publication = async (name: string) => {
      const inst = (await listInstances(t.ctx.db, course.id)).find((i) => i.name === name);
      assert.ok(inst, name);
      const pub = await t.ctx.db
        .selectFrom("lti_publications")
        .select(["role_instructor", "role_learner"])
        .where("instance_id", "=", inst.id)
        .executeTakeFirstOrThrow();
      return { inst, roles: [pub.role_instructor, pub.role_learner, inst.role] };
    };
    const optionsOf = (html: string, label: string) => labelled(html, label).options.map((o) => o.value);
    const editUrl = (id: number) => `/course/${course.id}/enrol-methods/${id}/edit`;

    it("an editing teacher is offered every role but Manager; a manager is offered Manager too", async () => {
      for (const [c, expected] of [
        [teacher, BUT_MANAGER],
        [manager, ALL],
      ] as const) {
        const page = await c.get(`/course/${course.id}/enrol-methods/add?method=lti`);
        assert.equal(page.statusCode, 200);
        assert.deepEqual(optionsOf(page.body, "Role for instructor"), expected);
        assert.deepEqual(optionsOf(page.body, "Role for learner"), expected);
      }
    });

    for (const [what, patch] of [
      ["Manager as the instructor role", { roleInstructor: "manager" }],
      ["Manager as the learner role", { role: "manager" }],
    ] as const) {
      it(`an editing teacher who forges ${what} into the add form → 403, nothing written`, async () => {
        const before = (await listInstances(t.ctx.db, course.id)).length;
        const page = await teacher.get(`/course/${course.id}/enrol-methods/add?method=lti`);
        const form = readForm(page.body, /\/enrol-methods\/add$/);
        const res = await teacher.post(form.action, { ...form.fields, name: "Forged", ...patch });
        assert.equal(res.statusCode, 403, res.body.slice(0, 300));
        assert.match(res.body, /You may not give that role/);
        assert.equal((await listInstances(t.ctx.db, course.id)).length, before);
      });
    }

    it("a manager's Manager instructor role is shown to an editing teacher, and kept when they save the form untouched", async () => {
      const add = readForm(
        (await manager.get(`/course/${course.id}/enrol-methods/add?method=lti`)).body,
        /\/enrol-methods\/add$/,
      );
      const made = await manager.post(add.action, {
        ...add.fields,
        name: "Staff door",
        roleInstructor: "manager",
      });
      assert.equal(made.statusCode, 303, made.body.slice(0, 300));
      const { inst } = await publication("Staff door");

      const page = await teacher.get(editUrl(inst.id));
      assert.equal(page.statusCode, 200);
      assert.deepEqual(optionsOf(page.body, "Role for instructor"), ALL, "the saved role stays visible");
      assert.equal(labelled(page.body, "Role for instructor").value, "manager");
      assert.deepEqual(optionsOf(page.body, "Role for learner"), BUT_MANAGER);

      const form = readForm(page.body, /\/edit$/);
      const saved = await teacher.post(form.action, { ...form.fields, defaults_city: "Nelson" });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
      assert.deepEqual((await publication("Staff door")).roles, ["manager", "student", "student"]);
    });

    it("the saved Manager instructor role does not let an editing teacher make learners managers → 403", async () => {
      const { inst } = await publication("Staff door");
      const form = readForm((await teacher.get(editUrl(inst.id))).body, /\/edit$/);
      const res = await teacher.post(form.action, { ...form.fields, role: "manager" });
      assert.equal(res.statusCode, 403);
      assert.deepEqual((await publication("Staff door")).roles, ["manager", "student", "student"]);
    });

    it("once an editing teacher moves the instructor role off Manager, they are no longer offered it", async () => {
      const { inst } = await publication("Staff door");
      const form = readForm((await teacher.get(editUrl(inst.id))).body, /\/edit$/);
      const res = await teacher.post(form.action, { ...form.fields, roleInstructor: "teacher" });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      assert.deepEqual((await publication("Staff door")).roles, ["teacher", "student", "student"]);
      const page = await teacher.get(editUrl(inst.id));
      assert.deepEqual(optionsOf(page.body, "Role for instructor"), BUT_MANAGER);
      const back = await teacher.post(form.action, { ...form.fields, roleInstructor: "manager" });
      assert.equal(back.statusCode, 403);
      assert.deepEqual((await publication("Staff door")).roles, ["teacher", "student", "student"]);
    });

    it("a manager's Manager learner role is shown to an editing teacher and kept when saved untouched", async () => {
      const add = readForm(
        (await manager.get(`/course/${course.id}/enrol-methods/add?method=lti`)).body,
        /\/enrol-methods\/add$/,
      );
      const made = await manager.post(add.action, { ...add.fields, name: "Managers' door", role: "manager" });
      assert.equal(made.statusCode, 303, made.body.slice(0, 300));
      const { inst } = await publication("Managers' door");
      const page = await teacher.get(editUrl(inst.id));
      assert.deepEqual(optionsOf(page.body, "Role for learner"), ALL);
      assert.equal(labelled(page.body, "Role for learner").value, "manager");
      assert.deepEqual(optionsOf(page.body, "Role for instructor"), BUT_MANAGER);
      const form = readForm(page.body, /\/edit$/);
      const saved = await teacher.post(form.action, form.fields);
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
      assert.deepEqual((await publication("Managers' door")).roles, ["editingteacher", "manager", "manager"]);
    });
  });
}
