// The one-time hand-off tokens of launches (lti_handoffs), stored as their sha256.
import { sql } from "kysely";
import type { Db } from "../../../db/database.js";

export interface HandoffRow {
  userId: number;
  target: string;
  /** JSON text. */
  data: string;
  expiresAt: string;
}

export async function insertHandoff(
  db: Db,
  v: { tokenHash: string; userId: number; target: string; data: string; expiresAt: string },
): Promise<void> {
  // Written on every launch: an SQL text, as the builder cost more than the insert.
  await sql`insert into lti_handoffs (token_hash, user_id, target, data, expires_at)
    values (${v.tokenHash}, ${v.userId}, ${v.target}, ${v.data}, ${v.expiresAt})`.execute(db);
}

export async function findHandoff(db: Db, tokenHash: string): Promise<HandoffRow | undefined> {
  const r = await db
    .selectFrom("lti_handoffs")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return r && { userId: r.user_id, target: r.target, data: r.data, expiresAt: r.expires_at };
}

/** Deletes the hand-off; false when another request deleted it first. */
export async function deleteHandoff(db: Db, tokenHash: string): Promise<boolean> {
  const r = await db.deleteFrom("lti_handoffs").where("token_hash", "=", tokenHash).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteExpiredHandoffs(db: Db, at: string): Promise<number> {
  const r = await db.deleteFrom("lti_handoffs").where("expires_at", "<=", at).executeTakeFirst();
  return Number(r.numDeletedRows);
}
