// `npm run bench lti13-platform`: Pluto as an LTI 1.3 platform answering the authentication request of
// a launch (GET /lti/auth: the request's checks, the single-use message hint spent in lti_nonces, the
// id_token built and signed RS256 with a 2048-bit key, the auto-submitting form to the tool's redirect
// URI), on SQLite and PostgreSQL: at 50 connections (closed loop), then at fixed offered rates (open loop,
// --rates, default 200, 500 and 1,000/s); and id_tokens signed per second in process, for reference.
// Aim: ≥ 1,500 launches/s on SQLite on 2 cores with the load generator beside it (RS256 signing alone
// runs about 3,600/s per core). Then Assignment and Grade Services scores handled per second (POST
// {lineitem}/scores with a Bearer token, 50 connections; aim ≥ 2,000/s on SQLite): a tool registered with a
// pasted key gets a `score` token, one launch gives it the student's `sub` and the link's line item, and each
// score carries a later timestamp than the one before it.
//
// Only the authentication endpoint is timed. Each message hint is single use, so before each measurement
// the student opens the launch page (GET /mod/lti/:id/launch) once per request to come, and each login
// initiation it renders (login_hint, signed lti_message_hint) becomes one authentication request, sent
// as the tool's redirect back to Pluto sends it: a GET without Pluto's session cookie.
//
// With the closed loop, two service measures: token requests/s (POST /lti/token at 50 connections, each
// with a fresh client assertion, all signed before the timed phase: a jti is single use), and the time to
// page through a 10,000-member roster with NRPS in pages of 100 (one tool following the next links; aim
// under 2 s). The roster is seeded straight into the site's database through the services (accounts
// without passwords, manual enrolments): 10,000 accounts through the API would spend minutes hashing.

import autocannon from "autocannon";
import { decodeJwt, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { sql } from "kysely";
import { openDatabase } from "../src/db/database.js";
import { enrolUser, manualInstance } from "../src/features/enrolments/enrolments.service.js";
import { createExternalUser } from "../src/features/users/users.service.js";
import { parseLinkHeader } from "../src/lti/nrps/paging.js";
import { signIdToken } from "../src/lti/v1p3/id-token.js";
import { generatePlatformKey, importPlatformSigningKey } from "../src/lti/v1p3/keys.js";
import { iso, systemClock } from "../src/shared/clock.js";
import {
  authRequestPath,
  HintPool,
  ID_TOKEN_FORM,
  type LoginInitiation,
  loginInitiationOf,
} from "./lti13-auth.js";
import { machine } from "./machine.js";
import { openLoop, requestsNeeded } from "./open-loop.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, openLoopRow, printRows } from "./report.js";
import { benchEngines, call, cpuMs, freePort, login, type Site, startSite } from "./support.js";

const BENCH = "lti13-platform";
const MEASURE = "authentication response (GET /lti/auth)";
const CONNECTIONS = 50;
/** Authentication requests of the closed-loop measurement (about 10 s at the aim). */
const CLOSED_LAUNCHES = 15_000;
/**
 * The longest the closed-loop measurement is expected to take (125 launches/s): hints it reaches later
 * than their 5 minutes are refused, and counted as errors.
 */
const CLOSED_SECONDS_AT_MOST = 120;
/** Concurrent launch page loads while the hints are made. */
const MINT_CONCURRENCY = 20;
/** The tool's URLs: nothing listens there; the bench plays the tool's part itself. */
const TOOL = "http://127.0.0.1:9";
const REDIRECT_URI = `${TOOL}/launch`;

interface Prepared {
  activityId: number;
  cookie: string;
  courseId: number;
}

export async function prepare(site: Site): Promise<Prepared> {
  const tool = await call<{ id: number; clientId: string }>(site, "POST", "/lti/tool-types", {
    ltiVersion: "1.3",
    name: "Benchmark LTI 1.3 tool",
    toolUrl: REDIRECT_URI,
    initiateLoginUrl: `${TOOL}/login`,
    redirectUris: [REDIRECT_URI],
    publicKeysetUrl: `${TOOL}/jwks`,
    customParameters: "topic=$CourseSection.title",
  });
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "LTI 1.3 bench",
    shortname: `lti13b${Date.now()}`,
  });
  const activity = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "lti",
    name: "Benchmark tool",
    section: 1,
    settings: { toolTypeId: tool.id },
  });
  const username = "lti13.bench";
  const user = await call<{ id: number }>(site, "POST", "/users", {
    username,
    password: "bench-password",
    email: `${username}@example.org`,
    firstname: "Bench",
    lastname: "Student",
  });
  await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: user.id, role: "student" });
  return {
    activityId: activity.id,
    courseId: course.id,
    cookie: await login(site, username, "bench-password"),
  };
}

