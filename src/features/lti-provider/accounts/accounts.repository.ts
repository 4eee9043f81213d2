// LTI accounts: the link from a remote user (the deployment that provisioned it, user_id) to the
// local account. The accounts themselves (auth "lti", no password) are the users feature's: see
// createExternalUser.
import { sql } from "kysely";
import type { Db } from "../../../db/database.js";
import { findDeploymentId } from "../../lti-common/deployments.service.js";

/** A remote user's local account, as a launch needs it (one query: the link and the user row). */
export interface LinkedUser {
  id: number;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
}

/**
 * The account of a remote user launching through `deploymentId`: linked through that deployment,
 * else through another deployment of its account scope (a group a site admin declared to be one
 * consumer; see lti-common's deployments.repository.ts). Never through a deployment outside the
 * scope, whatever its consumer key: a publication's secret reaches only its own remote users. A
 * link through the deployment itself comes first, so a declaration never moves an account away
 * from the remote user it was made for. Must agree with launch.repository.ts findLaunchContext.
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
      j.on(sql`coalesce(ld.account_scope_id, ld.id)`, "=", sql`coalesce(d.account_scope_id, d.id)`),
    )
    .select(["u.id", "u.firstname", "u.lastname", "u.email", "u.auth"])
    .where("d.id", "=", deploymentId)
    .where("l.remote_user_id", "=", remoteUserId)
    .orderBy(sql`case when l.deployment_id = ${deploymentId} then 0 else 1 end`)
    .orderBy("l.id")
    .executeTakeFirst();
}

/** How many remote users are linked through each deployment (of those given). */
export async function countLinks(db: Db, deploymentIds: readonly number[]): Promise<Map<number, number>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("lti_user_links")
    .select(["deployment_id", (eb) => eb.fn.countAll().as("n")])
    .where("deployment_id", "in", deploymentIds)
    .groupBy("deployment_id")
    .execute();
  return new Map(rows.map((r) => [r.deployment_id, Number(r.n)]));
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

/**
 * The account an LTI 1.1 launch of this publication provisioned for `remoteUserId` under `consumerKey` (within
 * that deployment's account scope): what an LTI 1.3 launch carrying a verified lti1p1 claim keeps.
 */
export async function findLti11User(
  db: Db,
  publicationId: number,
  consumerKey: string,
  remoteUserId: string,
): Promise<LinkedUser | undefined> {
  const deploymentId = await findDeploymentId(db, { publicationId, consumerKey });
  return deploymentId === undefined ? undefined : findLinkedUser(db, deploymentId, remoteUserId);
}
