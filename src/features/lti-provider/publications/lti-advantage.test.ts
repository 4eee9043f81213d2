// "Publish as LTI tool" for LTI Advantage (1.3): the version a new instance starts at (LTI Advantage
// while the site has an Active LTI Advantage platform, Legacy LTI (1.1) otherwise, in the form and the
// API alike), the "LTI version" choice in the form and the API, every other setting the same as for
// Legacy LTI (1.1), no secret to share, "Published as LTI tools" and its API giving the tool's URLs and
// the custom parameter id=<uuid>; a switch of version keeps the settings; a 1.1 launch cannot select a
// 1.3 instance.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { labelled, readForm, section } from "../../../../test/support/html-form.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";
import { findPublicationByUuid } from "./publications.service.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Presented {
  id: number;
  ltiVersion: string;
  version: string;
  launchUrl: string;
  initiateLoginUrl?: string;
  deepLinkingUrl?: string;
  publicKeysetUrl?: string;
  redirectUris?: string[];
  customParameters?: { id: string };
  cartridgeUrl?: string;
  secret?: string;
  gradeSync: boolean;
  gradeSyncCompletion: boolean;
  memberSync: boolean;
  memberSyncMode: string;
  roleInstructor: string;
  roleLearner: string;
  maxEnrolled: number;
  enrolStart: string | null;
  defaults: Record<string, string>;
}

const EVERY_SETTING = {
  enrolPeriod: 14 * 86400,
  enrolStart: "2030-01-01T00:00:00Z",
  enrolEnd: "2030-12-31T00:00:00Z",
  maxEnrolled: 12,
  roleInstructor: "teacher",
  roleLearner: "student",
  gradeSync: true,
  gradeSyncCompletion: true,
  memberSync: true,
  memberSyncMode: "enrol_new",
  defaults: { country: "NO", city: "Bergen", timezone: "Europe/Oslo", lang: "nb", institution: "UiB" },
};

const settingsOfPresented = (p: Presented) => ({
  roleInstructor: p.roleInstructor,
  roleLearner: p.roleLearner,
  gradeSync: p.gradeSync,
  gradeSyncCompletion: p.gradeSyncCompletion,
  memberSync: p.memberSync,
  memberSyncMode: p.memberSyncMode,
  maxEnrolled: p.maxEnrolled,
  enrolStart: p.enrolStart,
  defaults: p.defaults,
});

