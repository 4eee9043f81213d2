// The replay store for OAuth nonces, in the database so every app process sees every nonce.
// Namespaces keep the provider's consumers apart from the consumer side's tools.
import type { Db } from "../../db/database.js";
import type { NonceStore } from "../../lti/ports.js";
import { iso } from "../../shared/clock.js";

export function dbNonceStore(db: Db, namespace: "in" | "tool"): NonceStore {
  return {
    async seen(consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      // One atomic statement: the row is new (not seen) or the insert does nothing (a replay).
      const inserted = await db
        .insertInto("lti_nonces")
        .values({
          consumer_key: `${namespace}:${consumerKey}`.slice(0, 255),
          nonce: nonce.slice(0, 255),
          expires_at: iso(expiresAt),
        })
        .onConflict((oc) => oc.columns(["consumer_key", "nonce"]).doNothing())
        .returning("nonce")
        .executeTakeFirst();
      return inserted === undefined;
    },
  };
}

export async function purgeExpiredNonces(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_nonces").where("expires_at", "<", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
