#!/usr/bin/env node
// `npm test`: every test, on SQLite and PostgreSQL, with the browser tests in Debian's Chromium.
// - PostgreSQL: TEST_DATABASE_URL, or the local server at postgres://postgres@127.0.0.1:5432/test when it
//   answers. When TEST_DATABASE_URL is set explicitly (CI), an unreachable server fails the run.
// - `npm test -- <path fragment>…` runs only the test files whose path contains one of the fragments;
//   fragments that match no file fail the run.
// - Peers the selected tests drive: Chromium (CHROMIUM_PATH, else /usr/bin/chromium) for the browser
//   tests, a Python with python3-lti (PYTHON3_PATH, else /usr/bin/python3) for the python-lti interop
//   tests and HAProxy (HAPROXY_PATH, else /usr/sbin/haproxy) for the multi-node tests. A missing one
//   is installed with apt-get when the run may (root, apt-get on the PATH, no
//   PLUTO_SKIP_BROWSER_INSTALL); otherwise the run stops and says what is missing and how to point at it.
// - Leftover PostgreSQL schemas and ltijs peer databases (of runs that were aborted) are dropped at the
//   start; see below.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
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

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * What the tests drive besides Pluto. A test file needs a peer when it imports the peer's support
 * module; the tests read the same variable, which the run sets to the checked path.
 */
const PEERS = [
  {
    name: "Chromium",
    purpose: "the browser tests in test/browser/",
    usedBy: "support/browser.js",
    variable: "CHROMIUM_PATH",
    fallback: "/usr/bin/chromium",
    packages: ["chromium", "fonts-dejavu-core"],
    pointAt: "a Chromium or Google Chrome executable",
    works: (path) => isExecutable(path),
  },
  {
    name: "python3-lti",
    purpose: "the interop tests against python-lti, an independent LTI 1.1 peer",
    usedBy: "support/python.js",
    variable: "PYTHON3_PATH",
    fallback: "/usr/bin/python3",
    packages: ["python3-lti"],
    pointAt: "a python3 that can import lti, oauthlib and requests_oauthlib",
    works: (path) =>
      spawnSync(path, ["-c", "import lti, oauthlib, requests_oauthlib"], { stdio: "ignore" }).status === 0,
  },
  {
    name: "HAProxy",
    purpose: "the multi-node tests, several Pluto processes behind a load balancer",
    usedBy: "support/balancer.js",
    variable: "HAPROXY_PATH",
    fallback: "/usr/sbin/haproxy",
    packages: ["haproxy"],
    pointAt: "an haproxy executable",
    works: (path) => isExecutable(path) && spawnSync(path, ["-v"], { stdio: "ignore" }).status === 0,
  },
];

function onPath(command) {
  return (process.env.PATH ?? "").split(":").some((dir) => dir && isExecutable(join(dir, command)));
}

/**
 * Makes sure every peer the selected files need is there, installing Debian packages when the run
 * may; sets each peer's variable in `env`. Returns the problems, one paragraph each (empty when none).
 */
function ensurePeers(files, env) {
  const sources = files.map((f) => readFileSync(f, "utf8"));
  const needed = PEERS.filter((p) => sources.some((src) => src.includes(p.usedBy)));
  const problems = [];
  const missing = [];
  for (const peer of needed) {
    const given = env[peer.variable];
    const path = given || peer.fallback;
    if (peer.works(path)) env[peer.variable] = path;
    else if (given)
      // The variable names where the peer is: installing a package would not change that path.
      problems.push(`${peer.variable}=${given} is not ${peer.pointAt} (needed by ${peer.purpose}).`);
    else missing.push(peer);
  }
  if (missing.length === 0) return problems;
  const isRoot = process.getuid?.() === 0;
  const hasApt = onPath("apt-get");
  if (isRoot && hasApt && !env.PLUTO_SKIP_BROWSER_INSTALL) {
    const packages = missing.flatMap((p) => p.packages);
    console.log(`test setup: installing ${packages.join(", ")} with apt-get`);
    try {
      execFileSync("apt-get", ["update"], { stdio: "inherit" });
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } catch {
      // apt-get has said why above; what is still missing is reported below.
    }
  }
  const why = env.PLUTO_SKIP_BROWSER_INSTALL
    ? "PLUTO_SKIP_BROWSER_INSTALL is set"
    : !hasApt
      ? "apt-get is not on the PATH"
      : !isRoot
        ? "not running as root"
        : "apt-get did not provide it";
  for (const peer of missing) {
    if (peer.works(peer.fallback)) {
      env[peer.variable] = peer.fallback;
      continue;
    }
    problems.push(
      [
        `${peer.name} is missing (needed by ${peer.purpose}): nothing usable at ${peer.fallback}, and ${peer.variable} is not set.`,
        `  Not installed here because ${why}. Either install the Debian package as root:`,
        `    apt-get install -y --no-install-recommends ${peer.packages.join(" ")}`,
        `  or set ${peer.variable} to ${peer.pointAt}, e.g. ${peer.variable}=/path/to/it npm test`,
      ].join("\n"),
    );
  }
  return problems;
}

