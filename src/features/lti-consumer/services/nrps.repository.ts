// The NRPS read model (listed in test/table-ownership.test.ts): a course's roster one page at a time, keyset
// paged on the user id (no OFFSET scan), with each member's enrolment state folded in and their roles in a
// second query for the page (no query per member); and the users whose membership changed since a point,
// from the enrolments feature's change log (membership_changes) and enrolment periods that began or ended.
// Reads only.
import type { Db } from "../../../db/database.js";

export interface RosterRow {
  userId: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  timezone: string;
  /** At least one of the user's enrolments gives access now (active, enabled method, inside its dates). */
  active: boolean;
  roles: string[];
}

export interface RosterQuery {
  courseId: number;
  /** The time enrolment states are taken at (ISO 8601). */
  now: string;
  /** Only users whose id is greater (the keyset cursor); 0 from the start. */
  afterUserId: number;
  limit: number;
  /** Each set: the user holds at least one of these roles. A user holds at least one role in any case. */
  requireAnyOf: ReadonlyArray<readonly string[]>;
  /** The user holds none of these roles. */
  excludeRoles?: readonly string[];
  /** Only these users (a differences page). */
  userIds?: readonly number[];
}

/** A page of the course's members (users with an enrolment and a role), by user id. */
export async function listRosterPage(db: Db, q: RosterQuery): Promise<RosterRow[]> {
  if (q.limit <= 0 || q.userIds?.length === 0 || q.requireAnyOf.some((s) => s.length === 0)) return [];
  let query = db
    .selectFrom("enrolments as e")
    .innerJoin("enrol_instances as i", "i.id", "e.instance_id")
    .innerJoin("users as u", "u.id", "e.user_id")
    .select((eb) => [
      "u.id",
      "u.username",
      "u.firstname",
      "u.lastname",
      "u.email",
      "u.timezone",
      eb.fn
        .max(
          eb
            .case()
            .when(
              eb.and([
                eb("e.status", "=", "active"),
                eb("i.status", "=", "enabled"),
                eb.or([eb("e.time_start", "is", null), eb("e.time_start", "<=", q.now)]),
                eb.or([eb("e.time_end", "is", null), eb("e.time_end", ">", q.now)]),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as("active"),
    ])
    .where("e.course_id", "=", q.courseId)
    .where("e.user_id", ">", q.afterUserId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("role_assignments as ra")
          .select("ra.id")
          .whereRef("ra.course_id", "=", "e.course_id")
          .whereRef("ra.user_id", "=", "e.user_id"),
      ),
    );
  for (const set of q.requireAnyOf)
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("role_assignments as ra")
          .select("ra.id")
          .whereRef("ra.course_id", "=", "e.course_id")
          .whereRef("ra.user_id", "=", "e.user_id")
          .where("ra.role", "in", [...set]),
      ),
    );
  const excluded = q.excludeRoles ?? [];
  if (excluded.length > 0)
    query = query.where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("role_assignments as ra")
            .select("ra.id")
            .whereRef("ra.course_id", "=", "e.course_id")
            .whereRef("ra.user_id", "=", "e.user_id")
            .where("ra.role", "in", [...excluded]),
        ),
      ),
    );
  if (q.userIds !== undefined) query = query.where("e.user_id", "in", [...q.userIds]);
  const rows = await query
    .groupBy(["u.id", "u.username", "u.firstname", "u.lastname", "u.email", "u.timezone"])
    .orderBy("u.id")
    .limit(q.limit)
    .execute();
  if (rows.length === 0) return [];
  const roles = await db
    .selectFrom("role_assignments")
    .select(["user_id", "role"])
    .where("course_id", "=", q.courseId)
    .where(
      "user_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("id")
    .execute();
  const byUser = new Map<number, string[]>();
  for (const r of roles) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.role]);
  return rows.map((r) => ({
    userId: r.id,
    username: r.username,
    firstname: r.firstname,
    lastname: r.lastname,
    email: r.email,
    timezone: r.timezone,
    active: Number(r.active) === 1,
    roles: byUser.get(r.id) ?? [],
  }));
}

/** The newest change log row's id (0 when there is none): the mark a since-cursor starts from. */
export async function latestMembershipChangeId(db: Db): Promise<number> {
  const r = await db
    .selectFrom("membership_changes")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/**
 * The ids of the users (after `afterUserId`, at most `limit`, in order) whose membership of the course
 * changed: a change log row after `fromChangeId` or written at `overlapFrom` or later, or an enrolment
 * whose start or end fell in (`fromAt`, `toAt`].
 */
export async function listChangedUserIds(
  db: Db,
  v: {
    courseId: number;
    fromChangeId: number;
    overlapFrom: string;
    fromAt: string;
    toAt: string;
    afterUserId: number;
    limit: number;
  },
): Promise<number[]> {
  const rows = await db
    .selectFrom("membership_changes")
    .select("user_id")
    .where("course_id", "=", v.courseId)
    .where((eb) => eb.or([eb("id", ">", v.fromChangeId), eb("changed_at", ">=", v.overlapFrom)]))
    .where("user_id", ">", v.afterUserId)
    .union(
      db
        .selectFrom("enrolments")
        .select("user_id")
        .where("course_id", "=", v.courseId)
        .where("user_id", ">", v.afterUserId)
        .where((eb) =>
          eb.or([
            eb.and([eb("time_start", ">", v.fromAt), eb("time_start", "<=", v.toAt)]),
            eb.and([eb("time_end", ">", v.fromAt), eb("time_end", "<=", v.toAt)]),
          ]),
        ),
    )
    .orderBy("user_id")
    .limit(v.limit)
    .execute();
  return rows.map((r) => r.user_id);
}
