// Sessions and API tokens, with the account they act as. Read or written on every request, login and
// LTI launch, so the hot statements are SQL texts: Kysely's builder cost more than the queries.
import { sql } from "kysely";
import type { Actor } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import type { Engine } from "../../db/dialect.js";

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

export interface StoredSession {
  actor: Actor;
  csrfToken: string;
  /** The session's data as stored (JSON text). */
  data: string;
  lastSeenAt: string;
  expiresAt: string;
}

/**
 * Inserts a session and records the account's last login; on PostgreSQL one statement (one round
 * trip) for both.
 */
export async function insertSession(
  db: Db,
  engine: Engine,
  v: { hash: string; userId: number; csrfToken: string; data: string; now: string; expiresAt: string },
): Promise<void> {
  const insert = sql`insert into sessions (id, user_id, csrf_token, data, created_at, expires_at, last_seen_at)
    values (${v.hash}, ${v.userId}, ${v.csrfToken}, ${v.data}, ${v.now},
      ${v.expiresAt}, ${v.now})`;
  const touch = sql`update users set last_login_at = ${v.now} where id = ${v.userId}`;
  if (engine === "postgres") await sql`with s as (${insert}) ${touch}`.execute(db);
  else {
    await insert.execute(db);
    await touch.execute(db);
  }
}

export async function deleteSession(db: Db, hash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", hash).execute();
}

/** The session with this hash and its user, unless the user is suspended (expiry is the caller's check). */
export async function findSession(db: Db, hash: string): Promise<StoredSession | undefined> {
  const { rows } = await sql<
    ActorRow & { csrf_token: string; data: string; last_seen_at: string; expires_at: string }
  >`
    select u.id, u.username, u.firstname, u.lastname, u.email, u.site_admin, u.auth, u.lang, u.timezone,
      s.csrf_token, s.data, s.last_seen_at, s.expires_at
    from sessions s join users u on u.id = s.user_id
    where s.id = ${hash} and u.suspended = 0`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    actor: toActor(row),
    csrfToken: row.csrf_token,
    data: row.data,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

export async function touchSession(
  db: Db,
  hash: string,
  lastSeenAt: string,
  expiresAt: string,
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
    .where("id", "=", hash)
    .execute();
}

export async function updateSessionData(db: Db, hash: string, data: string): Promise<void> {
  await db.updateTable("sessions").set({ data }).where("id", "=", hash).execute();
}

export async function deleteExpiredSessions(db: Db, at: string): Promise<number> {
  const r = await db.deleteFrom("sessions").where("expires_at", "<=", at).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The user of an API token (by its hash), unless suspended, with the token's id and last use. */
export async function findTokenActor(
  db: Db,
  tokenHash: string,
): Promise<{ actor: Actor; tokenId: number; lastUsedAt: string | null } | undefined> {
  const { rows } = await sql<ActorRow & { token_id: number; last_used_at: string | null }>`
    select u.id, u.username, u.firstname, u.lastname, u.email, u.site_admin, u.auth, u.lang, u.timezone,
      t.id as token_id, t.last_used_at
    from api_tokens t join users u on u.id = t.user_id
    where t.token_hash = ${tokenHash} and u.suspended = 0`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return { actor: toActor(row), tokenId: row.token_id, lastUsedAt: row.last_used_at };
}

export async function touchToken(db: Db, tokenId: number, at: string): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", tokenId).execute();
}

export async function tokenExists(db: Db, tokenHash: string): Promise<boolean> {
  const r = await db
    .selectFrom("api_tokens")
    .select("id")
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return r !== undefined;
}