for (const engine of testEngines()) {
  describe(`"Publish as LTI tool" for LTI Advantage (${engine})`, () => {
    let t: TestApp;
    let courseId: number;
    let token: string;
    let admin: string;
    let teacher: Client;
    before(async () => {
      t = await startTestApp(engine);
      admin = await t.token((await t.admin()).id);
      courseId = (await makeCourse(t, { fullname: "Geology", shortname: "GEO" })).id;
      const tina = await t.user("tina");
      await enrolAs(t, courseId, tina.id, "editingteacher");
      token = await t.token(tina.id);
      teacher = await t.client("tina");
    });
    after(() => t.close());

    const base = () => t.ctx.config.publicUrl.replace(/\/$/, "");
    const create = (body: Record<string, unknown>) =>
      api(t.app, token, "POST", `/api/v1/courses/${courseId}/enrol-methods`, { method: "lti", ...body });
    const rowOf = (instanceId: number) =>
      t.ctx.db
        .selectFrom("lti_publications")
        .selectAll()
        .where("instance_id", "=", instanceId)
        .executeTakeFirstOrThrow();
    const published = async () => {
      const res = await api(t.app, token, "GET", `/api/v1/courses/${courseId}/lti-publications`);
      assert.equal(res.status, 200, res.body);
      return res.json as Array<Presented & { instanceId: number }>;
    };

    describe("the version a new instance starts at: LTI Advantage only with an Active platform", () => {
      const PLATFORMS = "/api/v1/lti/platforms";
      const PLATFORM = {
        name: "District LMS",
        issuer: "https://lms.district.example",
        clientId: "pluto-tool",
        authenticationRequestUrl: "https://lms.district.example/oidc/auth",
        accessTokenUrl: "https://lms.district.example/oauth2/token",
        publicKeysetUrl: "https://lms.district.example/jwks",
      };
      let platformId = 0;
      const platformStatus = async (body: Record<string, unknown>, method: "POST" | "PATCH" = "PATCH") => {
        const res = await api(
          t.app,
          admin,
          method,
          method === "POST" ? PLATFORMS : `${PLATFORMS}/${platformId}`,
          body,
        );
        assert.equal(res.status, method === "POST" ? 201 : 200, res.body);
        const p = res.json as { id: number; status: string };
        platformId = p.id;
        return p.status;
      };
      /** The add form's LTI version (value and chosen label) and which version's fields show. */
      const formDefault = async () => {
        const page = await teacher.get(`/course/${courseId}/enrol-methods/add?method=lti`);
        assert.equal(page.statusCode, 200, page.body);
        const version = labelled(section(page.body, "Publish as LTI tool", "Remote system"), "LTI version");
        const remote = section(page.body, "Remote system", "User default values");
        const shown = (v: string) =>
          new RegExp(`<fieldset data-lti-version="${v.replace(".", "\\.")}">`).test(remote);
        return {
          value: version.value,
          chosen: version.options.find((o) => o.selected)?.label,
          secretShown: shown("1.1"),
          advantageShown: shown("1.3"),
          secret: labelled(remote, "Secret").value,
          form: readForm(page.body, /\/enrol-methods\/add$/),
        };
      };
      /** A new instance through the API without "ltiVersion": its version, secret and stored row. */
      const apiDefault = async (name: string) => {
        const res = await create({ name });
        assert.equal(res.status, 201, res.body);
        const p = res.json as Presented;
        return { ltiVersion: p.ltiVersion, secret: p.secret, row: (await rowOf(p.id)).lti_version };
      };
      const expectLegacy = async (name: string) => {
        const f = await formDefault();
        assert.deepEqual(
          [f.value, f.chosen, f.secretShown, f.advantageShown],
          ["1.1", "Legacy LTI (1.1)", true, false],
          "the form starts at Legacy LTI (1.1) with the secret shown in Remote system",
        );
        assert.match(f.secret, /^[A-Za-z0-9]{32,128}$/);
        const a = await apiDefault(name);
        assert.equal(a.ltiVersion, "1.1");
        assert.equal(a.row, "1.1");
        assert.match(a.secret ?? "", /^[A-Za-z0-9]{32,128}$/, "the API answer gives the secret");
      };
      const expectAdvantage = async (name: string) => {
        const f = await formDefault();
        assert.deepEqual(
          [f.value, f.chosen, f.secretShown, f.advantageShown],
          ["1.3", "LTI Advantage", false, true],
          "the form starts at LTI Advantage with the secret fields hidden",
        );
        const a = await apiDefault(name);
        assert.equal(a.ltiVersion, "1.3");
        assert.equal(a.row, "1.3");
        assert.equal(a.secret, undefined, "no secret for LTI Advantage");
      };

      it("on a site without an LTI Advantage platform: Legacy LTI (1.1), in the form and the API, the secret shown", async () => {
        await expectLegacy("Consumer fresh");
      });

      it("a Pending platform changes nothing: it cannot launch", async () => {
        assert.equal(await platformStatus(PLATFORM, "POST"), "pending");
        await expectLegacy("Consumer pending");
      });

      it("once a platform is Active: LTI Advantage, in the form and the API, the secret fields hidden", async () => {
        assert.equal(await platformStatus({ deploymentIds: ["1"] }), "active");
        await expectAdvantage("Platform active");
        const f = await formDefault();
        assert.match(f.form.fields.secret ?? "", /^[A-Za-z0-9]{32,128}$/, "kept in the hidden fields");
        const added = await teacher.post(f.form.action, { ...f.form.fields, name: "Platform by form" });
        assert.equal(added.statusCode, 303, added.body);
        const inst = await t.ctx.db
          .selectFrom("enrol_instances")
          .select("id")
          .where("name", "=", "Platform by form")
          .executeTakeFirstOrThrow();
        assert.equal((await rowOf(inst.id)).lti_version, "1.3");
      });

      it("an explicit version is honoured either way; a change without one keeps the instance's", async () => {
        const legacy = await create({ name: "Consumer explicit", ltiVersion: "1.1" });
        assert.equal((legacy.json as Presented).ltiVersion, "1.1", legacy.body);
        const id = (legacy.json as Presented).id;
        const patched = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${id}`, { maxEnrolled: 9 });
        assert.equal(patched.status, 200, patched.body);
        assert.equal((patched.json as Presented).ltiVersion, "1.1");
        assert.equal((await rowOf(id)).lti_version, "1.1");
        const f = await formDefault();
        const posted = await teacher.post(f.form.action, {
          ...f.form.fields,
          name: "Consumer explicit form",
          ltiVersion: "1.1",
        });
        assert.equal(posted.statusCode, 303, posted.body);
        const inst = await t.ctx.db
          .selectFrom("enrol_instances")
          .select("id")
          .where("name", "=", "Consumer explicit form")
          .executeTakeFirstOrThrow();
        assert.equal((await rowOf(inst.id)).lti_version, "1.1");

        assert.equal(await platformStatus({ deploymentIds: [] }), "pending");
        const advantage = await create({ name: "Platform explicit", ltiVersion: "1.3" });
        assert.equal((advantage.json as Presented).ltiVersion, "1.3", advantage.body);
        const kept = await api(
          t.app,
          token,
          "PATCH",
          `/api/v1/enrol-methods/${(advantage.json as Presented).id}`,
          {
            maxEnrolled: 9,
          },
        );
        assert.equal(
          (kept.json as Presented).ltiVersion,
          "1.3",
          "a change keeps 1.3 without an Active platform",
        );
      });

      it("back to Legacy LTI (1.1) once no platform is Active, and once the platform is deleted", async () => {
        await expectLegacy("Consumer after pending");
        assert.equal(await platformStatus({ deploymentIds: ["1"] }), "active");
        await expectAdvantage("Platform again");
        const del = await api(t.app, admin, "DELETE", `${PLATFORMS}/${platformId}`);
        assert.ok(del.status === 200 || del.status === 204, del.body);
        await expectLegacy("Consumer after delete");
      });
    });

    describe("the API", () => {
      it('"ltiVersion": "1.3" is LTI Advantage: the tool\'s URLs and id=<uuid>, no secret', async () => {
        const res = await create({ name: "Platform A", ltiVersion: "1.3", ...EVERY_SETTING });
        assert.equal(res.status, 201, res.body);
        const p = res.json as Presented;
        assert.equal(p.ltiVersion, "1.3");
        assert.equal(p.version, "LTI Advantage");
        const row = await rowOf(p.id);
        assert.equal(row.lti_version, "1.3");
        assert.match(row.uuid, UUID);
        assert.equal(p.launchUrl, `${base()}/lti/tool/launch`);
        assert.equal(p.initiateLoginUrl, `${base()}/lti/tool/login`);
        assert.equal(p.deepLinkingUrl, `${base()}/lti/tool/deep-linking`);
        assert.equal(p.publicKeysetUrl, `${base()}/lti/jwks`);
        assert.deepEqual(p.redirectUris, [`${base()}/lti/tool/launch`, `${base()}/lti/tool/deep-linking`]);
        assert.deepEqual(p.customParameters, { id: row.uuid });
        assert.equal(p.secret, undefined, "no secret for LTI Advantage");
        assert.equal(p.cartridgeUrl, undefined);
        const { enrolPeriod: _p, enrolEnd: _e, ...rest } = EVERY_SETTING;
        assert.deepEqual(settingsOfPresented(p), { ...rest, enrolStart: "2030-01-01T00:00:00.000Z" });

        const listed = (await published()).find((d) => d.instanceId === p.id);
        assert.ok(listed);
        assert.deepEqual(
          {
            ltiVersion: listed.ltiVersion,
            launchUrl: listed.launchUrl,
            initiateLoginUrl: listed.initiateLoginUrl,
            deepLinkingUrl: listed.deepLinkingUrl,
            publicKeysetUrl: listed.publicKeysetUrl,
            redirectUris: listed.redirectUris,
            customParameters: listed.customParameters,
            secret: listed.secret,
            cartridgeUrl: listed.cartridgeUrl,
          },
          {
            ltiVersion: "1.3",
            launchUrl: p.launchUrl,
            initiateLoginUrl: p.initiateLoginUrl,
            deepLinkingUrl: p.deepLinkingUrl,
            publicKeysetUrl: p.publicKeysetUrl,
            redirectUris: p.redirectUris,
            customParameters: { id: row.uuid },
            secret: undefined,
            cartridgeUrl: undefined,
          },
        );
        const found = await findPublicationByUuid(t.ctx.db, row.uuid);
        assert.equal(found?.ltiVersion, "1.3");
        assert.equal(found?.instanceId, p.id);
      });

      it('"ltiVersion": "1.1" is Legacy LTI: cartridge, launch URL and secret, as before', async () => {
        const res = await create({ name: "Consumer B", ltiVersion: "1.1" });
        assert.equal(res.status, 201, res.body);
        const p = res.json as Presented;
        assert.equal(p.ltiVersion, "1.1");
        assert.equal(p.version, "LTI 1.1");
        assert.match(p.launchUrl, /\/enrol\/lti\/launch\/[0-9a-f-]{36}$/);
        assert.match(p.secret ?? "", /^[A-Za-z0-9]{32,128}$/);
        assert.equal(p.customParameters, undefined);
        const listed = (await published()).find((d) => d.instanceId === p.id);
        assert.equal(listed?.ltiVersion, "1.1");
        assert.equal(listed?.secret, p.secret);
        assert.equal(listed?.initiateLoginUrl, undefined);
      });

      it("switching 1.1 → 1.3 keeps every setting, the uuid and the stored secret; switching back shows the same secret", async () => {
        const made = (await create({ name: "Consumer C", ltiVersion: "1.1", ...EVERY_SETTING }))
          .json as Presented;
        const before = await rowOf(made.id);
        const res = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${made.id}`, {
          ltiVersion: "1.3",
        });
        assert.equal(res.status, 200, res.body);
        const p = res.json as Presented;
        assert.equal(p.ltiVersion, "1.3");
        assert.deepEqual(settingsOfPresented(p), settingsOfPresented(made));
        const row = await rowOf(made.id);
        assert.equal(row.lti_version, "1.3");
        assert.equal(row.uuid, before.uuid, "the uuid is stable");
        assert.equal(row.secret, made.secret, "the secret is kept for the consumer it was given to");
        assert.deepEqual(p.customParameters, { id: before.uuid });
        const back = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${made.id}`, {
          ltiVersion: "1.1",
        });
        assert.equal((back.json as Presented).secret, made.secret);
        assert.equal((back.json as Presented).launchUrl, made.launchUrl);
      });

      it("an instance stored without a version (from before LTI Advantage) stays Legacy LTI (1.1) with its settings, even with an Active platform", async () => {
        const platform = await api(t.app, admin, "POST", "/api/v1/lti/platforms", {
          name: "Regional LMS",
          issuer: "https://lms.region.example",
          clientId: "pluto-region",
          authenticationRequestUrl: "https://lms.region.example/auth",
          publicKeysetUrl: "https://lms.region.example/jwks",
          deploymentIds: ["r1"],
        });
        assert.equal((platform.json as { status: string }).status, "active", platform.body);
        const made = (await create({ name: "Consumer old", ltiVersion: "1.1", ...EVERY_SETTING }))
          .json as Presented;
        const stored = await t.ctx.db
          .selectFrom("enrol_instances")
          .select("settings")
          .where("id", "=", made.id)
          .executeTakeFirstOrThrow();
        const { ltiVersion: _v, ...old } = JSON.parse(stored.settings) as Record<string, unknown>;
        await t.ctx.db
          .updateTable("enrol_instances")
          .set({ settings: JSON.stringify(old) })
          .where("id", "=", made.id)
          .execute();
        const res = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${made.id}`, { maxEnrolled: 13 });
        assert.equal(res.status, 200, res.body);
        const p = res.json as Presented;
        assert.equal(p.ltiVersion, "1.1");
        assert.equal(p.secret, made.secret);
        assert.deepEqual(settingsOfPresented(p), { ...settingsOfPresented(made), maxEnrolled: 13 });
        const del = await api(
          t.app,
          admin,
          "DELETE",
          `/api/v1/lti/platforms/${(platform.json as { id: number }).id}`,
        );
        assert.ok(del.status === 200 || del.status === 204, del.body);
      });

      for (const bad of ["1.2", "2", 1.3, "", null]) {
        it(`"ltiVersion": ${JSON.stringify(bad)} → 400 naming the field, nothing written`, async () => {
          const count = async () =>
            (await t.ctx.db.selectFrom("lti_publications").select("id").execute()).length;
          const n = await count();
          const res = await create({ name: "Bad", ltiVersion: bad });
          assert.equal(res.status, 400, res.body);
          const body = res.json as {
            error: { code: string; fields?: Array<{ field: string; message: string }> };
          };
          assert.equal(body.error.code, "validation");
          assert.ok(
            body.error.fields?.some((f) => f.field === "ltiVersion" && /LTI Advantage/.test(f.message)),
            res.body,
          );
          assert.equal(await count(), n);
        });
      }

      it("the OpenAPI document names ltiVersion and the LTI Advantage details", async () => {
        const res = await t.app.inject({ url: "/api/v1/openapi.json" });
        assert.equal(res.statusCode, 200);
        const doc = res.json() as {
          paths: Record<
            string,
            Record<string, { summary: string; responses: Record<string, { description: string }> }>
          >;
        };
        const pubs = doc.paths["/courses/{id}/lti-publications"]?.get;
        for (const field of [
          "ltiVersion",
          "initiateLoginUrl",
          "deepLinkingUrl",
          "publicKeysetUrl",
          "redirectUris",
          "customParameters",
        ])
          assert.match(pubs?.responses["200"]?.description ?? "", new RegExp(field));
        assert.match(doc.paths["/courses/{id}/enrol-methods"]?.post?.summary ?? "", /ltiVersion "1\.3"/);
      });
    });

    describe("the form", () => {
      const addForm = async () => {
        const page = await teacher.get(`/course/${courseId}/enrol-methods/add?method=lti`);
        assert.equal(page.statusCode, 200, page.body);
        return { page, form: readForm(page.body, /\/enrol-methods\/add$/) };
      };
      const instanceNamed = async (name: string) =>
        t.ctx.db
          .selectFrom("enrol_instances")
          .selectAll()
          .where("course_id", "=", courseId)
          .where("name", "=", name)
          .executeTakeFirstOrThrow();

      it('offers "LTI version": "LTI Advantage" or "Legacy LTI (1.1)"; an edit form of LTI Advantage hides the secret fields', async () => {
        const { page } = await addForm();
        const publish = section(page.body, "Publish as LTI tool", "Remote system");
        const version = labelled(publish, "LTI version");
        assert.equal(version.name, "ltiVersion");
        assert.deepEqual(
          version.options.map((o) => [o.value, o.label]),
          [
            ["1.3", "LTI Advantage"],
            ["1.1", "Legacy LTI (1.1)"],
          ],
        );
        const made = await create({ name: "Platform E", ltiVersion: "1.3" });
        assert.equal(made.status, 201, made.body);
        const edit = await teacher.get(
          `/course/${courseId}/enrol-methods/${(made.json as Presented).id}/edit`,
        );
        assert.equal(labelled(edit.body, "LTI version").value, "1.3");
        assert.match(
          edit.body,
          /<fieldset data-lti-version="1\.1" hidden(="")?>\s*<legend>Legacy LTI \(1\.1\)<\/legend>/,
        );
        assert.match(edit.body, /<fieldset data-lti-version="1\.3">\s*<legend>LTI Advantage<\/legend>/);
        assert.match(edit.body, /No secret/);
      });

      it("adds an LTI Advantage instance with every setting and shows them again on edit", async () => {
        const { form } = await addForm();
        const res = await teacher.post(form.action, {
          ...form.fields,
          ltiVersion: "1.3",
          name: "Platform F",
          maxEnrolled: "30",
          roleInstructor: "teacher",
          role: "student",
          gradeSync: "1",
          gradeSyncCompletion: "1",
          memberSync: "1",
          memberSyncMode: "unenrol_missing",
          defaults_country: "se",
          defaults_city: "Lund",
          defaults_timezone: "Europe/Stockholm",
          defaults_lang: "sv",
          defaults_institution: "LU",
        });
        assert.equal(res.statusCode, 303, res.body);
        const inst = await instanceNamed("Platform F");
        const row = await rowOf(inst.id);
        assert.equal(row.lti_version, "1.3");
        assert.deepEqual(
          [row.role_instructor, row.grade_sync_completion, row.member_sync, row.member_sync_mode],
          ["teacher", 1, 1, "unenrol_missing"],
        );
        assert.equal(inst.max_enrolled, 30);
        const edit = await teacher.get(`/course/${courseId}/enrol-methods/${inst.id}/edit`);
        assert.equal(labelled(edit.body, "LTI version").value, "1.3");
        assert.equal(labelled(edit.body, "User synchronisation mode").value, "unenrol_missing");
        assert.equal(labelled(edit.body, "Country").value, "SE");
        assert.equal(labelled(edit.body, "Maximum enrolled users").value, "30");
      });

      it("a bad secret left in the hidden 1.1 fields is no error for LTI Advantage; the same secret for Legacy LTI is", async () => {
        const { form } = await addForm();
        const ok = await teacher.post(form.action, {
          ...form.fields,
          ltiVersion: "1.3",
          name: "Platform G",
          secret: "short",
        });
        assert.equal(ok.statusCode, 303, ok.body);
        const row = await rowOf((await instanceNamed("Platform G")).id);
        assert.match(row.secret, /^[A-Za-z0-9]{32,128}$/);
        const bad = await teacher.post(form.action, {
          ...form.fields,
          name: "Consumer G",
          ltiVersion: "1.1",
          secret: "short",
        });
        assert.equal(bad.statusCode, 400);
        assert.match(bad.body, /id="f-secret-error"/);
      });

      it("an unknown LTI version → 400 with the error beside LTI version", async () => {
        const { form } = await addForm();
        const res = await teacher.post(form.action, { ...form.fields, name: "Bad", ltiVersion: "2.0" });
        assert.equal(res.statusCode, 400);
        assert.match(res.body, /id="f-ltiVersion-error"[^>]*>[^<]*LTI Advantage/);
      });

      it("switching an existing 1.1 instance to LTI Advantage in the form keeps its settings and secret, and back", async () => {
        const { form } = await addForm();
        const added = await teacher.post(form.action, {
          ...form.fields,
          ltiVersion: "1.1",
          name: "Consumer H",
          memberSync: "1",
          memberSyncMode: "enrol_new",
          defaults_city: "Tromsø",
        });
        assert.equal(added.statusCode, 303, added.body);
        const inst = await instanceNamed("Consumer H");
        const before = await rowOf(inst.id);
        let edit = await teacher.get(`/course/${courseId}/enrol-methods/${inst.id}/edit`);
        assert.equal(labelled(edit.body, "LTI version").value, "1.1");
        assert.match(edit.body, /<fieldset data-lti-version="1\.1">/, "the secret fields show for 1.1");
        const f = readForm(edit.body, /\/edit$/);
        const saved = await teacher.post(f.action, { ...f.fields, ltiVersion: "1.3" });
        assert.equal(saved.statusCode, 303, saved.body);
        const after = await rowOf(inst.id);
        assert.deepEqual(
          { ...after, lti_version: before.lti_version, updated_at: before.updated_at },
          before,
          "nothing but the version changed",
        );
        assert.equal(after.lti_version, "1.3");
        edit = await teacher.get(`/course/${courseId}/enrol-methods/${inst.id}/edit`);
        assert.equal(labelled(edit.body, "LTI version").value, "1.3");
        assert.equal(labelled(edit.body, "Secret").value, before.secret, "kept in the hidden 1.1 fields");
        const f2 = readForm(edit.body, /\/edit$/);
        assert.equal((await teacher.post(f2.action, { ...f2.fields, ltiVersion: "1.1" })).statusCode, 303);
        assert.equal((await rowOf(inst.id)).secret, before.secret);
      });
    });

    describe("Published as LTI tools and the launch", () => {
      let instanceId: number;
      let uuid: string;
      before(async () => {
        const res = await create({ name: "Platform P", ltiVersion: "1.3" });
        assert.equal(res.status, 201, res.body);
        instanceId = (res.json as Presented).id;
        uuid = (await rowOf(instanceId)).uuid;
      });

      it("shows an LTI Advantage instance's LTI version, URLs and custom parameter, each to copy, and where to register the platform", async () => {
        const page = await teacher.get(`/course/${courseId}/lti-publications`);
        assert.equal(page.statusCode, 200);
        const start = page.body.indexOf(`id="pub-${instanceId}"`);
        const card = page.body.slice(start, page.body.indexOf("</section>", start));
        assert.match(card, /<dt>LTI version<\/dt>\s*<dd>LTI Advantage<\/dd>/);
        const expect: Array<[string, string]> = [
          ["Launch URL", `${base()}/lti/tool/launch`],
          ["Initiate login URL", `${base()}/lti/tool/login`],
          ["Redirection URI(s)", `${base()}/lti/tool/launch\n${base()}/lti/tool/deep-linking`],
          ["Deep linking URL", `${base()}/lti/tool/deep-linking`],
          ["Public keyset URL", `${base()}/lti/jwks`],
          ["Custom parameter", `id=${uuid}`],
        ];
        for (const [label, value] of expect) {
          const c = labelled(card, label);
          assert.equal(c.value, value, label);
          assert.match(card, new RegExp(`data-copy="#${c.id}"`), `${label} has a Copy button`);
        }
        assert.match(
          card,
          /Site admin<\/strong> → <strong>Integrations<\/strong> → <strong>LTI Advantage platforms/,
        );
        assert.doesNotMatch(card, /<label for="[^"]+">(Secret|Cartridge URL)<\/label>/);
      });

      it("refuses a 1.1 launch of an LTI Advantage instance with lti_version_mismatch, logged, nothing else written", async () => {
        const url = `${t.ctx.config.publicUrl}/enrol/lti/launch/${uuid}`;
        const row = await rowOf(instanceId);
        const form = signLaunch(url, "consumer-x", row.secret, baseLaunch({ user_id: "remote-v" }), {
          timestamp: Math.floor(t.clock.now().getTime() / 1000),
        });
        const res = await t.app.inject({
          method: "POST",
          url: new URL(url).pathname,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams(form).toString(),
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.body, /published for LTI Advantage/);
        const log = await t.ctx.db
          .selectFrom("lti_launch_log")
          .selectAll()
          .where("publication_id", "=", row.id)
          .execute();
        assert.deepEqual(
          log.map((l) => [l.result, l.reason]),
          [["rejected", "lti_version_mismatch"]],
        );
        const links = await t.ctx.db
          .selectFrom("lti_user_links")
          .select("id")
          .where("remote_user_id", "=", "remote-v")
          .execute();
        assert.equal(links.length, 0, "no account made");
      });

      it("serves no 1.1 cartridge for an LTI Advantage instance", async () => {
        const res = await t.app.inject({ url: `/enrol/lti/cartridge/${uuid}/cartridge.xml` });
        assert.equal(res.statusCode, 404);
      });
    });
  });
}
