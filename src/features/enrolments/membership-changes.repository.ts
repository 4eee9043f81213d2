// The membership change log (membership_changes, migration 0049): a row per user whose enrolment or roles in
// a course were added, changed or removed, written beside the change by the enrolments and role assignment
// writes (in their transaction); NRPS differences read it, a scheduled task prunes it. Part of the
// enrolments feature's tables (enrolments.repository.ts).
import type { Db } from "../../db/database.js";

/** Logs that these users' membership of their course changed at `now` (NRPS differences). */
export async function logMembershipChanges(
  db: Db,
  changes: ReadonlyArray<{ courseId: number; userId: number }>,
  now: string,
): Promise<void> {
  if (changes.length === 0) return;
  await db
    .insertInto("membership_changes")
    .values(changes.map((c) => ({ course_id: c.courseId, user_id: c.userId, changed_at: now })))
    .execute();
}

/** Logs a change for every user enrolled through an instance (its status or dates changed). */
export async function logInstanceMembershipChanges(db: Db, instanceId: number, now: string): Promise<void> {
  await db
    .insertInto("membership_changes")
    .columns(["course_id", "user_id", "changed_at"])
    .expression((eb) =>
      eb
        .selectFrom("enrolments")
        .select(["course_id", "user_id", eb.val(now).as("changed_at")])
        .where("instance_id", "=", instanceId),
    )
    .execute();
}

/** Deletes the change log rows older than `before`; returns how many. */
export async function deleteMembershipChangesBefore(db: Db, before: string): Promise<number> {
  const r = await db.deleteFrom("membership_changes").where("changed_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
