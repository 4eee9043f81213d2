#!/usr/bin/env node
// `npm test`: every test, on SQLite and PostgreSQL, with the browser tests in Debian's Chromium.
// - PostgreSQL: TEST_DATABASE_URL, or the local server at postgres://postgres@127.0.0.1:5432/test when it
//   answers. When TEST_DATABASE_URL is set explicitly (CI), an unreachable server fails the run.
// - Debian packages: chromium (browser tests) and python3-lti (an independent LTI peer) are
//   installed with apt-get when missing.
import { execFileSync, spawnSync } from "node:child_process";
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
process.exit(result.status ?? 1);
