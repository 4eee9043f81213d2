// LTI accounts: the link from a remote user (consumer key, user_id) to the local account, and the
// accounts this feature creates (auth "lti", no password) — the users rows it writes.
import type { Db } from "../../db/database.js";
import type { UserDefaults } from "./provider.repository.js";

/** A remote user's local account, as a launch needs it (one query: the link and the user row). */
export interface LinkedUser {
  id: number;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
}

export async function findLinkedUser(
  db: Db,
  consumerKey: string,
  remoteUserId: string,
): Promise<LinkedUser | undefined> {
  return db
    .selectFrom("lti_user_links as l")
    .innerJoin("users as u", "u.id", "l.user_id")
    .select(["u.id", "u.firstname", "u.lastname", "u.email", "u.auth"])
    .where("l.consumer_key", "=", consumerKey)
    .where("l.remote_user_id", "=", remoteUserId)
    .executeTakeFirst();
}

/**
 * Creates the account of a remote user (auth "lti", no password) with the publication's default
 * values; undefined when the username is taken (by a simultaneous launch of the same remote user).
 */
export async function insertLtiUser(
  db: Db,
  v: {
    username: string;
    email: string;
    firstname: string;
    lastname: string;
    defaults: UserDefaults;
    now: string;
  },
): Promise<number | undefined> {
  const d = v.defaults;
  const r = await db
    .insertInto("users")
    .values({
      username: v.username,
      password_hash: null,
      email: v.email,
      firstname: v.firstname,
      lastname: v.lastname,
      country: d.country,
      city: d.city,
      timezone: d.timezone,
      lang: d.lang,
      institution: d.institution,
      auth: "lti",
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

export async function updateLinkedUser(
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

/** Links a remote user to a local account (one link per consumer key and user_id). */
export async function insertUserLink(
  db: Db,
  v: { consumerKey: string; remoteUserId: string; userId: number; now: string },
): Promise<void> {
  await db
    .insertInto("lti_user_links")
    .values({
      consumer_key: v.consumerKey,
      remote_user_id: v.remoteUserId,
      user_id: v.userId,
      created_at: v.now,
    })
    .execute();
}
