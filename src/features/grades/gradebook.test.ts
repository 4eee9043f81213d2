import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { excludeHidden, formatGrade, formatPercentage, graderReport, userReport } from "./gradebook.js";
import type { GradeRow } from "./grades.service.js";
import type { ReportItem } from "./grades-seen.service.js";

const item = (id: number, activityId: number | null, name: string, maxGrade: number): ReportItem => ({
  id,
  courseId: 1,
  activityId,
  name,
  maxGrade,
  passGrade: null,
  hidden: false,
  kind: activityId === null ? "total" : "activity",
});
const total = item(1, null, "Course total", 30);
const quiz = item(2, 10, "Quiz", 10);
const essay = item(3, 11, "Essay", 20);
const row = (
  itemId: number,
  userId: number,
  grade: number | null,
  over: Partial<GradeRow> = {},
): GradeRow => ({
  itemId,
  userId,
  activityId: null,
  grade,
  maxGrade: 0,
  feedback: "",
  source: "teacher",
  updatedAt: "2026-01-01T00:00:00.000Z",
  hidden: false,
  progress: "final",
  ...over,
});

describe("gradebook reports", () => {
  it("puts the course total last and fills each user's cells by item", () => {
    const r = graderReport(
      [total, quiz, essay],
      [{ userId: 5, username: "s", firstname: "S", lastname: "T" }],
      [row(3, 5, 12), row(1, 5, 12), row(2, 6, 9)],
    );
    assert.deepEqual(
      r.items.map((i) => i.name),
      ["Quiz", "Essay", "Course total"],
    );
    assert.deepEqual(
      r.rows[0]?.cells.map((c) => c?.grade ?? null),
      [null, 12, 12],
    );
  });

  it("gives a user report only the user's own grades", () => {
    const lines = userReport([total, quiz], 5, [row(2, 6, 9), row(2, 5, 4)]);
    assert.deepEqual(
      lines.map((l) => [l.item.name, l.grade?.grade ?? null]),
      [
        ["Quiz", 4],
        ["Course total", null],
      ],
    );
  });

  describe("for someone who may not see hidden activities", () => {
    const hiddenEssay: ReportItem = { ...essay, hidden: true };
    const homework = item(4, 12, "Homework", 5);
    const items = [total, quiz, hiddenEssay, homework];
    const at = (day: number) => `2026-01-0${day}T00:00:00.000Z`;
    const grades = [
      row(1, 5, 22, { maxGrade: 35, source: "system", updatedAt: at(9) }),
      row(2, 5, 4, { activityId: 10, maxGrade: 10, updatedAt: at(2) }),
      row(3, 5, 15, { activityId: 11, maxGrade: 20, hidden: true, feedback: "HIDDEN", updatedAt: at(9) }),
      row(4, 5, 3, { activityId: 12, maxGrade: 5, updatedAt: at(3) }),
      row(1, 6, 15, { maxGrade: 35, source: "system", updatedAt: at(9) }),
      row(3, 6, 15, { activityId: 11, maxGrade: 20, hidden: true, updatedAt: at(9) }),
      row(1, 7, null, { maxGrade: 35, source: "system", updatedAt: at(4) }),
      row(2, 7, null, { activityId: 10, maxGrade: 10, updatedAt: at(4) }),
    ];
    const seen = excludeHidden(items, grades);

    it("leaves out hidden items and their grades", () => {
      assert.deepEqual(
        seen.items.map((i) => i.name),
        ["Course total", "Quiz", "Homework"],
      );
      assert.ok(seen.grades.every((g) => g.itemId !== hiddenEssay.id && !g.hidden));
    });

    it("counts only visible items in the course total's maximum and each user's total", () => {
      assert.equal(seen.items[0]?.maxGrade, 15);
      const totals = seen.grades.filter((g) => g.activityId === null);
      assert.deepEqual(
        totals.map((g) => [g.userId, g.grade, g.maxGrade, g.updatedAt, g.source, g.feedback]),
        [
          [5, 7, 15, at(3), "system", ""],
          [7, null, 15, at(4), "system", ""],
        ],
        "the total's time is the latest visible grade's; a user with only hidden grades has no total",
      );
      assert.deepEqual(
        seen.grades.map((g) => [g.userId, g.itemId]),
        [
          [5, 1],
          [5, 2],
          [5, 4],
          [7, 1],
          [7, 2],
        ],
      );
    });

    it("gives the same course total as the stored one when nothing is hidden", () => {
      const visible = excludeHidden([total, quiz, essay], [row(1, 5, 12), row(3, 5, 12, { activityId: 11 })]);
      assert.deepEqual(visible.items, [total, quiz, essay]);
      assert.deepEqual(
        visible.grades.map((g) => [g.itemId, g.grade, g.maxGrade]),
        [
          [1, 12, 30],
          [3, 12, 0],
        ],
      );
    });
  });

  it("formats grades and percentages for reading", () => {
    assert.equal(formatGrade(7), "7");
    assert.equal(formatGrade(7.125), "7.13");
    assert.equal(formatGrade(null), "–");
    assert.equal(formatPercentage(7.5, 10), "75 %");
    assert.equal(formatPercentage(1, 3), "33.3 %");
    assert.equal(formatPercentage(5, 0), "–");
  });
});

describe("gradebook reports with a tool's column and pending grades", () => {
  const column: ReportItem = { ...item(5, null, "Tool essay", 30), kind: "tool" };
  const items = [total, quiz, column];

  it("puts a tool's column (no activity) among the items, not as the course total", () => {
    const r = graderReport(items, [{ userId: 5, username: "s", firstname: "S", lastname: "T" }], []);
    assert.deepEqual(
      r.items.map((i) => i.name),
      ["Quiz", "Tool essay", "Course total"],
    );
  });

  it("counts the tool's column in the visible total and leaves pending grades out", () => {
    const seen = excludeHidden(items, [
      row(2, 5, 4, { activityId: 10, maxGrade: 10 }),
      row(5, 5, 20, { maxGrade: 30 }),
      row(2, 6, 6, { activityId: 10, maxGrade: 10 }),
      row(5, 6, 25, { maxGrade: 30, progress: "needs_grading" }),
      row(5, 7, 10, { maxGrade: 30, progress: "pending" }),
    ]);
    assert.equal(seen.items.find((i) => i.kind === "total")?.maxGrade, 40);
    const totals = seen.grades.filter((g) => g.itemId === total.id).map((g) => [g.userId, g.grade]);
    assert.deepEqual(totals, [
      [5, 24],
      [6, 6],
      [7, null],
    ]);
    assert.equal(
      seen.grades.find((g) => g.userId === 6 && g.itemId === column.id)?.progress,
      "needs_grading",
    );
  });
});
