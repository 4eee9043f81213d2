// The replay store for OAuth nonces, in the database so every app process sees every nonce. Nonces
// belong to a deployment (the remote party that signed them), on the provider and the consumer side.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { NonceStore } from "../../lti/ports.js";
import { type Clock, iso } from "../../shared/clock.js";
import { ensureDeployment } from "./deployments.repository.js";

/**
 * The nonces of one deployment. The consumer key verifyRequest passes is not stored: the caller has
 * already matched it to the deployment (the signature is checked with that deployment's secret).
 */
export function dbNonceStore(db: Db, deploymentId: number): NonceStore {
  return {
    async seen(_consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      // One atomic statement: the row is new (not seen) or the insert does nothing (a replay). Run on
      // every launch and outcome request, so an SQL text rather than the builder.
      const { rows } = await sql`insert into lti_nonces (deployment_id, nonce, expires_at)
        values (${deploymentId}, ${nonce.slice(0, 255)}, ${iso(expiresAt)})
        on conflict (deployment_id, nonce) do nothing returning nonce`.execute(db);
      return rows[0] === undefined;
    },
  };
}

/**
 * The nonces of the consumer side's deployment of a tool, found by what it deploys (a site tool or
 * an activity) in the same statement as the insert. The deployment is created only when that insert
 * found none (an activity's first use), so a service call still costs one statement.
 */
export function toolNonceStore(
  db: Db,
  clock: Clock,
  owner: { toolTypeId: number } | { activityId: number },
): NonceStore {
  const insert = (nonce: string, expiresAt: Date) => {
    const where =
      "toolTypeId" in owner
        ? sql`d.tool_type_id = ${owner.toolTypeId}`
        : sql`d.activity_id = ${owner.activityId}`;
    return sql`insert into lti_nonces (deployment_id, nonce, expires_at)
      select d.id, ${nonce.slice(0, 255)}, ${iso(expiresAt)} from lti_deployments d where ${where}
      on conflict (deployment_id, nonce) do nothing returning nonce`.execute(db);
  };
  return {
    async seen(_consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      if ((await insert(nonce, expiresAt)).rows[0] !== undefined) return false;
      await ensureDeployment(db, owner, iso(clock.now()));
      return (await insert(nonce, expiresAt)).rows[0] === undefined;
    },
  };
}

export async function purgeExpiredNonces(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_nonces").where("expires_at", "<", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
