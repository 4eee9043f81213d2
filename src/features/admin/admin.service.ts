// Site administration use cases: the course overview and deleting a course.
import type { Db } from "../../db/database.js";
import { deleteCourse, getCourse } from "../courses/courses.service.js";
import * as repo from "./admin.repository.js";

export type { CourseOverview } from "./admin.repository.js";

export const COURSES_PER_PAGE = 50;

export async function courseOverview(
  db: Db,
  opts: { search: string; page: number },
): Promise<{ courses: repo.CourseOverview[]; total: number }> {
  const search = opts.search || undefined;
  const [courses, total] = await Promise.all([
    repo.listCourseOverview(db, {
      search,
      limit: COURSES_PER_PAGE,
      offset: (opts.page - 1) * COURSES_PER_PAGE,
    }),
    repo.countCourses(db, search),
  ]);
  return { courses, total };
}

/** The course and what its deletion removes; throws NotFoundError for an unknown id. */
export async function courseDeletionSummary(db: Db, courseId: number) {
  const course = await getCourse(db, courseId);
  return { course, ...(await repo.countCourseContents(db, courseId)) };
}

/** Deletes a course with everything in it (sections, activities, enrolments, grades cascade). */
export async function deleteCourseWithContents(db: Db, courseId: number) {
  const course = await getCourse(db, courseId);
  await deleteCourse(db, courseId);
  return course;
}
