// The enrolment dates of "Publish as LTI tool" are typed and shown in the editor's time zone (their
// profile's, else the site's) and stored, and given by the API, as UTC instants.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { labelled, readForm } from "../../../../test/support/html-form.js";
import type { Course } from "../../courses/courses.service.js";
import { type EnrolInstance, listInstances } from "../../enrolments/enrolments.service.js";

const SYDNEY_START = "Enrolment start: date and time (Australia/Sydney)";
const SYDNEY_END = "Enrolment end: date and time (Australia/Sydney)";

for (const engine of testEngines()) {
  describe(`enrolment dates in the editor's time zone (${engine})`, () => {
    let t: TestApp;
    let course: Course;
    let sydney: Client;
    let london: Client;
    let token: string;
    let instance: EnrolInstance;
    before(async () => {
      t = await startTestApp(engine, { config: { timezone: "Europe/London" } });
      course = await makeCourse(t, { shortname: "TZ" });
      const tina = await t.user("tina", { timezone: "Australia/Sydney" });
      const lola = await t.user("lola");
      for (const u of [tina, lola]) await enrolAs(t, course.id, u.id, "editingteacher");
      sydney = await t.client("tina");
      london = await t.client("lola");
      token = await t.token(tina.id);
    });
    after(() => t.close());

    const lti = async () => (await listInstances(t.ctx.db, course.id)).filter((i) => i.method === "lti");
    const editPage = (c: Client) => c.get(`/course/${course.id}/enrol-methods/${instance.id}/edit`);

    it("reads the dates a teacher in Sydney types as Sydney time, clock changes included", async () => {
      const page = await sydney.get(`/course/${course.id}/enrol-methods/add?method=lti`);
      assert.equal(labelled(page.body, SYDNEY_START).type, "datetime-local");
      const form = readForm(page.body, /\/enrol-methods\/add$/);
      const res = await sydney.post(form.action, {
        ...form.fields,
        name: "Sydney consumer",
        enrolStartEnabled: "1",
        enrolStart: "2030-03-01T09:30",
        enrolEndEnabled: "1",
        // Sydney clocks go from 02:00 to 03:00 that night: 02:30 does not exist and is read as 03:30 AEDT.
        enrolEnd: "2030-10-06T02:30",
      });
      assert.equal(res.statusCode, 303, res.body);
      const [stored] = await lti();
      assert.ok(stored);
      instance = stored;
      assert.equal(instance.enrolStart, "2030-02-28T22:30:00.000Z", "09:30 AEDT (UTC+11)");
      assert.equal(instance.enrolEnd, "2030-10-05T16:30:00.000Z", "03:30 AEDT (UTC+11)");

      const listed = await api(t.app, token, "GET", `/api/v1/courses/${course.id}/enrol-methods`);
      const shown = (listed.json as Array<{ id: number; enrolStart: string; enrolEnd: string }>).find(
        (i) => i.id === instance.id,
      );
      assert.equal(shown?.enrolStart, "2030-02-28T22:30:00.000Z", "the API gives the UTC instant");
      assert.equal(shown?.enrolEnd, "2030-10-05T16:30:00.000Z");
    });

    it("shows the same wall time back in the edit form, and saving it unchanged keeps the instants", async () => {
      const page = await editPage(sydney);
      assert.equal(labelled(page.body, SYDNEY_START).value, "2030-03-01T09:30");
      assert.equal(labelled(page.body, SYDNEY_END).value, "2030-10-06T03:30");
      const form = readForm(page.body, /\/edit$/);
      const res = await sydney.post(form.action, form.fields);
      assert.equal(res.statusCode, 303, res.body);
      const [again] = await lti();
      assert.equal(again?.enrolStart, "2030-02-28T22:30:00.000Z");
      assert.equal(again?.enrolEnd, "2030-10-05T16:30:00.000Z");
    });

    it("lists the window in the viewer's zone, naming it", async () => {
      const inSydney = await sydney.get(`/course/${course.id}/enrol-methods`);
      assert.match(inSydney.body, /Starts 2030-03-01 09:30 Australia\/Sydney/);
      assert.match(inSydney.body, /Ends 2030-10-06 03:30 Australia\/Sydney/);
      const inLondon = await london.get(`/course/${course.id}/enrol-methods`);
      assert.match(inLondon.body, /Starts 2030-02-28 22:30 Europe\/London/);
      assert.match(inLondon.body, /Ends 2030-10-05 17:30 Europe\/London/, "BST (UTC+1)");
    });

    it("gives a teacher without a zone of their own the site's, in the form and when saving", async () => {
      const page = await editPage(london);
      const start = labelled(page.body, "Enrolment start: date and time (Europe/London)");
      assert.equal(start.value, "2030-02-28T22:30");
      const form = readForm(page.body, /\/edit$/);
      const res = await london.post(form.action, { ...form.fields, enrolStart: "2030-03-01T09:30" });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal((await lti())[0]?.enrolStart, "2030-03-01T09:30:00.000Z", "09:30 GMT");
    });

    it("takes API times with any offset and gives them back in UTC", async () => {
      const res = await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${instance.id}`, {
        enrolStart: "2030-03-01T09:30:00+11:00",
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal((res.json as { enrolStart: string }).enrolStart, "2030-02-28T22:30:00.000Z");
      const page = await editPage(sydney);
      assert.equal(labelled(page.body, SYDNEY_START).value, "2030-03-01T09:30");
    });

    it("keeps a stored instant in the hour Sydney lives twice when the form is saved unchanged", async () => {
      // 02:30 on 7 April 2030 happens at 15:30Z (AEDT) and again at 16:30Z (AEST); typed, it reads as the first.
      const second = "2030-04-06T16:30:00.000Z";
      await api(t.app, token, "PATCH", `/api/v1/enrol-methods/${instance.id}`, { enrolEnd: second });
      const page = await editPage(sydney);
      assert.equal(labelled(page.body, SYDNEY_END).value, "2030-04-07T02:30");
      const form = readForm(page.body, /\/edit$/);
      assert.equal((await sydney.post(form.action, form.fields)).statusCode, 303);
      assert.equal((await lti())[0]?.enrolEnd, second, "unchanged, so not moved an hour");
      const typed = await sydney.post(form.action, { ...form.fields, enrolEnd: "2030-04-07T02:31" });
      assert.equal(typed.statusCode, 303, typed.body);
      assert.equal(
        (await lti())[0]?.enrolEnd,
        "2030-04-06T15:31:00.000Z",
        "a changed time reads as the first",
      );
    });

    it("refuses a date that is not a real one, naming the field", async () => {
      const page = await editPage(sydney);
      const form = readForm(page.body, /\/edit$/);
      const res = await sydney.post(form.action, { ...form.fields, enrolStart: "2030-02-30T09:30" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /Enrolment start must be a date and time/);
      assert.equal((await lti())[0]?.enrolStart, "2030-02-28T22:30:00.000Z", "nothing changed");
    });
  });
}
