// Pure assembly of the gradebook reports from grade items, grades and people; no I/O.
import type { ReportItem } from "./grades.repository.js";
import type { GradeItem, GradeRow } from "./grades.service.js";

export interface ReportUser {
  userId: number;
  username: string;
  firstname: string;
  lastname: string;
}

export interface GraderReport {
  /** Activity items in course order, then the course total. */
  items: ReportItem[];
  rows: Array<{ user: ReportUser; cells: Array<GradeRow | undefined> }>;
}

/** Activity items and tools' columns first (by id, i.e. creation order), the course total last. */
export function orderItems<T extends GradeItem>(items: readonly T[]): T[] {
  return [...items.filter((i) => i.kind !== "total"), ...items.filter((i) => i.kind === "total")];
}

export function graderReport(
  items: readonly ReportItem[],
  users: readonly ReportUser[],
  grades: readonly GradeRow[],
): GraderReport {
  const ordered = orderItems(items);
  const byKey = new Map(grades.map((g) => [`${g.itemId}:${g.userId}`, g]));
  return {
    items: ordered,
    rows: users.map((user) => ({
      user,
      cells: ordered.map((item) => byKey.get(`${item.id}:${user.userId}`)),
    })),
  };
}

export interface UserReportLine {
  item: ReportItem;
  grade: GradeRow | undefined;
}

export function userReport(
  items: readonly ReportItem[],
  userId: number,
  grades: readonly GradeRow[],
): UserReportLine[] {
  const mine = new Map(grades.filter((g) => g.userId === userId).map((g) => [g.itemId, g]));
  return orderItems(items).map((item) => ({ item, grade: mine.get(item.id) }));
}

/**
 * The gradebook as someone who may not see hidden activities is shown it ("show totals excluding
 * hidden items"): no hidden item and no grade of one, and the course total recomputed from what is
 * left, its maximum the sum of the visible items' maxima and each user's total the sum of their
 * visible grades (none → no grade, as the stored total), so no hidden grade can be derived from it.
 * The stored totals in `grades`, which count hidden items, are replaced.
 */
export function excludeHidden(
  items: readonly ReportItem[],
  grades: readonly GradeRow[],
): { items: ReportItem[]; grades: GradeRow[] } {
  const shown = new Map(items.filter((i) => !i.hidden && i.kind !== "total").map((i) => [i.id, i]));
  const max = [...shown.values()].reduce((sum, i) => sum + i.maxGrade, 0);
  const total = items.find((i) => i.kind === "total");
  const visibleItems = items
    .filter((i) => i === total || shown.has(i.id))
    .map((i) => (i === total ? { ...i, maxGrade: max } : i));
  const activityGrades = grades.filter((g) => g.itemId !== total?.id && !g.hidden && shown.has(g.itemId));
  if (!total) return { items: visibleItems, grades: activityGrades };
  const byUser = new Map<number, GradeRow[]>();
  for (const g of activityGrades) {
    const mine = byUser.get(g.userId);
    if (mine) mine.push(g);
    else byUser.set(g.userId, [g]);
  }
  const totals = [...byUser].map(([userId, mine]): GradeRow => {
    // A pending grade (the tool has not fully graded it) is shown as such, not counted.
    const graded = mine.filter((g) => g.grade !== null && g.progress === "final");
    return {
      userId,
      itemId: total.id,
      activityId: null,
      grade: graded.length === 0 ? null : graded.reduce((sum, g) => sum + (g.grade ?? 0), 0),
      maxGrade: max,
      feedback: "",
      source: "system",
      updatedAt:
        mine
          .map((g) => g.updatedAt)
          .sort()
          .at(-1) ?? "",
      hidden: false,
      progress: "final",
    };
  });
  return {
    items: visibleItems,
    grades: [...activityGrades, ...totals].sort((a, b) => a.userId - b.userId || a.itemId - b.itemId),
  };
}

/** 7.5 → "7.5", 7 → "7", 7.125 → "7.13", null → "–". */
export function formatGrade(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

export function formatPercentage(value: number | null | undefined, max: number): string {
  if (value === null || value === undefined || max <= 0) return "–";
  return `${Math.round((value / max) * 1000) / 10} %`;
}