const ROSTER = 10_000;
const ROSTER_PAGE = 100;
/** The aim of the roster measure, in ms. */
const ROSTER_AIM_MS = 2000;
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

interface ServiceTool {
  clientId: string;
  sign(jti: string): Promise<string>;
}

/** A tool registered with a pasted public key, used in the bench course; signs its client assertions. */
async function serviceTool(site: Site, p: Prepared): Promise<ServiceTool> {
  const keys = await generateKeyPair("RS256", { extractable: true });
  const tool = await call<{ id: number; clientId: string }>(site, "POST", "/lti/tool-types", {
    ltiVersion: "1.3",
    name: "Benchmark service tool",
    toolUrl: REDIRECT_URI,
    initiateLoginUrl: `${TOOL}/login`,
    redirectUris: [REDIRECT_URI],
    publicKey: await exportSPKI(keys.publicKey),
  });
  await call(site, "POST", `/courses/${p.courseId}/activities`, {
    type: "lti",
    name: "Benchmark roster tool",
    section: 1,
    settings: { toolTypeId: tool.id },
  });
  return {
    clientId: tool.clientId,
    sign: (jti) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: tool.clientId,
        sub: tool.clientId,
        aud: `${site.url}/lti/token`,
        iat: now,
        exp: now + 300,
        jti,
      })
        .setProtectedHeader({ alg: "RS256", kid: "bench-1" })
        .sign(keys.privateKey);
    },
  };
}

function tokenForm(assertion: string, scope: string): string {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    scope,
  }).toString();
}

/** Token requests at 50 connections, each with its own assertion signed before the timed phase. */
async function tokenRequests(site: Site, tool: ServiceTool, count: number): Promise<BenchRow> {
  const bodies: string[] = [];
  for (let i = 0; i < count; i++)
    bodies.push(tokenForm(await tool.sign(`bench-${Date.now()}-${i}`), NRPS_SCOPE));
  let next = 0;
  let ok = 0;
  const cpuBefore = cpuMs(site.pid);
  const result = await autocannon({
    url: site.url,
    connections: CONNECTIONS,
    amount: bodies.length,
    timeout: 30,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({
          ...req,
          path: "/lti/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: bodies[next++ % bodies.length] ?? "",
        }),
        onResponse: (status, body) => {
          if (status === 200 && body.includes('"access_token"')) ok++;
        },
      },
    ],
  });
  const cpuAfter = cpuMs(site.pid);
  return {
    bench: BENCH,
    measure: "token requests (POST /lti/token)",
    engine: site.engine,
    load: `closed, ${CONNECTIONS} connections`,
    achieved: ok / (result.duration || 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: bodies.length - ok,
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? (cpuAfter - cpuBefore) / ok : undefined,
    note: `${bodies.length} assertions`,
  };
}

/** 10,000 members in the bench course, through the services on the site's database, 500 per transaction. */
async function seedRoster(site: Site, p: Prepared): Promise<void> {
  if (site.databaseUrl === undefined) throw new Error("the roster needs the site's database URL");
  const handle = openDatabase(site.databaseUrl);
  try {
    const instance = await manualInstance(handle.db, p.courseId);
    const deps = { clock: systemClock, engine: handle.engine };
    for (let from = 0; from < ROSTER; from += 500) {
      await handle.db.transaction().execute(async (trx) => {
        for (let i = from; i < Math.min(ROSTER, from + 500); i++) {
          const userId = await createExternalUser(trx, {
            username: `roster.${i}`,
            email: `roster.${i}@example.org`,
            firstname: "Roster",
            lastname: `Member ${i}`,
            profile: { country: "", city: "", timezone: "", lang: "", institution: "" },
            now: iso(new Date()),
          });
          if (userId === undefined) throw new Error(`roster.${i} exists`);
          await enrolUser(trx, deps, {
            instanceId: instance.id,
            userId,
            role: i % 50 === 0 ? "editingteacher" : "student",
            checkOpen: false,
          });
        }
      });
    }
    // The planner's statistics, as autovacuum (PostgreSQL) would have them a minute later on a live site:
    // without them PostgreSQL plans the page as if the course were empty.
    await sql`analyze`.execute(handle.db);
  } finally {
    await handle.close();
  }
}

