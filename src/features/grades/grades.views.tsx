// The gradebook pages: the grader report (teachers), the user report (a student's own grades),
// and one grade with its edit form and history. Items of activities hidden from students reach
// these pages only for viewers who may see them, and are marked.

import { formatInstant } from "../../shared/time-zone.js";
import { CourseLayout, type CourseRef } from "../../views/course-layout.js";
import { DataTable } from "../../views/data-table.js";
import { Csrf, type Errors, FormErrors, TextArea, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Capability } from "../roles/capabilities.js";
import {
  formatGrade,
  formatPercentage,
  type GraderReport,
  type ReportUser,
  type UserReportLine,
} from "./gradebook.js";
import type { GradeProgress } from "./grades.service.js";
import type { ReportItem } from "./grades-seen.service.js";

export const GRADEBOOK_TITLE = "Gradebook";
export const gradebookUrl = (courseId: number) => `/course/${courseId}/grades`;
export const gradeUrl = (courseId: number, itemId: number, userId: number) =>
  `/course/${courseId}/grades/${itemId}/${userId}`;

interface Frame {
  pc: PageContext;
  course: CourseRef;
  caps: ReadonlySet<Capability>;
}

const fullName = (u: ReportUser) => `${u.firstname} ${u.lastname}`.trim() || u.username;

export const SOURCE_LABELS: Record<string, string> = {
  teacher: "Teacher",
  quiz: "Quiz",
  external: "External tool",
  system: "Calculated",
};
const sourceLabel = (s: string) => SOURCE_LABELS[s] ?? s;

const HiddenBadge = ({ item }: { item: ReportItem }) =>
  item.hidden ? (
    <>
      {" "}
      <span class="badge">Hidden from students</span>
    </>
  ) : null;

