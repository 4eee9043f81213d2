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
import autocannon from "autocannon";
import { decodeJwt, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { signIdToken } from "../src/lti/v1p3/id-token.js";
import { generatePlatformKey, importPlatformSigningKey } from "../src/lti/v1p3/keys.js";
import { systemClock } from "../src/shared/clock.js";
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
}

async function prepare(site: Site): Promise<Prepared> {
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
  return { activityId: activity.id, cookie: await login(site, username, "bench-password") };
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
    "scores: handled = applied (204) or refused as stale when two arrive out of order (409); aim >= 2000/s on SQLite",
  ]);
}
