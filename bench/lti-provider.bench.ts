// `npm run bench lti-provider`: LTI 1.1 launches into a published course at 50 concurrent clients —
// (a) returning users, (b) new users (provision + enrol) — and the time to send grade sync for 5,000
// users to a local fake consumer, on SQLite and PostgreSQL; then both kinds of launch at fixed offered
// rates (open loop, --rates, default 200, 500 and 1,000/s).
// Aim (issue 3), SQLite on 2 cores: ≥ 2,000 returning and ≥ 1,000 new-user launches/s, p99 < 25 ms;
// PostgreSQL at least half. Aim (issue 11): p99 under 10 ms at 500 launches/s offered, on SQLite.
// Launch bodies are signed beforehand with oauth-1.0a (the independent signer of the tests), each with
// its own nonce, and sent well within the 300 s timestamp window.
// `lti13-tool` measures its returning-user launches beside LTI 1.3 ones with publish, sign and launchAll.
import autocannon from "autocannon";
import { baseLaunch, signLaunch, startFakeConsumer } from "../test/support/lti11-consumer.js";
import { machine } from "./machine.js";
import { openLoop, requestsNeeded } from "./open-loop.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, openLoopRow, printRows } from "./report.js";
import { benchEngines, call, cpuMs, freePort, type Site, startSite } from "./support.js";

const CONNECTIONS = 50;
const RETURNING_USERS = 500;
const RETURNING_LAUNCHES = 30_000;
const NEW_USER_LAUNCHES = 15_000;
const GRADE_SYNC_USERS = 5_000;

export interface Published {
  id: number;
  launchUrl: string;
  secret: string;
}

export async function publish(site: Site, name: string) {
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
    ltiVersion: "1.1",
    name: `${name} consumer`,
  });
  return { courseId: course.id, quizId: quiz.id, pub };
}

let nonceSeq = 0;
/** Signed form bodies, one per launch, each with a fresh nonce. */
export function sign(pub: Published, users: (i: number) => Record<string, string>, count: number): string[] {
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
export async function launchAll(
  site: Site,
  what: string,
  pub: Published,
  bodies: string[],
  note: string,
): Promise<BenchRow> {
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
  return {
    bench: "lti-provider",
    measure: what,
    engine: site.engine,
    load: `closed, ${CONNECTIONS} connections`,
    achieved: ok / (result.duration || 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: errors + result.errors, // errors include timeouts
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? (cpuAfter - cpuBefore) / ok : undefined,
    note,
  };
}

/** Launches at a fixed offered rate, each body signed before the run. */
async function launchAtRate(
  site: Site,
  what: string,
  pub: Published,
  users: (i: number) => Record<string, string>,
  rate: number,
  options: BenchOptions,
): Promise<BenchRow> {
  const url = new URL(pub.launchUrl);
  const bodies = sign(pub, users, requestsNeeded(rate, options.seconds, options.warmupSeconds));
  const result = await openLoop({
    url: url.origin,
    rate,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    requests: bodies.map((body) => ({
      method: "POST",
      path: url.pathname,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    })),
    expect: (status) => status === 303,
    pid: site.pid,
  });
  return openLoopRow("lti-provider", what, site.engine, result);
}

/** Grade sync of 5,000 launched users, timed as the scheduled task run ("run now") that sends them all. */
async function timeGradeSync(site: Site): Promise<BenchRow> {
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
      bench: "lti-provider",
      measure: `grade sync, ${ids.length} users, to a local consumer`,
      engine: site.engine,
      load: `one task run, ${seconds.toFixed(2)} s`,
      achieved: valid / seconds,
      errors: ids.length - valid,
      note: `task ${run.status}: ${run.message}`,
    };
  } finally {
    await fc.close();
  }
}

async function benchEngine(engine: "sqlite" | "postgres", options: BenchOptions): Promise<BenchRow[]> {
  const site = await startSite(engine, await freePort(), { PLUTO_OUTBOUND_ALLOW: "127.0.0.1" });
  const rows: BenchRow[] = [];
  try {
    // (a) Returning users: each launched once before, then launched again and again.
    const { pub } = await publish(site, "Returning");
    const returning = (i: number) => ({ user_id: `returning-${i % RETURNING_USERS}` });
    await launchAll(site, "(warm-up)", pub, sign(pub, returning, RETURNING_USERS), "");
    // (b) New users: every launch provisions an account and enrols it.
    const fresh = await publish(site, "New users");
    if (options.closed) {
      rows.push(
        await launchAll(
          site,
          "launch, returning user",
          pub,
          sign(pub, returning, RETURNING_LAUNCHES),
          `${RETURNING_USERS} users`,
        ),
      );
      rows.push(
        await launchAll(
          site,
          "launch, new user (provision + enrol)",
          fresh.pub,
          sign(fresh.pub, (i) => ({ user_id: `new-${i}` }), NEW_USER_LAUNCHES),
          `${NEW_USER_LAUNCHES} users`,
        ),
      );
    }
    if (options.open) {
      for (const rate of options.rates) {
        rows.push(await launchAtRate(site, "launch, returning user", pub, returning, rate, options));
        const newUser = (i: number) => ({ user_id: `new-at-${rate}-${i}` });
        rows.push(
          await launchAtRate(site, "launch, new user (provision + enrol)", fresh.pub, newUser, rate, options),
        );
      }
    }
    // Grade sync to a local fake consumer that checks every signature with oauth-1.0a.
    if (options.closed) rows.push(await timeGradeSync(site));
  } finally {
    await site.stop();
  }
  return rows;
}

export async function run(options: BenchOptions): Promise<void> {
  const m = machine();
  const rows: BenchRow[] = [];
  for (const engine of await benchEngines(options.engines))
    rows.push(...(await benchEngine(engine, options)));
  printRows(rows, m, options.markdown, [
    "",
    "aim (SQLite, 2 cores, load generator beside it): closed loop: returning >= 2000/s, new >= 1000/s, p99 < 25 ms;",
    "PostgreSQL >= half; open loop: p99 < 10 ms at 500 launches/s",
  ]);
}