export function GraderReportPage(p: Frame & { report: GraderReport; canEdit: boolean }) {
  const { pc, course, report } = p;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={GRADEBOOK_TITLE}
      crumbs={[{ label: GRADEBOOK_TITLE }]}
    >
      <h2>Grader report</h2>
      {report.rows.length === 0 ? <p>No students are enrolled in this course yet.</p> : null}
      <div class="table-wrap">
        <table class="grader-report">
          <caption class="visually-hidden">Grades of every student for every grade item</caption>
          <thead>
            <tr>
              <th scope="col">Student</th>
              {report.items.map((i) => (
                <th scope="col" key={i.id}>
                  {i.name} <span class="muted">/ {formatGrade(i.maxGrade)}</span>
                  <HiddenBadge item={i} />
                  {i.kind === "tool" ? <span class="badge">Tool column</span> : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.rows.map(({ user, cells }) => (
              <tr key={user.userId}>
                <th scope="row">
                  <a href={`${gradebookUrl(course.id)}/user/${user.userId}`}>{fullName(user)}</a>
                </th>
                {cells.map((cell, idx) => {
                  const item = report.items[idx] as ReportItem;
                  const action = p.canEdit && item.kind === "activity" ? "Edit grade" : "Grade history";
                  return (
                    <td key={item.id} class="num">
                      <a
                        href={gradeUrl(course.id, item.id, user.userId)}
                        aria-label={`${action}: ${item.name}, ${fullName(user)}, ${cell?.grade == null ? "no grade" : formatGrade(cell.grade)}${cell && cell.progress !== "final" ? `, ${PROGRESS_LABEL[cell.progress]}` : ""}`}
                      >
                        {formatGrade(cell?.grade)}
                      </a>
                      <ProgressBadge grade={cell} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </CourseLayout>
  );
}

export function UserReportPage(p: Frame & { user: ReportUser; lines: UserReportLine[]; own: boolean }) {
  const { pc, course } = p;
  const title = p.own ? GRADEBOOK_TITLE : `Grades of ${fullName(p.user)}`;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={
        p.own
          ? [{ label: GRADEBOOK_TITLE }]
          : [{ label: GRADEBOOK_TITLE, href: gradebookUrl(course.id) }, { label: title }]
      }
    >
      <h2>{p.own ? "My grades" : "User report"}</h2>
      {p.lines.some((l) => l.item.hidden) ? (
        <p class="help">
          Items hidden from students are not shown to the student, and the course total they see leaves them
          out.
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="user-report">
          <caption class="visually-hidden">Grades of {fullName(p.user)}</caption>
          <thead>
            <tr>
              <th scope="col">Grade item</th>
              <th scope="col">Grade</th>
              <th scope="col">Range</th>
              <th scope="col">Percentage</th>
              <th scope="col">Feedback</th>
            </tr>
          </thead>
          <tbody>
            {p.lines.map(({ item, grade }) => (
              <tr key={item.id} class={item.kind === "total" ? "total" : undefined}>
                <th scope="row">
                  {item.name}
                  <HiddenBadge item={item} />
                </th>
                <td class="num">
                  {formatGrade(grade?.grade)}
                  <ProgressBadge grade={grade} />
                </td>
                <td class="num">0–{formatGrade(item.maxGrade)}</td>
                <td class="num">{formatPercentage(grade?.grade, item.maxGrade)}</td>
                <td>{grade?.feedback ? <p class="feedback">{grade.feedback}</p> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </CourseLayout>
  );
}

/** How a grade that is not final yet is named (a tool's score not fully graded: not counted). */
export const PROGRESS_LABEL = { pending: "Pending", needs_grading: "Needs grading" } as const;

function ProgressBadge(p: { grade: { progress: GradeProgress } | undefined }) {
  if (!p.grade || p.grade.progress === "final") return null;
  return (
    <>
      {" "}
      <span class="badge" title="Not final yet: not counted in the course total">
        {PROGRESS_LABEL[p.grade.progress]}
      </span>
    </>
  );
}

export interface HistoryLine {
  createdAt: string;
  grade: number | null;
  feedback: string;
  source: string;
  actor: string;
}

export function GradePage(
  p: Frame & {
    item: ReportItem;
    user: ReportUser;
    current: { grade: number | null; feedback: string; source: string; updatedAt: string } | undefined;
    form: { grade: string; feedback: string } | undefined;
    errors: Errors;
    history: HistoryLine[];
  },
) {
  const { pc, course, item, user } = p;
  const title = `${item.name}: ${fullName(user)}`;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: GRADEBOOK_TITLE, href: gradebookUrl(course.id) }, { label: title }]}
    >
      {p.item.hidden ? (
        <p>
          <span class="badge">Hidden from students</span>
        </p>
      ) : null}
      <p>
        Current grade: <strong>{formatGrade(p.current?.grade)}</strong> out of {formatGrade(item.maxGrade)}
        {p.current
          ? ` (${sourceLabel(p.current.source)}, ${formatInstant(p.current.updatedAt, pc.timeZone)})`
          : ""}
      </p>
      {p.form ? (
        <>
          <FormErrors errors={p.errors} />
          <form method="post" action={gradeUrl(course.id, item.id, user.userId)} novalidate>
            <Csrf token={pc.csrf} />
            <TextField
              name="grade"
              label={`Grade (0–${formatGrade(item.maxGrade)})`}
              type="number"
              min={0}
              max={item.maxGrade}
              step="any"
              value={p.form.grade}
              errors={p.errors}
              help="Leave empty to remove the grade."
            />
            <TextArea name="feedback" label="Feedback" value={p.form.feedback} rows={4} errors={p.errors} />
            <div class="actions">
              <button type="submit" class="button">
                Save grade
              </button>
              <a href={gradebookUrl(course.id)}>Cancel</a>
            </div>
          </form>
        </>
      ) : item.kind === "total" ? (
        <p class="help">
          The course total is calculated from the activity grades; pending grades are not counted.
        </p>
      ) : item.kind === "tool" ? (
        <p class="help">This column was created by an external tool, which sends its grades.</p>
      ) : null}
      <h2>History</h2>
      <DataTable
        wrap
        class="grade-history"
        caption="Every change of this grade, newest first"
        captionHidden
        rows={p.history}
        rowKey={(h, i) => `${h.createdAt}-${i}`}
        empty="No changes yet."
        columns={[
          { header: "Time", cell: (h) => formatInstant(h.createdAt, pc.timeZone) },
          { header: "Grade", cell: (h) => formatGrade(h.grade), class: "num" },
          { header: "Feedback", cell: (h) => h.feedback },
          { header: "Source", cell: (h) => sourceLabel(h.source) },
          { header: "By", cell: (h) => h.actor },
        ]}
      />
    </CourseLayout>
  );
}
