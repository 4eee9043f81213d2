// The replay store's table (lti_nonces), in the database so every app process sees every nonce. Nonces
// belong to a deployment (the remote party that signed them), on the provider and the consumer side;
// nonces.service.ts builds the NonceStore ports on these statements.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";

/**
 * Records `nonce` for one deployment; false when it was already there (a replay). One atomic
 * statement: the row is new or the insert does nothing. Run on every launch and outcome request, so
 * an SQL text rather than the builder.
 */
export async function insertNonce(
  db: Db,
  deploymentId: number,
  nonce: string,
  expiresAt: Date,
): Promise<boolean> {
  const { rows } = await sql`insert into lti_nonces (deployment_id, nonce, expires_at)
    values (${deploymentId}, ${nonce.slice(0, 255)}, ${iso(expiresAt)})
    on conflict (deployment_id, nonce) do nothing returning nonce`.execute(db);
  return rows[0] !== undefined;
}

/**
 * Records `nonce` for the consumer side's deployment of a tool, found by what it deploys (a site tool
 * or an activity) in the same statement as the insert; false for a replay and when the tool has no
 * deployment yet.
 */
export async function insertToolNonce(
  db: Db,
  owner: { toolTypeId: number } | { activityId: number },
  nonce: string,
  expiresAt: Date,
): Promise<boolean> {
  const where =
    "toolTypeId" in owner
      ? sql`d.tool_type_id = ${owner.toolTypeId}`
      : sql`d.activity_id = ${owner.activityId}`;
  const { rows } = await sql`insert into lti_nonces (deployment_id, nonce, expires_at)
    select d.id, ${nonce.slice(0, 255)}, ${iso(expiresAt)} from lti_deployments d where ${where}
    on conflict (deployment_id, nonce) do nothing returning nonce`.execute(db);
  return rows[0] !== undefined;
}

export async function purgeExpiredNonces(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_nonces").where("expires_at", "<", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Records a spent single-use token (a Dynamic Registration token's jti); false when it was spent already. */
export async function insertSpentToken(db: Db, jti: string, expiresAt: Date): Promise<boolean> {
  const { rows } = await sql`insert into lti_spent_tokens (jti, expires_at)
    values (${jti.slice(0, 255)}, ${iso(expiresAt)})
    on conflict (jti) do nothing returning jti`.execute(db);
  return rows[0] !== undefined;
}

export async function purgeSpentTokens(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_spent_tokens").where("expires_at", "<", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
