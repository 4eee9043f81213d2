// Read-only overviews for the site admin pages. They aggregate across areas (courses with their
// participant counts) in one query instead of one query per course; nothing here writes.
import type { Db } from "../../db/database.js";

export interface CourseOverview {
  id: number;
  fullname: string;
  shortname: string;
  visible: boolean;
  participants: number;
}

function searchCourses(db: Db, search: string | undefined) {
  const q = db.selectFrom("courses");
  if (!search) return q;
  const s = `%${search.toLowerCase()}%`;
  return q.where((eb) =>
    eb.or([eb(eb.fn("lower", ["fullname"]), "like", s), eb(eb.fn("lower", ["shortname"]), "like", s)]),
  );
}

export async function listCourseOverview(
  db: Db,
  opts: { search?: string; limit: number; offset: number },
): Promise<CourseOverview[]> {
  const rows = await searchCourses(db, opts.search)
    .select(["courses.id", "courses.fullname", "courses.shortname", "courses.visible"])
    .select((eb) =>
      eb
        .selectFrom("enrolments")
        .select((e) => e.fn.count<number>("enrolments.user_id").distinct().as("n"))
        .whereRef("enrolments.course_id", "=", "courses.id")
        .as("participants"),
    )
    .orderBy("courses.fullname")
    .orderBy("courses.id")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    fullname: r.fullname,
    shortname: r.shortname,
    visible: r.visible === 1,
    participants: Number(r.participants ?? 0),
  }));
}

export async function countCourses(db: Db, search?: string): Promise<number> {
  const r = await searchCourses(db, search)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** What deleting a course takes with it, for the confirmation page. */
export async function countCourseContents(
  db: Db,
  courseId: number,
): Promise<{ participants: number; activities: number }> {
  const p = await db
    .selectFrom("enrolments")
    .select((eb) => eb.fn.count<number>("user_id").distinct().as("n"))
    .where("course_id", "=", courseId)
    .executeTakeFirstOrThrow();
  const a = await db
    .selectFrom("activities")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("course_id", "=", courseId)
    .executeTakeFirstOrThrow();
  return { participants: Number(p.n), activities: Number(a.n) };
}
