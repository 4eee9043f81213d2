// Builds the application context: database (migrated), task runner, first admin.
import pino, { type Logger } from "pino";
import type { AppContext } from "../app/context.js";
import type { Config } from "../config/config.js";
import { migrateToLatest, type OpenOptions, openDatabase } from "../db/database.js";
import { registerFeatures } from "../features/index.js";
import { tokenExists } from "../features/users/sessions.service.js";
import { createApiToken, createUser, findUserByUsername } from "../features/users/users.service.js";
import { JobQueue } from "../jobs/queue.js";
import { type Clock, systemClock } from "../shared/clock.js";
import { randomPassword, sha256Hex } from "../shared/secrets.js";
import { type LineSink, readableLines } from "./log-lines.js";
import { REDACTED, serializers } from "./log-redaction.js";

export const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.secret",
  "*.sharedSecret",
  "*.token",
  "*.oauth_signature",
];

/**
 * The app's logger. JSON lines (one per request) with LOG_FORMAT=json, or when stdout is not a
 * terminal (a service manager, a container, a pipe); readable lines at a terminal or with
 * LOG_FORMAT=pretty. Redaction applies before either, so secrets appear in neither: the REDACT paths,
 * and the secret values in a request's URL (log-redaction.ts).
 */
export function createLogger(
  config: Pick<Config, "logLevel" | "logFormat">,
  opts: { tty?: boolean; out?: LineSink } = {},
): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: REDACTED }, serializers };
  const tty = opts.tty ?? process.stdout.isTTY === true;
  if (config.logFormat === "pretty" || (config.logFormat === "auto" && tty))
    return pino(options, readableLines(opts.out ?? process.stdout));
  return opts.out ? pino(options, opts.out as { write(s: string): void }) : pino(options);
}

export interface ContextOptions extends OpenOptions {
  clock?: Clock;
  log?: Logger;
}

export async function createContext(
  config: Config,
  opts: ContextOptions = {},
): Promise<{ ctx: AppContext; close(): Promise<void> }> {
  registerFeatures();
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger(config);
  const handle = openDatabase(config.databaseUrl, {
    statementTimeoutMs: config.dbStatementTimeoutMs,
    lockTimeoutMs: config.dbLockTimeoutMs,
    onConnectionError: (err) =>
      log.warn(
        { err: { message: err.message, code: (err as { code?: string }).code } },
        "database connection lost; it is dropped and a new one opened when needed",
      ),
    onSqliteWarning: (message, err) => log.warn(err ? { err: { message: err.message } } : {}, message),
    ...opts,
  });
  await migrateToLatest(handle.db);
  const jobs = new JobQueue(handle.db, handle.engine, clock);
  const ctx: AppContext = { db: handle.db, engine: handle.engine, config, clock, log, jobs };
  jobs.attach(ctx);
  await jobs.syncSchedules();
  return {
    ctx,
    close: async () => {
      await jobs.stop();
      await handle.close();
    },
  };
}

/**
 * The first start creates the site admin `admin`. Its password comes from PLUTO_ADMIN_PASSWORD
 * or is generated and returned (the caller prints it once).
 */
export async function ensureAdmin(ctx: AppContext): Promise<{ created: boolean; password?: string }> {
  if (await findUserByUsername(ctx.db, "admin")) {
    if (ctx.config.adminPassword)
      ctx.log.warn(
        "PLUTO_ADMIN_PASSWORD ignored: the database already has its admin, and the setting applies only on the first start; to change the password run: pluto user reset-password admin",
      );
    return { created: false };
  }
  const password = ctx.config.adminPassword ?? randomPassword();
  let user: Awaited<ReturnType<typeof createUser>>;
  try {
    user = await createUser(
      ctx.db,
      ctx.clock,
      {
        username: "admin",
        password,
        firstname: "Site",
        lastname: "Administrator",
        email: "admin@localhost.invalid",
      },
      { siteAdmin: true },
    );
  } catch (err) {
    // Another process created it first.
    if (await findUserByUsername(ctx.db, "admin")) return { created: false };
    throw err;
  }
  if (ctx.config.adminToken) {
    const exists = await tokenExists(ctx.db, sha256Hex(ctx.config.adminToken));
    if (!exists) await createApiToken(ctx.db, ctx.clock, user.id, "PLUTO_ADMIN_TOKEN", ctx.config.adminToken);
  }
  return { created: true, password: ctx.config.adminPassword ? undefined : password };
}

/**
 * The first start's credentials, framed so they stand out among the log lines in a terminal and
 * in a CI log (plain ASCII; `grep 'Password:'` finds them).
 */
export function adminBanner(url: string, password: string | undefined): string {
  const lines = [
    "Pluto LMS is ready. The site administrator was created:",
    "",
    `URL:      ${url}`,
    "Username: admin",
    `Password: ${password ?? "(the one in PLUTO_ADMIN_PASSWORD)"}`,
    "",
    "The password is printed only this once. Lost it? Run",
    "  pluto user reset-password admin",
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${"=".repeat(width + 4)}+`;
  return ["", rule, ...lines.map((l) => `|  ${l.padEnd(width)}  |`), rule, ""].join("\n");
}
