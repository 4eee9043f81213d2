// The replay store for OAuth nonces, in the database so every app process sees every nonce.
// Namespaces keep the provider's consumers apart from the consumer side's tools.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { NonceStore } from "../../lti/ports.js";
import { iso } from "../../shared/clock.js";

export function dbNonceStore(db: Db, namespace: "in" | "tool"): NonceStore {
  return {
    async seen(consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
      // One atomic statement: the row is new (not seen) or the insert does nothing (a replay). Run on
      // every launch and outcome request, so an SQL text rather than the builder.
      const { rows } = await sql`insert into lti_nonces (consumer_key, nonce, expires_at)
        values (${`${namespace}:${consumerKey}`.slice(0, 255)}, ${nonce.slice(0, 255)}, ${iso(expiresAt)})
        on conflict (consumer_key, nonce) do nothing returning nonce`.execute(db);
      const inserted = rows[0];
      return inserted === undefined;
    },
  };
}

export async function purgeExpiredNonces(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_nonces").where("expires_at", "<", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
