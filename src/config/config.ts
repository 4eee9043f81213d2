// Environment parsed and validated once. Only src/main reads process.env and passes it here.
import { resolve } from "node:path";
import { isTimeZone } from "../shared/time-zone.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
/** `auto`: JSON lines unless stdout is a terminal, where the lines are for reading. */
export type LogFormat = "auto" | "json" | "pretty";

export interface Config {
  port: number;
  host: string;
  /** Public base URL, no trailing slash. Every absolute link is built from it. */
  publicUrl: string;
  databaseUrl: string;
  adminPassword: string | undefined;
  adminToken: string | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  trustProxy: boolean;
  /** Hosts or CIDR ranges that outbound fetches may reach although private. */
  outboundAllow: string[];
  /** The site's time zone (IANA name): dates are shown and read in it for users who have not chosen one. */
  timezone: string;
  /**
   * On SIGTERM or SIGINT, how long in-flight requests and running jobs may take to finish before
   * their connections are closed and the jobs are cut off (to be retried).
   */
  shutdownTimeoutMs: number;
  /** PostgreSQL: a statement running longer than this is cancelled (the request gets a 503). */
  dbStatementTimeoutMs: number;
  /** PostgreSQL: a statement waiting longer than this for a lock is cancelled (a 503). */
  dbLockTimeoutMs: number;
  /** Slow clients: the request line and headers must arrive within this time (else 408 and closed). */
  httpHeadersTimeoutMs: number;
  /** Slow clients: the whole request, body included, must arrive within this time. */
  httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  httpKeepAliveTimeoutMs: number;
  /** Connections open at once; one beyond this is closed as soon as it is accepted. */
  httpMaxConnections: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const KNOWN = new Set([
  "PORT",
  "HOST",
  "PLUTO_URL",
  "DATABASE_URL",
  "PLUTO_ADMIN_PASSWORD",
  "PLUTO_ADMIN_TOKEN",
  "LOG_LEVEL",
  "LOG_FORMAT",
  "TRUST_PROXY",
  "PLUTO_OUTBOUND_ALLOW",
  "PLUTO_TIMEZONE",
  "PLUTO_SHUTDOWN_TIMEOUT_MS",
  "PLUTO_DB_STATEMENT_TIMEOUT_MS",
  "PLUTO_DB_LOCK_TIMEOUT_MS",
  "PLUTO_HTTP_HEADERS_TIMEOUT_MS",
  "PLUTO_HTTP_REQUEST_TIMEOUT_MS",
  "PLUTO_HTTP_KEEP_ALIVE_TIMEOUT_MS",
  "PLUTO_HTTP_MAX_CONNECTIONS",
]);
const LEVELS: LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const FORMATS: LogFormat[] = ["auto", "json", "pretty"];

/**
 * Parses Pluto's settings. `env` holds only the variables Pluto owns (PLUTO_* plus the
 * plain names above): an unknown PLUTO_* name is a typo and stops start-up.
 */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  for (const key of Object.keys(env)) {
    if (key.startsWith("PLUTO_") && !KNOWN.has(key)) {
      throw new ConfigError(`unknown setting ${key} (known: ${[...KNOWN].join(", ")})`);
    }
  }
  const portText = env.PORT ?? "3000";
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new ConfigError(`PORT must be a port number, got "${portText}"`);
  }
  const port = Number(portText);
  const host = env.HOST ?? "0.0.0.0";
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host))
    throw new ConfigError(`HOST is not a host name or address: "${host}"`);

  let publicUrl = env.PLUTO_URL ?? `http://localhost:${port}`;
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new ConfigError(`PLUTO_URL must be an absolute http(s) URL, got "${publicUrl}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ConfigError(`PLUTO_URL must use http or https, got "${publicUrl}"`);
  }
  if (parsed.search || parsed.hash) throw new ConfigError("PLUTO_URL must not have a query or fragment");
  // Pages link with root-relative paths, so Pluto is served at the root of its host.
  if (parsed.pathname !== "/")
    throw new ConfigError(`PLUTO_URL must be the root of a site (no path), got "${publicUrl}"`);
  publicUrl = parsed.origin;

  const databaseUrl = env.DATABASE_URL ?? `sqlite:${resolve(cwd, "data/pluto.db")}`;
  if (!/^sqlite:.+/.test(databaseUrl) && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be sqlite:PATH or postgres://…");
  }

  const logLevel = (env.LOG_LEVEL ?? "info") as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LEVELS.join(", ")}`);
  const logFormat = ((env.LOG_FORMAT ?? "").trim().toLowerCase() || "auto") as LogFormat;
  if (!FORMATS.includes(logFormat))
    throw new ConfigError(`LOG_FORMAT must be one of ${FORMATS.join(", ")}, got "${env.LOG_FORMAT}"`);

  const tp = (env.TRUST_PROXY ?? "false").toLowerCase();
  if (!["true", "false", "1", "0", "yes", "no"].includes(tp)) {
    throw new ConfigError(`TRUST_PROXY must be true or false, got "${env.TRUST_PROXY}"`);
  }

  const adminPassword = env.PLUTO_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError("PLUTO_ADMIN_PASSWORD must be at least 8 characters");
  }
  const adminToken = env.PLUTO_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError("PLUTO_ADMIN_TOKEN must be at least 16 characters");
  }
  const outboundAllow = (env.PLUTO_OUTBOUND_ALLOW ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

  const timezone = (env.PLUTO_TIMEZONE ?? "").trim() || "UTC";
  if (!isTimeZone(timezone)) {
    throw new ConfigError(`PLUTO_TIMEZONE must be a time zone name such as Europe/London, got "${timezone}"`);
  }

  const graceText = (env.PLUTO_SHUTDOWN_TIMEOUT_MS ?? "").trim() || "10000";
  if (!/^\d{1,7}$/.test(graceText) || Number(graceText) > 600_000) {
    throw new ConfigError(
      `PLUTO_SHUTDOWN_TIMEOUT_MS must be a number of milliseconds up to 600000, got "${env.PLUTO_SHUTDOWN_TIMEOUT_MS}"`,
    );
  }

  const headersTimeout = whole(env, "PLUTO_HTTP_HEADERS_TIMEOUT_MS", 10_000, 1, 600_000);
  const requestTimeout = whole(env, "PLUTO_HTTP_REQUEST_TIMEOUT_MS", 30_000, 1, 3_600_000);
  // Node refuses a header timeout longer than the request's: the headers are part of the request.
  if (headersTimeout > requestTimeout)
    throw new ConfigError(
      `PLUTO_HTTP_HEADERS_TIMEOUT_MS (${headersTimeout}) must not exceed PLUTO_HTTP_REQUEST_TIMEOUT_MS (${requestTimeout})`,
    );

  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    adminPassword,
    adminToken,
    logLevel,
    logFormat,
    trustProxy: ["true", "1", "yes"].includes(tp),
    outboundAllow,
    timezone,
    shutdownTimeoutMs: Number(graceText),
    dbStatementTimeoutMs: whole(env, "PLUTO_DB_STATEMENT_TIMEOUT_MS", 10_000, 1, 3_600_000),
    dbLockTimeoutMs: whole(env, "PLUTO_DB_LOCK_TIMEOUT_MS", 5_000, 1, 3_600_000),
    httpHeadersTimeoutMs: headersTimeout,
    httpRequestTimeoutMs: requestTimeout,
    httpKeepAliveTimeoutMs: whole(env, "PLUTO_HTTP_KEEP_ALIVE_TIMEOUT_MS", 72_000, 1, 3_600_000),
    httpMaxConnections: whole(env, "PLUTO_HTTP_MAX_CONNECTIONS", 1_000, 1, 1_000_000),
  };
}

/** A whole number setting between `min` and `max`, `fallback` when unset or empty. */
function whole(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = (env[name] ?? "").trim();
  if (text === "") return fallback;
  const n = Number(text);
  if (!/^\d{1,10}$/.test(text) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${env[name]}"`);
  return n;
}

/** Picks Pluto's own variables out of a process environment. */
export function plutoEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (KNOWN.has(k) || k.startsWith("PLUTO_")) out[k] = v;
  return out;
}
