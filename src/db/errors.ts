// The driver errors code elsewhere needs to tell apart, whichever engine raised them.

/** A unique or primary key constraint refused a write (PostgreSQL 23505, SQLite's UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/**
 * SQLSTATEs of a connection that is gone: 08 connection exceptions, 57P01–57P03 (the server shut
 * down or terminated the backend, crashed, or is starting).
 */
const LOST_SQLSTATE = /^(08...|57P0[123])$/;
/** SQLSTATEs of a database too busy to serve now: 57014 (statement timeout), 55P03 (lock timeout), 53300 (too many connections). */
const BUSY_SQLSTATE = /^(57014|55P03|53300)$/;
const LOST_ERRNO = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND"]);
/** node-postgres reports a connection that ended, or a client that lost it, by message only. */
const LOST_MESSAGE =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)$/;

/** The connection to the database broke or could not be made; the connection is of no further use. */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e !== "object" || e === null) return false;
  if (typeof e.code === "string" && (LOST_SQLSTATE.test(e.code) || LOST_ERRNO.has(e.code))) return true;
  return typeof e.message === "string" && LOST_MESSAGE.test(e.message);
}

/**
 * The database could not answer: its connection broke, it is restarting, a statement or lock wait
 * ran out of time, or (SQLite) another process held the write lock past the busy timeout. Worth a
 * retry later; the request itself was not at fault.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (isConnectionLost(err)) return true;
  const e = err as { code?: unknown; errcode?: unknown };
  if (typeof e !== "object" || e === null) return false;
  if (typeof e.code === "string" && BUSY_SQLSTATE.test(e.code)) return true;
  // node:sqlite: SQLITE_BUSY (5) and its extended codes (the low byte is the primary code).
  return e.code === "ERR_SQLITE_ERROR" && typeof e.errcode === "number" && (e.errcode & 0xff) === 5;
}
