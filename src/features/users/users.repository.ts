// The only file that touches the users and api_tokens tables.

import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { UserRow } from "../../db/schema.js";

export interface User {
  id: number;
  username: string;
  email: string;
  firstname: string;
  lastname: string;
  country: string;
  city: string;
  timezone: string;
  lang: string;
  institution: string;
  auth: string;
  suspended: boolean;
  siteAdmin: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export type ProfileFields = Pick<
  User,
  "email" | "firstname" | "lastname" | "country" | "city" | "timezone" | "lang" | "institution"
>;

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    firstname: r.firstname,
    lastname: r.lastname,
    country: r.country,
    city: r.city,
    timezone: r.timezone,
    lang: r.lang,
    institution: r.institution,
    auth: r.auth,
    suspended: r.suspended === 1,
    siteAdmin: r.site_admin === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  const r = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toUser(r) : undefined;
}

export async function findUserByUsername(
  db: Db,
  username: string,
): Promise<(User & { passwordHash: string | null }) | undefined> {
  const r = await db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
  return r ? { ...toUser(r), passwordHash: r.password_hash } : undefined;
}

function searchUsers(db: Db, search: string | undefined) {
  const q = db.selectFrom("users");
  if (!search) return q;
  // LIKE wildcards typed by the user match literally.
  const s = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q.where((eb) =>
    eb.or(
      (["username", "email", "firstname", "lastname"] as const).map((col) =>
        eb(eb.fn("lower", [col]), "like", sql<string>`${s} escape '\\'`),
      ),
    ),
  );
}

export async function listUsers(
  db: Db,
  opts: { search?: string; limit: number; offset: number },
): Promise<User[]> {
  const rows = await searchUsers(db, opts.search)
    .selectAll()
    .orderBy("username")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  return rows.map(toUser);
}

export async function countUsers(db: Db, search?: string): Promise<number> {
  const r = await searchUsers(db, search)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertUser(
  db: Db,
  values: ProfileFields & {
    username: string;
    passwordHash: string | null;
    auth: string;
    siteAdmin: boolean;
    now: string;
  },
): Promise<User> {
  const r = await db
    .insertInto("users")
    .values({
      username: values.username,
      password_hash: values.passwordHash,
      email: values.email,
      firstname: values.firstname,
      lastname: values.lastname,
      country: values.country,
      city: values.city,
      timezone: values.timezone,
      lang: values.lang,
      institution: values.institution,
      auth: values.auth,
      suspended: 0,
      site_admin: values.siteAdmin ? 1 : 0,
      created_at: values.now,
      updated_at: values.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(r);
}

export async function updateUser(
  db: Db,
  id: number,
  values: Partial<ProfileFields> & { passwordHash?: string; suspended?: boolean; auth?: string; now: string },
): Promise<void> {
  const { passwordHash, suspended, now, ...profile } = values;
  await db
    .updateTable("users")
    .set({
      ...profile,
      ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
      ...(suspended !== undefined ? { suspended: suspended ? 1 : 0 } : {}),
      updated_at: now,
    })
    .where("id", "=", id)
    .execute();
}

/** Ends every session of the user, except the one whose hash is `keep` (the caller's own). */
export async function deleteSessionsOfUser(db: Db, userId: number, keep?: string): Promise<number> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keep) q = q.where("id", "!=", keep);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function insertApiToken(
  db: Db,
  userId: number,
  name: string,
  tokenHash: string,
  now: string,
): Promise<number> {
  const r = await db
    .insertInto("api_tokens")
    .values({ user_id: userId, name, token_hash: tokenHash, created_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function listApiTokens(db: Db, userId: number): Promise<ApiToken[]> {
  const rows = await db
    .selectFrom("api_tokens")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

export async function deleteApiToken(db: Db, userId: number, tokenId: number): Promise<boolean> {
  const r = await db
    .deleteFrom("api_tokens")
    .where("id", "=", tokenId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Inserts an account that signs in elsewhere (auth "lti", no password); undefined when the username
 * is taken (e.g. by a simultaneous first launch of the same remote user).
 */
export async function insertExternalUser(
  db: Db,
  v: Pick<
    User,
    "username" | "email" | "firstname" | "lastname" | "country" | "city" | "timezone" | "lang" | "institution"
  > & {
    auth: string;
    now: string;
  },
): Promise<number | undefined> {
  const r = await db
    .insertInto("users")
    .values({
      username: v.username,
      password_hash: null,
      email: v.email,
      firstname: v.firstname,
      lastname: v.lastname,
      country: v.country,
      city: v.city,
      timezone: v.timezone,
      lang: v.lang,
      institution: v.institution,
      auth: v.auth,
      suspended: 0,
      site_admin: 0,
      created_at: v.now,
      updated_at: v.now,
    })
    .onConflict((oc) => oc.column("username").doNothing())
    .returning("id")
    .executeTakeFirst();
  return r?.id;
}

export async function updateNames(
  db: Db,
  userId: number,
  changes: { firstname?: string; lastname?: string; email?: string },
  now: string,
): Promise<void> {
  await db
    .updateTable("users")
    .set({ ...changes, updated_at: now })
    .where("id", "=", userId)
    .execute();
}