/** One tool pages through the whole roster, following the next links, pages of 100; timed end to end. */
async function rosterPaging(site: Site, p: Prepared, tool: ServiceTool): Promise<BenchRow> {
  const res = await fetch(`${site.url}/lti/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: tokenForm(await tool.sign(`bench-roster-${Date.now()}`), NRPS_SCOPE),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  const walk = async () => {
    const times: number[] = [];
    let members = 0;
    let errors = 0;
    let next: string | undefined = `${site.url}/lti/nrps/${p.courseId}/memberships?limit=${ROSTER_PAGE}`;
    const t0 = performance.now();
    while (next !== undefined) {
      const start = performance.now();
      const page: Response = await fetch(next, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        },
      });
      const body = (await page.json()) as { members?: unknown[] };
      times.push(performance.now() - start);
      if (page.status !== 200) errors++;
      members += body.members?.length ?? 0;
      next = page.status === 200 ? parseLinkHeader(page.headers.get("link") ?? undefined).next : undefined;
    }
    return { ms: performance.now() - t0, times, members, errors };
  };
  await walk(); // warm-up: the site's caches and the database's pages
  const cpuBefore = cpuMs(site.pid);
  const run = await walk();
  const cpuAfter = cpuMs(site.pid);
  const sorted = [...run.times].sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.floor((sorted.length - 1) * q)];
  return {
    bench: BENCH,
    measure: `NRPS roster of ${ROSTER.toLocaleString("en-US")}, pages of ${ROSTER_PAGE}`,
    engine: site.engine,
    load: "one tool, sequential",
    achieved: run.times.length / (run.ms / 1000),
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: sorted.at(-1),
    // A page that failed, or members missing at the end.
    errors: run.errors + (run.members === ROSTER + 1 ? 0 : 1),
    // The server's CPU per page: what the pages cost whatever else takes the machine's cores.
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined
        ? (cpuAfter - cpuBefore) / run.times.length
        : undefined,
    note: `${Math.round(run.ms)} ms for ${run.times.length} pages (aim < ${ROSTER_AIM_MS} ms)`,
  };
}

/** `count` fresh login initiations, each from one load of the student's launch page. */
async function mintHints(site: Site, p: Prepared, count: number): Promise<HintPool> {
  const mintedAt = Date.now();
  const logins: LoginInitiation[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(MINT_CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        const res = await fetch(`${site.url}/mod/lti/${p.activityId}/launch`, {
          headers: { cookie: p.cookie },
        });
        const html = await res.text();
        if (res.status !== 200)
          throw new Error(`the launch page answered ${res.status}: ${html.slice(0, 300)}`);
        logins[i] = loginInitiationOf(html);
      }
    }),
  );
  return new HintPool(logins, mintedAt);
}

/** id_tokens built and signed per second in this process (RS256, 2048-bit key; no I/O). */
async function signingRate(): Promise<BenchRow> {
  const key = await importPlatformSigningKey(await generatePlatformKey(systemClock));
  const times: number[] = [];
  const end = Date.now() + 3000;
  let n = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    const launch = {
      issuer: "https://lms.example",
      clientId: "bench-client",
      deploymentId: "1",
      nonce: `nonce-${n}`,
      targetLinkUri: "https://tool.example/launch",
      resourceLink: { id: "42", title: "Benchmark tool" },
      user: { sub: "a1b2c3d4e5f6", name: "Bench Student", givenName: "Bench", familyName: "Student" },
      privacy: { shareName: true, shareEmail: false },
      roles: [{ kind: "context", name: "Learner" }] as const,
      context: { id: "7", label: "LTI13B", title: "LTI 1.3 bench", type: ["CourseSection"] as const },
      launchPresentation: { documentTarget: "iframe" as const, locale: "en" },
    };
    await signIdToken(launch, key, { clock: systemClock });
    times.push(performance.now() - t0);
    n++;
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((times[Math.floor((times.length - 1) * p)] ?? 0) * 1000) / 1000;
  return {
    bench: BENCH,
    measure: "id_tokens signed (RS256, 2048-bit key)",
    engine: "in process",
    load: "one loop, 3 s",
    achieved: n / 3,
    p50: pct(0.5),
    p99: pct(0.99),
    errors: 0,
  };
}

/** Every authentication request once, 50 connections at a time; each must answer the id_token form. */
async function closedLoop(site: Site, logins: LoginInitiation[]): Promise<BenchRow> {
  const paths = logins.map((l, i) => authRequestPath(l, REDIRECT_URI, i));
  let next = 0;
  let ok = 0;
  let refused = 0;
  const cpuBefore = cpuMs(site.pid);
  const result = await autocannon({
    url: site.url,
    connections: CONNECTIONS,
    amount: paths.length,
    timeout: 30,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] ?? "/" }),
        onResponse: (status, body) => {
          if (status === 200 && ID_TOKEN_FORM.test(body)) ok++;
          else if (status === 200) refused++;
        },
      },
    ],
  });
  const cpuAfter = cpuMs(site.pid);
  return {
    bench: BENCH,
    measure: MEASURE,
    engine: site.engine,
    load: `closed, ${CONNECTIONS} connections`,
    achieved: ok / (result.duration || 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    // Refusals posted to the tool (200 without an id_token), other statuses, and timeouts.
    errors: refused + result.non2xx + result.errors,
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? (cpuAfter - cpuBefore) / ok : undefined,
    note: `${paths.length} launches`,
  };
}

async function openLoopAt(site: Site, p: Prepared, rate: number, options: BenchOptions): Promise<BenchRow> {
  const count = requestsNeeded(rate, options.seconds, options.warmupSeconds);
  const logins = (await mintHints(site, p, count)).take(count, options.warmupSeconds + options.seconds);
  const result = await openLoop({
    url: site.url,
    rate,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    requests: logins.map((l, i) => ({ method: "GET", path: authRequestPath(l, REDIRECT_URI, i) })),
    expect: (status) => status === 200,
    expectBody: ID_TOKEN_FORM,
    pid: site.pid,
  });
  return openLoopRow(BENCH, MEASURE, site.engine, result);
}

/** The service measures (closed loop): token requests/s, then the 10,000-member roster paged through. */
export async function serviceMeasures(site: Site, p: Prepared, options: BenchOptions): Promise<BenchRow[]> {
  const tool = await serviceTool(site, p);
  const tokens = await tokenRequests(site, tool, Math.min(5000, Math.max(500, options.seconds * 500)));
  await seedRoster(site, p);
  return [tokens, await rosterPaging(site, p, tool)];
}

const SCORES_MEASURE = "scores handled (POST {lineitem}/scores)";

/** A tool with a pasted key, its `score` token, the student's `sub` and the line item from one launch. */
async function prepareScores(site: Site): Promise<{ token: string; sub: string; scoresPath: string }> {
  const keys = await generateKeyPair("RS256", { extractable: true });
  const tool = await call<{ id: number; clientId: string }>(site, "POST", "/lti/tool-types", {
    ltiVersion: "1.3",
    name: "Benchmark AGS tool",
    toolUrl: REDIRECT_URI,
    initiateLoginUrl: `${TOOL}/login`,
    redirectUris: [REDIRECT_URI],
    publicKey: await exportSPKI(keys.publicKey),
  });
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "AGS bench",
    shortname: `agsb${Date.now()}`,
  });
  const activity = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
    type: "lti",
    name: "Graded tool",
    section: 1,
    settings: { toolTypeId: tool.id },
  });
  const username = "ags.bench";
  const user = await call<{ id: number }>(site, "POST", "/users", {
    username,
    password: "bench-password",
    email: `${username}@example.org`,
    firstname: "Bench",
    lastname: "Graded",
  });
  await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: user.id, role: "student" });
  const cookie = await login(site, username, "bench-password");
  const page = await fetch(`${site.url}/mod/lti/${activity.id}/launch`, { headers: { cookie } });
  const auth = await fetch(
    `${site.url}${authRequestPath(loginInitiationOf(await page.text()), REDIRECT_URI, 0)}`,
  );
  const idToken = /name="id_token" value="([^"]+)"/.exec(await auth.text())?.[1];
  if (!idToken) throw new Error("the launch gave no id_token");
  const claims = decodeJwt(idToken);
  const ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] as
    | { lineitem?: string }
    | undefined;
  if (!ags?.lineitem || typeof claims.sub !== "string") throw new Error("the launch gave no AGS line item");
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({
    iss: tool.clientId,
    sub: tool.clientId,
    aud: `${site.url}/lti/token`,
    iat: now,
    exp: now + 60,
    jti: `bench-${now}`,
  })
    .setProtectedHeader({ alg: "RS256", kid: "bench" })
    .sign(keys.privateKey);
  const res = await fetch(`${site.url}/lti/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
      scope: "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    }),
  });
  const token = ((await res.json()) as { access_token?: string }).access_token;
  if (res.status !== 200 || !token) throw new Error(`the token endpoint answered ${res.status}`);
  return { token, sub: claims.sub, scoresPath: `${new URL(ags.lineitem).pathname}/scores` };
}

