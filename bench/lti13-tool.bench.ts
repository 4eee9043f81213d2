// `npm run bench lti13-tool`: Pluto as an LTI 1.3 (LTI Advantage) tool, launched from a platform the bench
// plays itself, on SQLite and PostgreSQL. A launch is the whole exchange a platform and a browser make: the
// login initiation (GET /lti/tool/login: the Active platforms of the issuer, the login binding written, a
// 302 to the platform's authentication endpoint with state and nonce, and the state cookie), then the
// id_token signed RS256 by the bench platform's 2048-bit key with that nonce, posted with the state and the
// cookie to POST /lti/tool/launch (the JWT verified against the platform's JWKS, the LTI claims, the
// publication the custom `id` selects, provisioning, enrolment, the session and the hand-off). A launch
// counts only when it ends in the 303 to /enrol/lti/continue/. (a) Returning users: 500 subs launched once
// before, then again and again; (b) new users: every launch provisions an account and enrols it. At 50
// concurrent launches (closed loop, for --duration seconds), then at fixed offered rates (open loop,
// --rates, default 200, 500 and 1,000 launches/s), with the server's CPU per launch.
// Beside them, on the same site: LTI 1.1 returning-user launches at 50 connections, measured as
// `lti-provider` measures them, so that the aim of issue 14 can be read off the run: returning-user 1.3
// launches at least 80 % of the 1.1 rate on SQLite.
//
// The nonce comes from the login's answer, so an id_token cannot be signed before the run: the bench signs
// each one when its login has answered, with jose (WebCrypto, on the libuv thread pool), in this process.
// That signing is the platform's work, not Pluto's, but it takes the same cores: each launch row's note
// gives the bench process's own CPU per launch, and (closed loop) an in-process row gives the rate of
// id_tokens jose signs alone. The JWKS is served by a small http server on loopback, registered with the
// platform as an Active platform through `/api/v1/lti/platforms`; the publications are made with
// "ltiVersion": "1.3" through the enrol-methods API.
// Closed loop only, last on each site: AGS grade sync of 5,000 users (BENCH_AGS_USERS) launched from a second,
// AGS-serving platform, timed as one run of the grade-sync task (bench/lti13-ags-sync.ts).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { launchAll, publish, sign } from "./lti-provider.bench.js";
import { agsUsers, type LaunchingPlatform, timeAgsGradeSync } from "./lti13-ags-sync.js";
import { machine } from "./machine.js";
import { distribution, dueAt, type OpenLoopResult, openLoopResult, plan } from "./open-loop.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, openLoopRow, printRows } from "./report.js";
import { benchEngines, call, cpuMs, freePort, type Site, startSite } from "./support.js";

const BENCH = "lti13-tool";
const CONNECTIONS = 50;
const RETURNING_USERS = 500;
/** LTI 1.1 bodies signed per --duration second for the comparison (more than 2 cores answer). */
const LTI11_PER_SECOND = 3000;
/** How long an open-loop run waits for its last launches after the last one started, ms. */
const DRAIN_MS = 10_000;
/** A request unanswered this long is an error (autocannon's timeout in the other benches). */
const REQUEST_TIMEOUT_MS = 30_000;
const CLIENT_ID = "pluto-bench-tool";
const DEPLOYMENT = "bench-deployment-1";
const KID = "bench-platform-1";
const LTI = "https://purl.imsglobal.org/spec/lti/claim/";
const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
const OK = "303 to /enrol/lti/continue/";
const RETURNING = "LTI 1.3 launch, returning user";
const NEW_USER = "LTI 1.3 launch, new user (provision + enrol)";

/** The bench's platform: its RS256 key, and its JWKS served on loopback for Pluto to fetch. */
interface Platform extends LaunchingPlatform {
  close(): Promise<void>;
}

