// LTI accounts: the link from a remote user (the deployment that provisioned it, user_id) to the
// local account. The accounts themselves (auth "lti", no password) are the users feature's: see
// createExternalUser.
import type { Db } from "../../../db/database.js";

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
  db: Db,
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

/** Links a remote user to a local account (one link per deployment and user_id). */
export async function insertUserLink(
  db: Db,
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
