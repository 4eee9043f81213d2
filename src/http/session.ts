// Server-side sessions in the database: the cookie holds a random id, the table its sha256.
// Nothing about a session lives in process memory, so any node behind a load balancer serves it.
import type { FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import type { Actor, AppContext } from "../app/context.js";
import { addSeconds, iso } from "../shared/clock.js";
import { randomToken, sha256Hex } from "../shared/secrets.js";

export const SESSION_COOKIE = "pluto_session";
export const SESSION_SECONDS = 8 * 3600;
const TOUCH_AFTER_SECONDS = 300;

export interface SessionInfo {
  hash: string;
  csrfToken: string;
  data: Record<string, unknown>;
}

export interface CookieMode {
  /** Cross-site embedded use (LTI): SameSite=None; Secure; Partitioned. */
  embedded?: boolean;
}

export function sessionCookieOptions(ctx: AppContext, mode: CookieMode = {}) {
  const secureSite = ctx.config.publicUrl.startsWith("https:");
  const path = "/";
  return mode.embedded
    ? ({ path, httpOnly: true, secure: true, sameSite: "none", partitioned: true } as const)
    : ({ path, httpOnly: true, secure: secureSite, sameSite: "lax" } as const);
}

export async function createSession(
  ctx: AppContext,
  reply: FastifyReply,
  userId: number,
  data: Record<string, unknown> = {},
  mode: CookieMode = {},
): Promise<SessionInfo> {
  const token = randomToken();
  const now = ctx.clock.now();
  const info: SessionInfo = { hash: sha256Hex(token), csrfToken: randomToken(24), data };
  // Every login and LTI launch writes these two rows: SQL texts, as the builder cost more than the writes,
  // and on PostgreSQL one statement (one round trip) for both.
  const insert = sql`insert into sessions (id, user_id, csrf_token, data, created_at, expires_at, last_seen_at)
    values (${info.hash}, ${userId}, ${info.csrfToken}, ${JSON.stringify(data)}, ${iso(now)},
      ${iso(addSeconds(now, SESSION_SECONDS))}, ${iso(now)})`;
  const touch = sql`update users set last_login_at = ${iso(now)} where id = ${userId}`;
  if (ctx.engine === "postgres") await sql`with s as (${insert}) ${touch}`.execute(ctx.db);
  else {
    await insert.execute(ctx.db);
    await touch.execute(ctx.db);
  }
  reply.setCookie(SESSION_COOKIE, token, { ...sessionCookieOptions(ctx, mode), maxAge: SESSION_SECONDS });
  return info;
}

export async function destroySession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply) {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await ctx.db.deleteFrom("sessions").where("id", "=", sha256Hex(token)).execute();
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx));
}

interface ActorRow {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  site_admin: number;
  auth: string;
  lang: string;
  timezone: string;
}

interface SessionRow {
  csrf_token: string;
  data: string;
  last_seen_at: string;
  expires_at: string;
}

function toActor(row: ActorRow): Actor {
  return {
    id: row.id,
    username: row.username,
    firstname: row.firstname,
    lastname: row.lastname,
    email: row.email,
    siteAdmin: row.site_admin === 1,
    auth: row.auth,
    lang: row.lang,
    timezone: row.timezone,
  };
}

/** Finds the session for a cookie value, with its user; expired sessions and suspended users are none. */
export async function loadSession(
  ctx: AppContext,
  token: string,
): Promise<{ actor: Actor; session: SessionInfo } | undefined> {
  const hash = sha256Hex(token);
  const now = ctx.clock.now();
  // Read on every page: one SQL text, as Kysely's builder cost more than the query (see courseRolesOf).
  const { rows } = await sql<ActorRow & SessionRow>`
    select u.id, u.username, u.firstname, u.lastname, u.email, u.site_admin, u.auth, u.lang, u.timezone,
      s.csrf_token, s.data, s.last_seen_at, s.expires_at
    from sessions s join users u on u.id = s.user_id
    where s.id = ${hash} and u.suspended = 0`.execute(ctx.db);
  const row = rows[0];
  if (!row || row.expires_at <= iso(now)) return undefined;
  // Sliding expiry, written at most every few minutes to keep reads cheap.
  if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_AFTER_SECONDS * 1000) {
    await ctx.db
      .updateTable("sessions")
      .set({ last_seen_at: iso(now), expires_at: iso(addSeconds(now, SESSION_SECONDS)) })
      .where("id", "=", hash)
      .execute();
  }
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    data = {};
  }
  return { actor: toActor(row), session: { hash, csrfToken: row.csrf_token, data } };
}

/** Finds the user of an API bearer token (stored hashed). */
export async function loadTokenActor(ctx: AppContext, token: string): Promise<Actor | undefined> {
  const { rows } = await sql<ActorRow & { token_id: number; last_used_at: string | null }>`
    select u.id, u.username, u.firstname, u.lastname, u.email, u.site_admin, u.auth, u.lang, u.timezone,
      t.id as token_id, t.last_used_at
    from api_tokens t join users u on u.id = t.user_id
    where t.token_hash = ${sha256Hex(token)} and u.suspended = 0`.execute(ctx.db);
  const row = rows[0];
  if (!row) return undefined;
  const now = ctx.clock.now();
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_AFTER_SECONDS * 1000) {
    await ctx.db
      .updateTable("api_tokens")
      .set({ last_used_at: iso(now) })
      .where("id", "=", row.token_id)
      .execute();
  }
  return toActor(row);
}

export async function updateSessionData(
  ctx: AppContext,
  session: SessionInfo,
  data: Record<string, unknown>,
) {
  session.data = data;
  await ctx.db
    .updateTable("sessions")
    .set({ data: JSON.stringify(data) })
    .where("id", "=", session.hash)
    .execute();
}