async function startPlatform(): Promise<Platform> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: "RS256", use: "sig" };
  const jwks = JSON.stringify({ keys: [jwk] });
  const server = http.createServer((req, res) => {
    if (req.url === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(jwks);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" }).sign(privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A course published with "ltiVersion": "1.3": its launch URL and the `id` its launches carry. */
interface Publication {
  launchUrl: string;
  uuid: string;
}

async function registerPlatform(site: Site, platform: Platform): Promise<void> {
  const p = await call<{ status: string; missing: string[] }>(site, "POST", "/lti/platforms", {
    name: "Benchmark platform",
    issuer: platform.issuer,
    clientId: CLIENT_ID,
    authenticationRequestUrl: `${platform.issuer}/auth`,
    accessTokenUrl: `${platform.issuer}/token`,
    publicKeysetUrl: `${platform.issuer}/jwks`,
    deploymentIds: [DEPLOYMENT],
  });
  if (p.status !== "active") throw new Error(`the platform is ${p.status}, missing ${p.missing.join(", ")}`);
}

async function publish13(site: Site, name: string): Promise<Publication> {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: name,
    shortname: `${name.replace(/\W/g, "")}${Date.now()}`,
  });
  const pub = await call<{ launchUrl: string; customParameters: { id: string } }>(
    site,
    "POST",
    `/courses/${course.id}/enrol-methods`,
    { method: "lti", ltiVersion: "1.3", name: `${name} platform` },
  );
  return { launchUrl: pub.launchUrl, uuid: pub.customParameters.id };
}

interface Answer {
  status: number;
  location: string;
  setCookie: string[];
}

/** The bench process's own CPU time so far (user + system), ms. */
const clientCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Launches of one site and platform: each `launch(sub)` resolves to OK or what went wrong. */
class Launcher {
  private readonly target: URL;
  constructor(
    site: Site,
    private readonly platform: LaunchingPlatform,
    private readonly agent: http.Agent,
  ) {
    this.target = new URL(site.url);
  }

  private send(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<Answer>((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          method,
          path,
          headers: payload ? { ...headers, "content-length": payload.length } : headers,
        },
        (res) => {
          res.on("error", reject);
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              location: String(res.headers.location ?? ""),
              setCookie: res.headers["set-cookie"] ?? [],
            }),
          );
          res.resume();
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(Object.assign(new Error("no answer"), { code: "timeout" })),
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /**
   * One launch of `pub` by `sub`: login initiation, id_token signed with the login's nonce (with `claims`
   * added), launch.
   */
  async launch(pub: Publication, sub: string, claims: Record<string, unknown> = {}): Promise<string> {
    try {
      const q = new URLSearchParams({
        iss: this.platform.issuer,
        login_hint: sub,
        target_link_uri: pub.launchUrl,
        client_id: CLIENT_ID,
        lti_deployment_id: DEPLOYMENT,
      });
      const login = await this.send("GET", `/lti/tool/login?${q}`, {});
      if (login.status !== 302) return `login ${login.status}`;
      const auth = new URL(login.location);
      const state = auth.searchParams.get("state") ?? "";
      const nonce = auth.searchParams.get("nonce") ?? "";
      const cookie = login.setCookie.find((c) => c.startsWith("lti1p3_state_"))?.split(";")[0];
      if (!state || !nonce || !cookie) return "login 302 without state, nonce or cookie";
      const now = Math.floor(Date.now() / 1000);
      const idToken = await this.platform.sign({
        iss: this.platform.issuer,
        aud: CLIENT_ID,
        sub,
        iat: now,
        exp: now + 300,
        nonce,
        name: `Bench ${sub}`,
        given_name: "Bench",
        family_name: sub,
        email: `${sub}@platform.example`,
        [`${LTI}message_type`]: "LtiResourceLinkRequest",
        [`${LTI}version`]: "1.3.0",
        [`${LTI}deployment_id`]: DEPLOYMENT,
        [`${LTI}target_link_uri`]: pub.launchUrl,
        [`${LTI}resource_link`]: { id: `rl-${pub.uuid}`, title: "Benchmark course" },
        [`${LTI}roles`]: [LEARNER],
        [`${LTI}context`]: { id: `ctx-${pub.uuid}`, title: "Benchmark course" },
        [`${LTI}custom`]: { id: pub.uuid },
        [`${LTI}launch_presentation`]: { document_target: "iframe" },
        ...claims,
      });
      const launch = await this.send(
        "POST",
        "/lti/tool/launch",
        { "content-type": "application/x-www-form-urlencoded", cookie },
        new URLSearchParams({ id_token: idToken, state }).toString(),
      );
      if (launch.status === 303 && launch.location.startsWith("/enrol/lti/continue/")) return OK;
      return `launch ${launch.status}${launch.status === 303 ? ` to ${launch.location}` : ""}`;
    } catch (err) {
      return `error ${(err as { code?: string }).code ?? (err as Error).message}`;
    }
  }
}

const countOf = (statuses: Record<string, number>, keep: (s: string) => boolean) =>
  Object.entries(statuses)
    .filter(([s]) => keep(s))
    .map(([s, n]) => `${s}×${n}`)
    .join(", ");

const perLaunch = (before: number | undefined, after: number | undefined, n: number) =>
  before !== undefined && after !== undefined && n > 0 ? (after - before) / n : undefined;

/** The bench process's CPU per launch, for the note. */
const clientNote = (ms: number | undefined) =>
  ms === undefined ? "" : `bench platform and client CPU ${ms.toFixed(2)} ms/launch`;

/** 50 launches always in flight for `seconds`, each by `subOf(i)`; latency from login to the last answer. */
async function closedLaunches(
  site: Site,
  platform: Platform,
  measure: string,
  pub: Publication,
  subOf: (i: number) => string,
  seconds: number,
  note: string,
): Promise<BenchRow> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
  const launcher = new Launcher(site, platform, agent);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const serverBefore = cpuMs(site.pid);
  const clientBefore = clientCpuMs();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const outcome = await launcher.launch(pub, subOf(next++));
        latencies.push(performance.now() - t0);
        statuses[outcome] = (statuses[outcome] ?? 0) + 1;
        if (outcome === OK) ok++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const serverAfter = cpuMs(site.pid);
  const clientAfter = clientCpuMs();
  agent.destroy();
  const d = distribution(latencies);
  const errors = latencies.length - ok;
  const notes = [`${latencies.length} launches`, note, clientNote(perLaunch(clientBefore, clientAfter, ok))];
  if (errors > 0) notes.push(`errors: ${countOf(statuses, (s) => s !== OK)}`);
  return {
    bench: BENCH,
    measure,
    engine: site.engine,
    load: `closed, ${CONNECTIONS} connections`,
    achieved: ok / elapsed,
    ...d,
    errors,
    cpuMsPerRequest: perLaunch(serverBefore, serverAfter, ok),
    note: notes.filter(Boolean).join("; "),
  };
}

