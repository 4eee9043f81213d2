// `npm run bench lti-consumer`: signed launches generated per second (in process, and as the launch page a
// learner's browser loads) and Basic Outcomes replaceResult requests handled per second, on SQLite and
// PostgreSQL, at 50 connections (closed loop); then replaceResult at fixed offered rates (open loop,
// --rates, default 200, 500 and 1,000/s), each message signed before the run.
// Aim (issue 4): ≥ 1,500 replaceResult/s on SQLite on 2 cores.
import { buildLaunchParams } from "../src/lti/v1p1/launch.js";
import { signRequest } from "../src/lti/v1p1/oauth.js";
import { signBodyHashRequest } from "../src/lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest } from "../src/lti/v1p1/outcomes.js";
import { machine } from "./machine.js";
import { type OpenLoopRequest, openLoop, requestsNeeded } from "./open-loop.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, openLoopRow, printRows } from "./report.js";
import { benchEngines, call, closedLoop, freePort, login, type Site, startSite } from "./support.js";

const KEY = "bench-key";
const SECRET = "bench-secret";
const STUDENTS = 20;

interface Prepared {
  activityId: number;
  cookie: string;
  outcomeUrl: string;
  sourcedIds: string[];
}

function launchFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)) {
    out[m[1] ?? ""] = (m[2] ?? "").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  }
  return out;
}

async function prepare(site: Site): Promise<Prepared> {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "LTI bench",
    shortname: `ltib${Date.now()}`,
  });
  const activity = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "lti",
    name: "Benchmark tool",
    section: 1,
    settings: {
      toolUrl: "http://127.0.0.1:9/launch",
      consumerKey: KEY,
      sharedSecret: SECRET,
      maxGrade: 100,
      customParameters: "course=$Context.title",
    },
  });
  const sourcedIds: string[] = [];
  let cookie = "";
  let outcomeUrl = "";
  for (let i = 0; i < STUDENTS; i++) {
    const username = `lti.bench${i}`;
    const u = await call<{ id: number }>(site, "POST", "/users", {
      username,
      password: "bench-password",
      email: `${username}@example.org`,
      firstname: "Bench",
      lastname: String(i),
    });
    await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: u.id, role: "student" });
    const c = await login(site, username, "bench-password");
    const res = await fetch(`${site.url}/mod/lti/${activity.id}/launch`, { headers: { cookie: c } });
    const f = launchFields(await res.text());
    if (!f.lis_result_sourcedid || !f.lis_outcome_service_url)
      throw new Error(`no sourcedid in the launch (${res.status})`);
    sourcedIds.push(f.lis_result_sourcedid);
    outcomeUrl = f.lis_outcome_service_url;
    cookie = c;
  }
  return { activityId: activity.id, cookie, outcomeUrl, sourcedIds };
}

/** Launch parameter sets built and signed per second in this process (no I/O). */
function signingRate(): BenchRow {
  const times: number[] = [];
  const end = Date.now() + 3000;
  let n = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    const params = buildLaunchParams({
      resourceLink: { id: "42", title: "Benchmark tool" },
      user: {
        id: `user${n}`,
        roles: "Learner,urn:lti:role:ims/lis/Learner",
        givenName: "Bench",
        familyName: "User",
        email: "b@example.org",
      },
      context: { id: "7", title: "LTI bench", label: "LTIB" },
      outcome: { serviceUrl: "https://lms.example/lti/outcomes", sourcedId: `42:${n}:mac` },
      memberships: { url: "https://lms.example/lti/memberships", id: "42:mac" },
      presentation: {
        locale: "en",
        documentTarget: "iframe",
        returnUrl: "https://lms.example/mod/lti/42/return",
      },
      toolConsumer: {
        instanceGuid: "lms.example",
        instanceName: "Pluto LMS",
        productFamilyCode: "pluto",
        version: "0.1.0",
      },
      custom: { course: "$Context.title" },
    });
    signRequest(params, "https://tool.example/launch", "POST", KEY, SECRET);
    times.push(performance.now() - t0);
    n++;
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((times[Math.floor((times.length - 1) * p)] ?? 0) * 1000) / 1000;
  return {
    bench: "lti-consumer",
    measure: "signed launches generated (buildLaunchParams + signRequest)",
    engine: "in process",
    load: "one loop, 3 s",
    achieved: n / 3,
    p50: pct(0.5),
    p99: pct(0.99),
    errors: 0,
  };
}

/** A replaceResult message for one of the students, signed now (each signature has its own nonce). */
function replaceResult(p: Prepared, i: number): { body: string; authorization: string } {
  const body = buildReplaceResultRequest({
    sourcedId: p.sourcedIds[i % p.sourcedIds.length] ?? "",
    score: (i % 100) / 100,
  });
  const { authorization } = signBodyHashRequest({
    url: p.outcomeUrl,
    body,
    consumerKey: KEY,
    secret: SECRET,
  });
  return { body, authorization };
}

export async function run(options: BenchOptions): Promise<void> {
  const m = machine();
  const rows: BenchRow[] = [];
  if (options.closed) rows.push(signingRate());
  const engines = await benchEngines(options.engines);
  for (const engine of engines) {
    const site = await startSite(engine, await freePort());
    try {
      const p = await prepare(site);
      if (options.closed) {
        rows.push(
          await closedLoop(site, "lti-consumer", "signed launch page (GET /mod/lti/:id/launch)", {
            url: `${site.url}/mod/lti/${p.activityId}/launch`,
            headers: { cookie: p.cookie },
          }),
        );
        let i = 0;
        rows.push(
          await closedLoop(site, "lti-consumer", "replaceResult (POST /lti/outcomes)", {
            url: site.url,
            requests: [
              {
                method: "POST",
                path: "/lti/outcomes",
                setupRequest: (req) => {
                  const { body, authorization } = replaceResult(p, i++);
                  return { ...req, body, headers: { "content-type": "application/xml", authorization } };
                },
              },
            ],
          }),
        );
      }
      if (options.open) {
        for (const rate of options.rates) {
          const count = requestsNeeded(rate, options.seconds, options.warmupSeconds);
          const requests: OpenLoopRequest[] = Array.from({ length: count }, (_, i) => {
            const { body, authorization } = replaceResult(p, i);
            return {
              method: "POST",
              path: "/lti/outcomes",
              headers: { "content-type": "application/xml", authorization },
              body,
            };
          });
          const result = await openLoop({
            url: site.url,
            rate,
            seconds: options.seconds,
            warmupSeconds: options.warmupSeconds,
            requests,
            expectBody: /<imsx_codeMajor>success<\/imsx_codeMajor>/,
            pid: site.pid,
          });
          rows.push(openLoopRow("lti-consumer", "replaceResult (POST /lti/outcomes)", engine, result));
        }
      }
    } finally {
      await site.stop();
    }
  }
  printRows(rows, m, options.markdown);
}
