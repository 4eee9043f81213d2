// `npm run bench core`: the logged-in course page and the grades API, on SQLite and PostgreSQL.
// Aim (issue): ≥ 2,000 course-page requests/s on SQLite on 2 cores.
import {
  call,
  type Figures,
  login,
  measure,
  pgReachable,
  printTable,
  type Site,
  startSite,
} from "./support.js";

async function prepare(site: Site) {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "Benchmark course",
    shortname: `bench${Date.now()}`,
  });
  await call(site, "POST", `/courses/${course.id}/activities`, {
    type: "page",
    name: "Welcome",
    section: 0,
    settings: { content: "<p>Hello</p>" },
  });
  const quiz = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: "Check",
    section: 1,
    settings: { maxGrade: 10, questions: [{ text: "2+2?", choices: ["3", "4"], correct: 1 }] },
  });
  const student = await call<{ id: number }>(site, "POST", "/users", {
    username: "bench.student",
    password: "bench-password",
    email: "s@example.org",
    firstname: "Bench",
    lastname: "Student",
  });
  await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: student.id, role: "student" });
  for (let i = 0; i < 30; i++) {
    const u = await call<{ id: number }>(site, "POST", "/users", {
      username: `bench.s${i}`,
      password: "bench-password",
      email: `s${i}@example.org`,
      firstname: "S",
      lastname: String(i),
    });
    await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: u.id, role: "student" });
    await call(site, "PUT", `/activities/${quiz.id}/grades/${u.id}`, { grade: i % 10, feedback: "" });
  }
  return { courseId: course.id, cookie: await login(site, "bench.student", "bench-password") };
}

export async function run(): Promise<void> {
  const rows: Figures[] = [];
  const engines: Array<"sqlite" | "postgres"> = (await pgReachable()) ? ["sqlite", "postgres"] : ["sqlite"];
  let port = 3900;
  for (const engine of engines) {
    const site = await startSite(engine, port++);
    try {
      const { courseId, cookie } = await prepare(site);
      rows.push(
        await measure(`${engine}: GET /course/:id (logged-in student)`, {
          url: `${site.url}/course/${courseId}`,
          headers: { cookie },
        }),
      );
      rows.push(
        await measure(`${engine}: GET /api/v1/courses/:id/grades (teacher token)`, {
          url: `${site.url}/api/v1/courses/${courseId}/grades`,
          headers: { authorization: `Bearer ${site.token}` },
        }),
      );
    } finally {
      await site.stop();
    }
  }
  printTable(rows);
}
