// The NRPS read model (listed in test/table-ownership.test.ts): a course's roster one page at a time, keyset
// paged on the user id (no OFFSET scan), each member's enrolment state folded in and their roles read for
// the whole page (three queries a page, none per member); and the users whose membership changed since a point,
// from the enrolments feature's change log (membership_changes) and enrolment periods that began or ended.
// Reads only.
import type { ExpressionBuilder } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

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

/**
 * A page of the course's members (users with an enrolment and a role), by user id, in three queries: the
 * page's ids (the enrolments index in order, stopping at `limit`: no scan of the rest, no sort), then their
 * accounts with every enrolment's state, then their roles.
 */
export async function listRosterPage(db: Db, q: RosterQuery): Promise<RosterRow[]> {
  if (q.limit <= 0 || q.userIds?.length === 0 || q.requireAnyOf.some((s) => s.length === 0)) return [];
  const holds =
    (roles?: readonly string[]) => (eb: ExpressionBuilder<Database & { e: Database["enrolments"] }, "e">) => {
      let sub = eb
        .selectFrom("role_assignments as ra")
        .select("ra.id")
        .whereRef("ra.course_id", "=", "e.course_id")
        .whereRef("ra.user_id", "=", "e.user_id");
      if (roles !== undefined) sub = sub.where("ra.role", "in", [...roles]);
      return eb.exists(sub);
    };
  let page = db
    .selectFrom("enrolments as e")
    .select("e.user_id")
    .distinct()
    .where("e.course_id", "=", q.courseId)
    .where("e.user_id", ">", q.afterUserId)
    .where(holds());
  for (const set of q.requireAnyOf) page = page.where(holds(set));
  const excluded = q.excludeRoles ?? [];
  if (excluded.length > 0) page = page.where((eb) => eb.not(holds(excluded)(eb)));
  if (q.userIds !== undefined) page = page.where("e.user_id", "in", [...q.userIds]);
  const ids = (await page.orderBy("e.user_id").limit(q.limit).execute()).map((r) => r.user_id);
  if (ids.length === 0) return [];
  const [enrolments, roles] = await Promise.all([
    db
      .selectFrom("enrolments as e")
      .innerJoin("enrol_instances as i", "i.id", "e.instance_id")
      .innerJoin("users as u", "u.id", "e.user_id")
      .select([
        "u.id",
        "u.username",
        "u.firstname",
        "u.lastname",
        "u.email",
        "u.timezone",
        "e.status",
        "i.status as instance_status",
        "e.time_start",
        "e.time_end",
      ])
      .where("e.course_id", "=", q.courseId)
      .where("e.user_id", "in", ids)
      .execute(),
    db
      .selectFrom("role_assignments")
      .select(["user_id", "role"])
      .where("course_id", "=", q.courseId)
      .where("user_id", "in", ids)
      .orderBy("id")
      .execute(),
  ]);
  const byUser = new Map<number, RosterRow>();
  for (const e of enrolments) {
    const active =
      e.status === "active" &&
      e.instance_status === "enabled" &&
      (e.time_start === null || e.time_start <= q.now) &&
      (e.time_end === null || e.time_end > q.now);
    const had = byUser.get(e.id);
    if (had) had.active ||= active;
    else
      byUser.set(e.id, {
        userId: e.id,
        username: e.username,
        firstname: e.firstname,
        lastname: e.lastname,
        email: e.email,
        timezone: e.timezone,
        active,
        roles: [],
      });
  }
  for (const r of roles) byUser.get(r.user_id)?.roles.push(r.role);
  return ids.flatMap((id) => {
    const r = byUser.get(id);
    return r === undefined ? [] : [r];
  });
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
