// Courses and their sections. A new course gets a "General" section and four topics, its
// course-total grade item, and a manual enrolment method (as mature LMSs do).
import { z } from "zod";
import type { Db } from "../../db/database.js";
import { isUniqueViolation } from "../../db/errors.js";
import { type Clock, iso } from "../../shared/clock.js";
import { ConflictError, NotFoundError } from "../../shared/errors.js";
import { parseInput, requiredText, trimmed } from "../../shared/validation.js";
import { activeRolesByCourse, addEnrolInstance } from "../enrolments/enrolments.service.js";
import { ensureCourseTotalItem } from "../grades/grades.service.js";
import * as repo from "./courses.repository.js";

export type { Course, Section } from "./courses.repository.js";

export const DEFAULT_TOPICS = 4;

/** A calendar date, YYYY-MM-DD; an empty value means "none". */
export const startDateSchema = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? null : typeof v === "string" ? v.trim() : v),
  z
    .string({ error: "Course start date must be a date (YYYY-MM-DD)" })
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Course start date must be a date (YYYY-MM-DD)")
    .refine((v) => {
      const d = new Date(`${v}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
    }, "Course start date must be a real date")
    .nullable(),
);

export const courseSchema = z.object({
  fullname: requiredText(254, "Course full name"),
  shortname: requiredText(100, "Course short name"),
  summary: trimmed(20000).default(""),
  visible: z.boolean().default(true),
  /** Left out: none (create) or unchanged (update). */
  startDate: startDateSchema.optional(),
});

export const courseUpdateSchema = courseSchema.partial();

export async function createCourse(db: Db, clock: Clock, input: unknown): Promise<repo.Course> {
  const v = parseInput(courseSchema, input);
  const now = iso(clock.now());
  try {
    return await db.transaction().execute(async (trx) => {
      if (await repo.findCourseByShortname(trx, v.shortname))
        throw new ConflictError(`Short name ${v.shortname} is already used by another course`);
      const course = await repo.insertCourse(trx, { ...v, now });
      await repo.insertSection(trx, course.id, 0, "General");
      for (let i = 1; i <= DEFAULT_TOPICS; i++) await repo.insertSection(trx, course.id, i, `Topic ${i}`);
      await ensureCourseTotalItem(trx, course.id);
      await addEnrolInstance(trx, clock, course.id, {
        method: "manual",
        name: "Manual enrolments",
        role: "student",
      });
      return course;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError(`Short name ${v.shortname} is already used by another course`);
    throw err;
  }
}

export async function updateCourse(db: Db, clock: Clock, id: number, input: unknown): Promise<repo.Course> {
  const v = parseInput(courseUpdateSchema, input);
  await getCourse(db, id);
  if (v.shortname) {
    const other = await repo.findCourseByShortname(db, v.shortname);
    if (other && other.id !== id)
      throw new ConflictError(`Short name ${v.shortname} is already used by another course`);
  }
  try {
    await repo.updateCourse(db, id, { ...v, now: iso(clock.now()) });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError(`Short name ${v.shortname} is already used by another course`);
    throw err;
  }
  return getCourse(db, id);
}

export async function getCourse(db: Db, id: number): Promise<repo.Course> {
  const c = await repo.findCourse(db, id);
  if (!c) throw new NotFoundError("Course");
  return c;
}

export async function addSection(db: Db, courseId: number, name?: string): Promise<number> {
  const sections = await repo.listSections(db, courseId);
  const position = sections.length === 0 ? 0 : Math.max(...sections.map((s) => s.position)) + 1;
  return repo.insertSection(db, courseId, position, name?.trim() || `Topic ${position}`);
}

export const findCourse = repo.findCourse;
export const listCourses = repo.listCourses;
export const listSections = repo.listSections;
export const updateSection = repo.updateSection;
export const findSection = repo.findSection;
export const findSectionByPosition = repo.findSectionByPosition;
export const deleteCourse = repo.deleteCourse;

/** Courses where the user has an active enrolment (any role). */
export async function listCoursesOfUser(
  db: Db,
  userId: number,
  now: Date,
): Promise<Array<repo.Course & { roles: string[] }>> {
  const roles = await activeRolesByCourse(db, userId, now);
  const courses = await repo.listCourses(db, { ids: [...roles.keys()], includeHidden: true });
  return courses.map((c) => ({ ...c, roles: [...(roles.get(c.id) ?? [])] }));
}