/**
 * Launches started on a fixed schedule (bench/open-loop.ts's plan), `rate` per second, whatever the answers
 * do; each is timed from when it was due to its last answer. Unfinished after the drain time: unanswered.
 */
async function openLaunches(
  site: Site,
  platform: Platform,
  pub: Publication,
  subOf: (i: number) => string,
  rate: number,
  options: BenchOptions,
): Promise<{ result: OpenLoopResult; clientMsPerLaunch: number | undefined }> {
  const p = plan(rate, options.seconds, options.warmupSeconds);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 900, maxFreeSockets: 900 });
  const launcher = new Launcher(site, platform, agent);
  const latency = new Float64Array(p.measured);
  const lag = new Float64Array(p.measured);
  const statuses: Record<string, number> = {};
  const pending = new Map<number, number>(); // measured launch → its due time
  let ok = 0;
  let unexpected = 0;
  let failed = 0;
  let lastAnswer = 0;
  let serverBefore: number | undefined;
  let clientBefore = 0;
  const start = performance.now() + 20;
  const windowStart = start + dueAt(p, p.warmup);
  const isFailure = (s: string) => s === "unanswered" || s.startsWith("error ");
  const record = (m: number, due: number, outcome: string) => {
    if (!pending.delete(m)) return; // already counted as unanswered
    const now = performance.now();
    latency[m] = now - due;
    statuses[outcome] = (statuses[outcome] ?? 0) + 1;
    if (outcome === OK) {
      ok++;
      lastAnswer = Math.max(lastAnswer, now);
    } else if (isFailure(outcome)) failed++;
    else unexpected++;
  };
  const inFlight = new Set<Promise<void>>();
  await new Promise<void>((allStarted) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < p.total && start + dueAt(p, i) <= now) {
        const due = start + dueAt(p, i);
        if (i === p.warmup) {
          serverBefore = cpuMs(site.pid);
          clientBefore = clientCpuMs();
        }
        const m = i - p.warmup;
        if (m >= 0) {
          lag[m] = performance.now() - due;
          pending.set(m, due);
        }
        const run = launcher.launch(pub, subOf(i)).then((outcome) => {
          if (m >= 0) record(m, due, outcome);
        });
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
        i++;
      }
      if (i < p.total) setTimeout(tick, Math.max(0, start + dueAt(p, i) - performance.now()));
      else allStarted();
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  let drain: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([...inFlight]),
    new Promise<void>((r) => {
      drain = setTimeout(r, DRAIN_MS);
    }),
  ]);
  clearTimeout(drain);
  for (const [m, due] of [...pending]) {
    pending.delete(m);
    latency[m] = performance.now() - due;
    statuses.unanswered = (statuses.unanswered ?? 0) + 1;
    failed++;
  }
  const serverAfter = cpuMs(site.pid);
  const clientAfter = clientCpuMs();
  agent.destroy();
  return {
    result: openLoopResult({
      rate,
      seconds: options.seconds,
      measured: p.measured,
      counts: { ok, unexpected, failed },
      statuses,
      latency,
      lag,
      window: { start: windowStart, lastAnswer },
      cpuMsPerRequest: perLaunch(serverBefore, serverAfter, ok),
    }),
    clientMsPerLaunch: perLaunch(clientBefore, clientAfter, ok),
  };
}

