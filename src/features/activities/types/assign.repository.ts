// The only file that touches assign_submissions.

import type { Selectable } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export interface Submission {
  id: number;
  activityId: number;
  userId: number;
  text: string;
  submittedAt: string;
  updatedAt: string;
}

const toSubmission = (r: Selectable<Database["assign_submissions"]>): Submission => ({
  id: r.id,
  activityId: r.activity_id,
  userId: r.user_id,
  text: r.text,
  submittedAt: r.submitted_at,
  updatedAt: r.updated_at,
});

export async function findSubmission(
  db: Db,
  activityId: number,
  userId: number,
): Promise<Submission | undefined> {
  const r = await db
    .selectFrom("assign_submissions")
    .selectAll()
    .where("activity_id", "=", activityId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? toSubmission(r) : undefined;
}

export async function listSubmissions(db: Db, activityId: number): Promise<Submission[]> {
  const rows = await db
    .selectFrom("assign_submissions")
    .selectAll()
    .where("activity_id", "=", activityId)
    .execute();
  return rows.map(toSubmission);
}

/** One submission per student: a second save replaces the text and keeps the first submission time. */
export async function upsertSubmission(
  db: Db,
  v: { activityId: number; userId: number; text: string; now: string },
): Promise<void> {
  await db
    .insertInto("assign_submissions")
    .values({
      activity_id: v.activityId,
      user_id: v.userId,
      text: v.text,
      submitted_at: v.now,
      updated_at: v.now,
    })
    .onConflict((oc) =>
      oc.columns(["activity_id", "user_id"]).doUpdateSet({ text: v.text, updated_at: v.now }),
    )
    .execute();
}
