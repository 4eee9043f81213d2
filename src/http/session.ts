// Server-side sessions in the database: the cookie holds a random id, the table its sha256.
// Nothing about a session lives in process memory, so any node behind a load balancer serves it.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Actor, AppContext } from "../app/context.js";
import * as sessions from "../features/users/sessions.service.js";
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
  await sessions.insertSession(ctx.db, ctx.engine, {
    hash: info.hash,
    userId,
    csrfToken: info.csrfToken,
    data: JSON.stringify(data),
    now: iso(now),
    expiresAt: iso(addSeconds(now, SESSION_SECONDS)),
  });
  reply.setCookie(SESSION_COOKIE, token, { ...sessionCookieOptions(ctx, mode), maxAge: SESSION_SECONDS });
  return info;
}

export async function destroySession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply) {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await sessions.deleteSession(ctx.db, sha256Hex(token));
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx));
}

/** Finds the session for a cookie value, with its user; expired sessions and suspended users are none. */
export async function loadSession(
  ctx: AppContext,
  token: string,
): Promise<{ actor: Actor; session: SessionInfo } | undefined> {
  const hash = sha256Hex(token);
  const now = ctx.clock.now();
  const row = await sessions.findSession(ctx.db, hash);
  if (!row || row.expiresAt <= iso(now)) return undefined;
  // Sliding expiry, written at most every few minutes to keep reads cheap.
  if (now.getTime() - Date.parse(row.lastSeenAt) > TOUCH_AFTER_SECONDS * 1000) {
    await sessions.touchSession(ctx.db, hash, iso(now), iso(addSeconds(now, SESSION_SECONDS)));
  }
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    data = {};
  }
  return { actor: row.actor, session: { hash, csrfToken: row.csrfToken, data } };
}

/** Finds the user of an API bearer token (stored hashed). */
export async function loadTokenActor(ctx: AppContext, token: string): Promise<Actor | undefined> {
  const row = await sessions.findTokenActor(ctx.db, sha256Hex(token));
  if (!row) return undefined;
  const now = ctx.clock.now();
  if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) > TOUCH_AFTER_SECONDS * 1000) {
    await sessions.touchToken(ctx.db, row.tokenId, iso(now));
  }
  return row.actor;
}

export async function updateSessionData(
  ctx: AppContext,
  session: SessionInfo,
  data: Record<string, unknown>,
) {
  session.data = data;
  await sessions.updateSessionData(ctx.db, session.hash, JSON.stringify(data));
}