// Which test schemas are leftovers. Each PostgreSQL test database is a schema named
// t_<run>_<random> (test/support/db.ts), where <run> is the TEST_RUN_ID of the `npm test` run that
// created it (8 hex digits). The run holds the session advisory lock (RUN_LOCK_CLASS, <run>) on a
// connection that stays open as long as the runner: the server releases the lock when the run ends,
// however it ends (done, Ctrl-C, crash). So at the start of a run, a schema whose run's lock can be
// taken belongs to a run that is over, and is dropped; a run still going, from any checkout or
// machine sharing the database, holds its lock and keeps its schemas. Schemas of another shape
// (t_<random>: test files run with `node --test` directly, or by an older checkout) are left alone.
// The databases of the ltijs tool peer (test/support/ltijs5-tool.ts), ltijs_<run>_<random>, go the same way.
const RUN_LOCK_CLASS = 7_370_002;
const RUN_SCHEMA = /^t_([0-9a-f]{8})_[0-9a-f]+$/;
const RUN_DATABASE = /^ltijs_([0-9a-f]{8})_[0-9a-f]+$/;
const runKey = (runId) => Number.parseInt(runId, 16) | 0;

/** A connection holding this run's lock until it is closed (or the runner dies). */
async function holdRunLock(url, runId) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // A lost connection only ends the lock; the tests report their own errors.
  await client.connect();
  await client.query("select pg_advisory_lock($1, $2)", [RUN_LOCK_CLASS, runKey(runId)]);
  return client;
}

/** Drops the test schemas and peer databases of runs that have ended; returns how many. */
async function dropLeftoverSchemas(client, ownRunId) {
  const runs = new Map();
  const add = (run, drop) => {
    if (run && run !== ownRunId) runs.set(run, [...(runs.get(run) ?? []), drop]);
  };
  for (const { nspname } of (await client.query("select nspname from pg_namespace")).rows)
    add(RUN_SCHEMA.exec(nspname)?.[1], `drop schema if exists "${nspname}" cascade`);
  for (const { datname } of (await client.query("select datname from pg_database")).rows)
    add(RUN_DATABASE.exec(datname)?.[1], `drop database if exists "${datname}" with (force)`);
  let dropped = 0;
  for (const [run, drops] of runs) {
    const key = [RUN_LOCK_CLASS, runKey(run)];
    const { rows } = await client.query("select pg_try_advisory_lock($1, $2) as ended", key);
    if (!rows[0].ended) continue;
    try {
      for (const drop of drops) await client.query(drop);
      dropped += drops.length;
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
const filter = process.argv.slice(2);
const all = [...findTests("src"), ...findTests("test"), ...findTests("bench")].sort();
const files = filter.length ? all.filter((f) => filter.some((x) => f.includes(x))) : all;
const unmatched = filter.filter((x) => !all.some((f) => f.includes(x)));
if (unmatched.length > 0) {
  console.error(
    `npm test: no test file matches ${unmatched.map((x) => `"${x}"`).join(", ")}. ` +
      "A filter is part of a test file's path (files named *.test.ts under src/, test/ and bench/), " +
      "e.g. npm test -- src/features/users or npm test -- cli.test",
  );
  process.exit(1);
}
const problems = ensurePeers(files, env);
if (problems.length > 0) {
  console.error(`npm test: cannot run these tests yet.\n\n${problems.join("\n\n")}`);
  process.exit(1);
}

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
  if (dropped > 0)
    console.log(`test setup: dropped ${dropped} PostgreSQL schemas and databases left by ended test runs`);
}

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
