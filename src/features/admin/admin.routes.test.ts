import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { INTEGRATIONS, siteAdminGroups } from "../../views/admin-layout.js";
import { addSiteAdminLink, siteAdminLinks } from "../../views/nav.js";
import { createCourse } from "../courses/courses.service.js";
import { enrolUser, manualInstance } from "../enrolments/enrolments.service.js";

const ADMIN_PAGES = [
  "/admin",
  "/admin/users",
  "/admin/users/new",
  "/admin/courses",
  "/admin/tasks",
  "/admin/users/1",
  "/admin/courses/1/delete",
];

for (const engine of testEngines()) {
  describe(`site admin area (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.admin();
      await t.user("student1");
    });
    after(() => t.close());

    it("shows each section of Site administration with a line on what is there, grouped, with no empty group", async () => {
      const c = await t.client("admin");
      const res = await c.get("/admin");
      assert.equal(res.statusCode, 200);
      const entry = (href: string, label: string, line: RegExp) =>
        new RegExp(`<dt><a href="${href}">${label}</a></dt><dd>${line.source}</dd>`);
      assert.match(
        res.body,
        new RegExp(
          `<h2[^>]*>Site administration</h2><dl class="admin-index"><div>${entry("/admin/users", "Users", /Every account on the site: add a new user[^<]*/).source}</div><div>${entry("/admin/courses", "Courses", /Every course[^<]*/).source}</div><div>${entry("/admin/tasks", "Tasks", /Scheduled tasks[^<]*Run now[^<]*/).source}`,
        ),
      );
      const groups = [...res.body.matchAll(/<h2[^>]*>([^<]+)<\/h2><dl class="admin-index">(.*?)<\/dl>/g)];
      assert.deepEqual(
        groups.map((m) => m[1]),
        siteAdminGroups().map((g) => g.name),
      );
      for (const g of siteAdminGroups()) {
        const html = groups.find((m) => m[1] === g.name)?.[2] ?? "";
        for (const l of g.links) {
          assert.ok(l.description.length > 20, `${l.label} says what is there`);
          assert.ok(
            html.includes(`<dt><a href="${l.href}">${l.label}</a></dt><dd>${l.description}</dd>`),
            `${g.name} → ${l.label} with its line`,
          );
        }
      }
    });

    it("renders an Integrations group after Site administration once a feature registers a link in it", async () => {
      if (!siteAdminLinks().some((l) => l.href === "/admin/lti-test")) {
        addSiteAdminLink({
          label: "External Sources / LTI",
          href: "/admin/lti-test",
          group: INTEGRATIONS,
          order: 500,
          description: "Tools for every course.",
        });
      }
      const c = await t.client("admin");
      const res = await c.get("/admin");
      assert.match(
        res.body,
        /Site administration<\/h2>.*<h2[^>]*>Integrations<\/h2><dl class="admin-index">.*<a href="\/admin\/lti-test">External Sources \/ LTI<\/a><\/dt><dd>Tools for every course.<\/dd>/,
      );
      const tasks = await c.get("/admin/tasks");
      assert.match(
        tasks.body,
        /<h3[^>]*>Integrations<\/h3>/,
        "the admin menu beside every admin page shows it too",
      );
    });

    it("refuses the admin pages to anonymous visitors with 401 and a login link", async () => {
      const c = await t.client();
      for (const url of ADMIN_PAGES) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 401, url);
        assert.match(
          res.body,
          new RegExp(`href="/login\\?next=${encodeURIComponent(url).replace(/\//g, "%2F")}"`),
        );
      }
    });

    it("refuses the admin pages to users who are not site admins with 403", async () => {
      const c = await t.client("student1");
      for (const url of ADMIN_PAGES) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 403, url);
        assert.match(res.body, /Only site administrators/);
      }
      const home = await c.get("/profile");
      assert.doesNotMatch(home.body, /href="\/admin"/, "no Site admin link in the header");
    });

    it("lists every course with visibility and participant count, and links to create and edit", async () => {
      const a = await createCourse(t.ctx.db, t.clock, { fullname: "Algebra One", shortname: "ALG1" });
      await createCourse(t.ctx.db, t.clock, {
        fullname: "Hidden Biology",
        shortname: "BIO0",
        visible: false,
      });
      const inst = await manualInstance(t.ctx.db, a.id);
      const s1 = await t.user("enrolled1");
      const s2 = await t.user("enrolled2");
      await t.ctx.db.transaction().execute(async (trx) => {
        for (const u of [s1, s2]) await enrolUser(trx, t.ctx, { instanceId: inst.id, userId: u.id });
      });
      const c = await t.client("admin");
      const res = await c.get("/admin/courses");
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /href="\/course\/new"/);
      assert.match(
        res.body,
        new RegExp(`<a href="/course/${a.id}">Algebra One</a></th><td>ALG1</td><td>Shown</td><td>2</td>`),
      );
      assert.match(res.body, /Hidden Biology<\/a><\/th><td>BIO0<\/td><td>Hidden<\/td><td>0<\/td>/);
      assert.match(res.body, new RegExp(`href="/course/${a.id}/edit"`));
      const found = await c.get("/admin/courses?q=bio");
      assert.match(found.body, /BIO0/);
      assert.doesNotMatch(found.body, /ALG1/);
    });

    it("deletes a course after a confirmation page, with its enrolments", async () => {
      const course = await createCourse(t.ctx.db, t.clock, { fullname: "Doomed", shortname: "DOOM" });
      const inst = await manualInstance(t.ctx.db, course.id);
      const u = await t.user("doomedstudent");
      await t.ctx.db
        .transaction()
        .execute((trx) => enrolUser(trx, t.ctx, { instanceId: inst.id, userId: u.id }));
      const c = await t.client("admin");
      const confirm = await c.get(`/admin/courses/${course.id}/delete`);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Delete <strong>Doomed<\/strong>/);
      assert.match(confirm.body, /1 participant/);
      const res = await c.post(`/admin/courses/${course.id}/delete`, { confirm: "yes" });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, "/admin/courses");
      const list = await c.get("/admin/courses");
      assert.match(list.body, /Course DOOM deleted/);
      assert.equal(
        await t.ctx.db.selectFrom("courses").select("id").where("id", "=", course.id).executeTakeFirst(),
        undefined,
      );
      const left = await t.ctx.db
        .selectFrom("enrolments")
        .select("id")
        .where("course_id", "=", course.id)
        .execute();
      assert.equal(left.length, 0);
    });

    it("refuses bad course deletions with a clear status and deletes nothing", async () => {
      const course = await createCourse(t.ctx.db, t.clock, { fullname: "Kept", shortname: "KEPT" });
      const admin = await t.client("admin");
      const student = await t.client("student1");
      const url = `/admin/courses/${course.id}/delete`;
      const cases: Array<{
        name: string;
        client: typeof admin;
        url: string;
        form: Record<string, string>;
        status: number;
        code: string;
      }> = [
        { name: "no confirmation", client: admin, url, form: {}, status: 400, code: "validation" },
        {
          name: "confirmation not yes",
          client: admin,
          url,
          form: { confirm: "no" },
          status: 400,
          code: "validation",
        },
        {
          name: "unknown course",
          client: admin,
          url: "/admin/courses/999999/delete",
          form: { confirm: "yes" },
          status: 404,
          code: "not_found",
        },
        {
          name: "id not a number",
          client: admin,
          url: "/admin/courses/abc/delete",
          form: { confirm: "yes" },
          status: 400,
          code: "validation",
        },
        {
          name: "forged CSRF token",
          client: admin,
          url,
          form: { confirm: "yes", _csrf: "forged" },
          status: 403,
          code: "csrf",
        },
        {
          name: "not a site admin",
          client: student,
          url,
          form: { confirm: "yes" },
          status: 403,
          code: "forbidden",
        },
      ];
      for (const k of cases) {
        const res = await k.client.post(k.url, k.form);
        assert.equal(res.statusCode, k.status, k.name);
        assert.equal(errorCodeOf(res), k.code, k.name);
        assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/, k.name);
      }
      assert.ok(
        await t.ctx.db.selectFrom("courses").select("id").where("id", "=", course.id).executeTakeFirst(),
      );
      for (const [getUrl, status] of [
        ["/admin/courses?page=0", 400],
        ["/admin/courses?page=x", 400],
        [`/admin/courses?q=${"x".repeat(101)}`, 400],
        ["/admin/courses/999999/delete", 404],
      ] as const) {
        const res = await admin.get(getUrl);
        assert.equal(res.statusCode, status, getUrl);
        assert.equal(errorCodeOf(res), status === 400 ? "validation" : "not_found", getUrl);
      }
    });
  });
}
