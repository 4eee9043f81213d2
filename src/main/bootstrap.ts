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

export function createLogger(config: Pick<Config, "logLevel">): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT, censor: "[redacted]" } });
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
  const handle = openDatabase(config.databaseUrl, opts);
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
  if (await findUserByUsername(ctx.db, "admin")) return { created: false };
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
