// Bad input to the forms that add activities: a clear 4xx with its code, and nothing written.
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
    what: "a teacher of another course adding material here",
    who: "otherTeacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: page,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a missing activity name",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { content: "x", section: "0" },
    status: 400,
    code: "validation",
  },
  {
    what: "an empty activity name",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, name: "  " },
    status: 400,
    code: "validation",
  },
  {
    what: "an oversized activity name",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, name: "n".repeat(255) },
    status: 400,
    code: "validation",
  },
  {
    what: "empty page content",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, content: "" },
    status: 400,
    code: "validation",
  },
  {
    what: "a max grade in words",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/assign`,
    form: { name: "A", maxGrade: "ten", section: "0" },
    status: 400,
    code: "validation",
  },
  {
    what: "a quiz without questions",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/quiz`,
    form: { name: "Q", maxGrade: "10", questionsText: "", section: "0" },
    status: 400,
    code: "validation",
  },
  {
    what: "a quiz question with one choice",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/quiz`,
    form: { name: "Q", maxGrade: "10", questionsText: "Q?\n* a", section: "0" },
    status: 400,
    code: "validation",
  },
  {
    what: "a pass grade in words",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/quiz`,
    form: {
      name: "Q",
      maxGrade: "10",
      questionsText: "Q?\n* a\n- b",
      completionRule: "passing",
      completionPassGrade: "half",
      section: "0",
    },
    status: 400,
    code: "validation",
  },
  {
    what: "an unknown completion rule",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, completionRule: "sometimes" },
    status: 400,
    code: "validation",
  },
  {
    what: "an unknown activity type (form)",
    who: "teacher",
    method: "GET",
    url: (x) => `/course/${x.course.id}/add/forum?section=0`,
    status: 404,
    code: "not_found",
  },
  {
    what: "an unknown activity type (post)",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/forum`,
    form: page,
    status: 404,
    code: "not_found",
  },
  {
    what: "an unknown section",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, section: "99" },
    status: 404,
    code: "not_found",
  },
  {
    what: "a section in words",
    who: "teacher",
    method: "GET",
    url: (x) => `/course/${x.course.id}/add?section=first`,
    status: 400,
    code: "validation",
  },
  {
    what: "an unknown course",
    who: "teacher",
    method: "POST",
    url: () => "/course/999999/add/page",
    form: page,
    status: 404,
    code: "not_found",
  },
  {
    what: "a student adding material",
    who: "student",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: page,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a student opening the picker",
    who: "student",
    method: "GET",
    url: (x) => `/course/${x.course.id}/add?section=0`,
    status: 403,
    code: "forbidden",
  },
  {
    what: "a forged CSRF token",
    who: "teacher",
    method: "POST",
    url: (x) => `/course/${x.course.id}/add/page`,
    form: { ...page, _csrf: "forged" },
    status: 403,
    code: "csrf",
  },
];

for (const engine of testEngines()) {
  describe(`bad input to the activity forms (${engine})`, () => {
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
