#!/usr/bin/env node
// `npm test`: every test, on SQLite and PostgreSQL, with the browser tests in Debian's Chromium.
// - PostgreSQL: TEST_DATABASE_URL, or the local server at postgres://postgres@127.0.0.1:5432/test when it
//   answers. When TEST_DATABASE_URL is set explicitly (CI), an unreachable server fails the run.
// - Debian packages: chromium (browser tests) and python3-lti (an independent LTI peer) are
//   installed with apt-get when missing.
// - Leftover PostgreSQL schemas (of runs that were aborted) are dropped at the start; see below.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

const DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test";

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function pythonHasLti() {
  return spawnSync("/usr/bin/python3", ["-c", "import lti, oauthlib"]).status === 0;
}

/** Debian packages the suite drives: Chromium for the browser tests, python3-lti as an independent LTI 1.1 peer. */
function ensureDebianPackages() {
  const missing = [];
  if (!existsSync("/usr/bin/chromium")) missing.push("chromium", "fonts-dejavu-core");
  if (!pythonHasLti()) missing.push("python3-lti");
  if (missing.length === 0) return;
  console.log(`test setup: installing ${missing.join(", ")} with apt-get`);
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

// Which test schemas are leftovers. Each PostgreSQL test database is a schema named
// t_<run>_<random> (test/support/db.ts), where <run> is the TEST_RUN_ID of the `npm test` run that
// created it (8 hex digits). The run holds the session advisory lock (RUN_LOCK_CLASS, <run>) on a
// connection that stays open as long as the runner: the server releases the lock when the run ends,
// however it ends (done, Ctrl-C, crash). So at the start of a run, a schema whose run's lock can be
// taken belongs to a run that is over, and is dropped; a run still going, from any checkout or
// machine sharing the database, holds its lock and keeps its schemas. Schemas of another shape
// (t_<random>: test files run with `node --test` directly, or by an older checkout) are left alone.
const RUN_LOCK_CLASS = 7_370_002;
const RUN_SCHEMA = /^t_([0-9a-f]{8})_[0-9a-f]+$/;
const runKey = (runId) => Number.parseInt(runId, 16) | 0;

/** A connection holding this run's lock until it is closed (or the runner dies). */
async function holdRunLock(url, runId) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // A lost connection only ends the lock; the tests report their own errors.
  await client.connect();
  await client.query("select pg_advisory_lock($1, $2)", [RUN_LOCK_CLASS, runKey(runId)]);
  return client;
}

/** Drops the test schemas of runs that have ended; returns how many. */
async function dropLeftoverSchemas(client, ownRunId) {
  const runs = new Map();
  for (const { nspname } of (await client.query("select nspname from pg_namespace")).rows) {
    const run = RUN_SCHEMA.exec(nspname)?.[1];
    if (run && run !== ownRunId) runs.set(run, [...(runs.get(run) ?? []), nspname]);
  }
  let dropped = 0;
  for (const [run, schemas] of runs) {
    const key = [RUN_LOCK_CLASS, runKey(run)];
    const { rows } = await client.query("select pg_try_advisory_lock($1, $2) as ended", key);
    if (!rows[0].ended) continue;
    try {
      for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
      dropped += schemas.length;
    } finally {
      await client.query("select pg_advisory_unlock($1, $2)", key);
    }
  }
  return dropped;
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules") continue;
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const env = { ...process.env };
if (env.TEST_DATABASE_URL) {
  if (!(await reachable(env.TEST_DATABASE_URL))) {
    console.error(`PostgreSQL at TEST_DATABASE_URL (${env.TEST_DATABASE_URL}) is unreachable`);
    process.exit(1);
  }
} else if (await reachable(DEFAULT_PG)) {
  env.TEST_DATABASE_URL = DEFAULT_PG;
} else {
  console.warn(`warning: no PostgreSQL at ${DEFAULT_PG}; running the suites on SQLite only`);
}
let runLock;
if (env.TEST_DATABASE_URL) {
  env.TEST_RUN_ID = randomBytes(4).toString("hex");
  runLock = await holdRunLock(env.TEST_DATABASE_URL, env.TEST_RUN_ID);
  const dropped = await dropLeftoverSchemas(runLock, env.TEST_RUN_ID);
  if (dropped > 0) console.log(`test setup: dropped ${dropped} PostgreSQL schemas left by ended test runs`);
}
if (!env.PLUTO_SKIP_BROWSER_INSTALL) ensureDebianPackages();

const filter = process.argv.slice(2);
let files = [...findTests("src"), ...findTests("test")].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
console.log(
  `running ${files.length} test files on ${env.TEST_DATABASE_URL ? "SQLite and PostgreSQL" : "SQLite"}`,
);
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    `--test-concurrency=${env.TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: "inherit", env },
);
await runLock?.end().catch(() => {});
process.exit(result.status ?? 1);
