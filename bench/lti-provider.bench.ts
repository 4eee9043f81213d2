// `npm run bench lti-provider`: LTI 1.1 launches into a published course at 50 concurrent clients —
// (a) returning users, (b) new users (provision + enrol) — and the time to send grade sync for 5,000
// users to a local fake consumer, on SQLite and PostgreSQL.
// Aim (issue 3), SQLite on 2 cores: ≥ 2,000 returning and ≥ 1,000 new-user launches/s, p99 < 25 ms;
// PostgreSQL at least half. Launch bodies are signed beforehand with oauth-1.0a (the independent
// signer of the tests), each with its own nonce, and sent well within the 300 s timestamp window.
import autocannon from "autocannon";
import { baseLaunch, signLaunch, startFakeConsumer } from "../test/support/lti11-consumer.js";
import { benchEngines, call, cpuMs, type Site, startSite } from "./support.js";

const CONNECTIONS = 50;
const RETURNING_USERS = 500;
const RETURNING_LAUNCHES = 30_000;
const NEW_USER_LAUNCHES = 15_000;
const GRADE_SYNC_USERS = 5_000;

interface Published {
  id: number;
  launchUrl: string;
  secret: string;
}

interface Row {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  note: string;
}

async function publish(site: Site, name: string) {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: name,
    shortname: `${name.replace(/\W/g, "")}${Date.now()}`,
  });
  const quiz = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: "Check",
    section: 1,
    settings: { maxGrade: 10, questions: [{ text: "2+2?", choices: ["3", "4"], correct: 1 }] },
  });
  const pub = await call<Published>(site, "POST", `/courses/${course.id}/enrol-methods`, {
    method: "lti",
    name: `${name} consumer`,
  });
  return { courseId: course.id, quizId: quiz.id, pub };
}

let nonceSeq = 0;
/** Signed form bodies, one per launch, each with a fresh nonce. */
function sign(pub: Published, users: (i: number) => Record<string, string>, count: number): string[] {
  const ts = Math.floor(Date.now() / 1000);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const form = signLaunch(pub.launchUrl, "bench-consumer", pub.secret, baseLaunch(users(i)), {
      timestamp: ts,
      nonce: `bench-${process.pid}-${++nonceSeq}`,
    });
    out[i] = new URLSearchParams(form).toString();
  }
  return out;
}

/** Posts every body once, 50 connections at a time; a launch answers 303 (to the course). */
async function launchAll(
  site: Site,
  label: string,
  pub: Published,
  bodies: string[],
  note: string,
): Promise<Row> {
  let next = 0;
  const cpuBefore = cpuMs(site.pid);
  const url = new URL(pub.launchUrl);
  const result = await autocannon({
    url: url.origin,
    connections: CONNECTIONS,
    amount: bodies.length,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: url.pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const codes = (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats;
  const ok = codes["303"]?.count ?? 0;
  const errors = Object.entries(codes).reduce((n, [code, s]) => n + (code === "303" ? 0 : s.count), 0);
  // The server's own CPU per launch: on a loaded machine launches/s fall with the CPU share the server
  // gets, while this does not.
  const cpuAfter = cpuMs(site.pid);
  const cpu =
    cpuBefore !== undefined && cpuAfter !== undefined && ok > 0
      ? `; server CPU ${((cpuAfter - cpuBefore) / ok).toFixed(2)} ms/launch`
      : "";
  return {
    label,
    perSecond: Math.round(ok / (result.duration || 1)),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: errors + result.errors + result.timeouts,
    note: note + cpu,
  };
}

/** Grade sync of 5,000 launched users, timed as the scheduled task run ("run now") that sends them all. */
async function timeGradeSync(site: Site): Promise<Row> {
  const { courseId, quizId, pub } = await publish(site, "Grade sync");
  const fc = await startFakeConsumer(pub.secret);
  try {
    // Grades are set while grade sync is off, so the timed run sends every one of them.
    await call(site, "PATCH", `/enrol-methods/${pub.id}`, { gradeSync: false });
    const bodies = sign(
      pub,
      (i) => ({
        user_id: `graded-${i}`,
        lis_outcome_service_url: `${fc.url}/outcomes`,
        lis_result_sourcedid: `sid-${i}`,
      }),
      GRADE_SYNC_USERS,
    );
    await launchAll(site, "(setup)", pub, bodies, "");
    const ids = (await call<Array<{ userId: number }>>(site, "GET", `/courses/${courseId}/participants`)).map(
      (p) => p.userId,
    );
    let i = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (i < ids.length) {
          const id = ids[i++] ?? 0;
          await call(site, "PUT", `/activities/${quizId}/grades/${id}`, {
            grade: (id % 10) + 1,
            feedback: "",
          });
        }
      }),
    );
    await call(site, "PATCH", `/enrol-methods/${pub.id}`, { gradeSync: true });
    const started = performance.now();
    const run = await call<{ status: string; message: string }>(
      site,
      "POST",
      "/tasks/lti_provider_grade_sync/run",
    );
    const seconds = (performance.now() - started) / 1000;
    const valid = fc.received.filter((r) => r.path === "/outcomes" && r.valid).length;
    return {
      label: `${site.engine}: grade sync, ${ids.length} users`,
      perSecond: Math.round(valid / seconds),
      p50: 0,
      p99: 0,
      errors: ids.length - valid,
      note: `${seconds.toFixed(2)} s; task ${run.status}: ${run.message}`,
    };
  } finally {
    await fc.close();
  }
}

async function benchEngine(engine: "sqlite" | "postgres", port: number): Promise<Row[]> {
  const site = await startSite(engine, port, { PLUTO_OUTBOUND_ALLOW: "127.0.0.1" });
  const rows: Row[] = [];
  try {
    // (a) Returning users: each launched once before, then launched again and again.
    const { pub } = await publish(site, "Returning");
    const user = (i: number) => ({ user_id: `returning-${i % RETURNING_USERS}` });
    await launchAll(site, "(warm-up)", pub, sign(pub, user, RETURNING_USERS), "");
    rows.push(
      await launchAll(
        site,
        `${engine}: launch, returning user`,
        pub,
        sign(pub, user, RETURNING_LAUNCHES),
        `${RETURNING_USERS} users`,
      ),
    );
    // (b) New users: every launch provisions an account and enrols it.
    const fresh = await publish(site, "New users");
    rows.push(
      await launchAll(
        site,
        `${engine}: launch, new user (provision + enrol)`,
        fresh.pub,
        sign(fresh.pub, (i) => ({ user_id: `new-${i}` }), NEW_USER_LAUNCHES),
        `${NEW_USER_LAUNCHES} users`,
      ),
    );
    // Grade sync to a local fake consumer that checks every signature with oauth-1.0a.
    rows.push(await timeGradeSync(site));
  } finally {
    await site.stop();
  }
  return rows;
}

function print(rows: Row[]) {
  console.log("");
  console.log(
    `${"benchmark".padEnd(48)} ${"per s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"errors".padStart(7)}  note`,
  );
  for (const r of rows)
    console.log(
      `${r.label.padEnd(48)} ${String(r.perSecond).padStart(7)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${String(r.errors).padStart(7)}  ${r.note}`,
    );
  console.log(
    "\naim (SQLite, 2 cores, load generator beside it): returning >= 2000/s, new >= 1000/s, p99 < 25 ms; PostgreSQL >= half",
  );
  console.log("");
}

export async function run(): Promise<void> {
  const engines = await benchEngines();
  const rows: Row[] = [];
  let port = 3950;
  for (const engine of engines) rows.push(...(await benchEngine(engine, port++)));
  print(rows);
}
