// The shared runner of the activities' bad-input tables: a course with two pages, a teacher, a
// student and a teacher of another course; each case must answer its status and error code and
// leave the activities and grade items as they were.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Activity } from "../../src/features/activities/activity-types.js";
import type { Course } from "../../src/features/courses/courses.service.js";
import { type Client, startTestApp, type TestApp } from "./app.js";
import { testEngines } from "./db.js";
import { errorCodeOf } from "./errors.js";
import { addActivity, enrolAs, makeCourse } from "./factories.js";

export type Who = "teacher" | "student" | "otherTeacher";
export interface BadInputCase {
  what: string;
  who: Who;
  method: "GET" | "POST";
  url: (c: { course: Course; page: Activity; other: Activity }) => string;
  form?: Record<string, string>;
  status: number;
  code: string;
}

export const pageForm = { name: "A page", content: "<p>x</p>", visible: "1", section: "0" };

export function runBadInputCases(title: string, cases: BadInputCase[]): void {
  for (const engine of testEngines()) {
    describe(`${title} (${engine})`, () => {
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
}
