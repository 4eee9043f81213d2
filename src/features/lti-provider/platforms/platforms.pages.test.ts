// Site admin → Integrations → LTI Advantage platforms, driven like a browser without JavaScript (plain
// form posts), on both engines: the menu link, "Register a platform" with the Tool details to copy, a
// refused form kept as typed with its errors tied to the fields, the platform's page, a deployment added
// (Pending → Active), refused twice and removed, the edit form, the delete confirmation; a teacher is
// refused every page.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { labelled, readForm, section } from "../../../../test/support/html-form.js";

const PAGE = "/admin/lti/platforms";
const PLUTO = "https://lms.school.example";

for (const engine of testEngines()) {
  describe(`LTI Advantage platforms pages (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: PLUTO } });
      await t.admin();
      const u = await t.user("teacher");
      await enrolAs(t, (await makeCourse(t)).id, u.id, "editingteacher");
    });
    after(() => t.close());

    it("registers a platform through the form, shows its page, and goes Active once a deployment is added", async () => {
      const admin = await t.client("admin");
      const list = await admin.get(PAGE);
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /<h3 id="menu-integrations">Integrations<\/h3>/);
      assert.match(list.body, /aria-current="page">LTI Advantage platforms</);
      assert.match(list.body, /No platforms registered yet/);

      const form = await admin.get(`${PAGE}/new`);
      assert.equal(form.statusCode, 200);
      const tool = section(form.body, "Tool details", "Platform details");
      for (const [label, value] of [
        ["Tool URL", `${PLUTO}/lti/tool/launch`],
        ["Initiate login URL", `${PLUTO}/lti/tool/login`],
        ["Redirection URI 1", `${PLUTO}/lti/tool/launch`],
        ["Redirection URI 2", `${PLUTO}/lti/tool/deep-linking`],
        ["Public keyset URL", `${PLUTO}/lti/jwks`],
        ["Deep linking URL", `${PLUTO}/lti/tool/deep-linking`],
      ] as const) {
        const c = labelled(tool, label);
        assert.equal(c.value, value, label);
        assert.match(tool, new RegExp(`data-copy="#${c.id}" aria-label="Copy ${label}" hidden`), label);
      }

      // A refused form keeps what was typed and ties each error to its field.
      const bad = await admin.post(`${PAGE}/new`, {
        name: "District LMS",
        issuer: "http://lms.district.example",
        clientId: "pluto-1",
        deploymentIds: "",
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(errorCodeOf(bad), "validation");
      const issuer = labelled(bad.body, "Platform ID");
      assert.equal(issuer.value, "http://lms.district.example");
      assert.match(
        bad.body,
        /id="f-issuer"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*f-issuer-error/,
      );
      assert.match(
        bad.body,
        /<p class="field-error" id="f-issuer-error">Platform ID must be an https URL<\/p>/,
      );
      assert.equal(labelled(bad.body, "Platform name").value, "District LMS");

      const ok = await admin.post(`${PAGE}/new`, {
        name: "District LMS",
        issuer: "https://lms.district.example",
        clientId: "pluto-1",
        authenticationRequestUrl: "https://lms.district.example/auth",
        publicKeysetUrl: "https://lms.district.example/jwks",
        accessTokenUrl: "",
        authorizationServer: "",
        deploymentIds: "",
      });
      assert.equal(ok.statusCode, 303, ok.body);
      const where = String(ok.headers.location);
      assert.match(where, /^\/admin\/lti\/platforms\/\d+$/);
      const page = await admin.get(where);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Platform “District LMS” saved\./);
      assert.match(page.body, /<h2>Tool details<\/h2>/);
      assert.match(page.body, /<h2>Platform details<\/h2>/);
      assert.equal(labelled(page.body, "Tool URL").value, `${PLUTO}/lti/tool/launch`);
      assert.match(page.body, /<code>https:\/\/lms\.district\.example<\/code>/);
      assert.match(page.body, /Status: Pending<span class="help"> \(needs Deployment ID\)/);

      const added = await admin.post(`${where}/deployments`, { deploymentId: " dep-1 " });
      assert.equal(added.statusCode, 303);
      const active = await admin.get(where);
      assert.match(active.body, /Deployment dep-1 added to District LMS\./);
      assert.match(active.body, /Status: Active/);
      assert.match(active.body, /<code>dep-1<\/code>/);

      const twice = await admin.post(`${where}/deployments`, { deploymentId: "dep-1" });
      assert.equal(twice.statusCode, 409);
      assert.equal(errorCodeOf(twice), "conflict");
      assert.equal(labelled(twice.body, "Deployment ID").value, "dep-1");
      const empty = await admin.post(`${where}/deployments`, { deploymentId: "  " });
      assert.equal(empty.statusCode, 400);

      const listed = await admin.get(PAGE);
      assert.match(listed.body, /<a href="\/admin\/lti\/platforms\/\d+">District LMS<\/a>/);
      assert.match(
        listed.body,
        /<td>https:\/\/lms\.district\.example<\/td>\s*<td>pluto-1<\/td>\s*<td>dep-1<\/td>\s*<td>Active<\/td>/,
      );

      // Remove the deployment (it never launched): Pending again.
      const remove = readForm(active.body, /\/deployments\/\d+\/remove$/);
      const removed = await admin.post(remove.action, remove.fields);
      assert.equal(removed.statusCode, 303);
      assert.match((await admin.get(where)).body, /Status: Pending/);
    });

    it("edits a platform and deletes one that never launched after a confirmation page", async () => {
      const admin = await t.client("admin");
      await admin.get(`${PAGE}/new`);
      const created = await admin.post(`${PAGE}/new`, { name: "To edit", deploymentIds: "x\ny\n" });
      assert.equal(created.statusCode, 303, created.body);
      const where = String(created.headers.location);
      const edit = await admin.get(`${where}/edit`);
      assert.equal(labelled(edit.body, "Platform name").value, "To edit");
      const form = readForm(edit.body, /\/edit$/);
      const saved = await admin.post(form.action, { ...form.fields, name: "Edited", clientId: "c-9" });
      assert.equal(saved.statusCode, 303);
      const page = await admin.get(where);
      assert.match(page.body, /<title>Platform Edited/);
      assert.match(page.body, /<code>c-9<\/code>/);
      assert.match(page.body, /<code>x<\/code>[\s\S]*<code>y<\/code>/);

      const confirm = await admin.get(`${where}/delete`);
      assert.match(confirm.body, /Delete the platform <strong>Edited<\/strong>/);
      const del = readForm(confirm.body, /\/delete$/);
      const deleted = await admin.post(del.action, del.fields);
      assert.equal(deleted.statusCode, 303);
      assert.equal((await admin.get(where)).statusCode, 404);
    });

    it("refuses a teacher every page and form", async () => {
      const admin = await t.client("admin");
      await admin.get(`${PAGE}/new`);
      const where = String((await admin.post(`${PAGE}/new`, { name: "Theirs" })).headers.location);
      const teacher = await t.client("teacher");
      await teacher.get("/");
      for (const url of [PAGE, `${PAGE}/new`, where, `${where}/edit`, `${where}/delete`])
        assert.equal((await teacher.get(url)).statusCode, 403, url);
      for (const url of [`${PAGE}/new`, `${where}/edit`, `${where}/deployments`, `${where}/delete`])
        assert.equal((await teacher.post(url, { name: "Mine", deploymentId: "1" })).statusCode, 403, url);
      assert.match((await admin.get(where)).body, /<title>Platform Theirs/);
    });
  });
}
