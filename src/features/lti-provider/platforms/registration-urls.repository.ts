// lti_registration_urls: the Registration URLs made for Dynamic Registration, by the sha256 of their token.
import type { Db } from "../../../db/database.js";

export type RegistrationUrlState = "unknown" | "expired" | "used";

export async function insertRegistrationUrl(
  db: Db,
  v: { tokenHash: string; createdAt: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto("lti_registration_urls")
    .values({ token_hash: v.tokenHash, created_at: v.createdAt, expires_at: v.expiresAt, used_at: null })
    .execute();
}

/**
 * Spends the URL at `now` when it is unused and not expired: one UPDATE guarded by `used_at IS NULL`, so of
 * two requests (on any nodes) one spends it. Otherwise says why it cannot be spent.
 */
export async function spendRegistrationUrl(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<"spent" | RegistrationUrlState> {
  const r = await db
    .updateTable("lti_registration_urls")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return "spent";
  const row = await db
    .selectFrom("lti_registration_urls")
    .select(["used_at", "expires_at"])
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  if (!row) return "unknown";
  return row.used_at !== null ? "used" : "expired";
}

/** Makes a spent URL usable again (a registration that failed before the platform registered anything). */
export async function releaseRegistrationUrl(db: Db, tokenHash: string): Promise<void> {
  await db
    .updateTable("lti_registration_urls")
    .set({ used_at: null })
    .where("token_hash", "=", tokenHash)
    .execute();
}

/** Deletes the URLs that expired before `at`. */
export async function deleteExpiredRegistrationUrls(db: Db, at: string): Promise<number> {
  const r = await db.deleteFrom("lti_registration_urls").where("expires_at", "<=", at).executeTakeFirst();
  return Number(r.numDeletedRows);
}
