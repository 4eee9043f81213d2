// The AGS grade-sync measure of `npm run bench lti13-tool` (issue 14: grades of 5,000 users sent to a local
// platform in under 10 s), the LTI 1.3 counterpart of lti-provider's `timeGradeSync`. The platform is the
// scratch platform of the tests (test/support/lti13-scratch-platform.ts, jose, not Pluto's platform code),
// registered as a second Active platform with its access token URL: its token endpoint verifies each of
// Pluto's client assertions against Pluto's /lti/jwks, and it serves the line items container (search and
// create) and the scores of each line item, recording every request. A course with a quiz is published
// with "ltiVersion": "1.3" and grade sync off; every user launches it once from that platform with the AGS
// claim (line item and score scopes, the container) and the same resource link; their grades are set
// through the API; grade sync is switched on, and one "run now" of `lti_provider_grade_sync` is timed. One
// line item is created for the link and each user's score goes to it.
import type { JSONWebKeySet } from "jose";
import { startScratchPlatform } from "../test/support/lti13-scratch-platform.js";
import type { BenchRow } from "./report.js";
import { call, type Site } from "./support.js";

/** Users launched and graded: 5,000 (issue 14), or BENCH_AGS_USERS to see that the measure works. */
export const AGS_USERS = 5_000;
const CONNECTIONS = 50;
const AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
const SCOPE_LINE_ITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
const SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score";

/** BENCH_AGS_USERS, else 5,000. */
export function agsUsers(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BENCH_AGS_USERS;
  if (text === undefined || text === "") return AGS_USERS;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`BENCH_AGS_USERS: expected a positive whole number, got "${text}"`);
  return n;
}

/** A platform launches come from: its issuer and how it signs an id_token. */
export interface LaunchingPlatform {
  issuer: string;
  sign(claims: Record<string, unknown>): Promise<string>;
}

/**
 * One launch of a publication by `sub` from `platform`, with `claims` added to the id_token (lti13-tool's
 * Launcher): undefined when it ended in the 303 to /enrol/lti/continue/, else what went wrong.
 */
export type Launch = (
  platform: LaunchingPlatform,
  pub: { launchUrl: string; uuid: string },
  sub: string,
  claims: Record<string, unknown>,
) => Promise<string | undefined>;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export async function timeAgsGradeSync(
  site: Site,
  opts: { users: number; clientId: string; deploymentId: string; launch: Launch },
): Promise<BenchRow> {
  const lms = await startScratchPlatform({
    clientId: opts.clientId,
    jwks: async () => {
      const res = await fetch(`${site.url}/lti/jwks`);
      if (!res.ok) throw new Error(`GET /lti/jwks → ${res.status}`);
      return (await res.json()) as JSONWebKeySet;
    },
    now: () => new Date(),
  });
  try {
    const p = await call<{ status: string; missing: string[] }>(site, "POST", "/lti/platforms", {
      name: "Benchmark AGS platform",
      issuer: lms.url,
      clientId: opts.clientId,
      authenticationRequestUrl: `${lms.url}/auth`,
      accessTokenUrl: lms.tokenUrl,
      publicKeysetUrl: lms.jwksUrl,
      deploymentIds: [opts.deploymentId],
    });
    if (p.status !== "active")
      throw new Error(`the AGS platform is ${p.status}, missing ${p.missing.join(", ")}`);
    const course = await call<{ id: number }>(site, "POST", "/courses", {
      fullname: "AGS grade sync",
      shortname: `AGSgradesync${Date.now()}`,
    });
    const quiz = await call<{ id: number }>(site, "POST", `/courses/${course.id}/activities`, {
      type: "quiz",
      name: "Check",
      section: 1,
      settings: { maxGrade: 10, questions: [{ text: "2+2?", choices: ["3", "4"], correct: 1 }] },
    });
    const pub = await call<{ id: number; launchUrl: string; customParameters: { id: string } }>(
      site,
      "POST",
      `/courses/${course.id}/enrol-methods`,
      { method: "lti", ltiVersion: "1.3", name: "Benchmark AGS platform" },
    );
    // Grades are set while grade sync is off, so the timed run sends every one of them.
    await call(site, "PATCH", `/enrol-methods/${pub.id}`, { gradeSync: false });
    const publication = { launchUrl: pub.launchUrl, uuid: pub.customParameters.id };
    const platform = { issuer: lms.url, sign: lms.signIdToken };
    const claims = {
      [AGS]: { scope: [SCOPE_LINE_ITEM, SCOPE_SCORE], lineitems: `${lms.url}/lineitems` },
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONNECTIONS, opts.users) }, async () => {
        while (next < opts.users) {
          const sub = `ags-${next++}`;
          // Set-up, not measured: a connection the earlier open-loop overload left reset is tried again.
          let bad = await opts.launch(platform, publication, sub, claims);
          for (let retry = 0; bad !== undefined && /ECONNRESET|unanswered/.test(bad) && retry < 3; retry++) {
            await new Promise((r) => setTimeout(r, 200));
            bad = await opts.launch(platform, publication, sub, claims);
          }
          if (bad !== undefined) throw new Error(`the launch of ${sub} failed: ${bad}`);
        }
      }),
    );
    const ids = (
      await call<Array<{ userId: number }>>(site, "GET", `/courses/${course.id}/participants`)
    ).map((u) => u.userId);
    let i = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (i < ids.length) {
          const id = ids[i++] ?? 0;
          await call(site, "PUT", `/activities/${quiz.id}/grades/${id}`, {
            grade: (id % 10) + 1,
            feedback: "",
          });
        }
      }),
    );
    await call(site, "PATCH", `/enrol-methods/${pub.id}`, { gradeSync: true });
    lms.requests.length = 0;
    const started = performance.now();
    const run = await call<{ status: string; message: string }>(
      site,
      "POST",
      "/tasks/lti_provider_grade_sync/run",
    );
    const seconds = (performance.now() - started) / 1000;
    const accepted = new Set(lms.scores.map((s) => String(s.body.userId))).size;
    const notes = [
      `task ${run.status}: ${run.message}`,
      `${plural(lms.tokenRequests(), "token request", "token requests")} during the run`,
      `${plural(lms.lineItems.length, "line item", "line items")} created`,
    ];
    if (lms.scores.length !== accepted) notes.push(`${lms.scores.length} scores accepted`);
    if (ids.length !== opts.users) notes.push(`${ids.length} participants`);
    return {
      bench: "lti13-tool",
      measure: `AGS grade sync, ${opts.users} users, to a local platform`,
      engine: site.engine,
      load: `one task run, ${seconds.toFixed(2)} s`,
      achieved: lms.scores.length / seconds,
      errors: opts.users - accepted,
      note: notes.join("; "),
    };
  } finally {
    await lms.close();
  }
}
