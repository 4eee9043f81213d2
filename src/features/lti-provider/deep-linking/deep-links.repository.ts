// The Deep Linking requests Pluto-the-tool offered content for and the teacher has not chosen from yet
// (lti_tool_deep_links), by the sha256 of their choice token.
import type { Db } from "../../../db/database.js";

export interface DeepLinkRow {
  registrationId: number;
  /** JSON text. */
  request: string;
  expiresAt: string;
}

export async function insertDeepLink(
  db: Db,
  v: { tokenHash: string; registrationId: number; request: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto("lti_tool_deep_links")
    .values({
      token_hash: v.tokenHash,
      registration_id: v.registrationId,
      request: v.request,
      expires_at: v.expiresAt,
    })
    .execute();
}

export async function findDeepLink(db: Db, tokenHash: string): Promise<DeepLinkRow | undefined> {
  const r = await db
    .selectFrom("lti_tool_deep_links")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return r && { registrationId: r.registration_id, request: r.request, expiresAt: r.expires_at };
}

/** Deletes the request; false when another choice deleted it first. */
export async function deleteDeepLink(db: Db, tokenHash: string): Promise<boolean> {
  const r = await db.deleteFrom("lti_tool_deep_links").where("token_hash", "=", tokenHash).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteExpiredDeepLinks(db: Db, at: string): Promise<number> {
  const r = await db.deleteFrom("lti_tool_deep_links").where("expires_at", "<=", at).executeTakeFirst();
  return Number(r.numDeletedRows);
}