/**
 * Scores posted 50 connections at a time, each with a timestamp a millisecond later than the previous one.
 * Handled = applied (204) or, when two connections' scores arrive out of order, refused as stale (409): both
 * are the answer the platform owes; anything else is an error.
 */
async function scoresRate(site: Site, options: BenchOptions): Promise<BenchRow> {
  const p = await prepareScores(site);
  const amount = Math.max(1000, Math.round(2000 * options.seconds));
  const base = Date.parse("2026-01-01T00:00:00.000Z");
  let n = 0;
  let applied = 0;
  let stale = 0;
  const cpuBefore = cpuMs(site.pid);
  const result = await autocannon({
    url: site.url,
    connections: CONNECTIONS,
    amount,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: p.scoresPath,
        headers: {
          authorization: `Bearer ${p.token}`,
          "content-type": "application/vnd.ims.lis.v1.score+json",
        },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            userId: p.sub,
            scoreGiven: n % 11,
            scoreMaximum: 10,
            timestamp: new Date(base + n++).toISOString(),
            activityProgress: "Completed",
            gradingProgress: "FullyGraded",
          }),
        }),
        onResponse: (status) => {
          if (status === 204) applied++;
          else if (status === 409) stale++;
        },
      },
    ],
  });
  const cpuAfter = cpuMs(site.pid);
  const handled = applied + stale;
  return {
    bench: BENCH,
    measure: SCORES_MEASURE,
    engine: site.engine,
    load: `closed, ${CONNECTIONS} connections`,
    achieved: handled / (result.duration || 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx - stale + result.errors,
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && handled > 0
        ? (cpuAfter - cpuBefore) / handled
        : undefined,
    note: `${amount} scores, ${stale} stale`,
  };
}

