// Assignment views: the student's submission box, the teachers' submissions table, the grading page.
import { formatInstant } from "../../../shared/time-zone.js";
import { CourseLayout } from "../../../views/course-layout.js";
import { DataTable } from "../../../views/data-table.js";
import { FormProblem } from "../../../views/form-problem.js";
import { Csrf, type Errors, TextArea, TextField } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";
import type { Course } from "../../courses/courses.service.js";
import type { Capability } from "../../roles/capabilities.js";
import type { Activity } from "../activity-types.js";
import type { AssignSettings, Submission } from "./assign.service.js";

export const fmt = (n: number) => String(Math.round(n * 100) / 100);

export function Instructions({ text }: { text: string }) {
  return text ? <div class="instructions preformatted">{text}</div> : null;
}

export function StudentAssignView(p: {
  pc: PageContext;
  activity: Activity<AssignSettings>;
  submission: Submission | undefined;
  grade: { grade: number | null; feedback: string } | undefined;
}) {
  const { activity, submission, grade } = p;
  const when = (t: string) => formatInstant(t, p.pc.timeZone);
  return (
    <>
      <Instructions text={activity.settings.instructions} />
      {grade && grade.grade !== null ? (
        <section aria-labelledby="your-grade" class="grade-box">
          <h2 id="your-grade">Your grade</h2>
          <p>
            {fmt(grade.grade)} / {fmt(activity.settings.maxGrade)}
          </p>
          {grade.feedback ? <div class="preformatted">{grade.feedback}</div> : null}
        </section>
      ) : null}
      <section aria-labelledby="your-submission">
        <h2 id="your-submission">Your submission</h2>
        <p>
          {submission
            ? `Submitted on ${when(submission.submittedAt)}, last changed ${when(submission.updatedAt)}.`
            : "Not submitted yet."}
        </p>
        <form method="post" action={`/mod/${activity.id}/submission`}>
          <Csrf token={p.pc.csrf} />
          <TextArea name="text" label="Submission text" value={submission?.text ?? ""} rows={10} required />
          <button type="submit">{submission ? "Save changes" : "Submit assignment"}</button>
        </form>
      </section>
    </>
  );
}

export interface SubmissionRow {
  userId: number;
  name: string;
  submission: Submission | undefined;
  grade: number | null;
}

export function TeacherAssignView({
  pc,
  activity,
  rows,
}: {
  pc: PageContext;
  activity: Activity<AssignSettings>;
  rows: SubmissionRow[];
}) {
  return (
    <>
      <Instructions text={activity.settings.instructions} />
      <p>Maximum grade: {fmt(activity.settings.maxGrade)}</p>
      <table>
        <caption>Submissions</caption>
        <thead>
          <tr>
            <th scope="col">Student</th>
            <th scope="col">Status</th>
            <th scope="col">Grade</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={4}>No students are enrolled yet.</td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.userId}>
                <th scope="row">{r.name}</th>
                <td>
                  {r.submission
                    ? `Submitted ${formatInstant(r.submission.updatedAt, pc.timeZone)}`
                    : "Not submitted"}
                </td>
                <td>{r.grade === null ? "–" : `${fmt(r.grade)} / ${fmt(activity.settings.maxGrade)}`}</td>
                <td>
                  <a href={`/mod/${activity.id}/grade/${r.userId}`}>
                    Grade<span class="visually-hidden"> {r.name}</span>
                  </a>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </>
  );
}

export interface HistoryRow {
  at: string;
  grade: number | null;
  feedback: string;
  source: string;
  by: string;
}

export function GradeSubmissionPage(p: {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  activity: Activity<AssignSettings>;
  student: { id: number; name: string };
  submission: Submission | undefined;
  values: { grade?: string | number | null; feedback?: string };
  errors: Errors;
  history: HistoryRow[];
}) {
  const { pc, activity, student } = p;
  const when = (t: string) => formatInstant(t, pc.timeZone);
  const title = `Grade ${student.name}`;
  return (
    <CourseLayout
      pc={pc}
      course={p.course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: activity.name, href: `/mod/${activity.id}` }, { label: title }]}
    >
      <section aria-labelledby="submission-h">
        <h2 id="submission-h">Submission</h2>
        {p.submission ? (
          <>
            <p class="muted">
              Submitted on {when(p.submission.submittedAt)}, last changed {when(p.submission.updatedAt)}.
            </p>
            <div class="preformatted submission">{p.submission.text}</div>
          </>
        ) : (
          <p>Not submitted yet.</p>
        )}
      </section>
      <form method="post" action={`/mod/${activity.id}/grade/${student.id}`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem errors={p.errors} />
        <TextField
          name="grade"
          label={`Grade out of ${fmt(activity.settings.maxGrade)}`}
          type="number"
          step="any"
          min={0}
          max={activity.settings.maxGrade}
          value={p.values.grade ?? ""}
          errors={p.errors}
          required
        />
        <TextArea
          name="feedback"
          label="Feedback"
          value={p.values.feedback ?? ""}
          errors={p.errors}
          rows={5}
        />
        <button type="submit">Save grade</button>
      </form>
      <DataTable
        caption="Grade history"
        rows={p.history}
        rowKey={(h, i) => `${h.at}-${i}`}
        empty="No grade yet."
        emptyInTable
        columns={[
          { header: "When", cell: (h) => when(h.at) },
          { header: "Grade", cell: (h) => (h.grade === null ? "–" : fmt(h.grade)) },
          { header: "Feedback", cell: (h) => h.feedback },
          { header: "Source", cell: (h) => h.source },
          { header: "By", cell: (h) => h.by },
        ]}
      />
    </CourseLayout>
  );
}
