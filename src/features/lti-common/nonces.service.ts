// The replay stores for OAuth nonces (the NonceStore port of src/lti/ports.ts) that lti-provider's
// launches and lti-consumer's services check signatures with. The table is nonces.repository.ts's.
import type { Db } from "../../db/database.js";
import type { NonceStore } from "../../lti/ports.js";
import { type Clock, iso } from "../../shared/clock.js";
import { ensureDeployment } from "./deployments.repository.js";
import * as repo from "./nonces.repository.js";

/**
 * The nonces of one deployment. The consumer key verifyRequest passes is not stored: the caller has
 * already matched it to the deployment (the signature is checked with that deployment's secret).
 */
export function dbNonceStore(db: Db, deploymentId: number): NonceStore {
  return {
    async seen(_consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      return !(await repo.insertNonce(db, deploymentId, nonce, expiresAt));
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
  return {
    async seen(_consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      if (await repo.insertToolNonce(db, owner, nonce, expiresAt)) return false;
      await ensureDeployment(db, owner, iso(clock.now()));
      return !(await repo.insertToolNonce(db, owner, nonce, expiresAt));
    },
  };
}

/**
 * The store of spent single-use tokens (Dynamic Registration tokens, by jti): site-wide, not per deployment,
 * since the tool has none before it registers.
 */
export function spentTokenStore(db: Db): NonceStore {
  return {
    async seen(_kind: string, jti: string, expiresAt: Date): Promise<boolean> {
      return !(await repo.insertSpentToken(db, jti, expiresAt));
    },
  };
}

/** Deletes the nonces and spent tokens past their expiry (the purge task); returns how many. */
export async function purgeExpiredNonces(db: Db, now: Date): Promise<number> {
  return (await repo.purgeExpiredNonces(db, now)) + (await repo.purgeSpentTokens(db, now));
}
