// The HTTP-level fuzz run: thousands of malformed LTI 1.1 launches into a published course and Basic Outcomes
// messages to /lti/outcomes, on each engine. Nothing may answer 5xx, and a refused request may write nothing:
// every table but the launch log is compared before and after the refusals (the launch log records refusals
// by design, so there only rejected rows may appear). Prints the counts; FUZZ_SEED=<n> replays a run.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { buildSourcedId, siteSecret } from "../src/features/lti-consumer/tokens.service.js";
import { api, startTestApp, type TestApp } from "./support/app.js";
import { testEngines } from "./support/db.js";
import { addActivity, enrolAs, makeCourse } from "./support/factories.js";
import {
  type FuzzRequest,
  type LaunchFuzz,
  launchFuzzer,
  outcomeFuzzer,
  Rng,
} from "./support/lti-fuzz-requests.js";

// A fixed default, so CI runs are repeatable; FUZZ_SEED=<n> explores (and replays) other runs.
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const LAUNCHES = Number(process.env.FUZZ_LAUNCHES ?? 6000);
const OUTCOMES = Number(process.env.FUZZ_OUTCOMES ?? 4000);
const NUL_CASES = Number(process.env.FUZZ_NUL_CASES ?? 600);

/** What a correctly signed but refused request writes besides the launch log: its nonce, for its deployment. */
const USED_BY_A_SIGNED_REFUSAL = ["lti_nonces", "lti_deployments"];

/** Every table but the launch log, with its columns: what a refused request must leave as it was. */
type Tables = Array<{ name: string; columns: string[] }>;

/** A hash of each table's rows, computed in the database (one statement), so a check costs little. */
async function snapshot(t: TestApp, tables: Tables): Promise<Map<string, string>> {
  const parts = tables.map(({ name, columns }) => {
    // Nonces are only ever added (or purged when expired): their count says enough, and costs less.
    if (name === "lti_nonces")
      return sql`select ${name} as name, ${sql.lit("n")} || count(*) as h from ${sql.table(name)}`;
    if (t.engine === "postgres")
      return sql`select ${name} as name, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${sql.table(name)} x`;
    const row = sql.join(
      columns.map((c) => sql`quote(${sql.ref(c)})`),
      sql` || ',' || `,
    );
    return sql`select ${name} as name, coalesce(group_concat(${row}, char(10)), '') as h from ${sql.table(name)}`;
  });
  const { rows } = await sql<{ name: string; h: string }>`${sql.join(parts, sql` union all `)}`.execute(
    t.ctx.db,
  );
  return new Map(
    rows.map((r) => [r.name, t.engine === "postgres" ? r.h : createHash("sha1").update(r.h).digest("hex")]),
  );
}

function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a.keys()].filter((k) => a.get(k) !== b.get(k));
}

const okLaunchRows = async (t: TestApp) =>
  Number(
    (
      await t.ctx.db
        .selectFrom("lti_launch_log")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("result", "=", "ok")
        .executeTakeFirstOrThrow()
    ).n,
  );

interface Tally {
  sent: number;
  fiveXX: Array<{ kind: string; status: number; payload: string }>;
  accepted: number;
  refused: number;
  byStatus: Map<number, number>;
  byKind: Map<string, number>;
}

const newTally = (): Tally => ({
  sent: 0,
  fiveXX: [],
  accepted: 0,
  refused: 0,
  byStatus: new Map(),
  byKind: new Map(),
});

