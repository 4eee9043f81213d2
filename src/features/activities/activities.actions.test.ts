// Bad input to editing, hiding, moving and deleting activities: a clear 4xx with its code, and nothing written.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { errorCodeOf } from "../../../test/support/errors.js";
import { addActivity, enrolAs, makeCourse } from "../../../test/support/factories.js";
import type { Course } from "../courses/courses.service.js";
import type { Activity } from "./activity-types.js";

type Who = "teacher" | "student" | "otherTeacher";
interface Case {
  what: string;
  who: Who;
  method: "GET" | "POST";
  url: (c: { course: Course; page: Activity; other: Activity }) => string;
  form?: Record<string, string>;
  status: number;
  code: string;
}

const page = { name: "A page", content: "<p>x</p>", visible: "1", section: "0" };

const cases: Case[] = [
  {
    what: "a teacher of another course hiding this course's activity",
    who: "otherTeacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/visibility`,
    form: { visible: "0" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a student editing",
    who: "student",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/edit`,
    form: { name: "Mine", content: "x" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a student opening the edit form",
    who: "student",
    method: "GET",
    url: (x) => `/mod/${x.page.id}/edit`,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a teacher editing another course's activity",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.other.id}/edit`,
    form: { name: "Mine", content: "x", visible: "1" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a teacher hiding another course's activity",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.other.id}/visibility`,
    form: { visible: "0" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a teacher deleting another course's activity",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.other.id}/delete`,
    status: 403,
    code: "forbidden",
  },
  {
    what: "an edit without a name",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/edit`,
    form: { content: "new", visible: "1" },
    status: 400,
    code: "validation",
  },
  {
    what: "an edit of an unknown activity",
    who: "teacher",
    method: "POST",
    url: () => "/mod/999999/edit",
    form: page,
    status: 404,
    code: "not_found",
  },
  {
    what: "a non-numeric activity id",
    who: "teacher",
    method: "GET",
    url: () => "/mod/abc",
    status: 400,
    code: "validation",
  },
  {
    what: "a visibility that is not 0 or 1",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/visibility`,
    form: { visible: "maybe" },
    status: 400,
    code: "validation",
  },
  {
    what: "a move without a direction",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/move`,
    form: {},
    status: 400,
    code: "validation",
  },
  {
    what: "a sideways move",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/move`,
    form: { direction: "sideways" },
    status: 400,
    code: "validation",
  },
  {
    what: "a student moving",
    who: "student",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/move`,
    form: { direction: "down" },
    status: 403,
    code: "forbidden",
  },
  {
    what: "a student deleting",
    who: "student",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/delete`,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a forged delete",
    who: "teacher",
    method: "POST",
    url: (x) => `/mod/${x.page.id}/delete`,
    form: { _csrf: "forged" },
    status: 403,
    code: "csrf",
  },
  {
    what: "deleting an unknown activity",
    who: "teacher",
    method: "POST",
    url: () => "/mod/999999/delete",
    status: 404,
    code: "not_found",
  },
];

for (const engine of testEngines()) {
  describe(`bad input to the activity actions (${engine})`, () => {
    let t: TestApp;
    let fixtures: { course: Course; page: Activity; other: Activity };
    const clients = {} as Record<Who, Client>;
    before(async () => {
      t = await startTestApp(engine);
      const course = await makeCourse(t, { shortname: "FORMS" });
      const elsewhere = await makeCourse(t, { shortname: "ELSEWHERE" });
      const tina = await t.user("tina");
      const sam = await t.user("sam");
      const otto = await t.user("otto");
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      await enrolAs(t, elsewhere.id, otto.id, "editingteacher");
      const p = await addActivity(t, course.id, {
        type: "page",
        name: "Syllabus",
        settings: { content: "<p>Plan</p>" },
      });
      await addActivity(t, course.id, { type: "page", name: "Second", settings: { content: "<p>2</p>" } });
      const other = await addActivity(t, elsewhere.id, {
        type: "page",
        name: "Theirs",
        settings: { content: "<p>T</p>" },
      });
      fixtures = { course, page: p, other };
      clients.teacher = await t.client("tina");
      clients.student = await t.client("sam");
      clients.otherTeacher = await t.client("otto");
    });
    after(() => t.close());

    const snapshot = async () => ({
      activities: await t.ctx.db.selectFrom("activities").selectAll().orderBy("id").execute(),
      items: await t.ctx.db.selectFrom("grade_items").selectAll().orderBy("id").execute(),
    });

    for (const c of cases) {
      it(`answers ${c.what} with ${c.status} ${c.code}, writing nothing`, async () => {
        const client = clients[c.who];
        await client.get(`/course/${fixtures.course.id}`);
        const before = await snapshot();
        const url = c.url(fixtures);
        const res = c.method === "GET" ? await client.get(url) : await client.post(url, c.form ?? {});
        assert.equal(res.statusCode, c.status);
        assert.equal(errorCodeOf(res), c.code);
        assert.doesNotMatch(res.body, /\.tsx?:\d+/, "no stack trace");
        assert.deepEqual(await snapshot(), before);
      });
    }
  });
}
