// `npm run bench core`: the logged-in course page and the grades API, on SQLite and PostgreSQL.
// Aim (issue): ≥ 2,000 course-page requests/s on SQLite on 2 cores (autocannon runs on the same
// machine). The server runs at the default LOG_LEVEL (info: one JSON line per request).
// BENCH_DURATION (seconds, default 10) sets the length of each measurement.
import autocannon from "autocannon";
import { machine } from "./machine.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, printRows } from "./report.js";
import { benchEngines, call, closedLoop, freePort, login, type Site, startSite } from "./support.js";

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

export async function run(options: BenchOptions): Promise<void> {
  if (!options.closed) {
    console.log("core has closed-loop measurements only: --mode open leaves it nothing to run");
    return;
  }
  const m = machine();
  const rows: BenchRow[] = [];
  const engines = await benchEngines(options.engines);
  for (const engine of engines) {
    const site = await startSite(engine, await freePort(), { LOG_LEVEL: "info" });
    try {
      const { courseId, cookie } = await prepare(site);
      const targets: Array<[string, { url: string; headers: Record<string, string> }]> = [
        ["course page as a student", { url: `${site.url}/course/${courseId}`, headers: { cookie } }],
        [
          "grades API (GET /api/v1/courses/:id/grades)",
          {
            url: `${site.url}/api/v1/courses/${courseId}/grades`,
            headers: { authorization: `Bearer ${site.token}` },
          },
        ],
      ];
      for (const [what, target] of targets) {
        await autocannon({ ...target, connections: 50, duration: 2 }); // let the JIT settle first
        rows.push(await closedLoop(site, "core", what, { ...target, duration: DURATION }));
      }
    } finally {
      await site.stop();
    }
  }
  printRows(rows, m, options.markdown);
}
