// The logins Pluto-the-tool answered and their launch has not used yet (lti_tool_logins), by the sha256
// of their state.
import type { Db } from "../../../db/database.js";

export interface ToolLoginRow {
  registrationId: number;
  /** JSON text. */
  binding: string;
  expiresAt: string;
}

export async function insertToolLogin(
  db: Db,
  v: { stateHash: string; registrationId: number; binding: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto("lti_tool_logins")
    .values({
      state_hash: v.stateHash,
      registration_id: v.registrationId,
      binding: v.binding,
      expires_at: v.expiresAt,
    })
    .execute();
}

export async function findToolLogin(db: Db, stateHash: string): Promise<ToolLoginRow | undefined> {
  const r = await db
    .selectFrom("lti_tool_logins")
    .selectAll()
    .where("state_hash", "=", stateHash)
    .executeTakeFirst();
  return r && { registrationId: r.registration_id, binding: r.binding, expiresAt: r.expires_at };
}

/** Deletes the login; false when another request deleted it first. */
export async function deleteToolLogin(db: Db, stateHash: string): Promise<boolean> {
  const r = await db.deleteFrom("lti_tool_logins").where("state_hash", "=", stateHash).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteExpiredToolLogins(db: Db, at: string): Promise<number> {
  const r = await db.deleteFrom("lti_tool_logins").where("expires_at", "<=", at).executeTakeFirst();
  return Number(r.numDeletedRows);
}
