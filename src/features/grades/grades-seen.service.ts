// What a viewer is shown of a course's gradebook. Those who may see hidden activities
// (course:viewhidden, as on the course page) get every item and grade, hidden ones marked; everyone
// else gets no trace of a hidden activity, and course totals recomputed without it (see
// excludeHidden). Read-side only: the stored course total still counts every activity, as
// completion and LTI grade sync expect.
import type { Db } from "../../db/database.js";
import { excludeHidden } from "./gradebook.js";
import * as repo from "./grades.repository.js";

export type { ReportItem } from "./grades.repository.js";

export interface Viewer {
  /** Only this user's grades; every participant's when absent. */
  userId?: number;
  /** The viewer holds course:viewhidden. */
  includeHidden: boolean;
}

/** The grade items and grades the viewer is shown. */
export async function gradebookSeen(
  db: Db,
  courseId: number,
  viewer: Viewer,
): Promise<{ items: repo.ReportItem[]; grades: repo.GradeRow[] }> {
  const items = await repo.listReportItems(db, courseId);
  const grades = await repo.listCourseGrades(db, courseId, viewer.userId);
  return viewer.includeHidden ? { items, grades } : excludeHidden(items, grades);
}

/** The grades the viewer is shown (one query when nothing is left out). */
export async function listGradesSeen(db: Db, courseId: number, viewer: Viewer): Promise<repo.GradeRow[]> {
  if (viewer.includeHidden) return repo.listCourseGrades(db, courseId, viewer.userId);
  return (await gradebookSeen(db, courseId, viewer)).grades;
}

/** A grade item of the course the viewer may see, or undefined. */
export async function findItemSeen(
  db: Db,
  courseId: number,
  itemId: number,
  viewer: Pick<Viewer, "includeHidden">,
): Promise<repo.ReportItem | undefined> {
  const item = (await repo.listReportItems(db, courseId)).find((i) => i.id === itemId);
  return item && (viewer.includeHidden || !item.hidden) ? item : undefined;
}