export async function run(options: BenchOptions): Promise<void> {
  const m = machine();
  const rows: BenchRow[] = [];
  if (options.closed) rows.push(await signingRate());
  for (const engine of await benchEngines(options.engines)) {
    const site = await startSite(engine, await freePort());
    try {
      const p = await prepare(site);
      if (options.closed) {
        const pool = await mintHints(site, p, CLOSED_LAUNCHES);
        rows.push(await closedLoop(site, pool.take(CLOSED_LAUNCHES, CLOSED_SECONDS_AT_MOST)));
        rows.push(...(await serviceMeasures(site, p, options)));
        rows.push(await scoresRate(site, options));
      }
      if (options.open) for (const rate of options.rates) rows.push(await openLoopAt(site, p, rate, options));
    } finally {
      await site.stop();
    }
  }
  printRows(rows, m, options.markdown, [
    "",
    "only the authentication request is timed: each message hint is single use, and each was made before",
    "the measurement by one load of the launch page (GET /mod/lti/:id/launch, the login initiation);",
    "errors: answers without an id_token (refusals posted to the tool, other statuses) and requests without one",
    "aim (SQLite, 2 cores, load generator beside it): >= 1500 launches/s",
    "token requests: each with its own client assertion, signed before the timed phase (a jti is single use)",
    `NRPS roster: achieved = pages/s of one tool following the next links, after one warm-up pass; aim < ${ROSTER_AIM_MS} ms in all`,
    "scores: handled = applied (204) or refused as stale when two arrive out of order (409); aim >= 2000/s on SQLite",
  ]);
}
