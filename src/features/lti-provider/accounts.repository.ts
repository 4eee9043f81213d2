// LTI accounts: the link from a remote user (the deployment that provisioned it, user_id) to the
// local account, and the accounts this feature creates (auth "lti", no password) — the users rows
// it writes.
import type { Q, UserDefaults } from "./provider.repository.js";

/** A remote user's local account, as a launch needs it (one query: the link and the user row). */
export interface LinkedUser {
  id: number;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
}

/**
 * The account of a remote user launching through `deploymentId`. The link is looked for under every
 * deployment sharing the deployment's account scope: for LTI 1.1 its consumer key, so one remote user
 * launching two publications with one key keeps one account (as when links were keyed by the key).
 * Narrowing this to the deployment alone is the one change that confines a publication's secret to
 * the accounts provisioned through that publication.
 */
export async function findLinkedUser(
  db: Q,
  deploymentId: number,
  remoteUserId: string,
): Promise<LinkedUser | undefined> {
  return db
    .selectFrom("lti_user_links as l")
    .innerJoin("users as u", "u.id", "l.user_id")
    .innerJoin("lti_deployments as ld", "ld.id", "l.deployment_id")
    .innerJoin("lti_deployments as d", (j) =>
      j.onRef("d.side", "=", "ld.side").onRef("d.consumer_key", "=", "ld.consumer_key"),
    )
    .select(["u.id", "u.firstname", "u.lastname", "u.email", "u.auth"])
    .where("d.id", "=", deploymentId)
    .where("l.remote_user_id", "=", remoteUserId)
    .orderBy("l.id")
    .executeTakeFirst();
}

/**
 * Creates the account of a remote user (auth "lti", no password) with the publication's default
 * values; undefined when the username is taken (by a simultaneous launch of the same remote user).
 */
export async function insertLtiUser(
  db: Q,
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
  db: Q,
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

/** Links a remote user to a local account (one link per deployment and user_id). */
export async function insertUserLink(
  db: Q,
  v: { deploymentId: number; remoteUserId: string; userId: number; now: string },
): Promise<void> {
  await db
    .insertInto("lti_user_links")
    .values({
      deployment_id: v.deploymentId,
      remote_user_id: v.remoteUserId,
      user_id: v.userId,
      created_at: v.now,
    })
    .execute();
}
