// Real Pluto processes for CLI and multi-process tests: `node --import tsx src/main/cli.ts …`
// against a database the test can also open, with an environment holding only what we pass.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import type { Engine } from "../../src/db/dialect.js";
import { createTestDatabase } from "./db.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The parent's environment without any Pluto setting, so only what a test passes applies. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith("PLUTO_") ||
      ["PORT", "HOST", "DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "TRUST_PROXY"].includes(k)
    )
      continue;
    if (k.startsWith("NODE_TEST") || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pluto ARGS`; stdin is `input` when given (a pipe), else nothing (like </dev/null). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main/cli.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pluto ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A database that child processes reach by DATABASE_URL and the test opens directly. */
export interface ProcessDatabase {
  engine: Engine;
  url: string;
  open(): DatabaseHandle;
  drop(): Promise<void>;
}

export async function processDatabase(engine: Engine): Promise<ProcessDatabase> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "pluto-proc-"));
    const url = `sqlite:${join(dir, "pluto.db")}`;
    return {
      engine,
      url,
      open: () => openDatabase(url),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const tdb = await createTestDatabase("postgres");
  const schema = tdb.pgSchema ?? "public";
  // node-postgres passes `options` from the connection string to the server: every connection
  // of the child process starts with this search_path.
  const sep = tdb.url.includes("?") ? "&" : "?";
  const url = `${tdb.url}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    engine,
    url,
    open: () => openDatabase(tdb.url, { pgSchema: schema, poolSize: 2 }),
    drop: () => tdb.drop(),
  };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `pluto serve` on a free port and waits until /healthz answers. */
export async function startServer(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main/cli.ts", "serve"], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pluto serve exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pluto serve did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolvePromise) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolvePromise();
        });
        child.kill("SIGTERM");
      }),
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** Resolves when the process has exited: its code or signal, and when. */
export function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode, at: Date.now() });
  return new Promise((r) => child.once("exit", (code, signal) => r({ code, signal, at: Date.now() })));
}

/** Whether a new TCP connection to the port is refused (nothing listens there). */
export function refused(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, host);
    s.once("connect", () => {
      s.destroy();
      r(false);
    });
    s.once("error", (err: NodeJS.ErrnoException) => r(err.code === "ECONNREFUSED"));
  });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
