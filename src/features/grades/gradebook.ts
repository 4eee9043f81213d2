// Pure assembly of the gradebook reports from grade items, grades and people; no I/O.
import type { GradeItem, GradeRow } from "./grades.service.js";

export interface ReportUser {
  userId: number;
  username: string;
  firstname: string;
  lastname: string;
}

export interface GraderReport {
  /** Activity items in course order, then the course total. */
  items: GradeItem[];
  rows: Array<{ user: ReportUser; cells: Array<GradeRow | undefined> }>;
}

/** Activity items first (by id, i.e. creation order), the course total last. */
export function orderItems(items: readonly GradeItem[]): GradeItem[] {
  return [...items.filter((i) => i.activityId !== null), ...items.filter((i) => i.activityId === null)];
}

export function graderReport(
  items: readonly GradeItem[],
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
  item: GradeItem;
  grade: GradeRow | undefined;
}

export function userReport(
  items: readonly GradeItem[],
  userId: number,
  grades: readonly GradeRow[],
): UserReportLine[] {
  const mine = new Map(grades.filter((g) => g.userId === userId).map((g) => [g.itemId, g]));
  return orderItems(items).map((item) => ({ item, grade: mine.get(item.id) }));
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
