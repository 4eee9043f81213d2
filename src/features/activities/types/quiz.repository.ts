// The only file that touches quiz_attempts.

import type { Selectable } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export interface Attempt {
  id: number;
  activityId: number;
  userId: number;
  answers: Array<number | null>;
  grade: number;
  maxGrade: number;
  createdAt: string;
}

function parseAnswers(json: string): Array<number | null> {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map((x) => (typeof x === "number" ? x : null)) : [];
  } catch {
    return [];
  }
}

const toAttempt = (r: Selectable<Database["quiz_attempts"]>): Attempt => ({
  id: r.id,
  activityId: r.activity_id,
  userId: r.user_id,
  answers: parseAnswers(r.answers),
  grade: r.grade,
  maxGrade: r.max_grade,
  createdAt: r.created_at,
});

export async function insertAttempt(db: Db, v: Omit<Attempt, "id">): Promise<Attempt> {
  const r = await db
    .insertInto("quiz_attempts")
    .values({
      activity_id: v.activityId,
      user_id: v.userId,
      answers: JSON.stringify(v.answers),
      grade: v.grade,
      max_grade: v.maxGrade,
      created_at: v.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAttempt(r);
}

/** Attempts at a quiz, oldest first: one user's, or everyone's. */
export async function listAttempts(db: Db, activityId: number, userId?: number): Promise<Attempt[]> {
  let q = db.selectFrom("quiz_attempts").selectAll().where("activity_id", "=", activityId).orderBy("id");
  if (userId !== undefined) q = q.where("user_id", "=", userId);
  return (await q.execute()).map(toAttempt);
}
