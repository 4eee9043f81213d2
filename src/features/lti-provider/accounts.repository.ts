// LTI accounts: the link from a remote user (consumer key, user_id) to the local account. The
// accounts themselves (auth "lti", no password) are the users feature's: see createExternalUser.
import type { Db } from "../../db/database.js";

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
