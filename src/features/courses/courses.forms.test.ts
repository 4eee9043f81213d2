// Bad input to the course forms: a clear 4xx with its code, and nothing written.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { enrolAs, makeCourse } from "../../../test/support/factories.js";
import type { Course } from "./courses.service.js";

type Who = "admin" | "teacher" | "student";
interface Case {
  what: string;
  who: Who;
  url: (course: Course) => string;
  form: Record<string, string>;
  status: number;
  code: string;
}

const valid = { fullname: "Geology", shortname: "GEO", summary: "Rocks", visible: "1" };

const cases: Case[] = [
  {
    what: "a missing full name",
    who: "admin",
    url: () => "/course/new",
    form: { shortname: "GEO" },
    status: 400,
    code: "validation",
  },
  {
    what: "a blank short name",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, shortname: "   " },
    status: 400,
    code: "validation",
  },
  {
    what: "an oversized full name",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, fullname: "f".repeat(255) },
    status: 400,
    code: "validation",
  },
  {
    what: "an oversized short name",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, shortname: "s".repeat(101) },
    status: 400,
    code: "validation",
  },
  {
    what: "an oversized summary",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, summary: "s".repeat(20_001) },
    status: 400,
    code: "validation",
  },
  {
    what: "a short name in use",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, shortname: "TAKEN" },
    status: 409,
    code: "conflict",
  },
  {
    what: "a teacher creating a course",
    who: "teacher",
    url: () => "/course/new",
    form: valid,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a forged CSRF token",
    who: "admin",
    url: () => "/course/new",
    form: { ...valid, _csrf: "forged" },
    status: 403,
    code: "csrf",
  },
  {
    what: "an edit without a full name",
    who: "teacher",
    url: (c) => `/course/${c.id}/edit`,
    form: { shortname: "MAIN" },
    status: 400,
    code: "validation",
  },
  {
    what: "an edit to a short name in use",
    who: "teacher",
    url: (c) => `/course/${c.id}/edit`,
    form: { ...valid, shortname: "TAKEN" },
    status: 409,
    code: "conflict",
  },
  {
    what: "an edit of an unknown course",
    who: "admin",
    url: () => "/course/999999/edit",
    form: valid,
    status: 404,
    code: "not_found",
  },
  {
    what: "an edit of a non-numeric id",
    who: "admin",
    url: () => "/course/x1/edit",
    form: valid,
    status: 400,
    code: "validation",
  },
  {
    what: "a student editing",
    who: "student",
    url: (c) => `/course/${c.id}/edit`,
    form: valid,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a forged edit",
    who: "teacher",
    url: (c) => `/course/${c.id}/edit`,
    form: { ...valid, _csrf: "forged" },
    status: 403,
    code: "csrf",
  },
  {
    what: "an oversized section name",
    who: "teacher",
    url: (c) => `/course/${c.id}/sections`,
    form: { name: "n".repeat(255) },
    status: 400,
    code: "validation",
  },
  {
    what: "a student adding a section",
    who: "student",
    url: (c) => `/course/${c.id}/sections`,
    form: { name: "Mine" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a section for an unknown course",
    who: "admin",
    url: () => "/course/999999/sections",
    form: { name: "X" },
    status: 404,
    code: "not_found",
  },
  {
    what: "a student switching editing on",
    who: "student",
    url: (c) => `/course/${c.id}/editing`,
    form: {},
    status: 403,
    code: "forbidden",
  },
];

for (const engine of testEngines()) {
  describe(`bad input to the course forms (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    const clients = {} as Record<Who, Client>;
    before(async () => {
      t = await startTestApp(engine);
      await t.admin();
      course = await makeCourse(t, { fullname: "Main", shortname: "MAIN" });
      await makeCourse(t, { fullname: "Taken", shortname: "TAKEN" });
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      clients.admin = await t.client("admin");
      clients.teacher = await t.client("tina");
      clients.student = await t.client("sam");
    });
    after(() => t.close());

    const snapshot = async () => ({
      courses: await t.ctx.db.selectFrom("courses").selectAll().orderBy("id").execute(),
      sections: await t.ctx.db.selectFrom("sections").selectAll().orderBy("id").execute(),
      sessions: await t.ctx.db.selectFrom("sessions").select("data").orderBy("id").execute(),
    });

    for (const c of cases) {
      it(`answers ${c.what} with ${c.status} ${c.code}, writing nothing`, async () => {
        const client = clients[c.who];
        await client.get("/my");
        const before = await snapshot();
        const res = await client.post(c.url(course), c.form);
        assert.equal(res.statusCode, c.status);
        assert.equal(errorCodeOf(res), c.code);
        assert.doesNotMatch(res.body, /\.tsx?:\d+/, "no stack trace");
        assert.deepEqual(await snapshot(), before);
      });
    }
  });
}
