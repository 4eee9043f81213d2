// Shared benchmark plumbing: start a built Pluto in a child process on a fresh database,
// call its API, and measure an endpoint with autocannon. Prints figures; asserts nothing.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { cpuMs } from "./machine.js";
import type { Engine } from "./options.js";
import type { BenchRow } from "./report.js";

export { cpuMs };

export const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface Site {
  url: string;
  token: string;
  engine: string;
  /** The site's database (a site startSite started), for benches that seed more than the API makes quickly. */
  databaseUrl?: string;
  /** The server process (e.g. to read its CPU time from /proc). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * The engines to measure: those given (--engine), else BENCH_ENGINES (e.g. "sqlite" or "postgres"),
 * otherwise SQLite and, when the local server answers, PostgreSQL.
 */
export async function benchEngines(given?: Engine[]): Promise<Engine[]> {
  if (given?.length) return given;
  const wanted = process.env.BENCH_ENGINES?.split(",").map((e) => e.trim());
  if (wanted?.length) {
    const bad = wanted.filter((e) => e !== "sqlite" && e !== "postgres");
    if (bad.length) throw new Error(`BENCH_ENGINES: unknown engine ${bad.join(", ")}`);
    return wanted as Array<"sqlite" | "postgres">;
  }
  return (await pgReachable()) ? ["sqlite", "postgres"] : ["sqlite"];
}

/** Starts `node dist/main/cli.js serve` on a fresh SQLite file or a fresh PostgreSQL database. */
export async function startSite(
  engine: "sqlite" | "postgres",
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<Site> {
  const token = `bench_${randomBytes(24).toString("hex")}`;
  let databaseUrl: string;
  let dropDb: (() => Promise<void>) | undefined;
  if (engine === "sqlite") {
    databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), "pluto-bench-")), "pluto.db")}`;
  } else {
    const name = `pluto_bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDb = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const url = `http://127.0.0.1:${port}`;
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "dist/main/cli.js", "serve"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      PLUTO_URL: url,
      DATABASE_URL: databaseUrl,
      PLUTO_ADMIN_PASSWORD: "bench-password",
      PLUTO_ADMIN_TOKEN: token,
      LOG_LEVEL: "warn",
      ...extraEnv,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    engine,
    databaseUrl,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await dropDb?.();
    },
  };
}

export async function call<T = Record<string, unknown>>(
  site: Site,
  method: string,
  path: string,
  body?: unknown,
  token = site.token,
): Promise<T> {
  const res = await fetch(`${site.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Logs in through the form and returns the session cookie header. */
export async function login(site: Site, username: string, password: string): Promise<string> {
  const page = await fetch(`${site.url}/login`);
  const anon = /pluto_csrf=([^;]+)/.exec(page.headers.get("set-cookie") ?? "")?.[1] ?? "";
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${site.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `pluto_csrf=${anon}` },
    body: new URLSearchParams({ _csrf: csrf, username, password }).toString(),
  });
  const session = /pluto_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (!session) throw new Error(`login as ${username} failed (${res.status})`);
  return `pluto_session=${session}`;
}

/**
 * A closed-loop measurement: autocannon's 50 connections, each sending its next request when the last
 * one is answered, with the server's own CPU per request (on a loaded machine the requests per second
 * fall with the CPU share the server gets, while the CPU per request does not).
 */
export async function closedLoop(
  site: Site,
  bench: string,
  what: string,
  opts: autocannon.Options,
): Promise<BenchRow> {
  const connections = opts.connections ?? 50;
  const before = cpuMs(site.pid);
  const result = await autocannon({ duration: 10, ...opts, connections });
  const after = cpuMs(site.pid);
  const answered = result.requests.total;
  return {
    bench,
    measure: what,
    engine: site.engine,
    load: `closed, ${connections} connections`,
    achieved: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx + result.errors, // errors include timeouts
    cpuMsPerRequest:
      before !== undefined && after !== undefined && answered > 0 ? (after - before) / answered : undefined,
  };
}

/** A TCP port nothing listens on right now (benchmarks of other areas may run at the same time). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