/** The 5xx answers by mutation, with a few payloads to replay by hand. */
function fiveXXReport(...tallies: Tally[]): string {
  const all = tallies.flatMap((t) => t.fiveXX);
  const byKind = new Map<string, number>();
  for (const f of all) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${k}×${n}`).join(", ");
  const examples = all.slice(0, 3).map((f) => `  ${f.kind} → ${f.status}: ${f.payload}`);
  return `${all.length} 5xx answers (by mutation: ${kinds}); for example:\n${examples.join("\n")}`;
}

function summary(what: string, engine: string, seed: number, t: Tally): string {
  const statuses = [...t.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(", ");
  return `fuzz (${engine}, seed ${seed}): ${t.sent} ${what}, ${t.fiveXX.length} 5xx, ${t.refused} refused, ${t.accepted} accepted (by status: ${statuses})`;
}

/**
 * Sends `count` requests from `fuzz`, one at a time. Before any request that might be accepted, the tables
 * are compared with the state after the last accepted one: so every refusal in between changed nothing.
 */
async function run(
  t: TestApp,
  tables: Tables,
  fuzz: LaunchFuzz,
  count: number,
  isAccepted: (r: FuzzRequest, status: number, location: string) => boolean,
  tally: Tally,
): Promise<void> {
  let baseline = await snapshot(t, tables);
  let refusedSince = 0;
  // Correctly signed requests refused since the last check: each has used its nonce (launch.service.ts: it
  // cannot be replayed later), recorded for its deployment.
  let signedRefusals = 0;
  const recent: string[] = [];
  let okRows = await okLaunchRows(t);
  const check = async (where: string) => {
    if (refusedSince === 0) return;
    const now = await snapshot(t, tables);
    const allowed = signedRefusals > 0 ? USED_BY_A_SIGNED_REFUSAL : [];
    assert.deepEqual(
      changed(baseline, now).filter((n) => !allowed.includes(n)),
      [],
      `refused requests changed tables (${where}, seed ${SEED}); refused since the last check:\n${recent.join("\n")}`,
    );
    assert.equal(await okLaunchRows(t), okRows, `refused launches logged as ok (seed ${SEED})`);
    refusedSince = 0;
    signedRefusals = 0;
    recent.length = 0;
  };
  for (let i = 0; i < count; i++) {
    const r = fuzz.next();
    if (!r.mustRefuse) await check(`before request ${i}, ${r.kind}`);
    const res = await t.app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
    tally.sent += 1;
    tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
    tally.byKind.set(r.kind, (tally.byKind.get(r.kind) ?? 0) + 1);
    if (res.statusCode >= 500) {
      tally.fiveXX.push({
        kind: r.kind,
        status: res.statusCode,
        payload: JSON.stringify(String(r.payload).slice(0, 400)),
      });
      refusedSince += 1;
      if (!r.mustRefuse) signedRefusals += 1;
      recent.push(`${i} ${r.kind} → ${res.statusCode}`);
      continue;
    }
    if (isAccepted(r, res.statusCode, String(res.headers.location ?? ""))) {
      assert.ok(!r.mustRefuse, `${r.kind} was accepted (${res.statusCode}; seed ${SEED}, request ${i})`);
      tally.accepted += 1;
      fuzz.accepted(r.payload);
      baseline = await snapshot(t, tables);
      okRows = await okLaunchRows(t);
      refusedSince = 0;
      signedRefusals = 0;
      recent.length = 0;
    } else {
      assert.ok(
        res.statusCode >= 400 && res.statusCode < 500,
        `${r.kind}: ${res.statusCode} is neither accepted nor a 4xx refusal (seed ${SEED}, request ${i})`,
      );
      tally.refused += 1;
      refusedSince += 1;
      recent.push(`${i} ${r.kind} → ${res.statusCode}: ${JSON.stringify(String(r.payload).slice(0, 600))}`);
      if (!r.mustRefuse) signedRefusals += 1;
    }
  }
  await check("at the end");
}

const launchAccepted = (_r: FuzzRequest, status: number, location: string) =>
  status === 303 && location.startsWith("/enrol/lti/continue/");
const outcomeAccepted = (_r: FuzzRequest, status: number) => status >= 200 && status < 300;

for (const engine of testEngines()) {
  describe(`HTTP fuzz of the LTI 1.1 endpoints (${engine})`, () => {
    let t: TestApp;
    let tables: Tables;
    let launchUrl: string;
    let launchSecret: string;
    let outcomeTarget: Parameters<typeof outcomeFuzzer>[1];

    before(async () => {
      t = await startTestApp(engine);
      const token = await t.token((await t.admin()).id);
      const published = await makeCourse(t);
      const res = await api(t.app, token, "POST", `/api/v1/courses/${published.id}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Fuzzed consumer",
      });
      assert.equal(res.status, 201, res.body);
      ({ launchUrl, secret: launchSecret } = res.json as { launchUrl: string; secret: string });

      // An External tool activity whose tool sends grades back, a student, and a user not in the course.
      const course = await makeCourse(t);
      const student = await t.user("fuzzstudent");
      const outsider = await t.user("fuzzoutsider");
      await enrolAs(t, course.id, student.id, "student");
      const settings = {
        toolUrl: "http://127.0.0.1:9/launch",
        consumerKey: "fuzz-key",
        sharedSecret: "fuzz-secret",
        maxGrade: 10,
      };
      const a = await addActivity(t, course.id, { type: "lti", name: "Graded tool", settings });
      const b = await addActivity(t, course.id, {
        type: "lti",
        name: "Other tool",
        settings: { ...settings, consumerKey: "other-key" },
      });
      const secret = await siteSecret(t.ctx.db, t.ctx.clock);
      outcomeTarget = {
        url: `${t.ctx.config.publicUrl}/lti/outcomes`,
        key: "fuzz-key",
        secret: "fuzz-secret",
        clock: t.clock,
        sourcedIds: [
          buildSourcedId(secret, a.id, student.id),
          buildSourcedId(secret, a.id, student.id),
          buildSourcedId(secret, a.id, outsider.id),
          buildSourcedId(secret, b.id, student.id),
        ],
      };
      tables = (await t.ctx.db.introspection.getTables())
        .filter((x) => x.name !== "lti_launch_log")
        .map((x) => ({ name: x.name, columns: x.columns.map((c) => c.name) }));
    });
    after(() => t.close());

    it(`answers ${LAUNCHES} malformed launches and ${OUTCOMES} malformed outcome messages without a 5xx, and a refused one writes nothing`, async () => {
      const launches = newTally();
      const outcomes = newTally();
      const rng = new Rng(SEED);
      await run(
        t,
        tables,
        launchFuzzer(rng, { launchUrl, secret: launchSecret, clock: t.clock }, { nul: false }),
        LAUNCHES,
        launchAccepted,
        launches,
      );
      await run(
        t,
        tables,
        outcomeFuzzer(rng, outcomeTarget, { nul: false }),
        OUTCOMES,
        outcomeAccepted,
        outcomes,
      );
      console.log(summary("launches", engine, SEED, launches));
      console.log(summary("outcome messages", engine, SEED, outcomes));
      assert.equal(
        launches.fiveXX.length + outcomes.fiveXX.length,
        0,
        `seed ${SEED}: ${fiveXXReport(launches, outcomes)}`,
      );
      assert.ok(
        launches.accepted > 0 && outcomes.accepted > 0,
        "some requests were accepted, so the run reached the services",
      );
    });

    // NUL bytes in launch parameters, consumer keys and nonces (issue 11, defect 6): kept apart so its
    // failure names the cause.
    it(`answers ${NUL_CASES} launches and outcome messages with NUL bytes without a 5xx, and a refused one writes nothing`, async () => {
      const launches = newTally();
      const outcomes = newTally();
      const rng = new Rng(SEED + 1);
      await run(
        t,
        tables,
        launchFuzzer(rng, { launchUrl, secret: launchSecret, clock: t.clock }, { nul: true }),
        NUL_CASES,
        launchAccepted,
        launches,
      );
      await run(
        t,
        tables,
        outcomeFuzzer(rng, outcomeTarget, { nul: true }),
        Math.floor(NUL_CASES / 2),
        outcomeAccepted,
        outcomes,
      );
      console.log(summary("launches with NUL bytes", engine, SEED + 1, launches));
      console.log(summary("outcome messages with NUL bytes", engine, SEED + 1, outcomes));
      assert.equal(
        launches.fiveXX.length + outcomes.fiveXX.length,
        0,
        `seed ${SEED + 1}: ${fiveXXReport(launches, outcomes)}`,
      );
    });
  });
}