async function launchesAtRate(
  site: Site,
  platform: Platform,
  measure: string,
  pub: Publication,
  subOf: (i: number) => string,
  rate: number,
  options: BenchOptions,
): Promise<BenchRow> {
  const { result, clientMsPerLaunch } = await openLaunches(site, platform, pub, subOf, rate, options);
  const row = openLoopRow(BENCH, measure, site.engine, result);
  const note = [row.note, clientNote(clientMsPerLaunch)].filter(Boolean).join("; ");
  return { ...row, ...(note ? { note } : {}) };
}

/** id_tokens the bench platform signs per second with jose alone (RS256, 2048-bit key), one at a time. */
async function signingRate(platform: Platform, seconds: number): Promise<BenchRow> {
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  const cpuBefore = clientCpuMs();
  while (performance.now() < end) {
    const t0 = performance.now();
    const now = Math.floor(Date.now() / 1000);
    await platform.sign({ iss: platform.issuer, aud: CLIENT_ID, sub: "s", iat: now, exp: now + 300 });
    times.push(performance.now() - t0);
  }
  const cpu = clientCpuMs() - cpuBefore;
  return {
    bench: BENCH,
    measure: "id_tokens the bench platform signs (jose RS256, 2048-bit)",
    engine: "in process",
    load: `one loop, ${seconds} s`,
    achieved: times.length / seconds,
    ...distribution(times),
    errors: 0,
    note: `bench process CPU ${(cpu / times.length).toFixed(2)} ms/token`,
  };
}

