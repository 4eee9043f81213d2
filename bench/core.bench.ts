// `npm run bench core`: the logged-in course page and the grades API, on SQLite and PostgreSQL.
// Aim (issue): ≥ 2,000 course-page requests/s on SQLite on 2 cores (autocannon runs on the same
// machine). The server runs at the default LOG_LEVEL (info: one JSON line per request).
// BENCH_DURATION (seconds, default 10) sets the length of each measurement.
import {
  benchEngines,
  call,
  type Figures,
  freePort,
  login,
  measure,
  measureWithCpu,
  printTable,
  type Site,
  startSite,
} from "./support.js";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);

/** A course as a teacher builds it, 31 graded students, and the session of one of them. */
async function prepare(site: Site) {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "Benchmark course",
    shortname: `bench${Date.now()}`,
    summary: "A course with a page and a quiz, both tracked for completion.",
  });
  await call(site, "POST", `/courses/${course.id}/activities`, {
    type: "page",
    name: "Welcome",
    section: 0,
    settings: { content: "<p>Hello</p>" },
    completionRule: "viewed",
  });
  const quiz = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: "Check",
    section: 1,
    settings: { maxGrade: 10, questions: [{ text: "2+2?", choices: ["3", "4"], correct: 1 }] },
    completionRule: "graded",
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
  const cookie = await login(site, "bench.student", "bench-password");
  // Measure the real pages, not an error or a redirect.
  const page = await fetch(`${site.url}/course/${course.id}`, { headers: { cookie } });
  const html = await page.text();
  if (page.status !== 200 || !html.includes(">Welcome</a>") || !html.includes("Completion status"))
    throw new Error(`the course page is not what a student sees (${page.status})`);
  const grades = await call<unknown[]>(site, "GET", `/courses/${course.id}/grades`);
  if (grades.length < 60) throw new Error(`expected the grades of 30 students, got ${grades.length} rows`);
  return { courseId: course.id, cookie };
}

export async function run(): Promise<void> {
  const rows: Figures[] = [];
  const notes: string[] = [];
  const engines = await benchEngines();
  for (const engine of engines) {
    const site = await startSite(engine, await freePort(), { LOG_LEVEL: "info" });
    try {
      const { courseId, cookie } = await prepare(site);
      const targets: Array<[string, { url: string; headers: Record<string, string> }]> = [
        [
          `${engine}: GET /course/:id as a student`,
          { url: `${site.url}/course/${courseId}`, headers: { cookie } },
        ],
        [
          `${engine}: GET /api/v1/courses/:id/grades`,
          {
            url: `${site.url}/api/v1/courses/${courseId}/grades`,
            headers: { authorization: `Bearer ${site.token}` },
          },
        ],
      ];
      for (const [label, target] of targets) {
        await measure("warm-up", { ...target, duration: 2 }); // let the JIT settle first
        await measureWithCpu(rows, notes, site, label, { ...target, duration: DURATION });
      }
    } finally {
      await site.stop();
    }
  }
  printTable(rows);
  for (const n of notes) console.log(n);
  console.log("");
}
