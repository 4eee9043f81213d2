import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGrade, formatPercentage, graderReport, userReport } from "./gradebook.js";
import type { GradeItem, GradeRow } from "./grades.service.js";

const total: GradeItem = {
  id: 1,
  courseId: 1,
  activityId: null,
  name: "Course total",
  maxGrade: 30,
  passGrade: null,
};
const quiz: GradeItem = { id: 2, courseId: 1, activityId: 10, name: "Quiz", maxGrade: 10, passGrade: null };
const essay: GradeItem = { id: 3, courseId: 1, activityId: 11, name: "Essay", maxGrade: 20, passGrade: null };
const row = (itemId: number, userId: number, grade: number | null): GradeRow => ({
  itemId,
  userId,
  activityId: null,
  grade,
  maxGrade: 0,
  feedback: "",
  source: "teacher",
  updatedAt: "2026-01-01T00:00:00.000Z",
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

  it("formats grades and percentages for reading", () => {
    assert.equal(formatGrade(7), "7");
    assert.equal(formatGrade(7.125), "7.13");
    assert.equal(formatGrade(null), "–");
    assert.equal(formatPercentage(7.5, 10), "75 %");
    assert.equal(formatPercentage(1, 3), "33.3 %");
    assert.equal(formatPercentage(5, 0), "–");
  });
});