async function benchEngine(
  engine: "sqlite" | "postgres",
  platform: Platform,
  options: BenchOptions,
  gradedUsers: number,
): Promise<BenchRow[]> {
  const site = await startSite(engine, await freePort(), { PLUTO_OUTBOUND_ALLOW: "127.0.0.1" });
  const rows: BenchRow[] = [];
  try {
    // The 1.1 publication first: its version is explicit, but it needs no platform either way.
    const legacy = options.closed ? await publish(site, "Legacy returning") : undefined;
    await registerPlatform(site, platform);
    const returning = await publish13(site, "Returning");
    const fresh = await publish13(site, "New users");
    const returningSub = (i: number) => `returning-${i % RETURNING_USERS}`;
    // Each returning user launches once before any measurement (provisioned and enrolled then).
    const warmUp = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const launcher = new Launcher(site, platform, warmUp);
    for (let i = 0; i < RETURNING_USERS; i += CONNECTIONS) {
      const outcomes = await Promise.all(
        Array.from({ length: CONNECTIONS }, (_, k) => launcher.launch(returning, returningSub(i + k))),
      );
      const bad = outcomes.find((o) => o !== OK);
      if (bad !== undefined) throw new Error(`a warm-up launch failed: ${bad}`);
    }
    warmUp.destroy();
    if (options.closed && legacy) {
      const legacySub = (i: number) => ({ user_id: `returning-${i % RETURNING_USERS}` });
      await launchAll(site, "(warm-up)", legacy.pub, sign(legacy.pub, legacySub, RETURNING_USERS), "");
      const bodies = sign(legacy.pub, legacySub, Math.round(LTI11_PER_SECOND * options.seconds));
      rows.push(
        await launchAll(
          site,
          "LTI 1.1 launch, returning user (beside 1.3)",
          legacy.pub,
          bodies,
          `${bodies.length} launches, ${RETURNING_USERS} users`,
        ),
      );
      rows.push(
        await closedLaunches(
          site,
          platform,
          RETURNING,
          returning,
          returningSub,
          options.seconds,
          `${RETURNING_USERS} users`,
        ),
      );
      rows.push(
        await closedLaunches(site, platform, NEW_USER, fresh, (i) => `new-${i}`, options.seconds, ""),
      );
    }
    if (options.open) {
      for (const rate of options.rates) {
        rows.push(await launchesAtRate(site, platform, RETURNING, returning, returningSub, rate, options));
        const newSub = (i: number) => `new-at-${rate}-${i}`;
        rows.push(await launchesAtRate(site, platform, NEW_USER, fresh, newSub, rate, options));
      }
    }
    // AGS grade sync (issue 14's second measure): grades of 5,000 users launched from a second platform that
    // serves AGS, sent to it by one run of the grade-sync task, on this site after the launches, closed loop only.
    if (options.closed) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
      try {
        rows.push(
          await timeAgsGradeSync(site, {
            users: gradedUsers,
            clientId: CLIENT_ID,
            deploymentId: DEPLOYMENT,
            launch: async (from, pub, sub, claims) => {
              const outcome = await new Launcher(site, from, agent).launch(pub, sub, claims);
              return outcome === OK ? undefined : outcome;
            },
          }),
        );
      } finally {
        agent.destroy();
      }
    }
  } finally {
    await site.stop();
  }
  return rows;
}

/** "returning 1.3 / 1.1" per engine, from the closed-loop rows. */
function ratios(rows: BenchRow[]): string[] {
  const closed = (r: BenchRow) => r.load.startsWith("closed");
  return [...new Set(rows.map((r) => r.engine))].flatMap((engine) => {
    const v13 = rows.find((r) => r.engine === engine && closed(r) && r.measure === RETURNING);
    const v11 = rows.find((r) => r.engine === engine && closed(r) && r.measure.startsWith("LTI 1.1"));
    if (!v13 || !v11 || v11.achieved === 0) return [];
    const pct = Math.round((100 * v13.achieved) / v11.achieved);
    return [`${engine}: returning-user launches, LTI 1.3 at ${pct} % of the LTI 1.1 rate (closed loop)`];
  });
}

export async function run(options: BenchOptions): Promise<void> {
  const m = machine();
  const rows: BenchRow[] = [];
  const gradedUsers = agsUsers();
  const platform = await startPlatform();
  try {
    if (options.closed) rows.push(await signingRate(platform, Math.min(3, options.seconds)));
    for (const engine of await benchEngines(options.engines))
      rows.push(...(await benchEngine(engine, platform, options, gradedUsers)));
  } finally {
    await platform.close();
  }
  printRows(rows, m, options.markdown, [
    "",
    "a launch: GET /lti/tool/login (302, state, nonce, state cookie), the id_token signed by the bench with",
    "that nonce, POST /lti/tool/launch; only the final 303 to /enrol/lti/continue/ counts, the rest are errors;",
    "latency from the login initiation (or, open loop, from when the launch was due) to that answer, the",
    "bench's signing included; the bench platform's signing takes the same cores as the server (notes)",
    ...ratios(rows),
    "aim (SQLite, 2 cores, load generator beside it): returning-user 1.3 launches >= 80 % of the 1.1 rate",
    `AGS grade sync: one task run sends the scores of ${gradedUsers} launched users to a local platform`,
    "(achieved = scores it accepted per second, errors = users without one); aim for 5000 users: under 10 s",
  ]);
}
